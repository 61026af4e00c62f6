// Site-wide enhancements. Everything here has a no-JavaScript fallback.
(function () {
  "use strict";
  // Dismiss the awareness banner without a page reload; the form still works without JS.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-dismiss-banner]")) return;
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function () {
        var banner = document.getElementById("awareness-banner");
        if (banner) banner.remove();
      });
  });
})();
