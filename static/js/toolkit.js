// Partner toolkit: "Copy the code" copies the embed snippet (without JavaScript the
// code is there to select and copy by hand, and the button stays hidden).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = button.parentElement.querySelector("[data-copy-status]");
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) status.textContent = button.dataset.copied;
      });
    });
  });
})();
