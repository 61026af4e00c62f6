// TikTok's Embed Player, only when the visitor asks for it (templates/components/
// tiktok_player.html): until the button is pressed, nothing of TikTok's is loaded,
// so TikTok learns nothing and sets no cookie. The legacy embed.js is never used.
(function () {
  "use strict";
  function load(player) {
    if (player.hasAttribute("data-loaded")) return;
    var frame = document.createElement("iframe");
    frame.src = player.getAttribute("data-player-src");
    frame.title = player.getAttribute("data-player-title") || "TikTok";
    frame.setAttribute("allow", "autoplay; fullscreen; encrypted-media; picture-in-picture");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    // The player runs its own scripts; it may open TikTok in a new tab, never
    // navigate this page.
    frame.setAttribute(
      "sandbox",
      "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation"
    );
    player.appendChild(frame);
    player.setAttribute("data-loaded", "");
    frame.focus();
  }
  // One listener for the page: players swapped in later (the review desk) work too.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-tiktok-play]");
    var player = button && button.closest("[data-tiktok-player]");
    if (player) load(player);
  });
  function init() {
    document.querySelectorAll("[data-tiktok-play]").forEach(function (button) {
      button.hidden = false;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
