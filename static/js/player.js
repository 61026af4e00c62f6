// Story player: counts a watch on the first play and shows the creator's reveal as
// an end-screen when the episode ends.
// The page works without it: native controls, captions and the folded creator card
// are HTML.
(function () {
  "use strict";

  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function countPlay(url) {
    // No cookies, no identifiers: one anonymous POST per page view that starts playing.
    if (!url) return;
    fetch(url, { method: "POST", credentials: "omit", keepalive: true }).catch(function () {});
  }

  // The creator's card (components/creator_reveal.html) is below the player, folded,
  // so the page does not name them before the end. When the episode ends it unfolds
  // as an end-screen over the player; "Watch again" plays it from the start and puts
  // the card back in its place, unfolded: the creator has been revealed.
  function revealer(root, video, card) {
    var home = card.parentNode;
    var after = card.nextSibling;
    var fold = card.querySelector("[data-reveal-fold]");
    var replay = card.querySelector("[data-reveal-replay]");

    function putBack() {
      if (!card.classList.contains("is-end-screen")) return;
      card.classList.remove("is-end-screen");
      root.classList.remove("has-end-screen");
      home.insertBefore(card, after);
      if (replay) replay.hidden = true;
    }

    video.addEventListener("play", putBack);
    video.addEventListener("ended", function () {
      root.appendChild(card);
      if (fold) fold.open = true;
      card.classList.add("is-end-screen", "is-revealed");
      root.classList.add("has-end-screen");
      if (replay) replay.hidden = false;
      root.scrollIntoView({ behavior: reduceMotion.matches ? "auto" : "smooth", block: "nearest" });
      card.focus({ preventScroll: true });
    });
    if (replay) {
      replay.addEventListener("click", function () {
        video.currentTime = 0;
        var playing = video.play();
        if (playing && playing.catch) playing.catch(function () {});
        video.focus();
      });
    }
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
    var card = document.getElementById(root.getAttribute("data-reveal") || "");
    if (card) revealer(root, video, card);
  });
})();
