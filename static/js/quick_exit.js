// Quick exit on the help page: leave for a neutral site and replace this page in the
// history, so "Back" does not bring someone watching over a shoulder here. Without
// JavaScript the button is a plain link to the same site.
(function () {
  "use strict";
  function leave(link) {
    window.location.replace(link.href);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    leave(link);
  });
  // Escape pressed twice in a row also leaves, for someone who cannot reach the mouse.
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    var link = document.querySelector("[data-quick-exit]");
    if (link && now - lastEscape < 800) leave(link);
    lastEscape = now;
  });
})();
