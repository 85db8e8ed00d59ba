// Small progressive enhancements; every page works without them.
// Shared with the page scripts (chairside.js, alerts.js), which load after this one.
window.ketaclinic = window.ketaclinic || {};
// A client key for an entry (a version-4 UUID), also where crypto.randomUUID is missing: it needs a
// secure context, and the demo serves plain http.
window.ketaclinic.uuid = function () {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  var b = new Uint8Array(16);
  window.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
};

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

  // Idle logout on the client too: after the server's timeout, go to the sign-in page. A page that
  // names where to come back to (data-sign-in-return, a path: the chair-side page) is returned to
  // after the sign-in; its entries kept on the tablet (localStorage) are sent then.
  var idle = document.body.dataset.idleTimeoutSeconds;
  if (idle) {
    var timer;
    var signInUrl = function () {
      var back = document.querySelector("[data-sign-in-return]");
      var path = back ? back.getAttribute("data-sign-in-return") : "";
      var url = document.body.dataset.idleUrl;
      return path && path.charAt(0) === "/" && path.charAt(1) !== "/" ? url + "?next=" + encodeURIComponent(path) : url;
    };
    var reset = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { window.location.href = signInUrl(); }, (parseInt(idle, 10) + 5) * 1000);
    };
    ["click", "keydown", "touchstart"].forEach(function (name) { document.addEventListener(name, reset, { passive: true }); });
    reset();
  }

  // Crisis answers show help at once, right below the answer that signalled danger (the server also
  // checks): on a phone a panel at the top of the page would be screens away from the question.
  // Once shown, a "help now" bar stays at the bottom of the screen whenever the panel is scrolled
  // out of view, so help is always one tap away.
  function isDanger(input) {
    return input.checked && input.value === input.dataset.crisisTrigger;
  }

  function placeCrisisPanel(panel, input) {
    var anchor = input.closest("fieldset") || input.closest(".field") || input;
    if (anchor.nextElementSibling !== panel) anchor.insertAdjacentElement("afterend", panel);
    var box = panel.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) panel.scrollIntoView({ block: "nearest" });
  }

  function updateCrisis(changed) {
    var panel = document.getElementById("crisis-panel");
    if (!panel) return;
    var triggers = Array.prototype.filter.call(document.querySelectorAll("[data-crisis-trigger]"), isDanger);
    var danger = triggers.length > 0;
    panel.classList.toggle("hidden", !danger && panel.dataset.serverCrisis !== "1");
    if (danger) {
      panel.setAttribute("role", "alert");
      placeCrisisPanel(panel, changed && isDanger(changed) ? changed : triggers[0]);
    }
    updateCrisisBar(panel);
  }

  var crisisBar = null;
  function updateCrisisBar(panel) {
    if (!crisisBar) {
      crisisBar = document.createElement("div");
      crisisBar.className = "crisis-sticky hidden";
      crisisBar.setAttribute("role", "complementary");
      crisisBar.setAttribute("aria-label", "Crisis help");
      crisisBar.innerHTML = 'Help now: call or text <a href="tel:988">988</a> \u00b7 danger: <a href="tel:911">911</a> ' +
        '\u00b7 <a href="#crisis-panel">more help</a>';
      document.body.appendChild(crisisBar);
      if ("IntersectionObserver" in window) {
        new window.IntersectionObserver(function (entries) {
          panel.dataset.inView = entries[0].isIntersecting ? "1" : "0";
          updateCrisisBar(panel);
        }).observe(panel);
      }
    }
    var shown = !panel.classList.contains("hidden");
    crisisBar.classList.toggle("hidden", !shown || panel.dataset.inView === "1");
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("input[type=radio]")) updateCrisis(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () { updateCrisis(null); });

  // Header menus ("More", the account) are <details> and work without script; this only folds an
  // open one away on Escape (focus back on its summary), on a tap elsewhere, or when another opens.
  function openMenus() { return document.querySelectorAll("header.top details.menu[open]"); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) { if (!menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("header.top details.menu") || !opened.open) return;
    openMenus().forEach(function (menu) { if (menu !== opened) menu.open = false; });
  }, true);
})();
