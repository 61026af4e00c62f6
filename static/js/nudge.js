// "Think before you post" while typing, for every text field that has a
// [data-caption-nudge] box (templates/components/typing_nudge.html): the upload's
// caption and a kind note alike. A pause in typing asks the server (the same watched
// words the post itself is checked for) and the words show under the field. Advice
// only: the check when the text is sent still asks if they stay.
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] !== undefined ? values[key] : "";
    }).replace(/%%/g, "%");
  }

  function enhance(box) {
    var field = document.getElementById(box.dataset.nudgeFor);
    var form = field && field.form;
    if (!field || !form) return;
    var line = box.querySelector("[data-caption-nudge-text]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = null, asked = "", latest = 0;
    function check() {
      var value = field.value.trim();
      if (value === asked) return;
      asked = value;
      if (!value) { box.hidden = true; return; }
      var body = new FormData();
      body.append("text", value);
      var mine = ++latest;
      fetch(box.dataset.checkUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" }
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer || mine !== latest) return; // a later check is on its way
          var phrases = answer.phrases || [];
          box.hidden = !phrases.length;
          line.textContent = phrases.length
            ? format(box.dataset.nudgeWords, { words: phrases.map(function (p) { return "“" + p + "”"; }).join(", ") })
            : "";
        })
        .catch(function () { asked = ""; });
    }
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 700);
    });
    field.addEventListener("blur", check);
    if (field.value.trim()) check();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.fetch || !window.FormData) return;
    document.querySelectorAll("[data-caption-nudge]").forEach(enhance);
  });
})();
