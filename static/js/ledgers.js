// Ledger pages: a "select all" box for the copy-from-last-year list.
document.addEventListener("change", (event) => {
  const box = event.target.closest("[data-check-all]");
  if (!box) return;
  const name = box.dataset.checkAll;
  document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((el) => {
    el.checked = box.checked;
  });
});
