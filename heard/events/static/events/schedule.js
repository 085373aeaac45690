// Drag and drop for the schedule editor. Every session card carries its own form (room, day,
// time); dropping the card on a slot of the grid fills that form in and presses its button, so
// the move goes to the same address as without JavaScript, sent by htmx, which swaps in the
// editor as it is afterwards (with its warnings, or the news that someone else moved the session
// first). Dropping a card on the list of sessions to place takes it out of the schedule.
// Keyboard and screen reader users use the form itself; nothing here is needed to schedule.
(function () {
  "use strict";
  var dragged = null;

  function closest(element, selector) {
    return element && element.closest ? element.closest(selector) : null;
  }

  function dropTarget(element) {
    return closest(element, "[data-drop-room], [data-drop-unplace]");
  }

  function clearTargets() {
    document.querySelectorAll(".is-drop-target").forEach(function (element) {
      element.classList.remove("is-drop-target");
    });
  }

  // A move is on its way: the editor is marked busy until its answer (or its failure) is in.
  function busy() {
    var editor = document.getElementById("schedule-editor");
    return Boolean(editor && editor.getAttribute("aria-busy") === "true");
  }

  document.addEventListener("dragstart", function (event) {
    var card = closest(event.target, "[data-session]");
    // Only the card itself is dragged: not a link or selected text inside it.
    if (!card || event.target !== card) {
      return;
    }
    // Nor while a move is on its way: the editor is about to be redrawn.
    if (busy()) {
      event.preventDefault();
      return;
    }
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-session"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("is-dragging");
    }
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var target = dragged && dropTarget(event.target);
    if (!target) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("is-drop-target")) {
      clearTargets();
      target.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var target = dragged && dropTarget(event.target);
    if (!target) {
      return;
    }
    event.preventDefault();
    clearTargets();
    var form = dragged.querySelector("[data-place-form]");
    // A second drop while a move is on its way is not sent (hx-sync drops it too); its form is
    // left as it was rather than filled in with a move that will not happen.
    if (!form || busy()) {
      return;
    }
    if (target.hasAttribute("data-drop-unplace")) {
      var remove = form.querySelector("[data-unplace-button]");
      if (remove) {
        remove.click();
      }
      return;
    }
    form.elements.room.value = target.getAttribute("data-drop-room");
    form.elements.day.value = target.getAttribute("data-drop-day");
    form.elements.time.value = target.getAttribute("data-drop-time");
    form.querySelector("[data-place-button]").click();
  });

  // While htmx is sending a move, say so on the editor.
  var sending = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var editor = document.getElementById("schedule-editor");
    if (editor && editor.contains(event.target)) {
      sending = { form: event.detail.elt, xhr: event.detail.xhr };
      editor.setAttribute("aria-busy", "true");
    }
  });

  function tell(templateId) {
    var notice = document.getElementById("schedule-notice");
    var template = document.getElementById(templateId);
    if (notice && template) {
      notice.replaceChildren(template.content.cloneNode(true));
    }
  }

  // When the move's answer is in, whatever it was: the editor is no longer busy. An answer that
  // was not swapped in (the server refused with 403, failed with 500, or could not be reached)
  // is told in the live region, and the form that sent it shows where the session still is.
  // htmx fires this on the form that sent the request, or on an element still in the page once
  // that form has been swapped out, so it is matched by its request, not by where it fires.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!sending || event.detail.xhr !== sending.xhr) {
      return;
    }
    var form = sending.form;
    sending = null;
    var editor = document.getElementById("schedule-editor");
    if (editor) {
      editor.removeAttribute("aria-busy");
    }
    var xhr = event.detail.xhr;
    // Sent to sign in again: the page is already on its way there.
    if (event.detail.successful || (xhr && xhr.getResponseHeader("HX-Redirect"))) {
      return;
    }
    if (form.reset) {
      form.reset();
    }
    tell(xhr && xhr.status === 403 ? "schedule-move-forbidden" : "schedule-move-failed");
  });

  // After the editor is swapped in, carry on from the session just moved, where it now is.
  document.addEventListener("htmx:afterSettle", function () {
    var moved = document.querySelector("#schedule-editor [data-focus-after-swap]");
    if (moved) {
      moved.scrollIntoView({ block: "center" });
      moved.focus({ preventScroll: true });
    }
  });
})();
