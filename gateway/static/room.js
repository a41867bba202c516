// The room page: compose box (and its draft), reply, inline edit, delete, Load older, room
// keyboard moves.
// Everything here enhances forms that already work without JavaScript: each handler takes
// over a form post or a link and falls back to it when fetch fails.
// The DOM contract (ids, data-* attributes) is documented in templates/web/room/page.html.
"use strict";

(() => {
  const room = document.getElementById("room");
  if (!room) return;
  const list = document.getElementById("messages");
  const compose = document.getElementById("compose");
  const body = document.getElementById("compose-body");
  const parentInput = document.getElementById("compose-parent-id");
  const preview = document.getElementById("reply-preview");
  const fileInput = document.getElementById("compose-files");
  const chosen = document.getElementById("chosen-files");
  const errorBox = document.getElementById("compose-error");
  const sendButton = document.getElementById("compose-send");
  const userId = room.dataset.userId;
  const enterSends = room.dataset.enterSends === "true";
  const maxFiles = Number(room.dataset.maxFiles || 0);
  const maxBytes = Number(room.dataset.maxBytes || 0);

  /** Ctrl+Enter (Cmd+Enter on a Mac) always sends; plain Enter sends only when the user's
   * setting says so. Shift+Enter is always a new line; Alt+Enter is left to the browser. */
  function isSendKey(event) {
    if (event.key !== "Enter" || event.isComposing || event.shiftKey || event.altKey) {
      return false;
    }
    return event.ctrlKey || event.metaKey || enterSends;
  }

  function elementFrom(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function showError(box, text) {
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function errorText(response) {
    try {
      const data = await response.json();
      if (data && data.error) return data.error;
    } catch (_) { /* not JSON: fall through */ }
    return `Something went wrong (${response.status}). Please try again.`;
  }

  /** Put a message's html in the list: replace it if shown, else append in id order. */
  function upsertMessage(id, html) {
    const item = elementFrom(html);
    const existing = document.getElementById(`m-${id}`);
    if (existing) {
      existing.replaceWith(item);
      return item;
    }
    list.appendChild(item);
    if (Number(id) > Number(list.dataset.newestId || 0)) list.dataset.newestId = String(id);
    if (!list.dataset.oldestId) list.dataset.oldestId = String(id);
    const empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    return item;
  }

  // --- Compose -------------------------------------------------------------------------

  function humanSize(bytes) {
    if (bytes < 1024) return `${bytes} bytes`;
    const units = ["KB", "MB", "GB"];
    let size = bytes;
    for (const unit of units) {
      size /= 1024;
      if (size < 1024 || unit === "GB") return `${Math.round(size * 10) / 10} ${unit}`;
    }
    return `${bytes} bytes`;
  }

  function checkFiles() {
    const files = Array.from(fileInput.files || []);
    chosen.replaceChildren(
      ...files.map((file) => {
        const item = document.createElement("li");
        item.textContent = `${file.name} (${humanSize(file.size)})`;
        return item;
      }),
    );
    const total = files.reduce((sum, file) => sum + file.size, 0);
    let problem = "";
    if (maxFiles && files.length > maxFiles) {
      problem = `A message can carry at most ${maxFiles} files; ${files.length} were chosen.`;
    } else if (maxBytes && total > maxBytes) {
      problem = `The files of one message can total at most ${room.dataset.maxSizeText}; ` +
        `these total ${humanSize(total)}.`;
    }
    showError(errorBox, problem);
    sendButton.disabled = Boolean(problem);
    return !problem;
  }

  // --- Draft: what is typed survives leaving the page and coming back (this tab only) -----
  // sessionStorage, not localStorage: a draft should not outlive the tab on a shared
  // computer. Keyed by user too, for a second person signing in in the same tab.

  const draftKey = `gateway:draft:${userId}:${room.dataset.roomId}`;

  function keepDraft() {
    try {
      if (body.value.trim()) window.sessionStorage.setItem(draftKey, body.value);
      else window.sessionStorage.removeItem(draftKey);
    } catch (_) { /* storage disabled or full: the draft just is not kept */ }
  }

  function dropDraft() {
    try {
      window.sessionStorage.removeItem(draftKey);
    } catch (_) { /* storage disabled */ }
  }

  function restoreDraft() {
    if (body.value) return; // the server sent the text of a refused post back: it wins
    try {
      body.value = window.sessionStorage.getItem(draftKey) || "";
    } catch (_) { /* storage disabled */ }
  }

  function clearReply() {
    parentInput.value = "";
    preview.hidden = true;
  }

  function startReply(link) {
    parentInput.value = link.dataset.replyId;
    document.getElementById("reply-preview-author").textContent = link.dataset.replyAuthor;
    document.getElementById("reply-preview-excerpt").textContent = link.dataset.replyExcerpt;
    preview.hidden = false;
    const menu = link.closest("details");
    if (menu) menu.open = false;
    body.focus();
  }

  async function send() {
    if (!checkFiles()) return;
    if (!body.value.trim() && !(fileInput.files && fileInput.files.length)) {
      showError(errorBox, "Write a message or attach a file first.");
      return;
    }
    sendButton.disabled = true;
    try {
      const response = await window.gateway.post(compose.action, new FormData(compose));
      if (!response.ok) {
        showError(errorBox, await errorText(response));
        return;
      }
      const data = await response.json();
      upsertMessage(data.id, data.html).scrollIntoView({ block: "end" });
      body.value = "";
      dropDraft();
      fileInput.value = "";
      chosen.replaceChildren();
      clearReply();
      showError(errorBox, "");
    } catch (_) {
      // The network failed: let the browser post the form itself. A refusal comes back
      // with the text in the box, so the stored copy is not needed either way.
      dropDraft();
      compose.submit();
    } finally {
      sendButton.disabled = false;
      body.focus();
    }
  }

  compose.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  fileInput.addEventListener("change", checkFiles);
  restoreDraft();
  body.addEventListener("input", keepDraft);
  document.getElementById("reply-cancel").addEventListener("click", (event) => {
    event.preventDefault();
    clearReply();
    body.focus();
  });

  body.addEventListener("keydown", (event) => {
    if (isSendKey(event)) {
      event.preventDefault();
      send();
    } else if (event.key === "ArrowUp" && !event.altKey && body.value === "") {
      const own = Array.from(
        list.querySelectorAll(`li.message[data-author-id="${userId}"][data-editable="true"]`),
      ).pop();
      if (own) {
        event.preventDefault();
        startEdit(own);
      }
    } else if (event.key === "Escape" && !preview.hidden) {
      clearReply();
    }
  });

  // --- Inline edit ----------------------------------------------------------------------

  function startEdit(item) {
    const form = item.querySelector(".message-edit-form");
    if (!form || item.querySelector(".message-inline-edit")) return;
    const menu = item.querySelector(".message-actions");
    if (menu) menu.open = false;
    const editor = document.createElement("div");
    editor.className = "message-inline-edit";
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = `inline-edit-${item.dataset.messageId}`;
    label.textContent = "Edit your message";
    const area = document.createElement("textarea");
    area.id = label.htmlFor;
    area.rows = 3;
    area.value = form.querySelector("textarea").value;
    const help = document.createElement("p");
    help.className = "field-help";
    help.textContent = enterSends
      ? "Enter or Ctrl+Enter saves, Esc cancels."
      : "Ctrl+Enter (⌘+Enter on a Mac) saves, Enter starts a new line, Esc cancels.";
    const problem = document.createElement("p");
    problem.className = "error";
    problem.setAttribute("role", "alert");
    problem.hidden = true;
    const save = document.createElement("button");
    save.type = "button";
    save.textContent = "Save";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary";
    cancel.textContent = "Cancel";
    editor.append(label, area, help, problem, save, " ", cancel);
    const shown = item.querySelector(".message-body");
    shown.hidden = true;
    shown.after(editor);

    const stop = () => {
      editor.remove();
      shown.hidden = false;
      body.focus();
    };
    const submit = async () => {
      const data = new FormData();
      data.append("body", area.value);
      try {
        const response = await window.gateway.post(form.action, data);
        if (!response.ok) {
          showError(problem, await errorText(response));
          return;
        }
        const result = await response.json();
        upsertMessage(result.id, result.html);
        body.focus();
      } catch (_) {
        showError(problem, "Could not reach the server. Please try again.");
      }
    };
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        stop();
      } else if (isSendKey(event)) {
        event.preventDefault();
        submit();
      }
    });
    save.addEventListener("click", submit);
    cancel.addEventListener("click", stop);
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  // --- Actions on messages (delegated: messages added later work too) -------------------

  list.addEventListener("click", (event) => {
    const reply = event.target.closest(".message-reply");
    if (reply) {
      event.preventDefault();
      startReply(reply);
      return;
    }
    const editSummary = event.target.closest(".message-edit > summary");
    if (editSummary) {
      event.preventDefault();
      startEdit(editSummary.closest("li.message"));
    }
  });

  list.addEventListener("submit", async (event) => {
    const form = event.target.closest(".message-delete-form");
    if (!form) return;
    event.preventDefault();
    if (!window.confirm("Delete this message? Everyone in the room will see it was deleted.")) {
      return;
    }
    try {
      const response = await window.gateway.post(form.action, new FormData(form));
      if (response.ok) {
        const result = await response.json();
        upsertMessage(result.id, result.html);
      } else {
        window.alert(await errorText(response));
      }
    } catch (_) {
      form.submit();
    }
  });

  // --- Load older -----------------------------------------------------------------------

  const olderForm = document.getElementById("load-older-form");
  if (olderForm) {
    olderForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const url = `${room.dataset.messagesUrl}?before=${encodeURIComponent(list.dataset.oldestId)}`;
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(String(response.status));
        const data = await response.json();
        const before = list.scrollHeight;
        const fragment = document.createDocumentFragment();
        for (const message of data.messages) {
          if (!document.getElementById(`m-${message.id}`)) {
            fragment.appendChild(elementFrom(message.html));
          }
        }
        list.prepend(fragment);
        if (data.messages.length) list.dataset.oldestId = String(data.messages[0].id);
        window.scrollBy(0, list.scrollHeight - before);
        if (!data.has_more) olderForm.remove();
      } catch (_) {
        olderForm.submit();
      }
    });
  }

  // --- Alt+Up / Alt+Down: previous / next conversation ---------------------------------

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.key === "ArrowUp"
      ? room.dataset.prevRoomUrl
      : event.key === "ArrowDown" ? room.dataset.nextRoomUrl : "";
    if (target) {
      event.preventDefault();
      window.location.assign(target);
    }
  });

  // Open at the newest message, unless the address names something on the page: a message
  // (a search result, a report) or the side-panel section a form just acted on.
  function namedInAddress() {
    try {
      const id = decodeURIComponent(window.location.hash.slice(1));
      return id !== "" && document.getElementById(id) !== null;
    } catch (_) {
      return false; // a malformed fragment names nothing
    }
  }
  if (!namedInAddress()) {
    const last = list.lastElementChild;
    if (last) last.scrollIntoView({ block: "end" });
  }
})();
