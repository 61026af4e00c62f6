// Gallery enhancements; every feature works without JavaScript too.
// - hearts toggle without a page reload (the form still posts without JS)
// - "More entries" appends the next page instead of leaving the page
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

  document.addEventListener("click", function (event) {
    var more = event.target.closest("[data-load-more]");
    if (more) {
      event.preventDefault();
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
          });
          var next = page.querySelector("[data-load-more]");
          if (next) { more.href = next.href; more.removeAttribute("aria-busy"); } else { more.remove(); }
          if (firstNew) { var link = firstNew.querySelector("h3 a"); if (link) link.focus(); }
        })
        .catch(function () { window.location.href = more.href; });
    }
  });
})();
