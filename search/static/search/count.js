// Past its counting window a search page says "more than n results"; once the hits are shown,
// ask for the exact count (it walks every match, so it is not worth delaying the page for).
document.querySelectorAll("[data-count-url]").forEach(function (line) {
  fetch(line.dataset.countUrl, {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (data) line.textContent = line.dataset.countText.replace("__N__", data.total.toLocaleString());
    })
    .catch(function () {});
});
