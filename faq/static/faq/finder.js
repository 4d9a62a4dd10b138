// Answer finder: results while typing, copying an answer, and feedback without leaving the page.
// Everything works without this script (plain forms); it only saves the agent clicks.
(function () {
  "use strict";

  function copyText(text, done) {
    // navigator.clipboard needs a secure context; an intranet on plain http falls back.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
    } else {
      fallbackCopy(text, done);
    }
  }

  function fallbackCopy(text, done) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } finally { document.body.removeChild(area); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".faq-copy");
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    copyText(source.value, function () {
      var label = button.textContent;
      button.textContent = button.dataset.done;
      button.classList.add("copied");
      setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 2000);
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches(".faq-vote, .faq-flag")) return;
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    fetch(form.action, { method: "POST", body: data, headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        form.querySelector(".faq-feedback-done").hidden = false;
      })
      .catch(function () { form.submit(); });
  });

  var form = document.getElementById("faq-finder-form");
  var results = document.getElementById("faq-results");
  if (!form || !results) return;
  var timer = null;
  var latest = 0;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    if (!params.get("q").trim()) { results.innerHTML = ""; return; }
    params.set("live", "1");
    var ticket = ++latest;
    fetch(form.action + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null && ticket === latest) results.innerHTML = html; });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  });
})();
