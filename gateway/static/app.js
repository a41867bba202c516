// Site-wide behaviour: keyboard shortcuts and CSRF for script-made requests.
// Loaded on every page; page scripts (room.js, live.js, ...) add their own.
"use strict";

window.gateway = {
  /** The CSRF token of this page, for fetch() posts (sent as X-CSRFToken). */
  csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  },
  /** POST form data (or nothing) with the CSRF header; resolves to the Response. */
  post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data || new FormData(),
      headers: { "X-CSRFToken": window.gateway.csrfToken(), "Accept": "application/json" },
      credentials: "same-origin",
    });
  },
};

document.addEventListener("keydown", (event) => {
  // Ctrl+Shift+F focuses the search box from anywhere.
  if (event.ctrlKey && event.shiftKey && (event.key === "F" || event.key === "f")) {
    const box = document.getElementById("search-q");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  }
});
