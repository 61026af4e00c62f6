// Story player: counts a watch on the first play and reveals the creator at the end.
// The page works without it: native controls, captions and the creator card are HTML.
(function () {
  "use strict";

  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function countPlay(url) {
    // No cookies, no identifiers: one anonymous POST per page view that starts playing.
    if (!url) return;
    fetch(url, { method: "POST", credentials: "omit", keepalive: true }).catch(function () {});
  }

  function reveal(card) {
    card.classList.add("is-revealed");
    card.scrollIntoView({ behavior: reduceMotion.matches ? "auto" : "smooth", block: "center" });
    card.focus({ preventScroll: true });
  }

  document.querySelectorAll("[data-player]").forEach(function (root) {
    var video = root.querySelector("video");
    if (!video) return;
    var counted = false;
    video.addEventListener("play", function () {
      if (counted) return;
      counted = true;
      countPlay(root.getAttribute("data-play-url"));
    });
    video.addEventListener("ended", function () {
      var card = document.getElementById(root.getAttribute("data-reveal") || "");
      if (card) reveal(card);
    });
  });

  document.querySelectorAll("[data-copy-link]").forEach(function (button) {
    if (!navigator.clipboard) return;
    var status = document.querySelector("[data-copy-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy-link")).then(
        function () { if (status) status.textContent = button.getAttribute("data-copied") || ""; },
        function () { if (status) status.textContent = ""; }
      );
    });
  });
})();
