// Live room page: follows /live/rooms/<id> (Server-Sent Events) and keeps the page current.
// `message`: fetch the messages after the newest one shown and append them (ids already on
// the page, e.g. the user's own post added by the compose script, are skipped), then mark
// the room read if the page is visible. `edited` / `deleted`: refetch that one message.
// `presence`: update the member's online dot and away badge ([data-presence-user]).
// `removed` / `signed-out`: the viewer may no longer follow the room (removed or left; their
// session ended): stop following, say so above the messages and disable the compose box.
// EventSource reconnects by itself (sending Last-Event-ID); when the server refused the
// stream (503: too many open pages) this script retries after a pause.
// The open stream is what tells the server the room is in front of the viewer (their emails
// wait meanwhile). So the page closes it while hidden and says so when it goes (a beacon to
// /leave, on pagehide and when hidden), and opens it again, from its last event, when shown.
// Every change announced dispatches "gateway:room-change" on document (for other scripts).
"use strict";

(() => {
  const room = document.getElementById("room");
  const list = document.getElementById("messages");
  if (!room || !list || !window.EventSource) {
    return;
  }
  const roomId = room.dataset.roomId;
  const base = `/rooms/${encodeURIComponent(roomId)}`;
  const RETRY_MIN_MS = 5000;
  const RETRY_MAX_MS = 60000;
  let retryMs = RETRY_MIN_MS;
  let source = null;
  let retryTimer = 0;
  let lastEventId = "";
  const pageKey = makePageKey();
  let work = Promise.resolve();
  let lastReadSent = 0;

  /** This page's id for the server's "room in front" record (the stream and /leave). */
  function makePageKey() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Run page updates one after another, so two fetches never append the same message. */
  function queue(task) {
    work = work.then(task).catch(() => {});
  }

  function newestId() {
    return Number(list.dataset.newestId || 0);
  }

  function fromHtml(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function messageIdOf(node) {
    return Number(node.dataset.messageId || String(node.id).replace(/^m-/, "") || 0);
  }

  /** Insert in id order (a message committed late may arrive after a newer one). */
  function insertMessage(node) {
    const id = messageIdOf(node);
    const later = Array.from(list.querySelectorAll(":scope > li.message")).find(
      (item) => messageIdOf(item) > id,
    );
    list.insertBefore(node, later || null);
    if (id > newestId()) {
      list.dataset.newestId = String(id);
    }
  }

  function nearBottom() {
    const root = document.scrollingElement || document.documentElement;
    return root.scrollHeight - root.scrollTop - root.clientHeight < 120;
  }

  async function getJson(url) {
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    return response.ok ? response.json() : null;
  }

  async function fetchNewMessages(announcedId) {
    if (list.dataset.hasNewer === "true") {
      return; // an older stretch of history is shown: its end is not the room's end
    }
    if (document.getElementById(`m-${announcedId}`)) {
      return; // already shown (the sender's own page appends it when the post answers)
    }
    // Ask from just below the announced id too: on PostgreSQL an id can commit late.
    let after = Math.max(0, Math.min(newestId(), announcedId - 1));
    const stick = nearBottom();
    const added = [];
    for (;;) {
      const page = await getJson(`${base}/messages?after=${after}`);
      if (!page || !page.messages.length) {
        break;
      }
      for (const message of page.messages) {
        after = Math.max(after, message.id);
        if (!document.getElementById(`m-${message.id}`)) {
          const node = fromHtml(message.html);
          if (node) {
            insertMessage(node);
            added.push(node);
          }
        }
      }
      if (!page.has_more) {
        break;
      }
    }
    if (added.length) {
      if (stick) {
        added[added.length - 1].scrollIntoView({ block: "end" });
      }
      list.dispatchEvent(new CustomEvent("gateway:messages-added", { bubbles: true, detail: { nodes: added } }));
      markRead();
    }
  }

  async function refreshMessage(id) {
    const current = document.getElementById(`m-${id}`);
    // Not while the member is editing it here: their own save shows the result.
    if (!current || current.querySelector(".message-inline-edit")) {
      return;
    }
    const response = await fetch(`${base}/messages/${id}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 404) {
      current.remove();
      return;
    }
    if (!response.ok) {
      return;
    }
    const node = fromHtml((await response.json()).html);
    // Asked again after the fetch: the member may have opened the editor meanwhile.
    const shown = document.getElementById(`m-${id}`);
    if (node && shown && !shown.querySelector(".message-inline-edit")) {
      shown.replaceWith(node);
      list.dispatchEvent(new CustomEvent("gateway:message-changed", { bubbles: true, detail: { node } }));
    }
  }

  function markRead() {
    const newest = newestId();
    if (document.visibilityState !== "visible" || newest <= lastReadSent || !window.gateway) {
      return;
    }
    lastReadSent = newest;
    const form = new FormData();
    form.append("message_id", String(newest));
    window.gateway.post(`${base}/read`, form).catch(() => {
      lastReadSent = 0;
    });
  }

  function showPresence(state) {
    const members = document.querySelectorAll(`[data-presence-user="${Number(state.user_id)}"]`);
    for (const member of members) {
      member.dataset.online = state.online ? "true" : "false";
      for (const dot of member.querySelectorAll("[data-online-dot]")) {
        dot.hidden = !state.online;
      }
      for (const badge of member.querySelectorAll("[data-away-badge]")) {
        badge.hidden = !state.away_until;
        if (state.away_until) {
          const open = new Date(state.away_until).getUTCFullYear() >= 9999;
          badge.dataset.awayUntil = open ? "" : state.away_until;
          badge.textContent = state.away_label || "Away";
        }
      }
    }
  }

  const ENDINGS = {
    removed: { text: "You are no longer a member of this room.", link: null },
    "signed-out": { text: "You were signed out.", link: "Sign in again to follow this room" },
  };

  /** The stream ended for good: tell the viewer why; nothing here can be sent any more. */
  function showEnded(kind) {
    const ending = ENDINGS[kind];
    room.dataset.live = kind;
    if (document.getElementById("room-ended")) {
      return;
    }
    const notice = document.createElement("p");
    notice.id = "room-ended";
    notice.className = "banner banner-warning";
    notice.setAttribute("role", "alert");
    notice.textContent = ending.text;
    if (ending.link) {
      const link = document.createElement("a");
      const back = window.location.pathname + window.location.search;
      link.href = `/sign-in?next=${encodeURIComponent(back)}`;
      link.textContent = ending.link;
      notice.append(" ", link);
    }
    const header = room.querySelector(".room-header");
    room.insertBefore(notice, header ? header.nextSibling : room.firstChild);
    const compose = document.getElementById("compose");
    if (compose) {
      for (const field of compose.elements) {
        field.disabled = true;
      }
    }
  }

  function parse(event) {
    try {
      return JSON.parse(event.data);
    } catch (error) {
      return null;
    }
  }

  /** Remember where the stream is, and let other scripts know the room changed. */
  function noted(event) {
    if (event.lastEventId) {
      lastEventId = event.lastEventId;
    }
    document.dispatchEvent(new CustomEvent("gateway:room-change", { detail: { type: event.type } }));
  }

  function streamUrl() {
    const query = new URLSearchParams({ after: String(newestId()), page: pageKey });
    if (lastEventId) {
      query.set("last", lastEventId);
    }
    return `/live/rooms/${encodeURIComponent(roomId)}?${query}`;
  }

  function connect() {
    window.clearTimeout(retryTimer);
    if (source || document.visibilityState === "hidden" || room.dataset.live in ENDINGS) {
      return;
    }
    source = new EventSource(streamUrl());
    source.addEventListener("open", () => {
      retryMs = RETRY_MIN_MS;
      room.dataset.live = "open";
    });
    source.addEventListener("message", (event) => {
      noted(event);
      const data = parse(event);
      if (data) {
        queue(() => fetchNewMessages(Number(data.id)));
      }
    });
    for (const kind of ["edited", "deleted"]) {
      source.addEventListener(kind, (event) => {
        noted(event);
        const data = parse(event);
        if (data) {
          queue(() => refreshMessage(Number(data.id)));
        }
      });
    }
    source.addEventListener("presence", (event) => {
      const data = parse(event);
      if (data) {
        showPresence(data);
      }
    });
    for (const kind of Object.keys(ENDINGS)) {
      source.addEventListener(kind, () => {
        disconnect(); // the server ended the stream for good: do not reconnect
        showEnded(kind);
      });
    }
    const opened = source;
    source.addEventListener("error", () => {
      if (opened !== source) {
        return;
      }
      room.dataset.live = "reconnecting";
      // CLOSED: the server refused (503, or signed out); EventSource gives up, we do not.
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        const wait = retryMs + Math.random() * retryMs;
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        retryTimer = window.setTimeout(connect, wait);
      }
    });
  }

  function disconnect() {
    window.clearTimeout(retryTimer);
    if (source) {
      source.close();
      source = null;
    }
  }

  /** The page is going or hidden: the room is no longer in front of the viewer. */
  function leave() {
    disconnect();
    if (room.dataset.live in ENDINGS) {
      return;
    }
    room.dataset.live = "away";
    const form = new FormData();
    form.append("page", pageKey);
    form.append("csrf_token", window.gateway ? window.gateway.csrfToken() : "");
    navigator.sendBeacon(`/live/rooms/${encodeURIComponent(roomId)}/leave`, form);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      leave();
    } else {
      connect();
      markRead();
    }
  });
  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      connect(); // back from the back-forward cache
    }
  });
  connect();
})();
