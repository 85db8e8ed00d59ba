// Booking forms: a "next free time" button fills in the form's date, start time and room, and says
// so next to the buttons; the person then checks and books. Without script the button posts and the
// server fills the form in the same way (scheduling.forms.data_with_pick).
(function () {
  "use strict";
  function set(form, name, value) {
    var field = form.elements[name];
    if (!field || value === undefined) return;
    field.value = value;
    field.dispatchEvent(new Event("change", { bubbles: true }));
    // The refusal shown under the field was about the old value: it no longer applies.
    var wrapper = field.closest(".field");
    if (wrapper) {
      wrapper.classList.remove("has-error");
      wrapper.querySelectorAll(".errorlist").forEach(function (list) { list.remove(); });
    }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-slot-date]");
    if (!button || !button.form) return;
    event.preventDefault();
    var form = button.form;
    set(form, "date", button.dataset.slotDate);
    set(form, "start_time", button.dataset.slotTime);
    if (button.dataset.slotRoom) set(form, "room", button.dataset.slotRoom);
    form.querySelectorAll("button[data-slot-date]").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    var note = form.querySelector(".slot-picked");
    var submit = form.querySelector("[data-slot-submit]");
    if (note) {
      note.textContent = "Filled in: " + button.dataset.slotLabel + ". Check the details, then press " +
        (submit ? submit.textContent.trim() : "the button below") + ".";
    }
    if (submit) submit.focus();
  });
})();
