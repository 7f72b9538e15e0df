// The inspector's "nearby points" list. The server sorts by distance once the page's address
// carries the phone's position (?lat=&lng=): this script asks for the position and reopens the
// page with it. With no signal (the kept copy of the page) it sorts the shown points itself.
(function () {
  const list = document.getElementById("nearby-list");
  const status = document.getElementById("geo-status");
  const text = document.getElementById("geo-text");
  const again = document.getElementById("geo-again");
  const search = document.getElementById("nearby-search");
  if (!list || !status) return;
  const items = Array.from(list.querySelectorAll(".nearby-item"));
  const here = new URL(window.location.href);

  function haversine(lat1, lng1, lat2, lng2) {
    const rad = Math.PI / 180;
    const dp = (lat2 - lat1) * rad;
    const dl = (lng2 - lng1) * rad;
    const a = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function sortHere(lat, lng) {
    items.forEach((item) => {
      const d = haversine(lat, lng, +item.dataset.lat, +item.dataset.lng);
      item.dataset.distance = d;
      item.querySelector(".distance").textContent = d < 1000 ? Math.round(d) + " 米" : (d / 1000).toFixed(1) + " 公里";
    });
    items.sort((a, b) => a.dataset.distance - b.dataset.distance).forEach((item) => list.appendChild(item));
  }

  function reopenAt(pos) {
    const url = new URL(window.location.href);
    url.searchParams.set("lat", pos.coords.latitude.toFixed(6));
    url.searchParams.set("lng", pos.coords.longitude.toFixed(6));
    url.searchParams.delete("n");
    window.location.replace(url.toString());
  }

  function locate(first) {
    if (!navigator.geolocation) {
      text.textContent = "此设备不支持定位，点位按名称排列。";
      return;
    }
    text.textContent = "正在获取您的位置…";
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        if (navigator.onLine === false) {
          sortHere(pos.coords.latitude, pos.coords.longitude);
          text.textContent = "当前无网络：已按距离排列本页的点位。";
        } else {
          reopenAt(pos);
        }
      },
      () => {
        text.textContent = first ? "未能获取位置（请允许定位），点位按名称排列。" : "未能获取位置，请稍后再试。";
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  }

  if (search) {
    search.addEventListener("input", () => {
      const value = search.value.trim();
      items.forEach((item) => item.classList.toggle("d-none", value !== "" && !item.dataset.name.includes(value)));
    });
  }
  if (again) {
    again.classList.remove("d-none");
    again.addEventListener("click", () => locate(false));
  }
  // Only a page opened without a position asks at once; a page already at a position (or its
  // kept copy, served with no signal) never reopens itself, so it cannot loop.
  if (!here.searchParams.has("lat") && !status.dataset.located) locate(true);
})();
