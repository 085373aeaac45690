// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  // After htmx puts new content in a region, move focus to its first focusable heading or
  // statement, so keyboard and screen reader users carry on from the new content.
  document.addEventListener("htmx:afterSwap", function (event) {
    var focusTarget = event.detail.target.querySelector("[data-focus-after-swap]");
    if (focusTarget) {
      focusTarget.focus();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so screen reader and keyboard users hear what went wrong.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
    // Links in the error summary move focus to the field, not only scroll to it.
    document.querySelectorAll(".error-summary__list a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) {
          event.preventDefault();
          target.scrollIntoView({ block: "center" });
          target.focus();
        }
      });
    });
    // Buttons that ask before doing something that cannot be undone.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  });
})();
