// 文明随手拍 form: fill the hidden latitude/longitude from the phone's GPS (WGS-84) or a tap
// on the map (when a tile server is configured), preview the chosen photos, and keep the
// submit button from being pressed twice. Without script the form still posts (address).
(function () {
  var lat = document.getElementById("latitude");
  var lng = document.getElementById("longitude");
  var status = document.getElementById("locate-status");
  var marker = null;
  var map = null;
  var mapEl = document.getElementById("civic-map");

  function place(la, ln, how) {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    status.textContent = how + "：" + la.toFixed(5) + ", " + ln.toFixed(5);
    if (map) {
      if (marker) { marker.setLatLng([la, ln]); } else { marker = L.circleMarker([la, ln], { radius: 9, color: "#fff", weight: 2, fillColor: "#b71c1c", fillOpacity: 0.9 }).addTo(map); }
      map.setView([la, ln], Math.max(map.getZoom(), 16));
    }
  }

  if (mapEl && window.ccmsMap) {
    map = window.ccmsMap(mapEl).setView([+(lat.value || 38.933), +(lng.value || 100.455)], 13);
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, "已在地图上选点"); });
    if (lat.value && lng.value) { place(+lat.value, +lng.value, "已定位"); }
  }

  var btn = document.getElementById("locate-btn");
  if (btn) {
    btn.addEventListener("click", function () {
      if (!navigator.geolocation) {
        status.textContent = "此手机浏览器不支持定位，请在地图上选点或填写地址。";
        return;
      }
      status.textContent = "正在定位，请稍候…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(pos.coords.latitude, pos.coords.longitude, "已定位");
      }, function () {
        status.textContent = "定位失败（可能未允许定位），请在地图上选点或填写地址。";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  var input = document.getElementById("photos");
  var preview = document.getElementById("photo-preview");
  if (input && preview && window.URL && URL.createObjectURL) {
    input.addEventListener("change", function () {
      preview.textContent = "";
      Array.prototype.slice.call(input.files, 0, 3).forEach(function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        preview.appendChild(img);
      });
    });
  }

  var form = document.getElementById("civic-form");
  var submit = document.getElementById("submit-btn");
  if (form && submit) {
    form.addEventListener("submit", function () {
      submit.disabled = true;
      submit.textContent = "正在提交，请稍候…";
    });
  }
})();
