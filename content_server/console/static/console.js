// The console's little JavaScript: everything works without it; it only saves taps.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    var button = form.querySelector("button[type=submit]");
    if (button && !form.hasAttribute("data-no-lock")) {
      // One tap is one action: a second tap while the first is on its way does nothing.
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
})();
