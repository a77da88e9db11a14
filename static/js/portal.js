/* Behaviour of the portal pages. Loaded from our own origin: the CSP forbids inline script. */
(function () {
  "use strict";

  function announce(message) {
    var status = document.querySelector("[data-copy-status]");
    if (status) {
      status.textContent = message;
    }
  }

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copyFrom(button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) {
      return;
    }
    var label = button.textContent;
    var done = function () {
      var copied = button.getAttribute("data-copied-text") || label;
      button.textContent = copied;
      announce(copied);
      window.setTimeout(function () {
        button.textContent = label;
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        if (fallbackCopy(input)) {
          done();
        }
      });
    } else if (fallbackCopy(input)) {
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });

  // Select the whole secret when its field gets focus, so it can also be copied by keyboard.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[readonly]")) {
      event.target.select();
    }
  });
})();
