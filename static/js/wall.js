// The gallery wall (?wall=1), for a big screen at an event or in a classroom: as
// many tiles as the screen holds, each an approved entry's clip looping muted; every
// few seconds one tile makes way for an entry not on screen. Without JavaScript, with
// "reduce motion" or with Save-Data on, the page stays a still grid of posters.
// Space pauses, the right arrow brings the next entry in now.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var wall = document.querySelector("[data-wall]");
    if (!wall) return;
    var list = wall.querySelector(".wall-slides");
    var slides = list ? Array.prototype.slice.call(list.querySelectorAll(".wall-slide")) : [];
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var saveData = navigator.connection && navigator.connection.saveData;
    if (!slides.length || reduce || saveData) return;
    var seconds = parseInt(wall.dataset.seconds, 10) || 12;
    var pause = wall.querySelector("[data-wall-pause]");
    var full = wall.querySelector("[data-wall-fullscreen]");
    var pauseLabel = pause.textContent;
    var shown = [];   // the tiles on screen, left to right
    var waiting = []; // the others, the next one first
    var turn = 0;     // which tile makes way next
    var timer = null;
    var paused = false;
    document.body.classList.add("wall-playing");

    function clip(slide) { return slide.querySelector("video"); }

    function start(slide) {
      slide.classList.add("is-current");
      var video = clip(slide);
      if (!video) return;
      if (!video.getAttribute("src") && video.dataset.src) video.src = video.dataset.src;
      if (paused) return;
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () {});
    }

    function stop(slide) {
      slide.classList.remove("is-current");
      var video = clip(slide);
      if (!video) return;
      video.pause();
      if (!video.getAttribute("src")) return;
      // Off screen: give the decoder and the buffered clip back.
      video.removeAttribute("src");
      video.load();
    }

    // How many tiles fit side by side: one is measured, the rest follow.
    function capacity() {
      start(slides[0]);
      var tile = slides[0].getBoundingClientRect().width;
      var gap = parseFloat(window.getComputedStyle(list).columnGap) || 0;
      var fits = Math.floor((list.clientWidth + gap) / (tile + gap));
      return Math.max(1, Math.min(slides.length, fits));
    }

    function layout() {
      slides.forEach(function (slide) { list.appendChild(slide); });
      slides.forEach(stop);
      var count = capacity();
      shown = slides.slice(0, count);
      waiting = slides.slice(count);
      turn = 0;
      shown.forEach(start);
      schedule();
    }

    function next() {
      if (!waiting.length) return;
      var slot = turn % shown.length;
      var leaving = shown[slot];
      var coming = waiting.shift();
      list.insertBefore(coming, leaving);
      stop(leaving);
      list.appendChild(leaving);
      waiting.push(leaving);
      shown[slot] = coming;
      start(coming);
      turn += 1;
      schedule();
    }

    function schedule() {
      window.clearTimeout(timer);
      if (!paused && waiting.length) timer = window.setTimeout(next, seconds * 1000);
    }

    function toggle() {
      paused = !paused;
      pause.textContent = paused ? pause.dataset.labelPlay : pauseLabel;
      shown.forEach(function (slide) {
        var video = clip(slide);
        if (!video) return;
        if (paused) video.pause();
        else video.play().catch(function () {});
      });
      schedule();
    }

    pause.hidden = false;
    pause.addEventListener("click", toggle);
    document.addEventListener("keydown", function (event) {
      if (event.key === " " && event.target === document.body) { event.preventDefault(); toggle(); }
      if (event.key === "ArrowRight") next();
    });
    if (document.documentElement.requestFullscreen) {
      full.hidden = false;
      full.addEventListener("click", function () { document.documentElement.requestFullscreen().catch(function () {}); });
    }
    var resized = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resized);
      resized = window.setTimeout(layout, 300);
    });
    // New approvals appear without anyone touching the screen.
    window.setTimeout(function () { window.location.reload(); }, 10 * 60 * 1000);
    layout();
  });
})();
