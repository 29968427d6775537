// Progressive enhancement only: every page works without this file.
// Municipality pickers get a search box that filters the long <select> by name or kana.
(function () {
  "use strict";
  function toKatakana(s) {
    return s.replace(/[\u3041-\u3096]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) + 0x60); });
  }
  document.querySelectorAll(".municipality-picker select").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = "自治体名・よみで絞り込み（例：さっぽろ）";
    box.setAttribute("aria-label", "自治体を検索");
    select.parentNode.insertBefore(box, select);
    var options = Array.prototype.slice.call(select.querySelectorAll("option"));
    var kana = {};
    box.addEventListener("input", function () {
      var q = box.value.trim();
      if (q && !/^[\u3041-\u3096\u30a1-\u30fc]+$/.test(q)) { filter(q, null); return; }
      if (!q) { filter("", null); return; }
      var kq = toKatakana(q);
      if (kana[kq]) { filter(null, kana[kq]); return; }
      fetch("/api/municipalities?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (rows) {
        kana[kq] = rows.map(function (r) { return r.code; });
        filter(null, kana[kq]);
      });
    });
    function filter(text, codes) {
      options.forEach(function (o) {
        var show = !o.value || (codes ? codes.indexOf(o.value) >= 0 : o.text.indexOf(text) >= 0);
        o.hidden = !show;
      });
    }
  });
})();

// Forms that undo something ask first: <form data-confirm="…"> (no inline handlers: the
// Content-Security-Policy allows only this file's scripts).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
