// Questionnaire editor: a refused change answers 400 with the page and the message next to
// the item; htmx swaps error responses only when told to.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (event.detail.xhr.status === 400 && target && target.id === "survey-builder") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
