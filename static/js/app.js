// Shared behaviour for every page. htmx requests carry the CSRF token from the cookie-less
// <meta> the pages render, so no inline script is needed.
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});
// Buttons that ask before acting: <button data-confirm="确定销号？">
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
