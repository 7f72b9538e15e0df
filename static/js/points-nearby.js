// The inspector's "nearby points" list: sorted by distance from the phone's position.
(function () {
  const list = document.getElementById("nearby-list");
  const status = document.getElementById("geo-status");
  const search = document.getElementById("nearby-search");
  if (!list) return;
  const items = Array.from(list.querySelectorAll(".nearby-item"));

  function haversine(lat1, lng1, lat2, lng2) {
    const rad = Math.PI / 180;
    const dp = (lat2 - lat1) * rad;
    const dl = (lng2 - lng1) * rad;
    const a = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function sortBy(lat, lng) {
    items.forEach((item) => {
      const d = haversine(lat, lng, +item.dataset.lat, +item.dataset.lng);
      item.dataset.distance = d;
      item.querySelector(".distance").textContent = d < 1000 ? Math.round(d) + " 米" : (d / 1000).toFixed(1) + " 公里";
    });
    items.sort((a, b) => a.dataset.distance - b.dataset.distance).forEach((item) => list.appendChild(item));
  }

  if (search) {
    search.addEventListener("input", () => {
      const text = search.value.trim();
      items.forEach((item) => item.classList.toggle("d-none", text !== "" && !item.dataset.name.includes(text)));
    });
  }
  if (!navigator.geolocation) {
    status.textContent = "此设备不支持定位，点位按名称排列。";
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      sortBy(pos.coords.latitude, pos.coords.longitude);
      status.textContent = "已按与您的距离排序（定位精度约 " + Math.round(pos.coords.accuracy) + " 米）。";
    },
    () => { status.textContent = "未能获取位置（请允许定位），点位按名称排列。"; },
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
  );
})();
