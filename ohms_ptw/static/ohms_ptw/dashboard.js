// Permit dashboard: reload the page every data-refresh-seconds (60 s), so the cards and
// tables stay current on a control-room screen. A static file: no inline script needed.
(function () {
  "use strict";
  var board = document.querySelector("[data-ptw-dashboard]");
  if (!board) { return; }
  var seconds = parseInt(board.getAttribute("data-refresh-seconds"), 10) || 60;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
}());
