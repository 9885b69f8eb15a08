/*
 * The SCORM player: creates the scorm-again runtime (window.API for SCORM 1.2,
 * window.API_1484_11 for SCORM 2004) with the learner's saved CMI data, then
 * opens the package page in the frame. Every commit is sent, synchronously
 * as SCORM expects, to the page's own commit address.
 */
(function () {
  "use strict";
  var player = document.getElementById("scorm-player");
  var frame = document.getElementById("scorm-frame");
  var status = document.getElementById("scorm-stato");
  if (!player || !frame) return;
  var version = player.getAttribute("data-version");
  var Runtime = version === "1.2" ? window.Scorm12API : window.Scorm2004API;
  if (typeof Runtime !== "function") {
    if (status) status.textContent = "Non è stato possibile avviare l'attività: ricarica la pagina.";
    return;
  }
  var say = function (message) {
    if (status && message) status.textContent = message;
  };
  var time = function () {
    return new Date().toLocaleTimeString("it-IT", { hour: "2-digit", minute: "2-digit" });
  };
  var api = new Runtime({
    lmsCommitUrl: player.getAttribute("data-commit-url"),
    dataCommitFormat: "flattened",
    autocommit: true,
    autocommitSeconds: 30,
    commitRequestDataType: "application/json;charset=UTF-8",
    terminationCommitContentType: "application/json;charset=UTF-8",
    fetchMode: "same-origin",
    logLevel: 5,
    xhrResponseHandler: function (xhr) {
      var answer = {};
      try {
        answer = JSON.parse(xhr.responseText || "{}");
      } catch (error) {
        answer = {};
      }
      if (xhr.status >= 200 && xhr.status < 300 && answer.result === true) {
        say(answer.completed ? "Attività completata: progressi salvati alle " + time() + "." : "Progressi salvati alle " + time() + ".");
        return { result: true, errorCode: 0 };
      }
      say(answer.message || "I progressi non sono stati salvati: controlla la connessione e riprova.");
      return { result: false, errorCode: 101 };
    },
  });
  var saved = {};
  try {
    saved = JSON.parse(player.getAttribute("data-cmi") || "{}");
  } catch (error) {
    saved = {};
  }
  api.loadFromFlattenedJSON(saved, "");
  if (version === "1.2") window.API = api;
  else window.API_1484_11 = api;
  // Leaving the page without the package finishing the session: close it, so what was set is saved.
  window.addEventListener("pagehide", function () {
    try {
      if (api.isInitialized() && !api.isTerminated()) {
        if (version === "1.2") api.LMSFinish("");
        else api.Terminate("");
      }
    } catch (error) {
      /* nothing more can be done while the page goes away */
    }
  });
  frame.setAttribute("src", player.getAttribute("data-src"));
})();
