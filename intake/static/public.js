// Progressive enhancement for every public page; each page works without this file.
(function () {
  "use strict";
  // Quick exit: leave for a neutral site and take this page out of the tab's history.
  var exit = document.getElementById("quick-exit");
  if (exit) {
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      try { document.body.hidden = true; } catch (e) { /* nothing to hide */ }
      window.location.replace(exit.href);
    });
  }
  // Switching language carries what was typed: the page's form is posted to a view that only
  // shows it again in the other language (photos stay behind: a file input cannot be refilled).
  var carriers = document.querySelectorAll("a[data-carry-form]");
  Array.prototype.forEach.call(carriers, function (link) {
    link.addEventListener("click", function (event) {
      var form = document.getElementById(link.getAttribute("data-carry-form"));
      if (!form) { return; }
      event.preventDefault();
      Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
        input.disabled = true;
      });
      form.noValidate = true;
      form.action = link.getAttribute("data-carry-action");
      form.submit();
    });
  });
  // The error summary takes focus, so a screen reader hears the problems first.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Print the receipt card.
  var print = document.getElementById("print-card");
  if (print) {
    print.parentElement.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
}());
