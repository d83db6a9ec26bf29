/* Check-in at the door: scan the ticket's QR code with the phone camera (BarcodeDetector, where the
 * browser has it) and submit the number; otherwise the staff member types it. No third-party code. */
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  var form = document.getElementById("checkin-form");
  var input = document.getElementById("ticket_number");
  if (!box || !form || !input) return;
  var status = document.getElementById("scan-status");
  var video = document.getElementById("scan-video");
  var startBtn = document.getElementById("scan-start");
  var canScan = "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;

  // Keep the typed number readable: upper case, a hyphen after the fifth character.
  input.addEventListener("input", function () {
    var raw = input.value.toUpperCase().replace(/[^0-9A-Z]/g, "").slice(0, 10);
    input.value = raw.length > 5 ? raw.slice(0, 5) + "-" + raw.slice(5) : raw;
  });
  if (!document.getElementById("checkin-result")) input.focus();
  if (!canScan) return;  // the typed number is the fallback; nothing to show

  box.hidden = false;
  var stream = null, detector = null, done = false;

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.classList.remove("on");
  }
  function found(text) {
    done = true;
    stop();
    status.textContent = box.dataset.found;
    input.value = String(text).trim();
    form.submit();
  }
  function scan() {
    if (done || !stream) return;
    detector.detect(video).then(function (codes) {
      if (codes.length && codes[0].rawValue) found(codes[0].rawValue);
      else window.setTimeout(scan, 250);
    }).catch(function () { window.setTimeout(scan, 500); });
  }
  startBtn.addEventListener("click", function () {
    BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) throw new Error("no qr");
      detector = new BarcodeDetector({ formats: ["qr_code"] });
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.classList.add("on");
      startBtn.hidden = true;
      return video.play();
    }).then(scan).catch(function (err) {
      stop();
      status.textContent = err && err.message === "no qr" ? box.dataset.unsupported : box.dataset.denied;
      input.focus();
    });
  });
  window.addEventListener("pagehide", stop);
})();
