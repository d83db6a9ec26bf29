// Full-screen QR for the site gate: fullscreen on tap, keep the screen awake while shown.
(function () {
  var button = document.getElementById("go-full");
  var wake = null;
  function keepAwake() {
    if ("wakeLock" in navigator) {
      navigator.wakeLock.request("screen").then(function (lock) { wake = lock; }).catch(function () {});
    }
  }
  if (button) {
    button.addEventListener("click", function () {
      var el = document.documentElement;
      if (el.requestFullscreen) { el.requestFullscreen().catch(function () {}); }
      keepAwake();
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && wake !== null) { keepAwake(); }
  });
  keepAwake();
})();
