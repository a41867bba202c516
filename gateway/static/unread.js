// Live unread counts: keeps the header badges, the tab title ("(3) Messages · site") and the
// Messages list current without a reload.
//
// Polls GET /unread (the header's data-unread-url) every POLL_MS while the page is visible,
// at once when it becomes visible again or gets the focus, and shortly after the room page's
// live stream says the room changed (a "gateway:room-change" CustomEvent on document,
// dispatched by live.js). On a Messages page (#room-list) it re-fetches the list from
// data-list-url when the answer's rooms_fingerprint differs from the one the list was
// rendered with.
"use strict";

(() => {
  const POLL_MS = 10000;
  const ROOM_CHANGE_DELAY_MS = 1500;
  const TITLE_COUNT = /^\(\d+\) /;
  const nav = document.querySelector("nav[data-unread-url]");
  if (!nav) {
    return; // not signed in
  }
  const url = nav.dataset.unreadUrl;
  let timer = null;
  let inFlight = false;
  let again = false;
  let stopped = false;

  function showBadge(badge, count) {
    badge.textContent = count ? String(count) : "";
    badge.hidden = !count;
    if (count) {
      badge.setAttribute("aria-label", `${count} unread`);
    } else {
      badge.removeAttribute("aria-label");
    }
  }

  function showTitle(count) {
    const bare = document.title.replace(TITLE_COUNT, "");
    document.title = count ? `(${count}) ${bare}` : bare;
  }

  function showAccounts(accounts) {
    for (const badge of document.querySelectorAll("[data-account-badge]")) {
      const count = accounts[badge.dataset.accountBadge];
      if (count !== undefined) {
        showBadge(badge, count);
        if (count) {
          badge.setAttribute("aria-label", `${count} with unread messages`);
        }
      }
    }
  }

  async function refreshList(list, fingerprint) {
    if (list.dataset.fingerprint === fingerprint) {
      return;
    }
    const response = await fetch(list.dataset.listUrl, {
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      return;
    }
    list.innerHTML = await response.text();
    list.dataset.fingerprint = response.headers.get("X-Room-List-Fingerprint") || fingerprint;
    const status = document.getElementById("room-list-status");
    if (status) {
      const unread = list.querySelectorAll(".room-row.unread").length;
      status.textContent = unread
        ? `Conversations updated: ${unread} with unread messages.`
        : "Conversations updated.";
    }
  }

  async function check() {
    if (stopped) {
      return;
    }
    if (inFlight) {
      again = true; // one more check after this one: its answer may predate the change
      return;
    }
    inFlight = true;
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Accept": "application/json" },
      });
      if (response.status === 401) {
        stopped = true; // signed out elsewhere: nothing more to count
        return;
      }
      if (!response.ok) {
        return;
      }
      const answer = await response.json();
      for (const badge of document.querySelectorAll("[data-unread-badge]")) {
        showBadge(badge, answer.badges[badge.dataset.unreadBadge] || 0);
      }
      showTitle(answer.badges.rooms || 0);
      showAccounts(answer.accounts || {});
      const list = document.getElementById("room-list");
      if (list) {
        await refreshList(list, answer.rooms_fingerprint);
      }
    } catch (error) {
      // Offline or the server restarting: the next poll tries again.
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        check();
      }
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = null;
    if (document.visibilityState === "visible" && !stopped) {
      timer = setInterval(check, POLL_MS);
    }
  }

  document.addEventListener("visibilitychange", () => {
    schedule();
    if (document.visibilityState === "visible") {
      check();
    }
  });
  window.addEventListener("focus", check);
  // A little later, not at once: the room page first fetches the new message and posts its
  // read mark, and a count taken before that would show the open room as unread.
  let roomChange = null;
  document.addEventListener("gateway:room-change", () => {
    clearTimeout(roomChange);
    roomChange = setTimeout(check, ROOM_CHANGE_DELAY_MS);
  });
  schedule();
})();
