// Progressive enhancement: hide 問1-1 / 問1-2 for those who did not attend (F3).
// Without JavaScript every part stays visible and the server keeps only what applies.
(function () {
  var form = document.querySelector("form.survey");
  if (!form) return;
  var parts = form.querySelectorAll("[data-training]");
  function update() {
    var chosen = form.querySelector('input[name="F3"]:checked');
    var attends = chosen ? chosen.getAttribute("data-attends").split(" ") : null;
    parts.forEach(function (el) {
      el.hidden = attends !== null && attends.indexOf(el.getAttribute("data-training")) < 0;
    });
  }
  form.addEventListener("change", function (e) { if (e.target.name === "F3") update(); });
  update();
})();
