// Sharing a page (templates/components/share.html); without JavaScript its links
// and the page's address stay as they are.
// - where the browser has a share sheet (navigator.share: phones, some desktops),
//   one "Share" button opens it, in place of the icon links;
// - elsewhere the icon links stay, and "copy link" writes the address to the
//   clipboard and says so ("Link copied.");
// - a link marked data-share-sheet opens the sheet for the page it leads to.
(function () {
  "use strict";

  function setUp(box) {
    var url = box.getAttribute("data-share-url");
    var text = box.getAttribute("data-share-text") || "";
    var native = box.querySelector("[data-share-native]");
    var links = box.querySelector("[data-share-links]");
    var copy = box.querySelector("[data-share-copy]");
    var status = box.querySelector("[data-share-status]");
    var address = box.querySelector("[data-share-address]");

    if (typeof navigator.share === "function") {
      native.hidden = false;
      links.hidden = true;
      native.addEventListener("click", function () {
        // A closed sheet rejects the promise: nothing to say then.
        navigator.share({ title: text, text: text, url: url }).catch(function () {});
      });
      return;
    }
    if (!navigator.clipboard || !window.isSecureContext) return;
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(url).then(
        function () {
          status.textContent = status.getAttribute("data-copied");
          copy.classList.add("is-done");
        },
        function () {
          // Refused (a permission, an old browser): the address, selected, to copy.
          status.textContent = "";
          if (address) { address.focus(); address.select(); }
        }
      );
    });
  }

  document.querySelectorAll("[data-share]").forEach(setUp);

  // A link that shares elsewhere on the page (an entry in the phone gallery's feed,
  // [data-share-sheet]): the share sheet where there is one, else the link leads to
  // the page's own share box.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-share-sheet]");
    if (!link || typeof navigator.share !== "function") return;
    event.preventDefault();
    var url = new URL(link.getAttribute("href").split("#")[0], window.location.href).href;
    var text = link.getAttribute("data-share-text") || document.title;
    navigator.share({ title: text, text: text, url: url }).catch(function () {});
  });
})();
