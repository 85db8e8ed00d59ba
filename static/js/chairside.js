// Chair-side charting on the infusion tablet (clinic/infusions).
//
// Every charting form ([data-chart-form]) gets a fresh client key (a UUID) when it is rendered.
// Submitting sends it with fetch, retrying a few times; the server stores an entry once per client
// key, so a retry or a resend never duplicates it. What happened is said next to the form used (its
// .form-status, role="status"), not at the top of the page.
//
// Entries that could not be sent wait in localStorage (queue keyed by session) and are listed near
// the forms:
// - offline: sent again when the connection is back (and every 10 s);
// - signed out (the idle sign-out, a sign-in that ended, the security cookie gone): the server
//   answers with a redirect to the sign-in page, 401 JSON, or the 403 "form expired" page of a CSRF
//   failure. The nurse is told plainly to sign in again, with a link that comes back to this page
//   (next = this page's path only). Signing in and out does not touch localStorage.
// Each queued entry carries who made it (the signed-in user's id and name when it was made). After
// the sign-in, the entries the same nurse made are sent at once; entries another user made on this
// tablet are held and shown to the nurse now signed in, who sends them under her own name (the
// server records the user who sends) or discards them. Entries are sent with the page's fresh CSRF
// token (read from the cookie, which the sign-in rotates).
// A queued entry the server refuses when it is sent late is listed in "Not saved" (what it was, when
// it was made, the server's reason) until dismissed. A refusal for a real permission reason (403
// JSON "forbidden") says so and is not queued.
// Without JavaScript the same forms post normally.
(function () {
  "use strict";

  var root = document.getElementById("chairside");
  if (!root) return;
  var sessionId = root.dataset.sessionId;
  var notices = document.getElementById("chart-notices");
  var me = notices ? { id: notices.dataset.userId || "", name: notices.dataset.userName || "" } : { id: "", name: "" };
  var signInUrl = notices ? notices.dataset.signInUrl : "";
  var QUEUE_KEY = "ketaclinic.chairside.queue." + sessionId;
  var REFUSED_KEY = "ketaclinic.chairside.refused." + sessionId;
  var FLASH_KEY = "ketaclinic.chairside.flash." + sessionId;
  var RETRY_DELAYS = [500, 1500];
  var NOT_PERMITTED = "Your role does not allow this.";
  var flushing = false;
  var signedOut = false;

  var uuid = window.ketaclinic.uuid;

  function assignKeys(scope) {
    (scope || document).querySelectorAll("form[data-chart-form]").forEach(function (form) {
      form.setAttribute("data-allow-resubmit", "");  // app.js: we re-enable the buttons ourselves
      form.querySelectorAll("input[data-client-key]").forEach(function (input) { input.value = uuid(); });
    });
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function csrfToken() {
    // The cookie first: a sign-in (here or in another tab) rotates it, and the forms' hidden tokens
    // on this page would then be refused.
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return cookie("csrftoken") || (input ? input.value : "");
  }

  function time(ms) {
    return ms ? new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  }

  function signInLink(text) {
    var a = document.createElement("a");
    a.href = signInUrl;
    a.className = "btn small";
    a.textContent = text || "Sign in again";
    return a;
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

  // --- feedback next to the form ----------------------------------------------------------------

  function statusOf(form) {
    var box = form.querySelector(".form-status");
    if (!box) {  // a form rendered without one (e.g. an alert's acknowledgement)
      box = document.createElement("p");
      box.className = "form-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      form.appendChild(box);
    }
    return box;
  }

  function say(form, text, kind, link) {
    var box = statusOf(form);
    box.textContent = text;
    box.className = "form-status " + (kind || "success");
    if (link) { box.appendChild(document.createTextNode(" ")); box.appendChild(link); }
    var rect = box.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) box.scrollIntoView({ block: "nearest" });
  }

  // A message for after a reload (start, pause, stop…): shown in the same section's status.
  function flashLater(form, text) {
    var section = form.closest("[data-status-anchor]");
    window.sessionStorage.setItem(FLASH_KEY, JSON.stringify({ anchor: section ? section.id : "", text: text }));
  }

  function showFlash() {
    var raw = window.sessionStorage.getItem(FLASH_KEY);
    if (!raw) return;
    window.sessionStorage.removeItem(FLASH_KEY);
    try {
      var flash = JSON.parse(raw);
      var section = flash.anchor ? document.getElementById(flash.anchor) : null;
      var box = section ? section.querySelector(".section-status") : null;
      if (!box) return;
      box.textContent = flash.text;
      box.className = "form-status section-status success";
    } catch (e) { /* ignore a damaged flash */ }
  }

  function clearErrors(form) {
    form.querySelectorAll(".errorlist.js-error, .alert.js-error").forEach(function (el) { el.remove(); });
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

  // --- the queue: entries waiting on this tablet ----------------------------------------------------

  function loadQueue() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  function saveQueue(queue) {
    if (queue.length) window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    else window.localStorage.removeItem(QUEUE_KEY);
    showQueue(queue);
  }

  function removeFromQueue(id) {
    saveQueue(loadQueue().filter(function (e) { return e.id !== id; }));
  }

  function isMine(entry) { return !!me.id && entry.madeBy === me.id; }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function showQueue(queue) {
    queue = queue || loadQueue();
    var box = document.getElementById("queue-status");
    var mine = queue.filter(isMine);
    if (box) {
      box.textContent = "";
      if (!mine.length) {
        box.classList.add("hidden");
      } else {
        box.classList.remove("hidden");
        box.appendChild(document.createTextNode(signedOut
          ? plural(mine.length, "entry", "entries") + " kept on this tablet: not sent because your sign-in has ended. They are sent as soon as you sign in again."
          : plural(mine.length, "entry", "entries") + " waiting to send (offline). They are sent automatically when the connection is back; keep this tablet on."));
      }
    }
    showHeld(queue.filter(function (e) { return !isMine(e); }));
    showSignedOut();
  }

  function showSignedOut() {
    var box = document.getElementById("signed-out");
    if (!box) return;
    box.textContent = "";
    box.classList.toggle("hidden", !signedOut);
    if (!signedOut) return;
    var strong = document.createElement("strong");
    strong.textContent = "You are signed out. Sign in again to keep charting.";
    box.appendChild(strong);
    box.appendChild(document.createTextNode(" Entries you make are kept on this tablet and sent after you sign in. "));
    box.appendChild(signInLink());
  }

  // Entries another user made on this tablet: shown to the nurse signed in now, who sends them under
  // her name or discards them; never sent without her.
  function showHeld(held) {
    var box = document.getElementById("held-entries");
    if (!box) return;
    box.textContent = "";
    if (!held.length) { box.classList.add("hidden"); return; }
    box.classList.remove("hidden");
    var heading = document.createElement("strong");
    var makers = held.map(function (e) { return e.madeByName || "another user"; })
      .filter(function (name, i, all) { return all.indexOf(name) === i; }).join(", ");
    heading.textContent = plural(held.length, "entry was", "entries were") + " made on this tablet by " + makers +
      " and not sent. Check each one: if you send them, they are charted under your name" + (me.name ? " (" + me.name + ")" : "") +
      ", at the time they arrive.";
    box.appendChild(heading);
    var ul = document.createElement("ul");
    held.forEach(function (entry) {
      var li = document.createElement("li");
      li.textContent = entry.label + " (made " + time(entry.queuedAt) + (entry.madeByName ? " by " + entry.madeByName : "") + ")" +
        (entry.summary ? ": " + entry.summary : "") + " ";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary small";
      discard.setAttribute("data-discard-held", entry.id);
      discard.textContent = "Discard";
      li.appendChild(discard);
      ul.appendChild(li);
    });
    box.appendChild(ul);
    var send = document.createElement("button");
    send.type = "button";
    send.setAttribute("data-send-held", "");
    send.textContent = "Send " + (held.length === 1 ? "it" : "them") + " under my name";
    box.appendChild(send);
  }

  // --- entries refused when sent late: listed until dismissed -----------------------------------

  function summarize(form) {
    // What the nurse entered, in words ("Side effect: Nausea; Severity: Mild"), for the lists.
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
    heading.textContent = "Not saved: kept on this tablet, then refused by the server when sent. Chart again if still needed.";
    box.appendChild(heading);
    var ul = document.createElement("ul");
    items.forEach(function (item, index) {
      var li = document.createElement("li");
      var made = time(item.queuedAt);
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
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    var dismiss = target.closest("button[data-dismiss-refused]");
    if (dismiss) {
      var items = loadRefused();
      items.splice(Number(dismiss.getAttribute("data-dismiss-refused")), 1);
      saveRefused(items);
      return;
    }
    var discard = target.closest("button[data-discard-held]");
    if (discard) { removeFromQueue(discard.getAttribute("data-discard-held")); return; }
    if (target.closest("button[data-send-held]")) {
      // The nurse signed in now takes the held entries as hers: sent under her name.
      saveQueue(loadQueue().map(function (entry) {
        if (isMine(entry)) return entry;
        return Object.assign({}, entry, { madeBy: me.id, madeByName: me.name, adoptedFrom: entry.madeByName || "" });
      }));
      flush();
    }
  });

  // --- sending ----------------------------------------------------------------------------------

  function failure(kind, message) {
    var err = new Error(kind);
    err.detail = message || "";
    return err;
  }

  function post(url, fields) {
    var body = new URLSearchParams();
    fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrfmiddlewaretoken" ? csrfToken() : pair[1]);
    });
    return window.fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      // A redirect can only be to the sign-in (or its two-factor step): do not follow it.
      redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) throw failure("signed-out");
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (!json) {
        // 403 without JSON is the "form expired" page of a CSRF failure: the sign-in's security
        // cookie is gone (signed out, cookies cleared). A server error page: try again later.
        throw failure(response.status >= 500 ? "server" : "signed-out");
      }
      return response.json().then(function (data) {
        if (response.status === 403 && data.forbidden) throw failure("forbidden", data.message);
        return { status: response.status, data: data };
      });
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

  function setSignedOut(value) {
    if (signedOut === value) return;
    signedOut = value;
    showQueue();
  }

  function refreshPanels() {
    var url = root.dataset.panelsUrl;
    var target = document.getElementById("panels");
    if (!url || !target) return;
    window.fetch(url, { credentials: "same-origin", redirect: "manual", headers: { "X-Background-Poll": "1" } })
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
    var clock = form.querySelector("input[data-client-time]");
    if (clock) clock.value = new Date().toISOString();
    var fields = [];
    new FormData(form).forEach(function (value, name) { fields.push([name, String(value)]); });
    var entry = {
      id: uuid(), url: form.action, fields: fields, label: form.dataset.label || "Entry", summary: summarize(form),
      queuedAt: Date.now(), madeBy: me.id, madeByName: me.name
    };
    clearErrors(form);
    setBusy(form, true);
    sendWithRetries(entry.url, entry.fields).then(function (result) {
      setBusy(form, false);
      setSignedOut(false);
      if (result.data.ok) {
        form.reset();
        assignKeys(form.parentNode);
        if (form.hasAttribute("data-reload") || (result.data.status && result.data.status !== root.dataset.status)) {
          flashLater(form, result.data.message);
          window.location.reload();
          return;
        }
        say(form, result.data.message, "success");
        refreshPanels();
      } else if (result.data.errors) {
        showErrors(form, result.data.errors);
        say(form, entry.label + ": not saved; please correct the fields marked above.", "error");
      } else {
        say(form, entry.label + ": " + (result.data.message || "not saved."), "error");
      }
    }).catch(function (err) {
      setBusy(form, false);
      if (err && err.message === "forbidden") {
        say(form, entry.label + " not saved: " + (err.detail || NOT_PERMITTED), "error");
        return;
      }
      var queue = loadQueue();
      queue.push(entry);
      if (err && err.message === "signed-out") {
        signedOut = true;
        saveQueue(queue);
        form.reset();
        assignKeys(form.parentNode);
        say(form, entry.label + " not sent: your sign-in has ended. Sign in again; the entry is kept on this tablet and sent after you sign in.",
          "warning", signInLink());
        return;
      }
      saveQueue(queue);
      form.reset();
      assignKeys(form.parentNode);
      say(form, entry.label + " kept on this tablet: no connection. It is sent when the connection is back.", "warning");
    });
  });

  // Send the entries this nurse made (queued offline, or before her sign-in ended), oldest first.
  function flush() {
    if (flushing) return;
    var entry = loadQueue().filter(isMine)[0];
    if (!entry) { showQueue(); return; }
    flushing = true;
    post(entry.url, entry.fields).then(function (result) {
      removeFromQueue(entry.id);
      setSignedOut(false);
      if (!result.data.ok) {
        var problems = [];
        Object.keys(result.data.errors || {}).forEach(function (k) { problems = problems.concat(result.data.errors[k]); });
        refuse(entry, problems.join(" ") || result.data.message || "not saved.");  // listed until dismissed
      } else {
        noteSent(entry);
      }
      flushing = false;
      if (loadQueue().filter(isMine).length) { flush(); return; }
      if (result.data.status && result.data.status !== root.dataset.status) window.location.reload();
      else refreshPanels();
    }).catch(function (err) {
      flushing = false;
      if (err && err.message === "forbidden") {
        removeFromQueue(entry.id);
        refuse(entry, err.detail || NOT_PERMITTED);
        return;
      }
      if (err && err.message === "signed-out") setSignedOut(true);
      showQueue();  // still offline or signed out: try again later
    });
  }

  // "Sent": said beside the queue's place, near the forms.
  function noteSent(entry) {
    var box = document.getElementById("queue-sent");
    if (!box) return;
    box.classList.remove("hidden");
    box.textContent = entry.label + " (made " + time(entry.queuedAt) + ") sent and saved" +
      (entry.adoptedFrom ? " under your name (made by " + entry.adoptedFrom + ")." : ".");
  }

  // The server's idle sign-out answers the live panel's poll with HX-Redirect to the sign-in page;
  // go there with this page as `next`, so the nurse comes back to the chair and its kept entries.
  document.body.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var target = xhr ? xhr.getResponseHeader("HX-Redirect") : null;
    if (target && signInUrl && target.split("?")[0] === signInUrl.split("?")[0]) {
      event.preventDefault();
      window.location.href = signInUrl;
    }
  });

  // The live panel polls (htmx); when the status changed on another device, reload the page.
  document.body.addEventListener("htmx:afterSwap", function () {
    var live = document.getElementById("live");
    if (live && live.dataset.status && live.dataset.status !== root.dataset.status) window.location.reload();
  });

  window.addEventListener("online", flush);
  window.setInterval(flush, 10000);
  assignKeys(document);
  showFlash();
  showQueue();
  showRefused();
  flush();
})();
