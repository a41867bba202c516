// Site-wide behaviour: keyboard shortcuts, CSRF for script-made requests, dismissing flashes.
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

// Flash messages stay fixed in the viewport (app.css) until dismissed.
(() => {
  const flashes = document.getElementById("flashes");
  if (!flashes) return;
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "secondary flashes-dismiss";
  dismiss.textContent = "Dismiss";
  dismiss.addEventListener("click", () => {
    flashes.remove();
    // Focus was on the button just removed: keep it in the page, where the view already is.
    const main = document.getElementById("main");
    if (main) main.focus({ preventScroll: true });
  });
  flashes.append(dismiss);
})();
