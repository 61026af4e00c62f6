/* The review desk (admin/challenge/entry/desk/): keys, decisions without leaving
   the page, and the next entry's video fetched while the current one plays.

   The page works without this file: every key has a button or a link. Here the
   keys press those same buttons; forms are posted with fetch and the new entry is
   put in place of the old one (the server answers with the next entry's page). */
(function () {
  "use strict";

  var desk = document.querySelector("[data-desk]");
  if (!desk || !window.fetch || !window.DOMParser) {
    return;
  }
  var prefetched = null; // { src: "...", video: HTMLVideoElement }
  var busy = false;
  var choosing = false;
  var undoTimer = null;

  function $(selector) {
    return document.querySelector(selector);
  }

  function isTyping(target) {
    if (!target || !target.closest) {
      return false;
    }
    if (target.closest("textarea, select, [contenteditable]")) {
      return true;
    }
    var input = target.closest("input");
    return !!input && !/^(radio|checkbox|button|submit|hidden)$/.test(input.type);
  }

  function announce(text) {
    var status = $("[data-desk-status]");
    if (status) {
      status.textContent = text;
    }
  }

  // --- Prefetch: the next entry's video and poster load while this one plays. ---
  function prefetchNext() {
    var hint = $("[data-desk-next]");
    if (!hint) {
      return;
    }
    var src = hint.getAttribute("data-next-video");
    if (prefetched && prefetched.src === src) {
      return;
    }
    if (prefetched) {
      prefetched.video.removeAttribute("src");
      prefetched.video.load();
      prefetched.video.remove();
    }
    var video = document.createElement("video");
    video.muted = true;
    video.preload = "auto";
    video.hidden = true;
    video.setAttribute("aria-hidden", "true");
    video.setAttribute("data-desk-prefetch", "");
    video.src = src;
    document.body.appendChild(video);
    var poster = new Image();
    poster.src = hint.getAttribute("data-next-poster");
    prefetched = { src: src, video: video, poster: poster };
  }

  function adoptPrefetched(fresh) {
    var incoming = fresh.querySelector("[data-desk-video]");
    if (!incoming || !prefetched || prefetched.src !== incoming.getAttribute("src")) {
      return incoming;
    }
    var video = prefetched.video;
    prefetched = null;
    Array.prototype.forEach.call(incoming.attributes, function (attribute) {
      if (attribute.name !== "src") {
        video.setAttribute(attribute.name, attribute.value);
      }
    });
    video.removeAttribute("hidden");
    video.removeAttribute("aria-hidden");
    video.removeAttribute("data-desk-prefetch");
    video.setAttribute("data-desk-video", "");
    incoming.replaceWith(video);
    return video;
  }

  // --- Putting the next page in place. ---
  function swap(html, url, push) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("[data-desk-swap]");
    var current = $("[data-desk-swap]");
    if (!fresh || !current) {
      window.location.assign(url);
      return;
    }
    fresh = document.adoptNode(fresh);
    var video = adoptPrefetched(fresh);
    var old = current.querySelector("[data-desk-video]");
    if (old) {
      old.pause();
      old.removeAttribute("src");
      old.load();
    }
    current.replaceWith(fresh);
    var status = doc.querySelector("[data-desk-status]");
    if (status) {
      $("[data-desk-status]").innerHTML = status.innerHTML;
    }
    document.title = doc.title;
    if (push) {
      window.history.pushState({ desk: true }, "", url);
    }
    if (video) {
      video.muted = true;
      var playing = video.play();
      if (playing && playing.catch) {
        playing.catch(function () {});
      }
    }
    choosing = false;
    var heading = $("[data-desk-heading]");
    if (heading) {
      heading.focus({ preventScroll: true });
    }
    enhance();
  }

  function load(url, options, push) {
    if (busy) {
      return;
    }
    busy = true;
    desk.setAttribute("aria-busy", "true");
    options = options || {};
    options.credentials = "same-origin";
    options.headers = { "X-Requested-With": "desk" };
    window
      .fetch(url, options)
      .then(function (response) {
        return response.text().then(function (html) {
          if (!response.ok) {
            // Let the browser show what went wrong (or the login page).
            window.location.assign(window.location.href);
            return;
          }
          var url = response.headers.get("X-Desk-Location") || response.url;
          if (url.indexOf("/desk/") === -1) {
            window.location.assign(response.url);
            return;
          }
          swap(html, url, push);
        });
      })
      .catch(function () {
        window.location.assign(url);
      })
      .then(function () {
        busy = false;
        desk.removeAttribute("aria-busy");
      });
  }

  desk.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-desk-form], [data-desk-undo]")) {
      return;
    }
    event.preventDefault();
    var body = new FormData(form, event.submitter || undefined);
    if (event.submitter && event.submitter.name && !body.has(event.submitter.name)) {
      body.append(event.submitter.name, event.submitter.value);
    }
    load(form.action, { method: "POST", body: body }, true);
  });

  desk.addEventListener("click", function (event) {
    var link = event.target.closest("a[rel='next'], a[rel='prev'], a[data-desk-again]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    load(link.href, { method: "GET" }, true);
  });

  window.addEventListener("popstate", function () {
    load(window.location.href, { method: "GET" }, false);
  });

  // --- Keys. ---
  function press(key) {
    var control = desk.querySelector("[data-desk-swap] [data-key='" + key + "']");
    if (control) {
      control.click();
      return true;
    }
    return false;
  }

  function startChoosing() {
    var reasons = $("[data-desk-reasons]");
    if (!reasons) {
      return;
    }
    choosing = true;
    reasons.classList.add("desk-choosing");
    var first = reasons.querySelector("input[type='radio']:checked") ||
      reasons.querySelector("input[type='radio']");
    if (first) {
      first.focus();
    }
    announce(reasons.getAttribute("data-choose-text") || "");
  }

  function stopChoosing() {
    choosing = false;
    var reasons = $("[data-desk-reasons]");
    if (reasons) {
      reasons.classList.remove("desk-choosing");
    }
    var heading = $("[data-desk-heading]");
    if (heading) {
      heading.focus({ preventScroll: true });
    }
  }

  function openKeys() {
    var dialog = $("[data-desk-keys]");
    if (dialog && dialog.showModal && !dialog.open) {
      dialog.showModal();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) {
      return;
    }
    var dialog = $("[data-desk-keys]");
    if (dialog && dialog.open) {
      return; // the dialog closes itself with Esc
    }
    if (isTyping(event.target)) {
      if (event.key === "Escape") {
        event.target.blur();
      }
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (choosing) {
      if (/^[1-9]$/.test(key)) {
        var radio = desk.querySelector("[data-reason-key='" + key + "']");
        if (radio) {
          event.preventDefault();
          radio.checked = true;
          press("r");
        }
        return;
      }
      if (key === "Escape") {
        event.preventDefault();
        stopChoosing();
        return;
      }
    }
    if (busy) {
      return;
    }
    if (key === "?") {
      event.preventDefault();
      openKeys();
    } else if (key === "r") {
      event.preventDefault();
      startChoosing();
    } else if (/^[ahsujk]$/.test(key)) {
      if (press(key)) {
        event.preventDefault();
      }
    }
  });

  // --- What each new page needs. ---
  function enhance() {
    var opener = $("[data-desk-keys-open]");
    if (opener) {
      opener.hidden = false;
      opener.onclick = openKeys;
    }
    window.clearTimeout(undoTimer);
    var undo = $("[data-desk-undo]");
    if (undo) {
      var left = parseInt(undo.getAttribute("data-undo-left"), 10) || 0;
      undoTimer = window.setTimeout(function () {
        undo.remove();
      }, left * 1000);
    }
    prefetchNext();
  }

  enhance();
})();
