// Phone filing: fill the hidden latitude/longitude fields from the phone's GPS (WGS-84).
(function () {
  var btn = document.getElementById("locate-btn");
  var status = document.getElementById("locate-status");
  if (!btn) { return; }
  btn.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = "此设备不支持定位，请选择点位或填写地址。"; return; }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      status.textContent = "已定位：" + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
    }, function () {
      status.textContent = "定位失败，请选择点位或填写地址。";
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
