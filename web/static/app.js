// inbox-router: keyboard shortcuts and presence. No third-party code; works offline.
(function () {
  "use strict";
  const csrf = document.body.dataset.csrf;

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  // -- the queue list: j/k select, o/Enter open ------------------------------------
  const rows = Array.from(document.querySelectorAll("[data-list] tbody tr[data-href]"));
  let selected = -1;
  function select(index) {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((row, i) => row.classList.toggle("selected", i === selected));
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  rows.forEach((row, i) => {
    row.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, label")) return;
      select(i);
      window.location = row.dataset.href;
    });
  });
  if (rows.length) select(0);

  // -- line actions: x checks the line under the cursor (queues with bulk actions); in
  // the "No reply needed?" queue other keys press the
  // selected line's button that carries the key; y archives every selected line when
  // some are selected. On a message page the page's own button with the key is pressed.
  function actOnLine(key) {
    const line = selected >= 0 ? rows[selected] : null;
    if (key === "x" && line) {
      const box = line.querySelector("[data-select]");
      if (!box) return false;
      box.checked = !box.checked;
      counted();
      return true;
    }
    const checked = document.querySelectorAll("[data-select]:checked").length;
    const bulk = document.getElementById("archive-checked");
    if (key === "y" && checked && bulk) { bulk.click(); return true; }
    const scope = line || (rows.length ? null : document);
    const button = scope && scope.querySelector('[data-key="' + key + '"]');
    if (!button) return false;
    button.click();
    return true;
  }

  // -- bulk selection: the box above the list checks every line; the bar counts them --
  const boxes = Array.from(document.querySelectorAll("[data-select]"));
  const all = document.querySelector("[data-select-all]");
  const count = document.getElementById("bulk-count");
  function counted() {
    const n = boxes.filter((b) => b.checked).length;
    if (count) count.textContent = n ? n + " selected" : "none selected";
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }
  boxes.forEach((b) => b.addEventListener("change", counted));
  if (all) {
    all.addEventListener("change", () => {
      boxes.forEach((b) => { b.checked = all.checked; });
      counted();
    });
  }
  counted();

  // -- the message page: presence ----------------------------------------------------
  const article = document.querySelector("[data-presence-url]");
  let mode = "viewing";
  function heartbeat(next) {
    if (!article) return;
    if (next) mode = next;
    fetch(article.dataset.presenceUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ mode: mode }),
      credentials: "same-origin",
      keepalive: mode === "leaving",
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) return;
        const box = document.getElementById("presence");
        box.replaceChildren(
          ...data.others.map((o) => {
            const span = document.createElement("span");
            span.textContent = o.name + " is " + o.mode + " this";
            return span;
          })
        );
      })
      .catch(() => {});
  }
  if (article) {
    heartbeat("viewing");
    window.setInterval(() => heartbeat(), 5000);
    const draft = document.getElementById("draft-form");
    if (draft) {
      draft.addEventListener("input", () => { if (mode !== "editing") heartbeat("editing"); });
    }
    window.addEventListener("pagehide", () => heartbeat("leaving"));
  }

  // -- the Undo toast after an approval: counts down, then goes (the worker may send) --
  const toast = document.getElementById("undo-toast");
  if (toast) {
    const until = Date.parse(toast.dataset.until);
    const shown = document.getElementById("undo-seconds");
    const tick = window.setInterval(() => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left > 0) { shown.textContent = String(left); return; }
      window.clearInterval(tick);
      toast.remove();
    }, 250);
  }

  // -- the message page in its queue: j/k/o next and previous, u back to the queue ---
  function go(name) {
    const url = article && article.dataset[name];
    if (!url) return false;
    window.location = url;
    return true;
  }

  // -- keys ------------------------------------------------------------------------
  const help = document.getElementById("help");
  document.querySelectorAll("[data-help]").forEach((b) =>
    b.addEventListener("click", () => help.showModal())
  );
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const approve = document.getElementById("approve");
    const body = document.getElementById("draft-body");
    const relabel = document.getElementById("relabel");
    const undo = document.getElementById("undo");
    if (event.key === "z" && undo) { undo.click(); event.preventDefault(); return; }
    if (actOnLine(event.key)) { event.preventDefault(); return; }
    switch (event.key) {
      case "j": if (rows.length) select(selected + 1); else if (!go("next")) return; break;
      case "k": if (rows.length) select(selected - 1); else if (!go("prev")) return; break;
      case "o":
        if (selected >= 0 && rows[selected]) window.location = rows[selected].dataset.href;
        else if (!go("next")) return;
        break;
      case "Enter":  // on a message page Enter stays with the focused button or link
        if (selected >= 0 && rows[selected]) window.location = rows[selected].dataset.href;
        else return;
        break;
      case "e": if (body) { body.focus(); heartbeat("editing"); } else return; break;
      case "a": if (approve) approve.click(); else return; break;
      case "r": if (relabel) relabel.focus(); else return; break;
      case "u": if (!go("up")) return; break;
      case "?": help.showModal(); break;
      default: return;
    }
    event.preventDefault();
  });

  // -- the reply box: Preview and Fill in keep the files already chosen -------------
  // Both answer with a new page, and a file field cannot be filled again by a page; so
  // when files are chosen the request goes by fetch and the new reply box (preview,
  // filled-in text, any error) takes the old file field with its files.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "reply-form") return;
    const button = event.submitter;
    const picker = form.querySelector("#attach-files");
    if (!button || !["preview", "snippet"].includes(button.value)) return;
    if (!picker || !picker.files.length) return;
    event.preventDefault();
    const data = new FormData(form);
    data.delete("files");
    data.set("intent", button.value);
    const response = await fetch(form.action, { method: "POST", body: data, credentials: "same-origin" });
    const answer = new DOMParser().parseFromString(await response.text(), "text/html");
    const box = answer.querySelector("#reply");
    if (!box) { window.location.reload(); return; }
    const field = box.querySelector("#attach-files");
    if (field) field.replaceWith(picker);
    document.querySelector("#reply").replaceWith(document.adoptNode(box));
    const main = document.querySelector("main");
    main.querySelectorAll(":scope > .flash").forEach((old) => old.remove());
    main.prepend(...Array.from(answer.querySelectorAll("main > .flash"), (p) => document.adoptNode(p)));
  });
})();
