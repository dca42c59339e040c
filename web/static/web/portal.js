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
  // A link to a place inside folded sections (the jump list, "same value as entered above")
  // unfolds them; browsers do it for a fragment, not always for a link on the same page.
  var unfold = function (id) {
    var target = id && document.getElementById(id);
    for (var up = target; up; up = up.parentElement) {
      if (up.tagName === "DETAILS") up.open = true;
    }
    // A link to a measure (after attaching a file to it) shows its note and evidence too.
    var extras = id && id.indexOf("measure-") === 0 && document.getElementById("extras-" + id.slice(8));
    if (extras) extras.open = true;
  };
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) unfold(decodeURIComponent(link.getAttribute("href").slice(1)));
  });
  if (location.hash) unfold(decodeURIComponent(location.hash.slice(1)));
  // "Not applicable" needs a note saying why: show the note when it is ticked.
  document.querySelectorAll("input[data-na-for]").forEach(function (box) {
    box.addEventListener("change", function () {
      var extras = box.closest(".indicator") && box.closest(".indicator").querySelector("details.extras");
      if (box.checked && extras) extras.open = true;
    });
  });
  // Filters apply as soon as a choice changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // After a refused save: open the sections around each field in error, and take the person
  // to the first one (the list at the top of the page links to every one of them).
  var summary = document.getElementById("errors");
  if (summary) {
    var links = summary.querySelectorAll(".error-links a[href^='#']");
    var reach = function (link) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return false;
      for (var up = target.parentElement; up; up = up.parentElement) {
        if (up.tagName === "DETAILS") up.open = true;
      }
      target.scrollIntoView({ block: "center" });
      if (target.disabled) { summary.focus(); } else { target.focus(); }
      return true;
    };
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (reach(link)) event.preventDefault();
      });
    });
    if (links.length) reach(links[0]);
  }
  // The sticky save bar covers the bottom of the page: what takes the focus (Tab, the links to
  // an error) is scrolled into the part above it, whatever its height on this screen.
  var savebar = document.getElementById("savebar");
  if (savebar && window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.scrollPaddingBottom = savebar.offsetHeight + 16 + "px";
    }).observe(savebar);
  }
  // Warn before leaving a form with unsaved typing: typed here, or typed before and sent back
  // unsaved (a refused or stale save shows it again, data-warn-unsaved="kept").
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = form.dataset.warnUnsaved === "kept";
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
