// Adaptive streaming (HLS) for <video data-stream>. The page works without it: the
// <video> lists the HLS playlist first (Safari, Chrome and other browsers with native
// HLS play it) and the MP4 second (everyone else). Where the browser has no native
// HLS but has Media Source Extensions, this loads our own copy of hls.js (only then,
// only on pages with a player) and plays the ladder through it; any fatal error falls
// back to the MP4. Captions are the <video>'s own <track> elements either way.
//
// First frame on a slow phone connection (docs/performance.md, "Streaming"):
// - hls.js starts on the lowest rung (startLevel 0). Left to choose (-1), it first
//   downloads a segment only to measure the bandwidth, throws it away, then fetches
//   the rung it picked: one segment and two requests more before anything plays.
//   Its bandwidth estimate then moves it up from the second segment on.
// - Before play it fetches the playlists, the init segment and the first segment
//   of that rung, nothing more (like preload="metadata" does for the MP4), unless the
//   visitor asked to save data.
// - While hls.js itself downloads, the browser already fetches the three small
//   files it will ask for first (master playlist, the lowest rung's playlist and
//   init segment: data-stream-warm), so hls.js finds them in the preload cache
//   instead of waiting one round trip for each. Not the first segment: found in a
//   cache, it would make hls.js estimate an absurd bandwidth and jump to the top
//   rung. Nothing is warmed for browsers that play HLS themselves (their requests
//   are not the page's; a cached segment misleads Chromium's own rung choice the
//   same way: docs/decisions.md).
(function () {
  "use strict";

  var HLS_TYPE = "application/vnd.apple.mpegurl";
  var PREPLAY_SECONDS = 1; // any buffered time at all: hls.js stops after one segment
  var videos = Array.prototype.slice.call(document.querySelectorAll("video[data-stream]"));
  if (!videos.length) return;

  function nativeHls(video) {
    return video.canPlayType(HLS_TYPE) !== "";
  }

  function hasMediaSource() {
    return !!(window.ManagedMediaSource || window.MediaSource);
  }

  function savesData() {
    return !!(navigator.connection && navigator.connection.saveData);
  }

  function warm(url) {
    // Same request as hls.js's own (same origin, no credentials flag), so the
    // preload cache answers it.
    var link = document.createElement("link");
    link.rel = "preload";
    link.as = "fetch";
    link.crossOrigin = "anonymous";
    link.href = url;
    document.head.appendChild(link);
  }

  function fallBack(video) {
    var mp4 = video.getAttribute("data-stream-fallback");
    var time = video.currentTime || 0;
    var playing = !video.paused;
    video.setAttribute("data-stream-mode", "mp4");
    video.src = mp4;
    video.load();
    if (time) video.currentTime = time;
    if (playing) video.play().catch(function () {});
  }

  function attach(video) {
    var Hls = window.Hls;
    if (!Hls || !Hls.isSupported()) {
      fallBack(video);
      return;
    }
    var lazy = savesData();
    var fullBuffer = Hls.DefaultConfig.maxMaxBufferLength;
    var hls = new Hls({
      // No worker: fMP4 segments need no transmuxing, and a worker would need a
      // blob: worker-src in the CSP.
      enableWorker: false,
      // The playlists now; with Save-Data, the segments only once it plays.
      autoStartLoad: !lazy,
      // Until play, at most one segment (see PREPLAY_SECONDS).
      maxMaxBufferLength: lazy ? fullBuffer : PREPLAY_SECONDS,
      capLevelToPlayerSize: true,
      startLevel: 0
    });
    var started = false;
    function start() {
      if (started) return;
      started = true;
      hls.config.maxMaxBufferLength = fullBuffer;
      if (lazy) hls.startLoad(-1);
    }
    hls.on(Hls.Events.ERROR, function (_event, data) {
      if (!data.fatal) return;
      hls.destroy();
      fallBack(video);
    });
    video.addEventListener("play", start);
    // Without Save-Data hls.js fetches what a seek needs by itself; with it,
    // nothing loads until the visitor plays or seeks.
    if (lazy) video.addEventListener("seeking", start);
    video.setAttribute("data-stream-mode", "hls.js");
    hls.loadSource(video.getAttribute("data-stream"));
    hls.attachMedia(video);
    video.hls = hls; // for tests and the benchmark
    if (!video.paused) start(); // play was pressed while hls.js was downloading
  }

  var needed = videos.filter(function (video) {
    if (nativeHls(video)) {
      video.setAttribute("data-stream-mode", "native");
      return false;
    }
    return hasMediaSource();
  });
  if (!needed.length) return;

  needed.forEach(function (video) {
    // Such a browser has picked the MP4 and started its preload="metadata"
    // fetch, which hls.js would throw away: stop it, so the link carries hls.js
    // and the ladder instead (and the page's load event stops waiting for it).
    // Taking the <source>s out is what stops it (Chromium kept fetching with
    // preload="none"); fallBack() sets the MP4 again if hls.js cannot play.
    if (video.paused && !video.currentTime) {
      video.querySelectorAll("source").forEach(function (source) {
        source.remove();
      });
      video.load();
    }
    if (savesData()) return;
    (video.getAttribute("data-stream-warm") || "").split(" ").forEach(function (url) {
      if (url) warm(url);
    });
  });
  var script = document.createElement("script");
  script.src = needed[0].getAttribute("data-hls-script");
  script.onload = function () { needed.forEach(attach); };
  script.onerror = function () { needed.forEach(fallBack); };
  document.head.appendChild(script);
})();
