// Progressive enhancement only: every page works without this file.
// Municipality pickers get a search box that filters the long <select> by name or kana.
(function () {
  "use strict";
  function toKatakana(s) {
    return s.replace(/[\u3041-\u3096]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) + 0x60); });
  }
  function picker(select) {
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
  }
  window.kenshuPicker = picker;
  document.querySelectorAll(".municipality-picker select").forEach(picker);
})();

// Forms that undo something ask first: <form data-confirm="…">, or one button of a form that
// does several things: <button data-confirm="…"> (no inline handlers: the
// Content-Security-Policy allows only this file's scripts).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = (button && button.getAttribute && button.getAttribute("data-confirm")) ||
    (event.target.getAttribute && event.target.getAttribute("data-confirm"));
  if (message && !window.confirm(message)) { event.preventDefault(); }
});

// The team application grows one member block at a time: 「参加者を追加する」 copies the blank
// block of <template id="member-template"> in place (without JavaScript the button re-renders
// the form with one more block), and focuses its first field.
(function () {
  "use strict";
  var button = document.getElementById("add-member");
  var template = document.getElementById("member-template");
  var blocks = document.getElementById("member-blocks");
  var count = document.getElementById("member_count");
  if (!button || !template || !blocks) { return; }
  button.addEventListener("click", function (event) {
    var n = blocks.querySelectorAll("fieldset.member").length;
    if (n >= 12) { return; }
    event.preventDefault();
    blocks.insertAdjacentHTML(
      "beforeend",
      template.innerHTML.replace(/__I__/g, String(n)).replace(/__N__/g, String(n + 1))
    );
    var block = blocks.lastElementChild;
    block.querySelectorAll(".municipality-picker select").forEach(function (s) {
      if (window.kenshuPicker) { window.kenshuPicker(s); }
    });
    if (count) {
      var value = String(n + 1);
      if (!count.querySelector('option[value="' + value + '"]')) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value + "名";
        count.appendChild(option);
      }
      count.value = value;
    }
    var first = block.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  });
})();

// A table wider than the screen scrolls inside its own box (.table-wrap): such a box can be
// reached and scrolled with the keyboard, and is named after the heading above it.
(function () {
  "use strict";
  // Every table of a page gets the box, whoever wrote its template.
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.closest(".table-wrap")) { return; }
    var box = document.createElement("div");
    box.className = "table-wrap";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
          box.setAttribute("aria-label", (heading ? heading.textContent + "の" : "") + "表（横にスクロールできます）");
        }
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();

// Drafts are never lost on a phone: a form marked data-keep-draft="key" keeps what is typed in
// this tab's sessionStorage (gone when the tab closes; nothing leaves the device) until it is
// sent; a reload, a back button or a dropped connection brings the text back into empty fields.
(function () {
  "use strict";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  document.querySelectorAll("form[data-keep-draft]").forEach(function (form) {
    var key = "draft:" + form.getAttribute("data-keep-draft");
    var fields = form.querySelectorAll("textarea, input[type=text], input:not([type])");
    var saved = {};
    try { saved = JSON.parse(store.getItem(key) || "{}"); } catch (e) { saved = {}; }
    var restored = false;
    fields.forEach(function (f) {
      if (f.name && !f.value && saved[f.name]) { f.value = saved[f.name]; restored = true; }
    });
    var note = form.querySelector(".draft-restored");
    if (restored && note) { note.hidden = false; }
    form.addEventListener("input", function () {
      var values = {};
      fields.forEach(function (f) { if (f.name && f.value) { values[f.name] = f.value; } });
      try { store.setItem(key, JSON.stringify(values)); } catch (e) { /* storage full: the server draft remains */ }
    });
    form.addEventListener("submit", function () { store.removeItem(key); });
  });
})();
