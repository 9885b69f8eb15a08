// Quiz form: before sending, warn when some questions have no answer, because every submission uses one of the
// limited attempts. Without JavaScript the form is sent as it is and graded the same way.
document.querySelectorAll("form[data-quiz]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    const unanswered = [...form.querySelectorAll("fieldset")].filter((fieldset) => !fieldset.querySelector("input:checked"));
    if (unanswered.length === 0) return;
    const message =
      unanswered.length === 1
        ? "Non hai risposto a una domanda. Ogni invio conta come un tentativo: vuoi inviare comunque?"
        : `Non hai risposto a ${unanswered.length} domande. Ogni invio conta come un tentativo: vuoi inviare comunque?`;
    if (!window.confirm(message)) {
      event.preventDefault();
      unanswered[0].querySelector("input")?.focus();
    }
  });
});
