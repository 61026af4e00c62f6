// The series teaser on the phone home page (templates/components/teaser.html).
// The page carries the poster and no video URL as a src: the muted, looping video
// (and its captions, in the page's language) is added here, and only on a narrow
// screen (from 900px the mosaic shows instead), never when the visitor asked for
// less motion or to save data. Otherwise the poster stays and nothing more is
// fetched. A button pauses it (it moves for more than five seconds: WCAG 2.2.2).
(function () {
  "use strict";

  var figure = document.querySelector("[data-teaser]");
  if (!figure) return;
  var wide = window.matchMedia("(min-width: 900px)");
  var still = window.matchMedia("(prefers-reduced-motion: reduce)");
  var toggle = figure.querySelector("[data-teaser-toggle]");
  var icon = figure.querySelector("[data-teaser-icon]");
  var video = null;

  function savesData() {
    return !!(navigator.connection && navigator.connection.saveData);
  }

  function showState() {
    var paused = video.paused;
    toggle.setAttribute(
      "aria-label",
      toggle.getAttribute(paused ? "data-label-play" : "data-label-pause")
    );
    icon.textContent = paused ? "\u25B6" : "\u275A\u275A";
  }

  function build() {
    video = document.createElement("video");
    video.className = "teaser-video";
    // Attributes as well as properties: autoplay policies read `muted` early.
    video.muted = true;
    video.defaultMuted = true;
    video.setAttribute("muted", "");
    video.loop = true;
    video.setAttribute("loop", "");
    video.playsInline = true;
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-hidden", "true");
    video.preload = "auto";
    var captions = figure.getAttribute("data-teaser-captions");
    if (captions) {
      var track = document.createElement("track");
      track.kind = "captions";
      track.srclang = figure.getAttribute("data-teaser-language");
      track.label = figure.getAttribute("data-teaser-label");
      track.src = captions;
      track.default = true;
      video.appendChild(track);
    }
    video.addEventListener("playing", function () {
      figure.classList.add("is-playing");
      showState();
    });
    video.addEventListener("pause", showState);
    video.src = figure.getAttribute("data-teaser-video");
    figure.insertBefore(video, figure.querySelector("picture").nextSibling);
    if (video.textTracks.length) video.textTracks[0].mode = "showing";
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      if (video.paused) {
        video.play().catch(function () {});
      } else {
        video.pause();
        showState();
      }
    });
  }

  function update() {
    if (wide.matches || still.matches || savesData()) {
      if (video && !video.paused) video.pause();
      return;
    }
    if (!video) build();
    var playing = video.play();
    // Autoplay refused (a low-power mode): the poster stays, the button plays it.
    if (playing) playing.catch(showState);
  }

  update();
  [wide, still].forEach(function (query) {
    if (query.addEventListener) query.addEventListener("change", update);
  });
})();
