// Adaptive streaming (HLS) for <video data-stream>. The page works without it: the
// <video> lists the HLS playlist first (Safari and other browsers with native HLS
// play it) and the MP4 second (everyone else). Where the browser has no native HLS
// but has Media Source Extensions, this loads our own copy of hls.js (only then, only
// on pages with a player) and plays the ladder through it; any fatal error falls back
// to the MP4. Captions are the <video>'s own <track> elements either way.
(function () {
  "use strict";

  var HLS_TYPE = "application/vnd.apple.mpegurl";
  var videos = Array.prototype.slice.call(document.querySelectorAll("video[data-stream]"));
  if (!videos.length) return;

  function nativeHls(video) {
    return video.canPlayType(HLS_TYPE) !== "";
  }

  function hasMediaSource() {
    return !!(window.ManagedMediaSource || window.MediaSource);
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
    if (!Hls || !Hls.isSupported()) return;
    var hls = new Hls({
      // No worker: fMP4 segments need no transmuxing, and a worker would need a
      // blob: worker-src in the CSP.
      enableWorker: false,
      // Like preload="metadata": the playlists now, the segments once it plays.
      autoStartLoad: false,
      capLevelToPlayerSize: true,
      startLevel: -1
    });
    var started = false;
    function start() {
      if (started) return;
      started = true;
      hls.startLoad(-1);
    }
    hls.on(Hls.Events.ERROR, function (_event, data) {
      if (!data.fatal) return;
      hls.destroy();
      fallBack(video);
    });
    video.addEventListener("play", start);
    video.addEventListener("seeking", start);
    video.setAttribute("data-stream-mode", "hls.js");
    hls.loadSource(video.getAttribute("data-stream"));
    hls.attachMedia(video);
    video.hls = hls; // for tests and the benchmark
  }

  var needed = videos.filter(function (video) {
    if (nativeHls(video)) {
      video.setAttribute("data-stream-mode", "native");
      return false;
    }
    return hasMediaSource();
  });
  if (!needed.length) return;

  var script = document.createElement("script");
  script.src = needed[0].getAttribute("data-hls-script");
  script.onload = function () { needed.forEach(attach); };
  document.head.appendChild(script);
})();
