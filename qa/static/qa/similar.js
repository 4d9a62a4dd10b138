// Similar questions and FAQ entries while a question is typed (progressive enhancement: the
// form works without it). The server renders the list; this only fetches and shows it.
(function () {
  var box = document.getElementById("qa-similar");
  if (!box) return;
  var input = document.getElementById(box.dataset.source);
  if (!input) return;
  var timer = null, last = "", seq = 0;
  function look() {
    var q = input.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 2) { box.replaceChildren(); return; }
    var mine = ++seq;
    fetch(box.dataset.similarUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (mine === seq) box.innerHTML = html; })
      .catch(function () {});
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(look, 350);
  });
  if (input.value.trim()) look();
})();
