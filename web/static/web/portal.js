// Small conveniences only: every page works without this script.
document.addEventListener("DOMContentLoaded", function () {
  // "Not applicable" has no value: grey out the value input while it is ticked.
  document.querySelectorAll("input[data-na-for]").forEach(function (box) {
    var target = document.getElementById(box.dataset.naFor);
    if (!target) return;
    var sync = function () { target.disabled = box.checked; };
    box.addEventListener("change", sync);
    sync();
  });
  // Filters apply as soon as a choice changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Warn before leaving a form with unsaved typing.
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = false;
    // Only the form's own fields count: a file chosen for another form (the evidence uploads
    // sit inside the entry form through their form attribute) is not unsaved typing.
    form.addEventListener("input", function (event) {
      if (event.target.form === form) dirty = true;
    });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  });
});
