// The "?" key: opens the keyboard shortcut list (templates/web/_shortcuts.html, a modal
// <dialog>) on every page that has it, unless the key is typed into a text field.
// The modal dialog moves focus to its Close button and closes on Esc by itself; this script
// puts focus back where it was when the list closes.
"use strict";

(() => {
  const dialog = document.getElementById("shortcuts-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  let opener = null;

  // Inputs where "?" is a key that types, not a command.
  const NOT_TYPING = new Set(["button", "checkbox", "radio", "submit", "reset", "range", "color", "file"]);

  function typingIn(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    const tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && !NOT_TYPING.has((target.type || "text").toLowerCase());
  }

  function open() {
    opener = document.activeElement;
    dialog.showModal();
  }

  dialog.addEventListener("close", () => {
    if (opener && opener !== document.body && document.contains(opener)) opener.focus();
    opener = null;
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog.open || typingIn(event.target)) return;
    event.preventDefault();
    open();
  });
})();
