// Live Markdown preview for the press editor. Without this file the
// "Anteprima" button renders the same preview on the server.
(function () {
  "use strict";
  var preview = document.getElementById("anteprima");
  var body = document.getElementById("campo-body");
  if (!preview || !body) return;
  var endpoint = preview.getAttribute("data-endpoint");
  var timer = null;
  var latest = 0;

  function refresh() {
    var request = ++latest;
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ markdown: body.value }),
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        // The server returns HTML already sanitised with an allow-list.
        if (data && request === latest) preview.innerHTML = data.html;
      })
      .catch(function () {
        /* the "Anteprima" button still works */
      });
  }

  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  if (body.value) refresh();
})();
