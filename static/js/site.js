// Site-wide enhancements. Everything here has a no-JavaScript fallback.
// Loaded in <head> without defer: the first part runs before the body is drawn.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  // The awareness banner is shown whole during the first visit and on one line from
  // the next visit on. Remembered in this browser only: anonymous pages are cached
  // whole on the server, so the server sends the same banner to everyone and the
  // class set here (before the first paint, so nothing jumps) chooses the short form.
  var SEEN = "kh-banner-seen"; // localStorage: this browser has had its first visit
  var FIRST = "kh-banner-first-visit"; // sessionStorage: this tab is that first visit
  try {
    if (!window.localStorage.getItem(SEEN)) {
      window.localStorage.setItem(SEEN, "1");
      window.sessionStorage.setItem(FIRST, "1");
    } else if (!window.sessionStorage.getItem(FIRST)) {
      root.classList.add("kh-banner-short");
    }
  } catch (error) {
    // Storage blocked (private mode, settings): the banner simply stays whole.
  }

  // Quick exit (the help page's button, or Escape twice where it is): leave for a
  // neutral site so that "Back" returns to no page of this site, even after several
  // pages. Each page of a visit keeps its place in this tab's history (its "step",
  // in history.state); leaving walks back to the visit's first page, which replaces
  // itself with the neutral site. The pages after it become forward history; the
  // ones before it are not ours. A page that finds an exit under way hides at once.
  var STEP = "kh-step"; // sessionStorage: the step of the page shown last
  var LEAVING = "kh-leaving"; // sessionStorage: where an exit under way goes
  var leaveTimer = null;
  function stored(name) {
    try {
      return window.sessionStorage.getItem(name);
    } catch (error) {
      return null;
    }
  }
  function store(name, value) {
    try {
      if (value === null) window.sessionStorage.removeItem(name);
      else window.sessionStorage.setItem(name, String(value));
    } catch (error) {
      // Storage blocked: quick exit still leaves, from this page.
    }
  }
  function stepOf(state) {
    return state && typeof state.khStep === "number" ? state.khStep : null;
  }
  function withStep(step) {
    var state = {};
    var current = history.state;
    if (current && typeof current === "object") {
      for (var key in current) state[key] = current[key];
    }
    state.khStep = step;
    return state;
  }
  if (stepOf(history.state) === null) {
    var last = parseInt(stored(STEP), 10);
    history.replaceState(withStep(isNaN(last) ? 0 : last + 1), "");
  }
  function finishLeaving(href) {
    store(LEAVING, null);
    store(STEP, null);
    window.location.replace(href);
  }
  function continueLeaving() {
    var href = stored(LEAVING);
    if (!href) return;
    root.classList.add("kh-leaving");
    var step = stepOf(history.state) || 0;
    if (step === 0) {
      finishLeaving(href);
      return;
    }
    history.go(-step);
    // history.go does nothing when the entries are gone: leave from here then.
    leaveTimer = window.setTimeout(function () { finishLeaving(href); }, 500);
  }
  function quickExit(href) {
    store(LEAVING, href);
    if (stored(LEAVING) !== href) {
      finishLeaving(href); // no storage: the page after ours cannot continue
      return;
    }
    continueLeaving();
  }
  window.addEventListener("pageshow", function () {
    store(STEP, stepOf(history.state));
    continueLeaving();
  });
  window.addEventListener("pagehide", function () {
    if (leaveTimer !== null) window.clearTimeout(leaveTimer);
    leaveTimer = null;
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-quick-exit]");
    if (!link) return;
    event.preventDefault();
    quickExit(link.href);
  });
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    var link = document.querySelector("[data-quick-exit]");
    if (link && now - lastEscape < 800) quickExit(link.href);
    lastEscape = now;
  });

  // A form marked data-replace-history (the country on the help page) takes the
  // place of this page in the history instead of adding a page to it: sent in the
  // background, then the page it answers with replaces this one, at this step.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-replace-history]")) return;
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        store(STEP, (stepOf(history.state) || 0) - 1);
        window.location.replace(response.url);
      })
      .catch(function () {
        form.submit();
      });
  });

  // Dismiss the awareness banner without a page reload; the form still works without JS.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-dismiss-banner]")) return;
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function () {
        var banner = document.getElementById("awareness-banner");
        if (banner) banner.remove();
      });
  });

  // The phone menu. Without JavaScript the toggle is a link to #site-menu and the
  // panel opens with :target; here it becomes a disclosure button (aria-expanded),
  // Escape and a click or focus elsewhere close it, and Escape gives focus back.
  function menuSetup() {
    var link = document.querySelector("[data-menu-toggle]");
    var panel = document.querySelector("[data-menu]");
    if (!link || !panel) return;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = link.className;
    toggle.innerHTML = link.innerHTML;
    toggle.setAttribute("aria-controls", panel.id);
    toggle.setAttribute("aria-expanded", "false");
    link.replaceWith(toggle);
    var header = toggle.closest("header") || document.body;

    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("is-open", open);
    }
    function isOpen() {
      return toggle.getAttribute("aria-expanded") === "true";
    }
    if (window.location.hash === "#" + panel.id) {
      history.replaceState(history.state, "", window.location.pathname + window.location.search);
      setOpen(true);
    }
    toggle.addEventListener("click", function () {
      setOpen(!isOpen());
    });
    header.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !isOpen()) return;
      setOpen(false);
      toggle.focus();
      // This Escape only closed the menu: it must not count towards the help page's
      // double-Escape quick exit.
      event.stopPropagation();
    });
    document.addEventListener("click", function (event) {
      if (isOpen() && !header.contains(event.target)) setOpen(false);
    });
    header.addEventListener("focusout", function (event) {
      if (isOpen() && event.relatedTarget && !header.contains(event.relatedTarget)) {
        setOpen(false);
      }
    });
  }

  // Arrows for a horizontal rail on screens with a mouse: each press scrolls by
  // what the rail shows; an arrow is disabled at its end. Touch screens swipe, and
  // keyboards reach every card by Tab, so the arrows stay hidden there.
  function railSetup() {
    if (!window.matchMedia("(hover: hover) and (pointer: fine)").matches) return;
    var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    document.querySelectorAll("[data-rail-arrows]").forEach(function (arrows) {
      var rail = document.getElementById(arrows.getAttribute("data-rail-arrows"));
      if (!rail) return;
      var previous = arrows.querySelector("[data-rail-previous]");
      var next = arrows.querySelector("[data-rail-next]");
      function update() {
        var overflows = rail.scrollWidth > rail.clientWidth + 1;
        arrows.hidden = !overflows;
        previous.disabled = rail.scrollLeft <= 1;
        next.disabled = rail.scrollLeft + rail.clientWidth >= rail.scrollWidth - 1;
      }
      function go(direction) {
        rail.scrollBy({ left: direction * rail.clientWidth * 0.9, behavior: smooth ? "smooth" : "auto" });
      }
      previous.addEventListener("click", function () { go(-1); });
      next.addEventListener("click", function () { go(1); });
      rail.addEventListener("scroll", update, { passive: true });
      window.addEventListener("resize", update);
      update();
    });
  }

  function ready() {
    menuSetup();
    railSetup();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
