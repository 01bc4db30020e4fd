// The urgent board reloads itself every few seconds unless the user stopped it (WCAG 2.2.1: a
// refresh the user can turn off). Without scripts the page's <noscript> meta refresh does this.
(function () {
  "use strict";
  var board = document.getElementById("urgent-board");
  if (!board) { return; }
  var seconds = parseInt(board.getAttribute("data-refresh") || "0", 10);
  if (!seconds) { return; }
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
