// Search suggestions as the user types (progressive enhancement: the form works without it).
document.querySelectorAll("input[data-suggest-url]").forEach(function (input) {
  var list = document.getElementById(input.getAttribute("list"));
  var timer = null, last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (!q || q === last) return;
      last = q;
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (titles) {
          list.replaceChildren.apply(list, titles.map(function (t) { var o = document.createElement("option"); o.value = t; return o; }));
        })
        .catch(function () {});
    }, 150);
  });
});
