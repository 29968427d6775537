// Reception desk: read the check-in QR code with the camera of a tablet or phone (progressive
// enhancement; the field takes a USB/Bluetooth barcode reader and typing without this file).
// Decoding runs in the browser with ZXing for JS (@zxing/library, vendored: no CDN); a code
// read fills 「受付コード」 and submits the form, as a barcode reader would.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var field = document.getElementById("code");
  var start = document.getElementById("camera-start");
  var box = document.getElementById("camera-box");
  if (!form || !field || !start || !box || !window.ZXing) { return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  var status = document.getElementById("camera-status");
  var stop = document.getElementById("camera-stop");
  var video = box.querySelector("video");
  var canvas = document.createElement("canvas");
  var reader = new ZXing.QRCodeReader();
  var stream = null;
  var timer = null;
  start.hidden = false;

  function say(text) { if (status) { status.textContent = text; } }

  function decode() {
    var w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) { return null; }
    canvas.width = w; canvas.height = h;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, w, h);
    var rgba = context.getImageData(0, 0, w, h).data;
    var luminance = new Uint8ClampedArray(w * h);
    for (var i = 0, j = 0; i < rgba.length; i += 4, j++) {
      luminance[j] = (rgba[i] * 299 + rgba[i + 1] * 587 + rgba[i + 2] * 114) / 1000;
    }
    var source = new ZXing.RGBLuminanceSource(luminance, w, h);
    var bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source));
    try {
      return reader.decode(bitmap).getText();
    } catch (e) {
      return null;  // no code in this frame
    }
  }

  function close() {
    if (timer) { clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    box.hidden = true;
    start.hidden = false;
    field.focus();
  }

  start.addEventListener("click", function () {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        box.hidden = false;
        start.hidden = true;
        say("QRコードを枠の中に写してください。");
        return video.play();
      })
      .then(function () {
        timer = setInterval(function () {
          var text = decode();
          if (text) {
            field.value = text;
            close();
            form.submit();
          }
        }, 250);
      })
      .catch(function () {
        say("カメラを使えません。バーコードリーダーで読み取るか、氏名で検索してください。");
        close();
        start.hidden = false;
      });
  });
  if (stop) { stop.addEventListener("click", close); }
})();
