// Gallery enhancements; every feature works without JavaScript too.
// - hearts toggle without a page reload (the form still posts without JS)
// - "More entries" appends the next page instead of leaving the page
// - on phones, the gallery is a full-screen feed: one entry per screen, the one in
//   view plays (muted until the visitor turns the sound on), the others pause
// (sharing an entry's page: static/js/share.js)
(function () {
  "use strict";

  function heartToggle(form) {
    var button = form.querySelector("[data-heart-button]");
    var label = form.querySelector("[data-heart-label]");
    var count = form.querySelector("[data-heart-count]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 401) {
          return response.json().then(function (data) { window.location.href = data.login_url; });
        }
        if (!response.ok) { form.submit(); return null; }
        return response.json().then(function (data) {
          button.setAttribute("aria-pressed", data.hearted ? "true" : "false");
          label.textContent = data.hearted ? form.dataset.labelOn || label.textContent : form.dataset.labelOff || label.textContent;
          count.textContent = data.label;
        });
      })
      .catch(function () { form.submit(); })
      .finally(function () { button.disabled = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-heart-form]")) return;
    event.preventDefault();
    heartToggle(form);
  });

  // How many columns leave the fewest empty places in the last row (the rule of
  // challenge/views/gallery.py's rows_that_fill, repeated for appended pages).
  function rowsThatFill(count, fewest, most) {
    if (count <= most) return Math.max(count, 1);
    var best = most;
    var fewestEmpty = Infinity;
    for (var columns = most; columns >= fewest; columns--) {
      var empty = (columns - (count % columns)) % columns;
      if (empty < fewestEmpty) { fewestEmpty = empty; best = columns; }
    }
    return best;
  }

  function fillRows(grid) {
    var count = grid.children.length;
    grid.className = grid.className.replace(/\s*gallery-(wide|medium)-\d+/g, "") +
      " gallery-wide-" + rowsThatFill(count, 4, 6) + " gallery-medium-" + rowsThatFill(count, 3, 4);
  }

  // "More entries": the next page (the gallery's keyset cursor) appended in place.
  // focusFirst: a click moves focus to the first new entry; the feed's own loading
  // ahead leaves focus where it is.
  function loadMore(more, focusFirst) {
    if (more.getAttribute("aria-busy") === "true") return;
    more.setAttribute("aria-busy", "true");
    fetch(more.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var grid = document.getElementById("gallery-grid");
        var items = page.querySelectorAll("#gallery-grid > li");
        var firstNew = null;
        items.forEach(function (item) {
          var node = document.importNode(item, true);
          if (!firstNew) firstNew = node;
          grid.appendChild(node);
          document.dispatchEvent(new CustomEvent("gallery:appended", { detail: node }));
        });
        fillRows(grid);
        var next = page.querySelector("[data-load-more]");
        if (next) { more.href = next.href; more.removeAttribute("aria-busy"); } else { more.remove(); }
        if (firstNew && focusFirst) {
          var link = firstNew.querySelector("h2 a, h3 a");
          if (link) link.focus();
        }
      })
      .catch(function () { window.location.href = more.href; });
  }

  document.addEventListener("click", function (event) {
    var more = event.target.closest("[data-load-more]");
    if (more) {
      event.preventDefault();
      loadMore(more, true);
    }
  });

  // --- The feed: phones, one entry per screen (the layout is CSS scroll-snap) -----
  // Only the entry in view plays, muted until the visitor turns the sound on (their
  // choice then holds for the feed); it pauses when it leaves the view. A clip is
  // made only for the entry in view and the next one, with preload="none" and its
  // src set only when it plays: the next entry shows its poster, and no video byte
  // is fetched before an entry is in view. With Save-Data or "reduce motion",
  // nothing plays by itself: posters, and a tap on Play.
  var FEED_MEDIA = "(max-width: 599px)";
  var IN_VIEW = 0.6;

  function setUpFeed(feed) {
    var phone = window.matchMedia(FEED_MEDIA);
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)");
    var saveData = !!(navigator.connection && navigator.connection.saveData);
    var labels = feed.dataset;
    var soundOn = false;
    var current = null;
    var observer = null;

    function tapToPlay() { return saveData || reduce.matches; }
    function articles() { return Array.prototype.slice.call(feed.querySelectorAll("[data-feed-entry]")); }
    function videoOf(article) { return article.querySelector(".feed-stage video"); }

    function button(className, text) {
      var node = document.createElement("button");
      node.type = "button";
      node.className = className;
      node.textContent = text;
      return node;
    }

    function showState(article) {
      var video = videoOf(article);
      if (!video) return;
      var play = article.querySelector("[data-feed-play]");
      var sound = article.querySelector("[data-feed-sound]");
      play.textContent = video.paused ? labels.labelPlay : labels.labelPause;
      article.classList.toggle("is-playing", !video.paused);
      sound.textContent = video.muted ? labels.labelSoundOn : labels.labelSoundOff;
    }

    // The clip of an entry, made once: its poster shows, nothing else is fetched.
    function stageOf(article) {
      var stage = article.querySelector(".feed-stage");
      if (stage || !article.dataset.video) return stage;
      stage = document.createElement("div");
      stage.className = "feed-stage";
      var video = document.createElement("video");
      video.muted = true;
      video.loop = true;
      video.playsInline = true;
      video.preload = "none";
      video.setAttribute("preload", "none");
      video.setAttribute("playsinline", "");
      video.setAttribute("aria-hidden", "true");
      video.tabIndex = -1;
      var poster = article.querySelector("img.poster");
      if (poster) {
        poster.loading = "eager";
        video.poster = poster.currentSrc || poster.src;
      }
      var controls = document.createElement("div");
      controls.className = "feed-controls";
      var play = button("feed-button feed-play", labels.labelPlay);
      play.setAttribute("data-feed-play", "");
      var sound = button("feed-button feed-sound", labels.labelSoundOn);
      sound.setAttribute("data-feed-sound", "");
      controls.appendChild(play);
      controls.appendChild(sound);
      stage.appendChild(video);
      // At the top of the screen, first in the entry's focus order.
      article.insertBefore(controls, article.firstChild);
      article.insertBefore(stage, article.firstChild);
      ["play", "pause", "volumechange"].forEach(function (name) {
        video.addEventListener(name, function () { showState(article); });
      });
      play.addEventListener("click", function () { toggle(article); });
      sound.addEventListener("click", function () {
        soundOn = video.muted;
        video.muted = !soundOn;
        showState(article);
      });
      // A tap on the picture plays or pauses, as on other video feeds.
      video.addEventListener("click", function () { toggle(article); });
      return stage;
    }

    function start(article) {
      if (!stageOf(article)) return;
      var video = videoOf(article);
      pauseAllBut(article);
      if (!video.getAttribute("src")) video.src = article.dataset.video;
      video.muted = !soundOn;
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () { showState(article); });
    }

    function stop(article) {
      var video = videoOf(article);
      if (video && !video.paused) video.pause();
    }

    function toggle(article) {
      var video = videoOf(article);
      if (video && !video.paused) stop(article); else start(article);
    }

    function pauseAllBut(article) {
      articles().forEach(function (other) { if (other !== article) stop(other); });
    }

    function moreLink() { return document.querySelector("[data-load-more]"); }

    function activate(article) {
      if (current === article) return;
      current = article;
      pauseAllBut(article);
      stageOf(article);
      var list = articles();
      var at = list.indexOf(article);
      if (list[at + 1]) stageOf(list[at + 1]);
      if (!tapToPlay()) start(article);
      // Near the end: the next page (the keyset cursor's "More entries" link).
      var more = moreLink();
      if (more && at >= list.length - 3) loadMore(more, false);
    }

    function watch(article) { if (observer) observer.observe(article); }

    function turnOn() {
      observer = new IntersectionObserver(function (records) {
        records.forEach(function (record) {
          var article = record.target;
          if (record.intersectionRatio >= IN_VIEW) {
            activate(article);
          } else {
            stop(article);
            if (article === current) current = null;
          }
        });
      }, { threshold: [0, IN_VIEW] });
      articles().forEach(watch);
    }

    function turnOff() {
      if (observer) observer.disconnect();
      observer = null;
      current = null;
      articles().forEach(stop);
    }

    var moving = null;
    function go(article) {
      moving = article;
      article.focus({ preventScroll: true });
      moving = null;
      article.parentElement.scrollIntoView({ block: "start", behavior: reduce.matches ? "auto" : "smooth" });
    }

    var STEPS = { ArrowDown: 1, PageDown: 1, ArrowUp: -1, PageUp: -1 };
    document.addEventListener("keydown", function (event) {
      var step = STEPS[event.key];
      if (!step || !observer || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable], details")) return;
      var list = articles();
      var at = current ? list.indexOf(current) : -1;
      var target;
      if (at === -1) {
        // Above the feed, the first key steps into it; below it, the page scrolls on.
        if (step < 0 || !list.length || list[0].getBoundingClientRect().top <= 0) return;
        target = list[0];
      } else {
        target = list[at + step];
      }
      if (!target) return;
      event.preventDefault();
      go(target);
    });

    // Tabbing into another entry brings that whole entry into view.
    feed.addEventListener("focusin", function (event) {
      var article = event.target.closest("[data-feed-entry]");
      if (!observer || !article || article === current || article === moving) return;
      article.parentElement.scrollIntoView({ block: "start" });
    });

    document.addEventListener("gallery:appended", function (event) {
      var article = event.detail.querySelector("[data-feed-entry]");
      if (article) watch(article);
    });

    document.addEventListener("visibilitychange", function () {
      if (!current) return;
      if (document.hidden) stop(current);
      else if (!tapToPlay()) start(current);
    });

    function follow() { if (phone.matches) turnOn(); else turnOff(); }
    if (phone.addEventListener) phone.addEventListener("change", follow);
    feed.classList.add("feed-ready");
    follow();
  }

  var feed = document.querySelector("[data-feed]");
  if (feed && "IntersectionObserver" in window) setUpFeed(feed);
})();
