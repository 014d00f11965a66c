// The demo page: polls /api/state, shows channels and the top modal, and
// posts what the person does. Untrusted text is only ever set with
// textContent; the HTML fields come from the server's Block Kit renderer,
// which escapes everything it did not write itself.
"use strict";
(function () {
  const SUPPORT = "C0SUPPORT", NOTIFY = "C0NOTIFY", POLL_MS = 500;
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };

  let version = "", current = SUPPORT, last = null, modalKey = "", pollTimer = 0, history = [];
  const seen = {}, rendered = {};

  async function post(path, body) {
    const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    let out = {};
    try { out = await res.json(); } catch (e) { out = { ok: false, error: "bad answer from the demo server" }; }
    pollSoon();
    return out;
  }

  function pollSoon() { clearTimeout(pollTimer); pollTimer = setTimeout(poll, 50); }

  async function poll() {
    clearTimeout(pollTimer);
    try {
      const res = await fetch("/api/state?v=" + encodeURIComponent(version), { cache: "no-store" });
      if (res.status === 200) { const st = await res.json(); version = st.version; render(st); }
      else if (res.status !== 204) throw new Error("status " + res.status);
      if (last) setStatus(last.connected ? "bot connected" : "waiting for the bot to connect…", last.connected);
    } catch (e) {
      setStatus("demo server not reachable (stopped?)", false);
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  function setStatus(text, ok) { const s = $("status"); s.textContent = text; s.className = "status " + (ok ? "ok" : "bad"); }

  function channel(st, id) { return st.channels.find((c) => c.id === id) || { id: id, name: id, items: [] }; }

  function render(st) {
    last = st;
    document.body.dataset.version = st.version;
    renderSidebar(st);
    renderInfo(st.info || []);
    const ch = channel(st, current);
    $("channel-title").textContent = "# " + ch.name;
    document.title = "syncrobot demo — #" + ch.name;
    // A list that showed its newest line keeps showing it, as Slack's
    // channels do. Both lists are drawn before either is scrolled: on a
    // narrow window the notices sit under the channel, and drawing them
    // squeezes the channel after it would have scrolled.
    const lists = [[$("messages"), ch], [$("notify"), channel(st, NOTIFY)]];
    const stick = lists.map(([ol]) => ol.dataset.init !== "1" || ol.scrollHeight - ol.scrollTop - ol.clientHeight < 80);
    for (const [ol, c] of lists) renderItems(ol, c);
    lists.forEach(([ol], i) => { if (stick[i]) ol.scrollTop = ol.scrollHeight; ol.dataset.init = "1"; });
    seen[current] = ch.items.length;
    seen[NOTIFY] = channel(st, NOTIFY).items.length;
    renderModal(st.modal);
  }

  function renderSidebar(st) {
    const ul = $("channels");
    const focused = document.activeElement && document.activeElement.dataset.channel;
    ul.replaceChildren();
    for (const c of st.channels) {
      const li = el("li"), b = el("button");
      b.type = "button"; b.dataset.channel = c.id;
      b.setAttribute("aria-current", c.id === current ? "true" : "false");
      b.append(el("span", "", "# " + c.name));
      const unread = c.items.length - (seen[c.id] || 0);
      if (c.id !== current && c.id !== NOTIFY && unread > 0) b.append(el("span", "unread", String(unread)));
      b.addEventListener("click", () => { current = c.id; render(last); $("command").focus(); });
      li.append(b); ul.append(li);
      if (focused === c.id) b.focus();
    }
  }

  // renderInfo shows where the demo keeps its data and session logs, and
  // whether saved changes were replayed; fixed for the run, so drawn once.
  function renderInfo(info) {
    const dl = $("demo-info");
    if (dl.dataset.drawn === "1" || !info.length) return;
    dl.dataset.drawn = "1";
    for (const i of info) dl.append(el("dt", "", i.label), el("dd", "", i.value));
  }

  function renderItems(ol, ch) {
    const key = ch.id + "|" + JSON.stringify(ch.items);
    if (rendered[ol.id] === key) return;
    rendered[ol.id] = key;
    ol.replaceChildren();
    if (ch.items.length === 0) {
      ol.append(el("li", "msg system", ch.id === NOTIFY ? "Closed-ticket notices appear here." : "Nothing here yet. Type /syncro below."));
    }
    for (const it of ch.items) {
      const li = el("li", "msg " + it.kind);
      li.dataset.channel = ch.id;
      if (it.ts) li.dataset.ts = it.ts;
      if (it.kind === "ephemeral") li.dataset.ephemeral = "true";
      const head = el("div", "msg-head");
      head.append(el("span", "author", it.author));
      if (it.kind === "message" || it.kind === "ephemeral") head.append(el("span", "app-badge", "APP"));
      head.append(el("time", "", it.time));
      if (it.kind === "ephemeral") head.append(el("span", "only-you", "Only visible to you"));
      const body = el("div", "msg-body");
      if (it.html) body.innerHTML = it.html; // server-rendered and escaped
      else body.textContent = it.text || "";
      if (it.edited) body.append(el("span", "edited", "(edited)"));
      li.append(head, body);
      for (const u of it.unfurls || []) {
        const card = el("div", "unfurl");
        card.dataset.unfurlUrl = u.url;
        card.innerHTML = u.html; // server-rendered and escaped
        li.append(card);
      }
      if ((it.kind === "message" || it.kind === "person") && it.ts) li.append(menuButton());
      ol.append(li);
    }
  }

  // ---- the "…" menu: the bot's message shortcuts ----
  function menuButton() {
    const b = el("button", "msg-menu", "…");
    b.type = "button"; b.title = "More actions"; b.setAttribute("aria-haspopup", "menu");
    return b;
  }

  function closeMenus() { for (const m of document.querySelectorAll(".shortcut-menu")) m.remove(); }

  function openMenu(button) {
    closeMenus();
    const li = button.closest(".msg"), menu = el("ul", "shortcut-menu");
    menu.setAttribute("role", "menu");
    for (const s of (last && last.shortcuts) || []) {
      const item = el("li"), b = el("button", "", s.name);
      b.type = "button"; b.setAttribute("role", "menuitem"); b.dataset.shortcut = s.callback_id;
      b.addEventListener("click", async (ev) => {
        ev.stopPropagation(); closeMenus();
        const out = await post("/api/shortcut", { channel: li.dataset.channel, ts: li.dataset.ts, callback_id: s.callback_id });
        if (!out.ok && out.error) setStatus(out.error, false);
      });
      item.append(b); menu.append(item);
    }
    li.append(menu);
    const first = menu.querySelector("button");
    if (first) first.focus();
  }

  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button.msg-menu");
    if (b) { ev.preventDefault(); openMenu(b); return; }
    if (!ev.target.closest(".shortcut-menu")) closeMenus();
  });
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closeMenus(); });

  // ---- interactions in messages ----
  function actionOf(elem) {
    const a = { type: elem.dataset.type || "button", action_id: elem.dataset.actionId, block_id: elem.dataset.blockId };
    if (elem.tagName === "BUTTON") a.value = elem.dataset.value || "";
    else if (elem.tagName === "SELECT") {
      const o = elem.selectedOptions[0];
      if (!o || o.value === "") return null;
      if (a.type === "users_select") a.selected_user = o.value;
      else a.selected_option = { text: o.textContent, value: o.value };
    } else if (elem.type === "date") a.selected_date = elem.value;
    return a;
  }

  async function fire(elem) {
    const a = actionOf(elem);
    if (!a) return;
    if (elem.dataset.confirm && !window.confirm(elem.dataset.confirm)) return;
    if (elem.dataset.url) window.open(elem.dataset.url, "_blank", "noopener");
    const inModal = elem.closest("#modal");
    const req = { action: a };
    if (inModal) { req.view_id = $("modal").dataset.viewId; req.state = collect(); }
    else {
      const li = elem.closest(".msg"), card = elem.closest(".unfurl");
      req.channel = li.dataset.channel; req.ts = li.dataset.ts || ""; req.ephemeral = li.dataset.ephemeral === "true";
      if (card) req.unfurl_url = card.dataset.unfurlUrl;
    }
    if (elem.tagName === "BUTTON") elem.disabled = true;
    const out = await post("/api/action", req);
    if (elem.tagName === "BUTTON") elem.disabled = false;
    if (!out.ok && inModal) showModalError(out.error);
  }

  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-action-id]");
    if (b) { ev.preventDefault(); fire(b); }
  });
  document.addEventListener("change", (ev) => {
    const t = ev.target;
    if (t.matches("select[data-action-id], input.bk-date[data-action-id]") && !t.dataset.kind) fire(t);
  });

  // ---- composer ----
  $("composer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("command"), text = input.value.trim();
    if (!text) return;
    history.push(text); input.value = "";
    const out = await post("/api/command", { channel: current, text: text });
    if (!out.ok && out.error) setStatus(out.error, false);
  });
  $("command").addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowUp" && !ev.target.value && history.length) { ev.target.value = history[history.length - 1]; ev.preventDefault(); }
  });

  // ---- modal ----
  // closed holds the views the person dismissed here: a poll that left
  // before the dismissal reached the server still lists them, and must not
  // bring them back.
  let returnFocus = null;
  const closed = new Set();
  function renderModal(m) {
    if (m && closed.has(m.id)) return;
    const back = $("backdrop"), modal = $("modal");
    const key = m ? m.id + "|" + m.hash : "";
    if (key === modalKey) return;
    modalKey = key;
    if (!m) { closeModalLocal(); return; }
    if (back.hidden) returnFocus = document.activeElement;
    modal.dataset.viewId = m.id;
    $("modal-title").textContent = m.title;
    $("modal-submit").textContent = m.submit || "Submit";
    $("modal-submit").hidden = !m.submit;
    $("modal-cancel").textContent = m.close || "Cancel";
    $("modal-error").hidden = true;
    $("modal-body").innerHTML = m.html; // server-rendered and escaped
    for (const c of $("modal-body").querySelectorAll('[data-kind="external_select"]')) combobox(c);
    back.hidden = false;
    const first = $("modal-body").querySelector("input, select, textarea, button") || $("modal-submit");
    first.focus();
  }

  function closeModalLocal() {
    $("backdrop").hidden = true;
    $("modal-body").replaceChildren();
    delete $("modal").dataset.viewId;
    const f = returnFocus && document.contains(returnFocus) ? returnFocus : $("command");
    f.focus();
  }

  async function dismiss() {
    const id = $("modal").dataset.viewId;
    if (!id) return;
    closed.add(id);
    modalKey = ""; closeModalLocal();
    await post("/api/close", { view_id: id });
  }

  function showModalError(msg) { const e = $("modal-error"); e.textContent = msg || "Something went wrong."; e.hidden = false; }

  function clearFieldErrors() {
    for (const b of $("modal-body").querySelectorAll(".bk-input")) { b.classList.remove("has-error"); b.querySelector(".bk-error").textContent = ""; }
    $("modal-error").hidden = true;
  }

  function fieldError(blockId, msg) {
    for (const b of $("modal-body").querySelectorAll(".bk-input")) {
      if (b.dataset.blockId !== blockId) continue;
      b.classList.add("has-error");
      b.querySelector(".bk-error").textContent = msg;
      const f = b.querySelector("[data-kind]");
      if (f) f.setAttribute("aria-invalid", "true");
      return true;
    }
    return false;
  }

  // collect builds view.state.values from the modal's inputs, as Slack does.
  function collect() {
    const values = {};
    for (const f of $("modal-body").querySelectorAll("[data-kind]")) {
      const kind = f.dataset.kind, v = { type: kind };
      switch (kind) {
        case "static_select": case "conversations_select": case "channels_select": {
          const o = f.selectedOptions[0];
          v.selected_option = o && o.value !== "" ? { text: o.textContent, value: o.value } : null; break;
        }
        case "users_select": v.selected_user = f.value; break;
        case "multi_static_select": v.selected_options = Array.from(f.selectedOptions).map((o) => ({ text: o.textContent, value: o.value })); break;
        case "external_select":
          v.selected_option = f.dataset.selectedValue ? { text: f.dataset.selectedText, value: f.dataset.selectedValue } : null; break;
        case "datepicker": v.selected_date = f.value; break;
        case "checkboxes":
          v.selected_options = Array.from(f.querySelectorAll("input:checked")).map((i) => ({ text: i.dataset.text, value: i.value })); break;
        case "radio_buttons": {
          const i = f.querySelector("input:checked");
          v.selected_option = i ? { text: i.dataset.text, value: i.value } : null; break;
        }
        default: v.value = f.value;
      }
      (values[f.dataset.blockId] = values[f.dataset.blockId] || {})[f.dataset.actionId] = v;
    }
    return values;
  }

  // localErrors are the checks Slack's client makes before sending.
  function localErrors(values) {
    let bad = false;
    for (const b of $("modal-body").querySelectorAll(".bk-input")) {
      const f = b.querySelector("[data-kind]");
      if (!f) continue;
      const v = values[f.dataset.blockId][f.dataset.actionId];
      const empty = !(v.value || v.selected_option || v.selected_user || v.selected_date || (v.selected_options && v.selected_options.length));
      if (empty && b.dataset.optional !== "true") { fieldError(b.dataset.blockId, "Please complete this required field."); bad = true; }
      else if (f.dataset.kind === "number_input" && v.value && !/^-?\d+(\.\d+)?$/.test(v.value.trim())) { fieldError(b.dataset.blockId, "Enter a number."); bad = true; }
    }
    return bad;
  }

  $("modal-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const id = $("modal").dataset.viewId;
    if (!id) return;
    clearFieldErrors();
    const values = collect();
    if (localErrors(values)) return;
    const btn = $("modal-submit");
    btn.disabled = true;
    const out = await post("/api/submit", { view_id: id, state: values });
    btn.disabled = false;
    if (!out.ok) { showModalError(out.error); return; }
    if (out.response_action === "errors") {
      let shown = false;
      for (const [blk, msg] of Object.entries(out.errors || {})) shown = fieldError(blk, msg) || shown;
      if (!shown) showModalError("We had some trouble connecting. Try again?");
      const firstBad = $("modal-body").querySelector(".has-error [data-kind], .has-error input");
      if (firstBad) firstBad.focus();
    }
  });
  $("modal-cancel").addEventListener("click", dismiss);
  $("modal-x").addEventListener("click", dismiss);

  // Focus stays in the modal: Tab cycles, Esc closes.
  document.addEventListener("keydown", (ev) => {
    if ($("backdrop").hidden) return;
    if (ev.key === "Escape") { ev.preventDefault(); dismiss(); return; }
    if (ev.key !== "Tab") return;
    const items = Array.from($("modal").querySelectorAll("button, input, select, textarea, [tabindex]:not([tabindex='-1'])"))
      .filter((e) => !e.disabled && !e.hidden && e.offsetParent !== null);
    if (!items.length) return;
    const first = items[0], lastItem = items[items.length - 1];
    if (!$("modal").contains(document.activeElement)) { ev.preventDefault(); first.focus(); }
    else if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); lastItem.focus(); }
    else if (!ev.shiftKey && document.activeElement === lastItem) { ev.preventDefault(); first.focus(); }
  });

  // ---- external_select: a combobox asking the bot through block_suggestion ----
  function combobox(input) {
    const list = input.parentElement.querySelector(".bk-listbox");
    const lbId = input.id + "-list";
    list.id = lbId; input.setAttribute("aria-controls", lbId);
    let timer = 0, active = -1, seq = 0;
    const opts = () => Array.from(list.querySelectorAll("li[role=option]"));
    const hide = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; };
    const mark = (i) => {
      const os = opts(); active = i;
      os.forEach((o, j) => o.setAttribute("aria-selected", j === i ? "true" : "false"));
      if (os[i]) { input.setAttribute("aria-activedescendant", os[i].id); os[i].scrollIntoView({ block: "nearest" }); }
    };
    const choose = (li) => {
      input.value = li.dataset.text; input.dataset.selectedValue = li.dataset.value; input.dataset.selectedText = li.dataset.text;
      hide();
    };
    async function search() {
      const q = input.value, mine = ++seq;
      if (q.length < Number(input.dataset.minQuery || 0)) { hide(); return; }
      const out = await post("/api/suggest", { view_id: $("modal").dataset.viewId, action_id: input.dataset.actionId, block_id: input.dataset.blockId, value: q });
      if (mine !== seq) return;
      list.replaceChildren();
      let n = 0;
      const addOpt = (o) => {
        const li = el("li", "", o.text);
        li.setAttribute("role", "option"); li.id = lbId + "-" + (n++);
        li.dataset.value = o.value; li.dataset.text = o.text;
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(li); });
        list.append(li);
      };
      (out.options || []).forEach(addOpt);
      for (const g of out.option_groups || []) { const h = el("li", "group", g.label); h.setAttribute("role", "presentation"); list.append(h); (g.options || []).forEach(addOpt); }
      if (!n) { const li = el("li", "group", out.ok ? "No matches" : (out.error || "No answer")); list.append(li); }
      list.hidden = false; input.setAttribute("aria-expanded", "true"); mark(n ? 0 : -1);
    }
    input.addEventListener("input", () => {
      delete input.dataset.selectedValue; delete input.dataset.selectedText;
      clearTimeout(timer); timer = setTimeout(search, 250);
    });
    input.addEventListener("keydown", (ev) => {
      const os = opts();
      if (ev.key === "ArrowDown") { ev.preventDefault(); if (list.hidden) search(); else mark(Math.min(active + 1, os.length - 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (ev.key === "Enter" && !list.hidden) { ev.preventDefault(); if (os[active]) choose(os[active]); }
      else if (ev.key === "Escape" && !list.hidden) { ev.preventDefault(); ev.stopPropagation(); hide(); }
    });
    input.addEventListener("blur", () => setTimeout(hide, 150));
  }

  $("command").focus();
  poll();
})();
