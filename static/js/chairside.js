// Chair-side charting on the infusion tablet (clinic/infusions).
//
// Every charting form ([data-chart-form]) gets a fresh client key (a UUID) when it is rendered.
// Submitting sends it with fetch, retrying a few times; if the tablet is offline the entry is
// queued in localStorage and resent when the connection is back ("3 entries waiting to send").
// The server stores an entry once per client key, so a retry or a resend never duplicates it.
// A queued entry the server refuses when it is resent is kept in localStorage too and listed in
// "Not saved" (#not-saved: what it was, when it was made, the server's reason) until dismissed, so
// the page reload after the resend does not hide it.
// Without JavaScript the same forms post normally.
(function () {
  "use strict";

  var root = document.getElementById("chairside");
  if (!root) return;
  var sessionId = root.dataset.sessionId;
  var QUEUE_KEY = "ketaclinic.chairside.queue." + sessionId;
  var REFUSED_KEY = "ketaclinic.chairside.refused." + sessionId;
  var RETRY_DELAYS = [500, 1500];
  var flushing = false;

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // crypto.randomUUID needs a secure context; build a version-4 UUID from random bytes instead.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function assignKeys(scope) {
    (scope || document).querySelectorAll("form[data-chart-form]").forEach(function (form) {
      form.setAttribute("data-allow-resubmit", "");  // app.js: we re-enable the buttons ourselves
      form.querySelectorAll("input[data-client-key]").forEach(function (input) { input.value = uuid(); });
    });
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- the readiness gate's re-check ------------------------------------------------------------
  // A re-check starts from the last check's answers. The inputs of the items that failed carry the
  // last answer (data-previous-answer); a change is highlighted and its item's "I confirmed the
  // changed answer with the patient" tick is shown (the server refuses the change without it).

  function normalAnswer(input, value) {
    value = String(value || "").trim();
    if (input.type === "tel") {
      var digits = value.replace(/[^0-9]/g, "");
      return digits.length === 11 && digits.charAt(0) === "1" ? digits.slice(1) : digits;
    }
    return value.replace(/\s+/g, " ").toLowerCase();
  }

  function shownAnswer(input) {
    if (input.tagName === "SELECT") return input.value && input.selectedOptions.length ? input.selectedOptions[0].textContent : "";
    return input.value.trim();
  }

  function updateGateChanges(form) {
    var changed = {};
    form.querySelectorAll("[data-previous-answer]").forEach(function (input) {
      var differs = normalAnswer(input, input.value) !== normalAnswer(input, input.dataset.previousAnswer);
      var field = input.closest(".field");
      if (field) field.classList.toggle("answer-changed", differs);
      if (!differs) return;
      var item = input.dataset.gateItem;
      (changed[item] = changed[item] || []).push(
        input.dataset.answerLabel + " " + (input.dataset.previousText || "empty") + " \u2192 " + (shownAnswer(input) || "empty"));
    });
    form.querySelectorAll("[data-confirm-item]").forEach(function (box) {
      var list = changed[box.dataset.confirmItem];
      box.classList.toggle("hidden", !list);
      var tick = box.querySelector("input[type=checkbox]");
      if (!list && tick) tick.checked = false;
      var note = box.querySelector("[data-changed-note]");
      if (note) note.textContent = list ? "Changed since the last check, when this item failed: " + list.join("; ") + "." : "";
    });
  }

  var gateForm = document.querySelector("form[data-gate-form]");
  if (gateForm) {
    gateForm.addEventListener("input", function () { updateGateChanges(gateForm); });
    gateForm.addEventListener("change", function () { updateGateChanges(gateForm); });
    updateGateChanges(gateForm);
  }

  // --- messages and errors --------------------------------------------------------------------

  function say(text, kind) {
    var box = document.getElementById("chart-message");
    if (!box) return;
    box.textContent = text;
    box.className = "alert " + (kind || "success");
  }

  function clearErrors(form) {
    form.querySelectorAll(".errorlist.js-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    var box = form.querySelector(".form-errors");
    if (box) box.innerHTML = "";
  }

  function list(messages, label) {
    var ul = document.createElement("ul");
    ul.className = "errorlist js-error";
    messages.forEach(function (m) {
      var li = document.createElement("li");
      li.textContent = label ? label + ": " + m : m;
      ul.appendChild(li);
    });
    return ul;
  }

  function showErrors(form, errors) {
    Object.keys(errors).forEach(function (name) {
      var input = name === "__all__" ? null : form.querySelector("[name='" + name + "']");
      var field = input ? input.closest(".field") : null;
      if (field) {
        var label = field.querySelector("label");
        field.classList.add("has-error");
        field.appendChild(list(errors[name], label ? label.textContent.replace("(required)", "").trim() : ""));
      } else {
        var box = form.querySelector(".form-errors") || form;
        var alert = document.createElement("div");
        alert.className = "alert error js-error";
        alert.setAttribute("role", "alert");
        alert.appendChild(list(errors[name], ""));
        box.appendChild(alert);
      }
    });
  }

  // --- the offline queue ------------------------------------------------------------------------

  function loadQueue() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  function saveQueue(queue) {
    if (queue.length) window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    else window.localStorage.removeItem(QUEUE_KEY);
    showQueue(queue);
  }

  function showQueue(queue) {
    var box = document.getElementById("queue-status");
    if (!box) return;
    queue = queue || loadQueue();
    if (!queue.length) { box.classList.add("hidden"); box.textContent = ""; return; }
    box.classList.remove("hidden");
    box.textContent = queue.length + (queue.length === 1 ? " entry" : " entries") +
      " waiting to send (offline). They are sent automatically when the connection is back; keep this tablet on.";
  }

  // --- entries refused when sent late: listed until dismissed -----------------------------------

  function summarize(form) {
    // What the nurse entered, in words ("Side effect: Nausea; Severity: Mild"), for the list.
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || !el.value) return;
      if (["hidden", "submit", "button", "password"].indexOf(el.type) !== -1) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      var value = el.tagName === "SELECT" && el.selectedOptions.length ? el.selectedOptions[0].textContent : el.value;
      var label = el.labels && el.labels.length ? el.labels[0].textContent.replace("(required)", "").trim() : el.name;
      parts.push(label + ": " + String(value).trim());
    });
    return parts.join("; ");
  }

  function loadRefused() {
    try { return JSON.parse(window.localStorage.getItem(REFUSED_KEY) || "[]"); } catch (e) { return []; }
  }

  function saveRefused(items) {
    if (items.length) window.localStorage.setItem(REFUSED_KEY, JSON.stringify(items));
    else window.localStorage.removeItem(REFUSED_KEY);
    showRefused(items);
  }

  function refuse(entry, reason) {
    var items = loadRefused();
    items.push({ label: entry.label, summary: entry.summary || "", queuedAt: entry.queuedAt, reason: reason });
    saveRefused(items);
  }

  function showRefused(items) {
    var box = document.getElementById("not-saved");
    if (!box) return;
    items = items || loadRefused();
    box.textContent = "";
    if (!items.length) { box.classList.add("hidden"); return; }
    box.classList.remove("hidden");
    var heading = document.createElement("strong");
    heading.textContent = "Not saved: made offline, then refused by the server when sent. Chart again if still needed.";
    box.appendChild(heading);
    var ul = document.createElement("ul");
    items.forEach(function (item, index) {
      var li = document.createElement("li");
      var made = item.queuedAt ? new Date(item.queuedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
      li.textContent = item.label + (made ? " (made " + made + ")" : "") + (item.summary ? ": " + item.summary : "") +
        ". Refused: " + item.reason + " ";
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "secondary small";
      dismiss.setAttribute("data-dismiss-refused", String(index));
      dismiss.textContent = "Dismiss";
      li.appendChild(dismiss);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-dismiss-refused]") : null;
    if (!button) return;
    var items = loadRefused();
    items.splice(Number(button.getAttribute("data-dismiss-refused")), 1);
    saveRefused(items);
  });

  // --- sending ----------------------------------------------------------------------------------

  function post(url, fields) {
    var body = new URLSearchParams();
    fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrfmiddlewaretoken" ? csrfToken() : pair[1]);
    });
    return window.fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (!json) {
        // A refusal, a sign-in page or a server error page: nothing was stored.
        var err = new Error(response.status === 403 ? "forbidden" : response.status >= 500 ? "server" : "signed-out");
        err.status = response.status;
        throw err;
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function wait(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }

  function sendWithRetries(url, fields) {
    var attempt = 0;
    function tryOnce() {
      return post(url, fields).catch(function (err) {
        if (attempt >= RETRY_DELAYS.length || err.message === "signed-out" || err.message === "forbidden") throw err;
        return wait(RETRY_DELAYS[attempt++]).then(tryOnce);
      });
    }
    return tryOnce();
  }

  function afterSaved(form, data) {
    if (form.hasAttribute("data-reload") || (data.status && data.status !== root.dataset.status)) {
      window.location.reload();
      return;
    }
    refreshPanels();
  }

  function refreshPanels() {
    var url = root.dataset.panelsUrl;
    var target = document.getElementById("panels");
    if (!url || !target) return;
    window.fetch(url, { credentials: "same-origin", headers: { "X-Background-Poll": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        target.innerHTML = html;
        assignKeys(target);
      })
      .catch(function () { /* offline: the panels catch up on the next entry */ });
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = busy; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-chart-form]")) return;
    event.preventDefault();
    var time = form.querySelector("input[data-client-time]");
    if (time) time.value = new Date().toISOString();
    var fields = [];
    new FormData(form).forEach(function (value, name) { fields.push([name, String(value)]); });
    var entry = {
      url: form.action, fields: fields, label: form.dataset.label || "Entry", summary: summarize(form), queuedAt: Date.now()
    };
    clearErrors(form);
    setBusy(form, true);
    sendWithRetries(entry.url, entry.fields).then(function (result) {
      setBusy(form, false);
      if (result.data.ok) {
        say(result.data.message, "success");
        form.reset();
        assignKeys(form.parentNode);
        afterSaved(form, result.data);
      } else if (result.data.errors) {
        showErrors(form, result.data.errors);
        say(entry.label + ": please correct the fields marked below.", "error");
      } else {
        say(entry.label + ": " + (result.data.message || "not saved."), "error");
      }
    }).catch(function (err) {
      setBusy(form, false);
      if (err && err.message === "forbidden") { say("Your role does not allow this.", "error"); return; }
      var queue = loadQueue();
      queue.push(entry);
      saveQueue(queue);
      form.reset();
      assignKeys(form.parentNode);
      say(entry.label + " kept on this tablet: it will be sent when the connection is back.", "warning");
    });
  });

  function flush() {
    if (flushing) return;
    var queue = loadQueue();
    if (!queue.length) { showQueue(queue); return; }
    flushing = true;
    var entry = queue[0];
    post(entry.url, entry.fields).then(function (result) {
      queue = loadQueue();
      queue.shift();
      saveQueue(queue);
      if (!result.data.ok) {
        var problems = [];
        Object.keys(result.data.errors || {}).forEach(function (k) { problems = problems.concat(result.data.errors[k]); });
        var reason = problems.join(" ") || result.data.message || "not saved.";
        refuse(entry, reason);  // listed in "Not saved" until dismissed: survives the reload below
        say(entry.label + " (sent late) was refused: " + reason, "error");
      }
      flushing = false;
      if (queue.length) flush();
      else window.location.reload();
    }).catch(function (err) {
      flushing = false;
      if (err && err.message === "forbidden") {
        queue = loadQueue();
        queue.shift();
        saveQueue(queue);
        refuse(entry, "your role does not allow this.");
        say(entry.label + " (sent late) was refused: your role does not allow this.", "error");
        return;
      }
      showQueue();  // still offline or signed out: try again later
    });
  }

  // The live panel polls (htmx); when the status changed on another device, reload the page.
  document.body.addEventListener("htmx:afterSwap", function () {
    var live = document.getElementById("live");
    if (live && live.dataset.status && live.dataset.status !== root.dataset.status) window.location.reload();
  });

  window.addEventListener("online", flush);
  window.setInterval(flush, 10000);
  assignKeys(document);
  showQueue();
  showRefused();
  flush();
})();
