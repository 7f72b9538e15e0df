// Filing form: as the description is typed, offer the three likeliest categories (best
// first) from the city's own closed issues; a tap selects one. Silent when the city has no
// model yet or the request fails: the category list works as before.
(function () {
  var text = document.getElementById("id_description");
  var select = document.getElementById("id_category");
  if (!text || !select || !window.fetch) { return; }
  var url = text.getAttribute("data-suggest-url");
  var box = document.createElement("div");
  box.className = "category-suggest mt-2 small";
  box.setAttribute("aria-live", "polite");
  text.parentNode.insertBefore(box, text.nextSibling);
  var timer = null;
  var asked = "";

  function show(results) {
    box.textContent = "";
    if (!results.length) { return; }
    var label = document.createElement("span");
    label.className = "text-muted me-1";
    label.textContent = "推荐类别：";
    box.appendChild(label);
    results.forEach(function (r, n) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-sm me-1 mb-1 " + (n === 0 ? "btn-outline-primary" : "btn-outline-secondary");
      b.textContent = r.name;
      b.title = "可能性 " + Math.round(r.score * 100) + "%";
      b.setAttribute("data-category", r.id);
      if (String(select.value) === String(r.id)) { b.classList.add("active"); }
      b.addEventListener("click", function () {
        select.value = String(r.id);
        select.dispatchEvent(new Event("change", { bubbles: true }));
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) { x.classList.remove("active"); });
        b.classList.add("active");
      });
      box.appendChild(b);
    });
  }

  function ask() {
    var value = text.value.trim();
    if (value.length < 2) { show([]); return; }
    if (value === asked) { return; }
    asked = value;
    fetch(url + "?text=" + encodeURIComponent(value.slice(0, 2000)), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) { if (asked === value) { show(body.results || []); } })
      .catch(function () { show([]); });
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  if (text.value) { ask(); }
})();
