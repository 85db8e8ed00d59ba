// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Disable a form's submit buttons once it is submitted, so a double click sends one request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.allowResubmit !== undefined) return;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  }, true);

  // Idle logout on the client too: after the server's timeout, go to the sign-in page.
  var idle = document.body.dataset.idleTimeoutSeconds;
  if (idle) {
    var timer;
    var reset = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { window.location.href = document.body.dataset.idleUrl; }, (parseInt(idle, 10) + 5) * 1000);
    };
    ["click", "keydown", "touchstart"].forEach(function (name) { document.addEventListener(name, reset, { passive: true }); });
    reset();
  }

  // Crisis answers show help at once, before the form is sent (the server also checks).
  function updateCrisis() {
    var panel = document.getElementById("crisis-panel");
    if (!panel) return;
    var danger = Array.prototype.some.call(document.querySelectorAll("[data-crisis-trigger]"), function (input) {
      return input.checked && input.value === input.dataset.crisisTrigger;
    });
    panel.classList.toggle("hidden", !danger && panel.dataset.serverCrisis !== "1");
    if (danger) panel.setAttribute("role", "alert");
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-crisis-trigger]")) updateCrisis();
  });
  document.addEventListener("DOMContentLoaded", updateCrisis);
})();
