// Suggestions for the help center's search box while typing. Progressive enhancement: without
// this script the search form works as a plain form.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) return;
  var box = document.getElementById(input.getAttribute("aria-controls"));
  if (!box) return;
  var timer = null, last = "", pending = null;

  function clear() {
    while (box.firstChild) box.removeChild(box.firstChild);
    box.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function show(items) {
    clear();
    items.forEach(function (item) {
      // Only links of this site, as the server sends them ("/help/...").
      if (!item || typeof item.url !== "string" || item.url.charAt(0) !== "/" || item.url.charAt(1) === "/") return;
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      li.appendChild(a);
      box.appendChild(li);
    });
    box.hidden = !box.firstChild;
    input.setAttribute("aria-expanded", box.hidden ? "false" : "true");
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (!q) { clear(); return; }
      if (pending) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      fetch(input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q),
            {credentials: "same-origin", headers: {Accept: "application/json"}, signal: pending ? pending.signal : undefined})
        .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
        .then(function (data) { if (input.value.trim() === q) show(data.suggestions || []); })
        .catch(function () {});
    }, 250);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") clear();
    if (event.key === "ArrowDown" && box.firstChild) { event.preventDefault(); box.querySelector("a").focus(); }
  });
  box.addEventListener("keydown", function (event) {
    var item = document.activeElement && document.activeElement.parentNode;
    if (event.key === "ArrowDown" && item && item.nextSibling) { event.preventDefault(); item.nextSibling.firstChild.focus(); }
    if (event.key === "ArrowUp" && item) {
      event.preventDefault();
      if (item.previousSibling) item.previousSibling.firstChild.focus(); else input.focus();
    }
    if (event.key === "Escape") { clear(); input.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target !== input && !box.contains(event.target)) clear();
  });
})();
