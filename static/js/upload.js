// The challenge upload: a real progress bar (XMLHttpRequest upload events), then the
// processing state live until the entry waits for review. Without JavaScript the
// form posts normally and "My entries" shows the state.
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
    var update = function () {
      counter.hidden = false;
      counter.textContent = format(text.charsLeft || "%(n)s", { n: max - visible(caption.value) });
    };
    caption.addEventListener("input", update);
    update();
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
    var xhr = null;

    function reset(message) {
      submit.disabled = false;
      progressBox.hidden = true;
      if (message) showErrors(form, message, {});
    }

    cancel.addEventListener("click", function () {
      if (xhr) xhr.abort();
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (xhr) return; // one upload at a time: no double submission
      clearErrors(form);
      var input = form.querySelector('input[type="file"]');
      var file = input && input.files && input.files[0];
      if (!file) {
        showErrors(form, text.checkErrors, { video: [text.chooseFile] });
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        showErrors(form, form.dataset.msgTooLarge, { video: [form.dataset.msgTooLarge] });
        return;
      }
      var data = new FormData(form);
      var samples = [];
      var lastAnnounced = 0;
      xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.floor((e.loaded / e.total) * 100);
        bar.value = percent;
        // Speed over the last few seconds, so "time left" follows the connection.
        var now = Date.now();
        samples.push([now, e.loaded]);
        while (samples.length > 2 && now - samples[0][0] > 5000) samples.shift();
        var span = (now - samples[0][0]) / 1000;
        var rate = span >= 1 ? (e.loaded - samples[0][1]) / span : 0;
        var line = format(text.sending, {
          sent: megabytes(e.loaded), total: megabytes(e.total), percent: percent
        });
        if (rate > 0 && e.loaded < e.total) {
          line += " · " + format(text.left, { time: timeLeft((e.total - e.loaded) / rate, text) });
        }
        status.textContent = line;
        // The aria-live copy speaks at most every 5 seconds, so a screen reader is
        // not flooded; the <progress> and the visible text are always current.
        if (now - lastAnnounced > 5000 || percent === 100) {
          announce.textContent = line;
          lastAnnounced = now;
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server stores the file
        status.textContent = announce.textContent = text.processing;
        cancel.hidden = true;
      });
      xhr.addEventListener("abort", function () { xhr = null; reset(text.stopped); });
      xhr.addEventListener("error", function () { xhr = null; reset(text.failed); });
      xhr.addEventListener("load", function () {
        var request = xhr;
        xhr = null;
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
      });
      submit.disabled = true;
      cancel.hidden = false;
      progressBox.hidden = false;
      bar.value = 0;
      status.textContent = format(text.sending, { sent: 0, total: megabytes(file.size), percent: 0 });
      xhr.send(data);
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
