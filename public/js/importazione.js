// Progress page of a back-office import: while the import runs, fetch the page every two seconds and
// show the new progress; once it has ended, load the page with the summary. Without JavaScript the page
// offers an «Aggiorna» link instead.
(function () {
  var section = document.getElementById("avanzamento");
  if (!section) return;
  function poll() {
    fetch(window.location.href, { headers: { accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("avanzamento");
        if (!next) return;
        var state = next.getAttribute("data-stato");
        if (state === "done" || state === "failed") {
          window.location.reload();
          return;
        }
        section.innerHTML = next.innerHTML;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
