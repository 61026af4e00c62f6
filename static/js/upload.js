// The challenge upload: preview (and recording) before sending, the file sent by tus
// (resumable: pieces, retries, resumes after a reload; tus-js-client, vendored) with a
// real progress bar, then the form, then the processing state live until the entry
// waits for review. Without tus the whole form goes in one XMLHttpRequest; without
// JavaScript the form posts normally and "My entries" shows the state.
(function () {
  "use strict";

  var POLL_MS = 2500;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] !== undefined ? values[key] : "";
    }).replace(/%%/g, "%");
  }

  function messages() {
    var node = document.getElementById("upload-messages");
    return node ? node.dataset : {};
  }

  function megabytes(bytes) {
    // Two decimals under 1 MB, so a small clip does not read "0.0 of 0.0 MB".
    var digits = bytes < 1024 * 1024 ? 2 : bytes < 10 * 1024 * 1024 ? 1 : 0;
    return (bytes / (1024 * 1024)).toFixed(digits);
  }

  function timeLeft(seconds, text) {
    if (!isFinite(seconds) || seconds < 0) return "";
    if (seconds < 90) return format(text.seconds, { n: Math.max(1, Math.round(seconds)) });
    return format(text.minutes, { n: Math.round(seconds / 60) });
  }

  function errorList(items) {
    var list = document.createElement("ul");
    list.className = "errorlist";
    items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    return list;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-errors-for]").forEach(function (box) { box.textContent = ""; });
    var summary = form.querySelector("[data-form-errors]");
    if (summary) { summary.textContent = ""; summary.hidden = true; }
  }

  function showErrors(form, message, errors) {
    var summary = form.querySelector("[data-form-errors]");
    var first = null;
    Object.keys(errors || {}).forEach(function (field) {
      var box = form.querySelector('[data-errors-for="' + field + '"]');
      if (box) {
        box.textContent = "";
        box.appendChild(errorList(errors[field]));
        if (!first) first = form.querySelector('[data-field="' + field + '"] input, [data-field="' + field + '"] textarea, [data-field="' + field + '"] select');
      }
    });
    if (summary) {
      summary.textContent = "";
      var general = (errors && errors.__all__) || [message];
      summary.appendChild(errorList(general));
      summary.hidden = false;
      summary.focus();
    } else if (first) {
      first.focus();
    }
  }

  function pollStatus(url, onUpdate) {
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) {
          if (!status) { setTimeout(tick, POLL_MS * 2); return; }
          onUpdate(status);
          if (!status.done) setTimeout(tick, POLL_MS);
        })
        .catch(function () { setTimeout(tick, POLL_MS * 2); });
    }
    tick();
  }

  function enhanceCaption(form) {
    var caption = form.querySelector("textarea[data-caption-max]");
    var counter = form.querySelector("[data-caption-counter]");
    if (!caption || !counter) return;
    var max = parseInt(caption.dataset.captionMax, 10);
    var text = messages();
    // Count what a person sees (an emoji or an accented letter is one), as the
    // server does (core/text.py); older browsers fall back to code points.
    var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter() : null;
    var visible = function (value) {
      if (segmenter) return Array.from(segmenter.segment(value)).length;
      return Array.from(value).length;
    };
    // Plural forms from the page (one and other: enough for en, it, fr and de).
    var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
    var say = function (one, other, n) {
      var single = rules ? rules.select(n) === "one" : n === 1;
      return format((single ? one : other) || other || "%(n)s", { n: n });
    };
    // Never a negative number left: past the limit it says how many are too many.
    var update = function () {
      var left = max - visible(caption.value);
      counter.hidden = false;
      counter.classList.toggle("is-over", left < 0);
      counter.textContent = left < 0
        ? say(text.charsOverOne, text.charsOver, -left)
        : say(text.charsLeftOne, text.charsLeft, left);
    };
    caption.addEventListener("input", update);
    update();
  }

  // The large file target: with a file chosen it names it, and a file dragged over
  // it lights it up (the invisible input over it takes the drop).
  function enhanceDropTarget(form, input, text) {
    var target = form.querySelector("[data-drop-target]");
    if (!target || !input) return;
    var hint = target.querySelector("[data-drop-hint]");
    var original = hint.textContent;
    function show() {
      var file = input.files && input.files[0];
      target.classList.toggle("has-file", !!file);
      hint.textContent = file ? format(text.chosen, { name: file.name }) : original;
    }
    input.addEventListener("change", show);
    input.addEventListener("filechosen", show); // a recording put in the input
    ["dragenter", "dragover"].forEach(function (name) {
      input.addEventListener(name, function () { target.classList.add("is-dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      input.addEventListener(name, function () { target.classList.remove("is-dragging"); });
    });
    show();
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var m = Math.floor(seconds / 60), sec = seconds % 60;
    return m + ":" + (sec < 10 ? "0" : "") + sec;
  }

  // A file the browser names as something else than a video (a photo, a song, a
  // document) is refused before it is sent. No type, or a generic one (some systems
  // give an .mkv or a .mov none), goes on: the server reads the file itself.
  var MAYBE_VIDEO = /^application\/(octet-stream|mp4|ogg|x-matroska|mxf)$/;

  function notVideoProblem(file, form) {
    var type = (file.type || "").toLowerCase();
    if (!type || type.indexOf("video/") === 0 || MAYBE_VIDEO.test(type)) return "";
    if (type.indexOf("image/") === 0) return form.dataset.msgPicture;
    if (type.indexOf("audio/") === 0) return form.dataset.msgSound;
    return form.dataset.msgNotVideo;
  }

  // Preview: the chosen or recorded clip plays on the page with its length and size,
  // and a clip over the limits is refused before anything is sent.
  function enhancePreview(form, input, text) {
    var box = form.querySelector("[data-preview]");
    var video = box.querySelector("[data-preview-video]");
    var facts = box.querySelector("[data-preview-facts]");
    var problem = box.querySelector("[data-preview-problem]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var maxSeconds = parseInt(form.dataset.maxSeconds, 10);
    var state = { file: null, duration: null, problem: "" };
    var url = null;

    function render() {
      var file = state.file;
      var size = megabytes(file.size);
      facts.textContent = state.duration
        ? format(text.facts, { length: clock(state.duration), size: size })
        : format(text.factsNoLength, { size: size });
      state.problem = notVideoProblem(file, form);
      if (state.problem) return said();
      if (maxBytes && file.size > maxBytes) state.problem = form.dataset.msgTooLarge;
      else if (maxSeconds && state.duration && state.duration > maxSeconds + 0.5) state.problem = form.dataset.msgTooLong;
      said();
    }

    function said() {
      problem.textContent = state.problem;
      problem.hidden = !state.problem;
      box.classList.toggle("has-problem", !!state.problem);
    }

    function show(file, knownDuration) {
      if (url) URL.revokeObjectURL(url);
      state.file = file;
      state.duration = knownDuration || null;
      box.hidden = !file;
      if (!file) { url = null; video.removeAttribute("src"); return; }
      var playable = !notVideoProblem(file, form);
      video.hidden = !playable;
      url = playable ? URL.createObjectURL(file) : null;
      if (url) video.src = url; else video.removeAttribute("src");
      render();
    }

    video.addEventListener("loadedmetadata", function () {
      if (isFinite(video.duration) && video.duration > 0) {
        state.duration = video.duration;
        render();
      } else if (!state.duration) {
        // A recorded WebM often says nothing about its length: seeking to the end
        // makes the browser find it.
        var measure = function () {
          video.removeEventListener("durationchange", measure);
          if (isFinite(video.duration)) { state.duration = video.duration; video.currentTime = 0; render(); }
        };
        video.addEventListener("durationchange", measure);
        video.currentTime = 1e9;
      }
    });
    input.addEventListener("change", function () {
      show(input.files && input.files[0], null);
    });
    return { show: show, state: state };
  }

  // Record in the browser: camera preview, a countdown, at most the challenge's
  // length, then the clip becomes the form's file (and is previewed).
  function enhanceRecorder(form, input, preview, text) {
    var box = form.querySelector("[data-recorder]");
    if (!box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder || !window.DataTransfer) return;
    var stage = box.querySelector("[data-record-stage]");
    var live = box.querySelector("[data-record-live]");
    var countdown = box.querySelector("[data-record-countdown]");
    var timer = box.querySelector("[data-record-timer]");
    var announce = box.querySelector("[data-record-announce]");
    var open = box.querySelector("[data-record-open]");
    var start = box.querySelector("[data-record-start]");
    var stop = box.querySelector("[data-record-stop]");
    var close = box.querySelector("[data-record-close]");
    var retake = form.querySelector("[data-record-retake]");
    var maxSeconds = parseInt(form.dataset.maxSeconds, 10) || 180;
    var stream = null, recorder = null, ticker = null;
    box.hidden = false;

    function say(message) { announce.textContent = message; }

    function camera(on) {
      if (!on) {
        if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
        live.srcObject = null;
        stage.hidden = true;
        open.hidden = false;
        return Promise.resolve();
      }
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: true })
        .then(function (media) {
          stream = media;
          live.srcObject = media;
          live.play().catch(function () {});
          stage.hidden = false;
          open.hidden = true;
          start.hidden = false;
          stop.hidden = true;
          timer.hidden = true;
          start.focus();
        })
        .catch(function () { showErrors(form, text.cameraRefused, { video: [text.cameraRefused] }); });
    }

    function type() {
      var types = ["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];
      for (var i = 0; i < types.length; i++) {
        if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) return types[i];
      }
      return "";
    }

    function record() {
      var chunks = [];
      var mime = type();
      recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
      var began = Date.now();
      recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) chunks.push(e.data); });
      recorder.addEventListener("stop", function () {
        clearInterval(ticker);
        var seconds = (Date.now() - began) / 1000;
        var kind = (recorder.mimeType || mime || "video/webm").split(";")[0];
        var file = new File(chunks, "recording." + (kind === "video/mp4" ? "mp4" : "webm"), { type: kind });
        var list = new DataTransfer();
        list.items.add(file);
        input.files = list.files;
        input.dispatchEvent(new Event("filechosen"));
        camera(false);
        preview.show(file, seconds);
        retake.hidden = false;
        say(text.recorded);
        form.querySelector("[data-preview-video]").focus();
      });
      recorder.start(1000);
      stop.hidden = false;
      timer.hidden = false;
      var tick = function () {
        var seconds = (Date.now() - began) / 1000;
        timer.textContent = format(text.recording, { time: clock(seconds), max: clock(maxSeconds) });
        if (seconds >= maxSeconds && recorder.state === "recording") recorder.stop();
      };
      tick();
      ticker = setInterval(tick, 250);
      stop.focus();
    }

    open.addEventListener("click", function () { camera(true); });
    close.addEventListener("click", function () {
      if (recorder && recorder.state === "recording") recorder.stop(); else camera(false);
    });
    retake.addEventListener("click", function () {
      input.value = "";
      preview.show(null);
      retake.hidden = true;
      camera(true);
    });
    stop.addEventListener("click", function () { if (recorder && recorder.state === "recording") recorder.stop(); });
    start.addEventListener("click", function () {
      start.hidden = true;
      var left = 3;
      countdown.hidden = false;
      var step = function () {
        if (!stream) { countdown.hidden = true; return; }
        if (left === 0) { countdown.hidden = true; record(); return; }
        countdown.textContent = String(left);
        say(format(text.countdown, { n: left }));
        left -= 1;
        setTimeout(step, 1000);
      };
      step();
    });
  }

  function enhanceUpload(form) {
    var text = messages();
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var progressBox = form.querySelector("[data-upload-progress]");
    var bar = form.querySelector("[data-progress-bar]");
    var status = form.querySelector("[data-upload-status]");
    var announce = form.querySelector("[data-upload-announce]");
    var cancel = form.querySelector("[data-upload-cancel]");
    var submit = form.querySelector("[data-submit-button]");
    var result = document.querySelector("[data-upload-result]");
    var input = form.querySelector('input[type="file"]');
    var uploadField = form.querySelector('input[name="upload"]');
    var resumable = window.tus && tus.isSupported && form.dataset.tusEndpoint;
    var preview = enhancePreview(form, input, text);
    enhanceDropTarget(form, input, text);
    enhanceRecorder(form, input, preview, text);
    var busy = null; // the running XMLHttpRequest or tus.Upload
    var finished = null; // {file, id}: sent already; the form only needs sending again

    function reset(message) {
      busy = null;
      submit.disabled = false;
      progressBox.hidden = true;
      if (message) showErrors(form, message, {});
    }

    cancel.addEventListener("click", function () {
      if (!busy) return;
      if (busy instanceof XMLHttpRequest) { busy.abort(); return; }
      busy.abort(true); // tus: stop, and delete what was sent
      reset(text.stopped);
    });

    function progress(loaded, total, samples, state) {
      var percent = Math.floor((loaded / total) * 100);
      bar.value = percent;
      // Speed over the last few seconds, so "time left" follows the connection.
      var now = Date.now();
      samples.push([now, loaded]);
      while (samples.length > 2 && now - samples[0][0] > 5000) samples.shift();
      var span = (now - samples[0][0]) / 1000;
      var rate = span >= 1 ? (loaded - samples[0][1]) / span : 0;
      var line = format(text.sending, { sent: megabytes(loaded), total: megabytes(total), percent: percent });
      if (rate > 0 && loaded < total) {
        line += " · " + format(text.left, { time: timeLeft((total - loaded) / rate, text) });
      }
      status.textContent = line;
      // The aria-live copy speaks at most every 5 seconds, so a screen reader is
      // not flooded; the <progress> and the visible text are always current.
      if (now - state.announced > 5000 || percent === 100) {
        announce.textContent = line;
        state.announced = now;
      }
    }

    function sent() {
      bar.removeAttribute("value"); // indeterminate while the server stores the file
      status.textContent = announce.textContent = text.processing;
      cancel.hidden = true;
    }

    function answered(request) {
      busy = null;
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (err) { body = null; }
      if (!body) { reset(text.failed); return; }
      if (!body.ok) { reset(); showErrors(form, body.message, body.errors); return; }
      if (body.redirect) { window.location.assign(body.redirect); return; }
      form.hidden = true;
      result.hidden = false;
      var state = result.querySelector("[data-result-state]");
      var reason = result.querySelector("[data-result-reason]");
      result.querySelector("[data-result-heading]").focus();
      var show = function (entry) {
        state.querySelector("[data-result-label]").textContent = entry.label;
        state.className = "entry-state state-" + entry.state;
        reason.textContent = entry.reason || "";
      };
      show(body.entry);
      if (!body.entry.done) pollStatus(body.status_url, show);
    }

    function post(data, onProgress) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      if (onProgress) {
        xhr.upload.addEventListener("progress", onProgress);
        xhr.upload.addEventListener("load", sent);
      }
      xhr.addEventListener("abort", function () { reset(text.stopped); });
      xhr.addEventListener("error", function () { reset(text.failed); });
      xhr.addEventListener("load", function () { answered(xhr); });
      xhr.send(data);
      return xhr;
    }

    // The plain path: the whole form in one request (no tus in this browser).
    function sendAtOnce(file) {
      var samples = [], state = { announced: 0 };
      busy = post(new FormData(form), function (e) {
        if (e.lengthComputable) progress(e.loaded, e.total, samples, state);
      });
    }

    // The resumable path: the file by tus (pieces, retried and resumed, also after
    // a reload), then the form with the finished upload's id.
    function sendForm(id) {
      sent();
      uploadField.value = id;
      var data = new FormData(form);
      data.delete("video");
      busy = post(data, null);
    }

    // An answer that says no for good (4xx but "busy" and "out of step"), or "try
    // again later" (503 with Retry-After: the site has no room for new uploads):
    // shown as it is instead of retried.
    function refused(response) {
      var code = response ? response.getStatus() : 0;
      if (code === 503) return Boolean(response.getHeader("Retry-After"));
      return code >= 400 && code < 500 && code !== 409 && code !== 423;
    }

    function sendResumable(file) {
      if (finished && finished.file === file) { sendForm(finished.id); return; }
      var samples = [], state = { announced: 0 };
      var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
      var upload = new tus.Upload(file, {
        endpoint: form.dataset.tusEndpoint,
        chunkSize: parseInt(form.dataset.chunkBytes, 10) || Infinity,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
        headers: { "X-CSRFToken": csrf },
        metadata: { filename: file.name || "video", filetype: file.type || "" },
        removeFingerprintOnSuccess: true,
        onProgress: function (loaded, total) { progress(loaded, total, samples, state); },
        onShouldRetry: function (err) {
          if (refused(err.originalResponse)) return false;
          status.textContent = announce.textContent = text.reconnecting;
          return true;
        },
        onError: function (err) {
          var response = err.originalResponse;
          if (refused(response)) {
            var message = response.getBody() || text.failed;
            reset();
            showErrors(form, message, { video: [message] });
          } else {
            reset(text.paused);
          }
        },
        onSuccess: function () {
          finished = { file: file, id: upload.url.replace(/\/$/, "").split("/").pop() };
          sendForm(finished.id);
        },
      });
      busy = upload;
      upload.findPreviousUploads().then(function (previous) {
        if (busy !== upload) return;
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          status.textContent = announce.textContent = text.resuming;
        }
        upload.start();
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return; // one upload at a time: no double submission
      clearErrors(form);
      var file = input && input.files && input.files[0];
      if (!file) {
        showErrors(form, text.checkErrors, { video: [text.chooseFile] });
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        showErrors(form, form.dataset.msgTooLarge, { video: [form.dataset.msgTooLarge] });
        return;
      }
      if (preview.state.problem) {
        showErrors(form, preview.state.problem, { video: [preview.state.problem] });
        return;
      }
      submit.disabled = true;
      cancel.hidden = false;
      progressBox.hidden = false;
      bar.value = 0;
      status.textContent = format(text.sending, { sent: 0, total: megabytes(file.size), percent: 0 });
      if (resumable) sendResumable(file); else sendAtOnce(file);
    });
  }

  function enhanceMyEntries() {
    document.querySelectorAll("[data-entry-status][data-poll]").forEach(function (node) {
      var card = node.closest(".my-entry");
      pollStatus(node.dataset.entryStatus, function (entry) {
        node.className = "entry-state state-" + entry.state;
        node.querySelector("[data-state-label]").textContent = entry.label;
        var reason = card && card.querySelector("[data-state-reason]");
        if (reason) { reason.textContent = entry.reason || ""; reason.hidden = !entry.reason; }
        if (entry.done && entry.has_poster && card) {
          var holder = card.querySelector(".poster-placeholder");
          if (holder) {
            var img = document.createElement("img");
            img.src = node.dataset.entryStatus.replace(/status\/$/, "poster/");
            img.alt = "";
            holder.replaceWith(img);
          }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-upload-form]");
    if (form && window.FormData && window.XMLHttpRequest) {
      enhanceCaption(form);
      enhanceUpload(form);
    }
    enhanceMyEntries();
  });
})();
