// Phone filing: fill the hidden latitude/longitude fields from the phone's GPS (WGS-84).
(function () {
  var btn = document.getElementById("locate-btn");
  var status = document.getElementById("locate-status");
  if (!btn) { return; }
  btn.addEventListener("click", function () {
    if (!navigator.geolocation || window.isSecureContext === false) {
      status.textContent = "此浏览器无法定位（需通过 https 打开本站），请选择点位或填写地址。";
      return;
    }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      status.textContent = "已定位：" + pos.coords.latitude.toFixed(5) + ", " +
        pos.coords.longitude.toFixed(5) + "（精度约 ±" + Math.round(pos.coords.accuracy) + " 米）";
    }, function (err) {
      status.textContent = {
        1: "您拒绝了位置权限：请在手机或微信的设置里允许本网站使用位置，或选择点位、填写地址。",
        2: "暂时无法获取位置（信号弱或未开启定位服务），请到开阔处重试，或选择点位、填写地址。",
        3: "定位超时，请重试，或选择点位、填写地址。"
      }[err.code] || "定位失败，请选择点位或填写地址。";
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
