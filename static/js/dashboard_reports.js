// Reports page: the start and end dates matter only for a report on demand (临时报告).
(function () {
  var kind = document.getElementById("id_kind");
  if (!kind) { return; }
  kind.addEventListener("change", function () {
    document.querySelectorAll(".report-dates").forEach(function (el) {
      el.classList.toggle("d-none", kind.value !== "on_demand");
    });
  });
})();
