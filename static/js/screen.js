// The big screen: full screen on request, reload (or turn to the next district) on a timer.
(function () {
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-seconds"), 10) || 300;
  var next = body.getAttribute("data-next-url");
  window.setTimeout(function () {
    if (next) { window.location.assign(next); } else { window.location.reload(); }
  }, seconds * 1000);
  var button = document.getElementById("screen-fullscreen");
  if (button) {
    if (!document.documentElement.requestFullscreen) { button.hidden = true; }
    button.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else { document.documentElement.requestFullscreen(); }
    });
  }
})();
