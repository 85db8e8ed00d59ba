// Alerts that cannot be missed, on the chair-side page and the clinic board (clinic/infusions,
// clinic/board): an audible cue when a new open alert appears, a per-device mute, and the
// chair-side page's open-alert block kept current without losing what the nurse is typing.
//
// - Elements with [data-open-alerts] list the open alerts they show ("v12:pause s3:high …", kind
//   and id, then level). When a token appears that this tab has not announced yet, a cue sounds
//   (Web Audio, generated here: no audio file) and, on the chair-side page, the block is brought
//   into view. Stop and pause alerts repeat a short cue every minute while they stay open.
// - [data-sound-toggle] buttons mute or unmute the cue for this device (localStorage), shown as
//   "Sound on" / "Sound off" with aria-pressed.
// - #alert-top is swapped out of band by the live poll: the swap is skipped while its
//   data-signature (the open alerts and their escalation) is unchanged, and when it does change,
//   the typed "action taken" and each form's client key are carried over.
// - After an entry is saved, chairside.js refreshes #panels; we then ask for #alert-top at once
//   (the "alerts-refresh" event its hx-trigger listens to).
// Browsers only start audio after a tap or key press on the page: the first one unlocks it.
(function () {
  "use strict";

  var MUTE_KEY = "ketaclinic.alertSound";
  var SEEN_KEY = "ketaclinic.alertsAnnounced";
  var REPEAT_MS = 60000;
  var RANK = { stop: 4, pause: 3, acute: 3, call_physician: 2, high: 2, warning: 1, moderate: 1 };
  var audio = null;
  var cues = 0;
  var refocus = null;

  // --- the per-device mute ------------------------------------------------------------------------

  function muted() {
    try { return window.localStorage.getItem(MUTE_KEY) === "off"; } catch (e) { return false; }
  }

  function setMuted(value) {
    try { window.localStorage.setItem(MUTE_KEY, value ? "off" : "on"); } catch (e) { /* private mode */ }
    showToggles();
  }

  function showToggles() {
    var off = muted();
    // Until someone taps the page the browser keeps audio blocked: say so on a screen nobody touches.
    var blocked = !off && !(audio && audio.state === "running");
    document.querySelectorAll("[data-sound-toggle]").forEach(function (button) {
      button.textContent = off ? "Sound off" : blocked ? "Sound on (tap the page to allow it)" : "Sound on";
      button.setAttribute("aria-pressed", off ? "false" : "true");
      button.title = off ? "Alert sound is muted on this device: tap to turn it on" : "Tap to mute the alert sound on this device";
      button.classList.toggle("is-muted", off);
    });
  }

  // --- the cue (Web Audio) ------------------------------------------------------------------------

  function context() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) {
      audio = new Ctx();
      audio.addEventListener("statechange", showToggles);
    }
    return audio;
  }

  function unlock() {
    var ctx = context();
    if (ctx && ctx.state === "suspended") ctx.resume();
  }

  function beep(ctx, at, frequency, length) {
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain);
    gain.connect(ctx.destination);
    osc.start(at);
    osc.stop(at + length + 0.02);
  }

  // More beeps, higher, for the more severe: stop 4, pause 3, call the physician 2, warning 1.
  function cue(rank) {
    if (muted()) return;
    var ctx = context();
    if (!ctx) return;
    if (ctx.state === "suspended") ctx.resume();
    var count = Math.max(1, Math.min(4, rank));
    var frequency = rank >= 3 ? 960 : 720;
    var start = ctx.currentTime + 0.05;
    for (var i = 0; i < count; i++) beep(ctx, start + i * 0.28, frequency, 0.18);
    cues += 1;
    document.documentElement.setAttribute("data-alert-cues", String(cues));
  }

  // --- which alerts are new on this device ---------------------------------------------------------

  function announced() {
    try { return JSON.parse(window.sessionStorage.getItem(SEEN_KEY) || "[]"); } catch (e) { return []; }
  }

  function remember(tokens) {
    var list = announced().concat(tokens);
    try { window.sessionStorage.setItem(SEEN_KEY, JSON.stringify(list.slice(-500))); } catch (e) { /* full */ }
  }

  function openTokens() {
    var tokens = [];
    document.querySelectorAll("[data-open-alerts]").forEach(function (el) {
      el.getAttribute("data-open-alerts").split(/\s+/).forEach(function (t) { if (t) tokens.push(t); });
    });
    return tokens;
  }

  function rankOf(token) { return RANK[token.split(":")[1]] || 1; }

  function check() {
    var seen = announced();
    var fresh = openTokens().filter(function (t) { return seen.indexOf(t) === -1; });
    if (!fresh.length) return;
    remember(fresh);
    cue(Math.max.apply(null, fresh.map(rankOf)));
    var top = document.querySelector("#alert-top[data-bring-into-view]");
    if (top) {
      var box = top.getBoundingClientRect();
      if (box.top < 0 || box.top > window.innerHeight / 3) top.scrollIntoView({ block: "start" });
    }
  }

  window.setInterval(function () {
    var urgent = openTokens().filter(function (t) { return rankOf(t) >= 3 && t.charAt(0) === "v"; });
    if (urgent.length) cue(Math.max.apply(null, urgent.map(rankOf)));
  }, REPEAT_MS);

  // --- #alert-top, swapped out of band --------------------------------------------------------------

  var uuid = window.ketaclinic.uuid;

  function keyForms(scope) {
    scope.querySelectorAll("form[data-chart-form]").forEach(function (form) {
      form.setAttribute("data-allow-resubmit", "");
      form.querySelectorAll("input[data-client-key]").forEach(function (input) { if (!input.value) input.value = uuid(); });
    });
  }

  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var current = event.target;
    if (!current || current.id !== "alert-top") return;
    var incoming = event.detail.fragment && event.detail.fragment.querySelector("#alert-top");
    if (!incoming) return;
    if (incoming.getAttribute("data-signature") === current.getAttribute("data-signature")) {
      event.detail.shouldSwap = false;  // nothing changed: keep the forms as they are
      return;
    }
    // Carry what the nurse typed and each form's client key over to the same alert's new form.
    current.querySelectorAll("form[id]").forEach(function (form) {
      var twin = incoming.querySelector("form#" + form.id);
      if (!twin) return;
      form.querySelectorAll("input[name], textarea[name]").forEach(function (field) {
        if (field.name === "csrfmiddlewaretoken" || !field.value) return;
        var other = twin.querySelector("[name='" + field.name + "']");
        if (other) other.value = field.value;
      });
    });
    var focused = document.activeElement;
    refocus = focused && current.contains(focused) && focused.id ? focused.id : null;
  });

  document.body.addEventListener("htmx:oobAfterSwap", function () {
    var top = document.getElementById("alert-top");
    if (!top) return;
    keyForms(top);
    if (refocus) {
      var field = document.getElementById(refocus);
      if (field) field.focus();
      refocus = null;
    }
    showToggles();
    check();
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    showToggles();
    check();
  });

  // chairside.js replaces #panels after every saved entry: fetch the open alerts now, not at the next poll.
  var panels = document.getElementById("panels");
  if (panels && "MutationObserver" in window) {
    new window.MutationObserver(function () {
      document.body.dispatchEvent(new window.CustomEvent("alerts-refresh"));
    }).observe(panels, { childList: true });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-sound-toggle]") : null;
    if (!button) return;
    var nowMuted = !muted();
    setMuted(nowMuted);
    if (!nowMuted) {
      unlock();
      cue(1);  // a short beep: the nurse hears that sound works on this device
    }
  });
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, unlock, { passive: true });
  });

  showToggles();
  check();
})();
