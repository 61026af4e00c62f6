// The gallery wall (?wall=1): one approved entry after another, its video muted,
// for a big screen at an event or in a classroom. Without JavaScript, or with
// "reduce motion", the page stays a still grid of posters. Space pauses.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var wall = document.querySelector("[data-wall]");
    if (!wall) return;
    var slides = Array.prototype.slice.call(wall.querySelectorAll(".wall-slide"));
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (!slides.length || reduce) return;
    var seconds = parseInt(wall.dataset.seconds, 10) || 10;
    var pause = wall.querySelector("[data-wall-pause]");
    var full = wall.querySelector("[data-wall-fullscreen]");
    var pauseLabel = pause.textContent;
    var current = -1;
    var timer = null;
    var paused = false;
    document.body.classList.add("wall-playing");

    function video(slide) { return slide.querySelector("video"); }

    function show(index) {
      if (current >= 0) {
        slides[current].classList.remove("is-current");
        var old = video(slides[current]);
        if (old) old.pause();
      }
      current = (index + slides.length) % slides.length;
      var slide = slides[current];
      slide.classList.add("is-current");
      var clip = video(slide);
      if (clip && !paused) {
        if (!clip.src && clip.dataset.src) clip.src = clip.dataset.src;
        clip.currentTime = 0;
        var playing = clip.play();
        if (playing && playing.catch) playing.catch(function () {});
      }
      schedule();
    }

    function schedule() {
      window.clearTimeout(timer);
      if (!paused) timer = window.setTimeout(function () { show(current + 1); }, seconds * 1000);
    }

    function toggle() {
      paused = !paused;
      pause.textContent = paused ? pause.dataset.labelPlay : pauseLabel;
      var clip = video(slides[current]);
      if (clip) { if (paused) clip.pause(); else clip.play().catch(function () {}); }
      schedule();
    }

    pause.hidden = false;
    pause.addEventListener("click", toggle);
    document.addEventListener("keydown", function (event) {
      if (event.key === " " && event.target === document.body) { event.preventDefault(); toggle(); }
      if (event.key === "ArrowRight") show(current + 1);
      if (event.key === "ArrowLeft") show(current - 1);
    });
    if (document.documentElement.requestFullscreen) {
      full.hidden = false;
      full.addEventListener("click", function () { document.documentElement.requestFullscreen().catch(function () {}); });
    }
    // New approvals appear without anyone touching the screen.
    window.setTimeout(function () { window.location.reload(); }, 10 * 60 * 1000);
    show(0);
  });
})();
