// callrec review desk: one page, routed by the URL hash, reading everything through /v1.
// Transcripts are untrusted text: they are only ever set as textContent, never as HTML.
"use strict";

// gen counts page changes: an answer that arrives after the user moved on is dropped (see api()).
const S = { user: null, csrf: null, timers: [], gen: 0 };
const SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 };
const CATEGORIES = ["agent_conduct", "suspicious_customer", "complaint", "compliance"];
const COLOURS = { agent_conduct: "#cf222e", suspicious_customer: "#8250df", complaint: "#bf8700", compliance: "#1f6feb", done: "#1f883d", failed: "#cf222e" };
const RTL = /[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\ufb1d-\ufdff\ufe70-\ufeff]/g;
const LTR = /[A-Za-z\u00c0-\u024f]/g;

// --- helpers ----------------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") el.style.cssText = v; // CSSOM, which the page's CSP allows (attributes it does not)
    else el.setAttribute(k, v === true ? "" : v);
  }
  return add(el, ...children);
}
function add(el, ...children) {
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children.flat(Infinity)) if (c) el.append(c);
  return el;
}
const $ = (sel) => document.querySelector(sel);
const main = () => $("#main");
function clock(s) {
  s = Math.max(0, Math.floor(s || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }
function isRtl(text) {
  const r = (text.match(RTL) || []).length, l = (text.match(LTR) || []).length;
  return r > l;
}
function showError(message) {
  const box = $("#error");
  box.textContent = message;
  box.hidden = !message;
}
// A form's own error line, beside the controls that caused it (role=alert: screen readers say it).
function formError() { return h("p", { class: "form-error", role: "alert" }); }
function can(...roles) { return S.user && roles.includes(S.user.role); }

async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {}, credentials: "same-origin" };
  if (init.method !== "GET") init.headers["X-CSRF-Token"] = S.csrf || "";
  if (options.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const gen = S.gen;
  const response = await fetch(path, init);
  if (gen !== S.gen) throw Object.assign(new Error("the page changed"), { stale: true });
  if (response.status === 401 && !options.quiet) {
    S.user = null;
    location.hash = "#/login";
    throw new Error("Please sign in.");
  }
  if (!response.ok) {
    let detail = `${response.status}`;
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch (e) { /* not JSON */ }
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

function params() {
  const [, query = ""] = location.hash.split("?");
  return new URLSearchParams(query);
}
function go(path, query) {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null)).toString() : "";
  location.hash = `#${path}${qs ? "?" + qs : ""}`;
}
function every(ms, fn) {
  S.timers.push(setInterval(() => Promise.resolve(fn()).catch((e) => { if (!e.stale) showError(e.message); }), ms));
}

// --- session ----------------------------------------------------------------------------------------

async function loadSession() {
  try {
    const s = await api("/v1/session", { quiet: true });
    S.user = s.user;
    S.csrf = s.csrf_token;
  } catch (e) {
    S.user = null;
  }
}

function renderLogin() {
  $("#top").hidden = true;
  const user = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = formError();
  const form = h("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const s = await api("/v1/session", { method: "POST", body: { username: user.value, password: pass.value }, quiet: true });
        S.user = s.user;
        S.csrf = s.csrf_token;
        const back = sessionStorage.getItem("callrec.after");
        sessionStorage.removeItem("callrec.after");
        if (back && back !== location.hash) location.hash = back; // the link that asked for a sign-in
        else if (back) route();
        else go(S.user.role === "agent" ? "/calls" : "/search");
      } catch (e) {
        error.textContent = e.status === 401 ? "Wrong username or password." : e.message;
      }
    },
  }, h("label", {}, "Username", user), h("label", {}, "Password", pass), h("button", { class: "primary", type: "submit" }, "Sign in"), error);
  main().replaceChildren(h("section", { class: "login" }, h("h1", {}, "Sign in to the review desk"), form));
}

function renderHeader(active) {
  $("#top").hidden = false;
  const links = [["/search", "Search"], ["/calls", "Calls"]];
  if (can("admin", "compliance", "manager")) links.push(["/flags", "Flags"], ["/dashboard", "Dashboard"]);
  if (can("agent") && S.user.agent_id) links.push([`/agents/${encodeURIComponent(S.user.agent_id)}`, "My QA scores"]);
  if (can("admin", "compliance")) links.push(["/audit", "Audit"]);
  if (can("admin")) links.push(["/admin", "Users & teams"]);
  $("#nav").replaceChildren(...links.map(([path, label]) => h("a", { href: `#${path}`, class: active === path ? "active" : null }, label)));
  $("#who").textContent = `${S.user.display_name} (${S.user.role})`;
}

// --- search -----------------------------------------------------------------------------------------

function select(name, options, value) {
  return h("select", { name }, options.map(([v, label]) => h("option", { value: v, selected: v === (value || "") }, label)));
}

async function renderSearch() {
  const p = params();
  const q = h("input", { name: "q", value: p.get("q") || "", size: 40, placeholder: 'words, "a phrase", refun*, -exclude, OR, typo~', dir: "auto" });
  const fields = {
    speaker: select("speaker", [["", "anyone"], ["agent", "agent said it"], ["customer", "customer said it"]], p.get("speaker")),
    direction: select("direction", [["", "any direction"], ["inbound", "inbound"], ["outbound", "outbound"], ["internal", "internal"]], p.get("direction")),
    language: select("language", [["", "any language"], ["he", "Hebrew"], ["ar", "Arabic"], ["en", "English"]], p.get("language")),
    flag: select("flag", [["", "any flags"], ...CATEGORIES.map((c) => [c, c.replace("_", " ")])], p.get("flag")),
    agent_id: h("input", { name: "agent_id", value: p.get("agent_id") || "", size: 8, placeholder: "agent id" }),
    customer_number: h("input", { name: "customer_number", value: p.get("customer_number") || "", size: 14, placeholder: "+9725…" }),
    after: h("input", { type: "date", name: "after", value: p.get("after") || "" }),
    before: h("input", { type: "date", name: "before", value: p.get("before") || "" }),
    order: select("order", [["relevance", "by relevance"], ["date", "newest first"]], p.get("order") || "relevance"),
  };
  const form = h("form", {
    class: "inline", role: "search",
    onsubmit: (ev) => {
      ev.preventDefault();
      go("/search", { q: q.value, ...Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value])) });
    },
  }, h("label", {}, "Search what was said", q), Object.entries(fields).map(([k, el]) => h("label", {}, k.replace("_", " "), el)), h("button", { class: "primary", type: "submit" }, "Search"));
  const results = h("div", { id: "results" });
  main().replaceChildren(h("section", {}, h("h1", {}, "Search calls"), form), h("section", {}, results));
  if (!p.get("q")) {
    results.append(h("p", { class: "muted" }, "Type words to find the calls they were said in."));
    return;
  }
  const query = new URLSearchParams({ q: p.get("q"), limit: "20" });
  for (const k of ["speaker", "direction", "language", "flag", "order", "agent_id", "customer_number"]) if (p.get(k)) query.set(k, p.get(k));
  if (p.get("after")) query.set("after", `${p.get("after")}T00:00:00Z`);
  if (p.get("before")) query.set("before", `${p.get("before")}T00:00:00Z`);
  await searchPage(results, query, true);
}

async function searchPage(results, query, first) {
  let page;
  try {
    page = await api(`/v1/search?${query}`);
  } catch (e) {
    if (e.stale) throw e;
    results.replaceChildren(h("p", { class: "muted", id: "search-error" }, e.message));
    return;
  }
  if (first) {
    results.replaceChildren(h("p", { id: "total" }, `${page.total} call${page.total === 1 ? "" : "s"}`, page.fuzzy ? " (close spellings)" : ""));
  }
  for (const r of page.results) {
    const hits = r.hits.map((hit) => {
      const text = h("span", { class: "snippet", dir: isRtl(hit.text) ? "rtl" : "ltr" });
      text.innerHTML = hit.highlight; // escaped by the server; only <mark> is markup
      return h("div", { class: "hit" },
        h("a", { class: "time", href: `#/calls/${r.call_id}?t=${hit.start}` }, `${clock(hit.start)}`),
        h("span", { class: "small muted" }, hit.role, " "), text);
    });
    const c = r.call || {};
    const about = h("span", { class: "small muted" }, ` · ${when(c.started_at)} · agent ${c.agent_id || "—"} · ${c.direction || ""} · ${c.language || ""} · ${clock(c.duration)}`);
    results.append(h("div", { class: "result", dataset: { call: r.call_id } }, h("a", { href: `#/calls/${r.call_id}` }, `Call ${r.call_id.slice(0, 8)}`), about, hits));
  }
  if (page.next_cursor) {
    const more = h("button", {
      onclick: async () => {
        more.remove();
        query.set("cursor", page.next_cursor);
        await searchPage(results, query, false);
      },
    }, "More");
    results.append(more);
  }
}

// --- calls list with live progress -------------------------------------------------------------------

function progressBar(call) {
  return h("span", {}, h("span", { class: "progress" }, h("div", { style: `width:${Math.round(100 * call.progress)}%` })), ` ${call.stage || call.status} ${Math.round(100 * call.progress)}%`);
}

// The calls list's filters live in the page's address (#/calls?language=he&...), so a link, the back
// button and a saved view all carry them; the API takes the same names.
const CALL_FILTERS = ["status", "agent_id", "team", "direction", "language", "flag", "flag_state", "min_qa", "max_qa",
  "min_duration", "max_duration", "from", "to", "needs_listen", "sort", "order", "limit"];
const CALL_COLUMNS = [["started", "Started"], [null, "Agent"], [null, "Customer"], [null, "Direction"], [null, "Language"], ["duration", "Duration"], [null, "Status"]];

function callsQuery(p) {
  const query = new URLSearchParams({ limit: p.get("limit") || "50" });
  for (const k of CALL_FILTERS) {
    const v = p.get(k);
    if (!v) continue;
    // Days are the reader's own: local midnight to local midnight, as the dashboard counts them.
    if (k === "from") query.set("started_after", new Date(`${v}T00:00:00`).toISOString());
    else if (k === "to") query.set("started_before", new Date(new Date(`${v}T00:00:00`).getTime() + 86400e3).toISOString());
    else if (k === "min_duration" || k === "max_duration") query.set(k, String(Number(v) * 60));
    else query.set(k, v);
  }
  return query;
}

function callFilterForm(p) {
  const reviewer = S.user.role !== "agent";
  const input = (name, attrs = {}) => h("input", { name, value: p.get(name) || "", ...attrs });
  const fields = {
    agent_id: input("agent_id", { size: 8, placeholder: "agent id" }),
    team: input("team", { size: 8, placeholder: "team name" }),
    direction: select("direction", [["", "any"], ["inbound", "inbound"], ["outbound", "outbound"], ["internal", "internal"]], p.get("direction")),
    language: select("language", [["", "any"], ["he", "Hebrew"], ["ar", "Arabic"], ["en", "English"]], p.get("language")),
    from: input("from", { type: "date" }),
    to: input("to", { type: "date" }),
    min_duration: input("min_duration", { type: "number", min: 0, step: "any", size: 4, placeholder: "min" }),
    max_duration: input("max_duration", { type: "number", min: 0, step: "any", size: 4, placeholder: "min" }),
    min_qa: input("min_qa", { type: "number", min: 0, max: 100, size: 4 }),
    max_qa: input("max_qa", { type: "number", min: 0, max: 100, size: 4 }),
  };
  if (reviewer) {
    fields.flag = select("flag", [["", "any"], ...CATEGORIES.map((c) => [c, c.replace("_", " ")])], p.get("flag"));
    fields.flag_state = select("flag_state", [["", "any"], ["open", "open"], ["confirmed", "confirmed"], ["dismissed", "dismissed"], ["withdrawn", "withdrawn"]], p.get("flag_state"));
    fields.needs_listen = select("needs_listen", [["", "either"], ["true", "needs a listen"], ["false", "does not"]], p.get("needs_listen"));
  }
  const labels = { agent_id: "Agent", team: "Team", direction: "Direction", language: "Language", from: "Happened from", to: "to",
    min_duration: "Longer than (min)", max_duration: "Shorter than (min)", min_qa: "QA score from", max_qa: "QA score to",
    flag: "Flag category", flag_state: "Flag state", needs_listen: "Listen" };
  const keep = { sort: p.get("sort"), order: p.get("order"), limit: p.get("limit"), status: p.get("status") };
  return h("form", {
    class: "inline", id: "call-filters", "aria-label": "Filter calls",
    onsubmit: (ev) => {
      ev.preventDefault();
      go("/calls", { ...Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value])), ...keep });
    },
  }, Object.entries(fields).map(([k, el]) => h("label", {}, labels[k], el)),
  h("button", { class: "primary", type: "submit" }, "Filter"),
  h("button", { type: "button", onclick: () => go("/calls") }, "Clear"));
}

async function savedViews(p) {
  const current = new URLSearchParams([...p].filter(([k, v]) => CALL_FILTERS.includes(k) && v));
  const views = await api("/v1/views");
  const error = h("p", { class: "form-error", role: "alert" });
  const name = h("input", { name: "view_name", size: 16, maxlength: 64, placeholder: "name this view", required: true });
  const list = h("span", { class: "chips", id: "saved-views" }, views.length ? null : h("span", { class: "muted small" }, "No saved views yet."),
    views.map((v) => h("span", { class: "chip" },
      h("a", { href: `#/calls${v.query ? "?" + v.query : ""}`, dataset: { view: v.name } }, v.name), " ",
      h("button", { class: "edit-turn", type: "button", "aria-label": `Delete view ${v.name}`, onclick: async () => {
        try { await api(`/v1/views/${v.id}`, { method: "DELETE" }); route(); } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
      } }, "×"))));
  const save = h("form", { class: "inline", id: "save-view", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api("/v1/views", { method: "POST", body: { name: name.value, query: current.toString() } });
      route();
    } catch (e) { error.textContent = e.message; }
  } }, h("label", {}, "Save these filters as", name), h("button", { type: "submit" }, "Save view"), error);
  return h("div", {}, h("h2", {}, "Saved views"), list, save);
}

async function renderCalls() {
  const p = params();
  const table = h("tbody");
  const sort = p.get("sort") || "created", order = p.get("order") || "desc";
  const header = h("tr", {}, CALL_COLUMNS.map(([key, label]) => {
    if (!key) return h("th", { scope: "col" }, label);
    const active = sort === key;
    const next = active && order === "desc" ? "asc" : "desc";
    const query = Object.fromEntries([...p]);
    return h("th", { scope: "col", "aria-sort": active ? (order === "asc" ? "ascending" : "descending") : "none" },
      h("a", { href: "#", dataset: { sort: key }, onclick: (ev) => { ev.preventDefault(); go("/calls", { ...query, sort: key, order: next }); } },
        label, active ? (order === "asc" ? " ▲" : " ▼") : ""));
  }));
  const more = h("button", { type: "button", id: "more-calls", hidden: true }, "Show more");
  const count = h("p", { class: "small muted", id: "calls-count" });
  const filtered = CALL_FILTERS.some((k) => !["sort", "order", "limit"].includes(k) && p.get(k));
  main().replaceChildren(
    h("section", {}, h("h1", {}, p.get("needs_listen") === "true" ? "Calls that need a listen" : filtered ? "Calls (filtered)" : "Calls"),
      callFilterForm(p), await savedViews(p)),
    h("section", {}, count, h("div", { class: "scroll" }, h("table", { id: "calls" }, h("thead", {}, header), table)), more));
  const row = (c) => h("tr", { dataset: { call: c.id } },
    h("td", {}, h("a", { href: `#/calls/${c.id}` }, when(c.started_at || c.created_at))),
    h("td", {}, c.agent_id || "—"), h("td", {}, c.customer_number || "—"), h("td", {}, c.direction || "—"),
    h("td", {}, c.language || "—"), h("td", {}, clock(c.audio && c.audio.duration)),
    h("td", {}, c.status === "done" || c.status === "failed" ? c.status : progressBar(c),
      c.needs_listen ? h("span", { class: "chip listen", title: c.needs_listen }, "needs a listen") : null));
  const query = callsQuery(p);
  query.set("sort", sort === "created" ? "created" : sort);
  let cursor = null, shown = 0;
  async function page(first) {
    const q = new URLSearchParams(query);
    if (!first && cursor) q.set("cursor", cursor);
    const got = await api(`/v1/calls?${q}`);
    if (first) table.replaceChildren();
    table.append(...got.items.map(row));
    shown = first ? got.items.length : shown + got.items.length;
    cursor = got.next_cursor;
    more.hidden = !cursor;
    count.textContent = shown ? `${shown} call${shown === 1 ? "" : "s"} shown${cursor ? ", more below" : ""}` : "No calls match these filters.";
    return got.items.some((c) => c.status === "queued" || c.status === "processing");
  }
  more.onclick = () => page(false).catch((e) => showError(e.message));
  // Refresh while calls are in progress, but only the first page: a reader paging on keeps their place.
  if (await page(true)) every(2000, () => (cursor === null || shown <= Number(query.get("limit")) ? page(true) : false));
}

// --- the call page ----------------------------------------------------------------------------------

async function renderCall(callId) {
  let call;
  try {
    call = await api(`/v1/calls/${callId}`);
  } catch (e) {
    if (e.stale) throw e;
    main().replaceChildren(h("section", { id: "refused" }, h("h1", {}, "This call cannot be shown"), h("p", {}, e.message)));
    return;
  }
  const head = h("section", {}, h("h1", {}, `Call ${call.id.slice(0, 8)}`),
    h("div", { class: "chips" },
      h("span", { class: "chip" }, `agent ${call.agent_id || "—"}`), h("span", { class: "chip" }, `customer ${call.customer_number || "—"}`),
      h("span", { class: "chip" }, call.direction || "direction unknown"), h("span", { class: "chip" }, when(call.started_at || call.created_at)),
      h("span", { class: "chip" }, `language ${call.language || "?"}`), h("span", { class: "chip", id: "status" }, call.status)));
  if (call.status !== "done") {
    const live = h("p", { id: "live" }, call.status === "failed" ? `Failed: ${call.error || ""}` : progressBar(call));
    // A long call shows what has been heard so far (redacted, digits masked) while the rest is recognised.
    const heard = h("section", { id: "heard-so-far", "aria-live": "polite" });
    const showHeard = async (c) => {
      if (c.status !== "processing" || c.transcript_source !== "partial") return;
      const t = await api(`/v1/calls/${callId}/transcript`, { quiet: true });
      heard.replaceChildren(h("h2", {}, `Heard so far (${t.segments.length} segment${t.segments.length === 1 ? "" : "s"})`),
        ...t.segments.map((seg) => h("p", { class: "partial-turn", dir: isRtl(seg.text) ? "rtl" : "auto" },
          h("span", { class: "small" }, `${clock(seg.start)} ${seg.role} `), seg.text)));
    };
    main().replaceChildren(head, h("section", {}, h("h2", {}, "Processing"), live), heard);
    await showHeard(call);
    if (call.status !== "failed") {
      every(1000, async () => {
        const now = await api(`/v1/calls/${callId}`);
        if (now.status === "done") route();
        else {
          live.replaceChildren(now.status === "failed" ? `Failed: ${now.error || ""}` : progressBar(now));
          await showHeard(now);
        }
      });
    }
    return;
  }
  const listen = call.needs_listen
    ? h("section", { id: "needs-listen", class: "notice", role: "status" }, h("h2", {}, "Needs a listen"),
      h("p", {}, "Some rules were not applied because the transcript cannot be trusted. Listen to the call before concluding anything."),
      h("p", { class: "small" }, call.needs_listen))
    : null;
  if (listen) head.append(listen);
  const underReview = reviewBar(call, parseInt(params().get("flag"), 10));
  if (underReview) head.prepend(underReview);
  const transcript = await api(`/v1/calls/${callId}/transcript`);
  const player = playerSection(call);
  const words = [];
  const turns = h("div", { id: "transcript" }, transcript.segments.map((seg, i) => turn(seg, i, words, player.audio)));
  if (can("admin")) correctionControls(callId, call, transcript, head, turns);
  const side = h("div", {}, timelineSection(call, transcript, player.audio), flagsSection(call, player.audio), h("div", { id: "qa" }));
  const downloads = can("admin", "compliance", "manager")
    ? h("p", { class: "small" }, "Download transcript: ", ["json", "srt", "vtt", "txt"].map((f) => [h("a", { href: `/v1/calls/${callId}/transcript?format=${f}`, download: `${callId}.${f}` }, f.toUpperCase()), " "]))
    : null;
  main().replaceChildren(head, player.section, h("div", { class: "cols" }, h("section", {}, h("h2", {}, "Transcript"), downloads, turns), side));
  followPlayback(player.audio, words, player.follow);
  qaSection(call, player.audio).then((qa) => $("#qa") && $("#qa").replaceWith(qa), (e) => { if (!e.stale) showError(e.message); });
  const t = parseFloat(params().get("t"));
  if (!Number.isNaN(t)) player.audio.addEventListener("loadedmetadata", () => { player.audio.currentTime = t; }, { once: true });
}

// Corrections from the call page (admins): a segment's text and role, and the call's language, after
// which the call is transcribed again. Every change is audited by the API and analysis follows it.
function correctionControls(callId, call, transcript, head, turns) {
  const sources = [...new Set(transcript.speakers.map((s) => s.role_source).filter(Boolean))];
  const edited = call.transcript_source === "import" || call.transcript_source === "correction";
  head.querySelector(".chips").append(
    h("span", { class: "chip", id: "role-source" }, `roles by ${sources.join(", ") || "—"}`),
    edited ? h("span", { class: "chip", id: "edited" }, `edited by ${call.transcript_edited_by || "?"} (${call.transcript_source})`) : "");
  const language = select("language", [["he", "Hebrew"], ["ar", "Arabic"], ["en", "English"]], call.language || "en");
  language.setAttribute("aria-label", "Language of the call");
  const problem = h("p", { class: "form-error", role: "alert" });
  const again = h("form", { id: "transcribe-again", class: "inline" }, h("label", {}, "This call is in ", language), " ",
    h("button", { type: "submit" }, "Transcribe again"), problem);
  again.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/v1/calls/${callId}/transcribe`, { method: "POST", body: { language: language.value } });
      route();
    } catch (e) { problem.textContent = e.message; }
  });
  head.append(again);
  transcript.segments.forEach((seg, index) => {
    const row = turns.querySelector(`.turn[data-index="${index}"]`);
    const edit = h("button", { type: "button", class: "edit-turn", "aria-label": `Correct segment ${index + 1}` }, "Correct");
    edit.addEventListener("click", () => row.replaceWith(segmentForm(callId, seg, index, row, transcript.speakers)));
    row.querySelector(".who").append(" ", edit);
  });
}

function segmentForm(callId, seg, index, row, speakers) {
  const text = h("textarea", { name: "text", rows: 3, dir: "auto", "aria-label": `Text of segment ${index + 1}` });
  text.value = seg.text;
  const role = select("role", [["agent", "agent"], ["customer", "customer"], ["other", "other"]], seg.role);
  role.setAttribute("aria-label", `Role of segment ${index + 1}`);
  // Moving a segment to the other speaker takes that speaker's role, unless a role is chosen too.
  const speaker = select("speaker", speakers.map((s) => [s.id, `${s.id} (${s.role})`]), seg.speaker);
  speaker.setAttribute("aria-label", `Speaker of segment ${index + 1}`);
  const problem = h("p", { class: "form-error", role: "alert" });
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h("form", { class: "turn-edit", dataset: { index } }, text, h("label", {}, "Speaker ", speaker), " ",
    h("label", {}, "Role ", role), " ",
    h("button", { type: "submit" }, "Save"), " ", cancel, problem);
  cancel.addEventListener("click", () => form.replaceWith(row));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    if (text.value.trim() !== seg.text) body.text = text.value;
    if (speaker.value !== seg.speaker) body.speaker = speaker.value;
    if (role.value !== seg.role) body.role = role.value;
    if (!Object.keys(body).length) { form.replaceWith(row); return; }
    try {
      await api(`/v1/calls/${callId}/segments/${index}`, { method: "PATCH", body });
      route();
    } catch (e) { problem.textContent = e.message; }
  });
  return form;
}

function turn(seg, index, words, audio) {
  const rtl = isRtl(seg.text);
  const body = h("p", { class: "words", dir: rtl ? "rtl" : "ltr", lang: rtl ? (/[\u0590-\u05ff]/.test(seg.text) ? "he" : "ar") : null });
  const list = seg.words.length ? seg.words : [{ start: seg.start, end: seg.end, word: seg.text, probability: 1 }];
  list.forEach((w, j) => {
    const low = w.probability < 0.5;
    // One tab stop per turn; the arrow keys move between its words and Enter plays from one.
    const el = h("span", {
      class: `w${low ? " low" : ""}`, title: low ? `low confidence (${Math.round(w.probability * 100)}%)` : null,
      role: "button", tabindex: j === 0 ? "0" : "-1", "aria-label": `${w.word.trim()}, play from ${clock(w.start)}${low ? ", low confidence" : ""}`,
      dataset: { start: w.start, end: w.end },
      onclick: () => { audio.currentTime = w.start; audio.play().catch(() => {}); },
    }, w.word.trim());
    words.push({ start: w.start, end: w.end, el });
    body.append(el, j < list.length - 1 ? " " : "");
  });
  body.addEventListener("keydown", (ev) => {
    const here = ev.target.closest(".w");
    if (!here) return;
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); ev.stopPropagation(); here.click(); return; }
    // Reading order: in a right-to-left turn the next word is to the left.
    const forward = rtl ? "ArrowLeft" : "ArrowRight", back = rtl ? "ArrowRight" : "ArrowLeft";
    const to = ev.key === forward ? here.nextElementSibling : ev.key === back ? here.previousElementSibling : null;
    if (!to) return;
    ev.preventDefault(); ev.stopPropagation();
    here.tabIndex = -1; to.tabIndex = 0; to.focus();
  });
  return h("div", { class: `turn ${seg.role}${rtl ? " rtl" : ""}${seg.overlapped ? " overlapped" : ""}`, dir: rtl ? "rtl" : "ltr", dataset: { index } },
    h("div", { class: "who", dir: "ltr" }, `${seg.role} · ${seg.speaker} · ${clock(seg.start)}${seg.overlapped ? " · overlapping" : ""}`), body);
}

function followPlayback(audio, words, follow) {
  words.sort((a, b) => a.start - b.start);
  let current = null;
  function tick() {
    const t = audio.currentTime;
    let lo = 0, hi = words.length - 1, found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const next = found !== null && t <= words[found].end + 0.25 ? words[found].el : null;
    if (next !== current) {
      if (current) current.classList.remove("now");
      if (next) next.classList.add("now");
      if (next && !audio.paused && follow.checked) next.scrollIntoView({ block: "center" });
      current = next;
    }
    if (!audio.paused) requestAnimationFrame(tick);
  }
  audio.addEventListener("play", () => requestAnimationFrame(tick));
  audio.addEventListener("seeked", tick);
  audio.addEventListener("timeupdate", tick);
}

// Keys for the player while a call page is open: space plays or pauses, the arrows move 5 seconds,
// < and > change the speed. Not while typing, nor when a focused control has its own use for the key.
document.addEventListener("keydown", (ev) => { if (S.playerKeys) S.playerKeys(ev); });
const SPEEDS = [0.75, 1, 1.25, 1.5, 2];

function seekBy(audio, seconds, duration) {
  audio.currentTime = Math.min(Math.max(0, audio.currentTime + seconds), duration || audio.duration || 0);
}

function positionControl(el, audio, duration, label) {
  // A keyboard-reachable seek bar (the waveform, the timeline): arrows move 5 s, Home and End jump.
  el.setAttribute("tabindex", "0");
  el.setAttribute("role", "slider");
  el.setAttribute("aria-label", label);
  el.setAttribute("aria-valuemin", "0");
  el.setAttribute("aria-valuemax", String(Math.round(duration)));
  const show = () => {
    el.setAttribute("aria-valuenow", String(Math.round(audio.currentTime)));
    el.setAttribute("aria-valuetext", `${clock(audio.currentTime)} of ${clock(duration)}`);
  };
  show();
  audio.addEventListener("timeupdate", show);
  el.addEventListener("keydown", (ev) => {
    const moves = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5 };
    if (ev.key in moves) seekBy(audio, moves[ev.key], duration);
    else if (ev.key === "Home") audio.currentTime = 0;
    else if (ev.key === "End") audio.currentTime = duration;
    else return;
    ev.preventDefault(); ev.stopPropagation(); show();
  });
}

function playerSection(call) {
  const audio = h("audio", { controls: true, preload: "metadata" });
  const duration = call.audio.duration;
  const canvas = h("canvas", { class: "wave", width: 1200, height: 80, title: "Click to play from here" });
  positionControl(canvas, audio, duration, "Waveform: playback position (arrow keys move 5 seconds)");
  const follow = h("input", { type: "checkbox", id: "follow-playback", checked: true });
  const speed = h("span", { id: "speed", class: "small muted" }, "1×");
  audio.addEventListener("ratechange", () => { speed.textContent = `${audio.playbackRate}×`; });
  const keys = h("p", { class: "small muted" }, h("label", { class: "check" }, follow, "Follow playback in the transcript"),
    " Keys: space play/pause · ←/→ 5 s · < > speed ", speed);
  const section = h("section", { class: "player" }, canvas, audio, keys);
  canvas.addEventListener("click", (ev) => {
    const box = canvas.getBoundingClientRect();
    audio.currentTime = ((ev.clientX - box.left) / box.width) * (audio.duration || duration);
    audio.play().catch(() => {});
  });
  S.playerKeys = (ev) => {
    const target = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || (target.closest && target.closest("input, textarea, select, button, audio, a, [role=slider], [role=button]"))) return;
    const speedAt = SPEEDS.indexOf(audio.playbackRate);
    const act = {
      " ": () => (audio.paused ? audio.play().catch(() => {}) : audio.pause()),
      ArrowRight: () => seekBy(audio, 5, duration),
      ArrowLeft: () => seekBy(audio, -5, duration),
      ">": () => { audio.playbackRate = SPEEDS[Math.min(SPEEDS.length - 1, (speedAt < 0 ? 1 : speedAt) + 1)]; },
      "<": () => { audio.playbackRate = SPEEDS[Math.max(0, (speedAt < 0 ? 1 : speedAt) - 1)]; },
    }[ev.key];
    if (act) { ev.preventDefault(); act(); }
  };
  drawWave(canvas, call, audio).catch((e) => { if (!e.stale) showError(e.message); });
  return { section, audio, follow };
}

async function drawWave(canvas, call, audio) {
  // The player streams the recording (HTTP Range) and the waveform comes from the peaks the worker
  // kept, so an hour-long call plays at once without being downloaded and decoded in the page.
  const ctx = canvas.getContext("2d");
  const duration = call.audio.duration || 1;
  let peaks = null;
  audio.src = `/v1/calls/${call.id}/audio`;
  canvas.dataset.ready = "loading";
  ctx.fillStyle = "#57606a";
  ctx.font = "16px system-ui";
  ctx.fillText("Loading the waveform…", 12, 44);
  const kept = await api(`/v1/calls/${call.id}/peaks`);
  peaks = kept.channels.length ? kept.channels : null; // processed before waveforms were kept: a plain bar
  canvas.dataset.ready = peaks ? "waveform" : "plain";
  // What to mark on it: redacted stretches (grey) and the evidence of flags (red).
  const redacted = (call.redaction && call.redaction.windows) || [];
  const evidence = (call.flags || []).flatMap((f) => (f.evidence || []).filter((e) => e.start !== undefined).map((e) => [e.start, e.end ?? e.start]));
  canvas.dataset.marks = `${redacted.length} redacted, ${evidence.length} evidence`;
  function draw() {
    const { width, height } = canvas;
    ctx.clearRect(0, 0, width, height);
    const x = (t) => (t / duration) * width;
    ctx.fillStyle = "#d0d7de";
    for (const [a, b] of redacted) ctx.fillRect(x(a), 0, Math.max(2, x(b) - x(a)), height);
    const rows = peaks ? peaks.length : 1, rowHeight = height / rows;
    (peaks || [null]).forEach((p, c) => {
      ctx.fillStyle = c === 0 ? "#1f6feb" : "#b35900";
      const columns = p ? p.length : width;
      for (let i = 0; i < columns; i++) {
        const v = p ? p[i] / 100 : 0.05;
        const mid = rowHeight * c + rowHeight / 2, half = Math.max(0.5, (v * rowHeight) / 2);
        ctx.fillRect((i / columns) * width, mid - half, Math.max(1, width / columns), half * 2);
      }
    });
    ctx.fillStyle = "#cf222e";
    for (const [a, b] of evidence) ctx.fillRect(x(a), 0, Math.max(3, x(b) - x(a)), 4);
    ctx.fillRect(x(audio.currentTime), 0, 2, height);
  }
  draw();
  audio.addEventListener("timeupdate", draw);
  audio.addEventListener("seeked", draw);
}

function timelineSection(call, transcript, audio) {
  const chars = call.characteristics || {};
  const m = chars.metrics || {};
  const duration = transcript.duration || call.audio.duration || 1;
  const rows = { agent: 12, customer: 36 };
  const chart = svg("svg", { class: "timeline", viewBox: `0 0 1000 60`, preserveAspectRatio: "none" },
    svg("rect", { x: 0, y: 0, width: 1000, height: 60, fill: "#f6f8fa" }),
    transcript.segments.filter((s) => rows[s.role] !== undefined).map((s) => svg("rect", {
      x: (1000 * s.start) / duration, y: rows[s.role], width: Math.max(1, (1000 * (s.end - s.start)) / duration), height: 14,
      fill: s.role === "agent" ? "#1f6feb" : "#b35900",
    })),
    (chars.interruptions || []).map((i) => svg("rect", { x: (1000 * i.at) / duration, y: 2, width: 3, height: 56, fill: "#cf222e" })),
    chars.longest_silence_at ? svg("rect", { x: (1000 * chars.longest_silence_at[0]) / duration, y: 52, width: Math.max(2, (1000 * (chars.longest_silence_at[1] - chars.longest_silence_at[0])) / duration), height: 6, fill: "#8c959f" }) : null);
  chart.addEventListener("click", (ev) => {
    const box = chart.getBoundingClientRect();
    audio.currentTime = ((ev.clientX - box.left) / box.width) * duration;
  });
  positionControl(chart, audio, duration,
    `Timeline of who talked when, ${(chars.interruptions || []).length} interruptions: playback position (arrow keys move 5 seconds)`);
  const pct = (v) => (v === undefined ? "—" : `${Math.round(100 * v)}%`);
  return h("section", { id: "characteristics" }, h("h2", {}, "Characteristics"), chart,
    h("div", { class: "legend" }, h("span", {}, h("i", { style: "background:#1f6feb" }), "agent"), h("span", {}, h("i", { style: "background:#b35900" }), "customer"), h("span", {}, h("i", { style: "background:#cf222e" }), "interruption"), h("span", {}, h("i", { style: "background:#8c959f" }), "longest silence")),
    h("div", { class: "chips" },
      h("span", { class: "chip" }, `talk share agent ${pct(m.talk_share_agent)} / customer ${pct(m.talk_share_customer)}`),
      h("span", { class: "chip" }, `silence ${clock(m.silence_time)}`),
      h("span", { class: "chip" }, `interruptions ${m.interruptions ?? "—"} (agent ${m.interruptions_by_agent ?? "—"})`)));
}

function flagsSection(call, audio) {
  if (can("agent")) return null; // agents see no flags, not an empty list that suggests there are none
  const flags = call.flags || [];
  const section = h("section", { id: "flags" }, h("h2", {}, `Flags (${flags.length})`));
  if (!flags.length) section.append(h("p", { class: "muted" }, "No flags."));
  for (const f of flags) section.append(flagCard(f, audio));
  return section;
}

function flagCard(f, audio) {
  const card = h("div", { class: `flag ${f.state}`, dataset: { flag: f.id } });
  const evidence = f.evidence.map((e) => h("div", { class: "small" },
    e.start !== null && e.start !== undefined
      ? h("button", { type: "button", class: "seek", onclick: () => { audio.currentTime = e.start; audio.play().catch(() => {}); } }, `▶ ${clock(e.start)}`)
      : null, " ", h("span", { dir: "auto" }, e.text || e.detail || (e.metric ? `${e.metric} = ${e.value}` : ""))));
  const comment = h("input", { placeholder: "comment", name: "comment", size: 24, "aria-label": "Comment on this flag" });
  const error = formError();
  const actions = can("admin", "compliance", "manager")
    ? h("div", { class: "inline" }, comment,
      h("button", { type: "button", class: "confirm", onclick: () => review(f.id, { state: "confirmed", comment: comment.value || null }) }, "Confirm"),
      h("button", { type: "button", class: "dismiss", onclick: () => review(f.id, { state: "dismissed", comment: comment.value || null }) }, "Dismiss"), error)
    : null;
  add(card, h("div", {}, h("strong", {}, f.category.replace("_", " ")), " · ", h("span", { class: `sev-${f.severity}` }, f.severity), " · ", h("span", { class: "state" }, f.state), ` · ${f.rule_id}`),
    evidence, f.comment ? h("p", { class: "small" }, `“${f.comment}” — ${f.reviewed_by}`) : null, actions);
  async function review(id, body) {
    try {
      const updated = await api(`/v1/flags/${id}`, { method: "PATCH", body });
      card.replaceWith(flagCard(updated, audio));
    } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
  }
  return card;
}

async function qaSection(call, audio) {
  const section = h("section", { id: "qa" }, h("h2", {}, "QA reviews"));
  let reviews = [], cards = [];
  try {
    [reviews, cards] = await Promise.all([api(`/v1/calls/${call.id}/reviews`), api("/v1/scorecards")]);
  } catch (e) {
    if (e.stale) throw e;
    section.append(h("p", { class: "muted" }, e.message));
    return section;
  }
  const again = async () => { $("#qa").replaceWith(await qaSection(call, audio)); };
  if (!reviews.length) section.append(h("p", { class: "muted" }, "No QA reviews yet."));
  for (const r of reviews) section.append(reviewCard(r, cards.find((c) => c.id === r.scorecard_id), audio, again));
  const active = cards.filter((c) => c.active);
  if (!can("admin", "manager") || !active.length) return section;
  section.append(reviewForm(call, active, audio, again));
  return section;
}

const THREAD_VERBS = { acknowledge: "acknowledged", dispute: "disputed", answer: "answered", revise: "revised" };

// The criteria a review was scored on: its scorecard's version at the time.
function criteriaOf(card, version) {
  if (!card) return [];
  if (card.version === version) return card.criteria;
  return (card.versions.find((v) => v.version === version) || card).criteria;
}

function reviewCard(r, card, audio, again) {
  const criteria = criteriaOf(card, r.scorecard_version);
  const response = r.dispute === "open" ? "disputed: waiting for the reviewer" : r.dispute === "answered" ? "disputed: answered" : r.agent_response || "not yet acknowledged";
  const box = h("article", { class: "review", dataset: { review: r.id } },
    h("div", {}, h("strong", { class: "score" }, `${r.score}`), ` by ${r.reviewer} · ${when(r.created_at)} · ${card ? card.name : "scorecard " + r.scorecard_id} v${r.scorecard_version} · `,
      h("span", { class: "response" }, response)),
    h("table", { class: "breakdown" }, h("tbody", {}, criteria.map((c) => h("tr", {}, h("th", { scope: "row" }, c.name), h("td", {}, `${r.scores[c.name] ?? "—"} / ${c.max_points}`), h("td", { class: "muted small" }, `weight ${c.weight}`))))),
    r.comments.map((c) => h("div", { class: "small" }, h("button", { type: "button", onclick: () => { audio.currentTime = c.at; } }, clock(c.at)), " ", h("span", { dir: "auto" }, c.text))),
    r.history.length ? h("p", { class: "small muted" }, `Replaced ${r.history.length} earlier submission${r.history.length > 1 ? "s" : ""} (${r.history.map((x) => x.score).join(", ")}).`) : null,
    r.thread.length ? h("ol", { class: "thread" }, r.thread.map((m) => h("li", { class: `small ${m.side}` }, h("strong", {}, `${m.by} ${THREAD_VERBS[m.kind] || m.kind}`), ` · ${when(m.at)} `, h("span", { dir: "auto" }, m.text)))) : null);
  const error = h("p", { class: "form-error", role: "alert" });
  const send = (path, body) => async (ev) => {
    ev.preventDefault();
    try { await api(path, { method: "POST", body }); await again(); } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
  };
  if (can("agent") && r.agent_response !== "acknowledged" && r.dispute !== "open") {
    const text = h("input", { name: "response", size: 36, maxlength: 2000, placeholder: "comment (needed to dispute)", "aria-label": "Your comment on this review" });
    box.append(h("form", { class: "inline respond" },
      text,
      h("button", { type: "button", class: "confirm", onclick: (ev) => send(`/v1/reviews/${r.id}/response`, { kind: "acknowledge", text: text.value })(ev) }, "Acknowledge"),
      h("button", { type: "button", class: "dismiss", onclick: (ev) => send(`/v1/reviews/${r.id}/response`, { kind: "dispute", text: text.value })(ev) }, "Dispute"),
      error));
  }
  if (r.dispute === "open" && (can("admin") || (S.user && r.reviewer === `user ${S.user.username}`))) {
    const text = h("input", { name: "answer", size: 36, maxlength: 2000, required: true, "aria-label": "Your answer to the dispute" });
    box.append(h("form", { class: "inline answer", onsubmit: async (ev) => send(`/v1/reviews/${r.id}/answer`, { text: text.value })(ev) },
      text, h("button", { type: "submit" }, "Answer the dispute"), h("span", { class: "small muted" }, "To change the score, submit the review again."), error));
  }
  return box;
}

function reviewForm(call, active, audio, again) {
  const cardSelect = select("scorecard_id", active.map((c) => [String(c.id), `${c.name} (v${c.version})`]), String(active[0].id));
  const criteria = h("div", {});
  let card = active[0];
  const drawCriteria = () => {
    card = active.find((c) => String(c.id) === cardSelect.value);
    // Criteria start blank: a review scores every one of them on purpose, not by leaving defaults.
    criteria.replaceChildren(...card.criteria.map((c) => h("label", {}, `${c.name} (weight ${c.weight}, 0-${c.max_points})`,
      h("input", { type: "number", min: 0, max: c.max_points, name: c.name, required: true, dataset: { criterion: c.name } }))));
  };
  cardSelect.addEventListener("change", drawCriteria);
  drawCriteria();
  const comments = [];
  const commentList = h("div", {});
  const commentText = h("input", { placeholder: "comment at the current time", size: 28, "aria-label": "Comment at the current time" });
  const error = h("p", { class: "form-error", role: "alert" });
  return h("form", {
    class: "qa-form",
    onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const scores = Object.fromEntries([...criteria.querySelectorAll("input")].map((i) => [i.dataset.criterion, parseInt(i.value, 10)]));
        await api(`/v1/calls/${call.id}/reviews`, { method: "POST", body: { scorecard_id: card.id, scores, comments } });
        await again();
      } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
    },
  }, active.length > 1 ? h("label", {}, "Scorecard", cardSelect) : h("p", { class: "small muted" }, `Scorecard: ${card.name} (v${card.version})`),
  criteria,
  h("div", { class: "inline" }, commentText, h("button", {
    type: "button",
    onclick: () => {
      if (!commentText.value) return;
      const at = Math.round(audio.currentTime * 10) / 10;
      comments.push({ at, text: commentText.value });
      commentList.append(h("div", { class: "small" }, `${clock(at)} ${commentText.value}`));
      commentText.value = "";
    },
  }, "Add comment")), commentList, h("button", { class: "primary", type: "submit" }, "Save review"), error);
}

// --- flag queue -------------------------------------------------------------------------------------

async function renderFlags() {
  const p = params();
  const filters = {
    state: select("state", [["all", "any state"], ["open", "open"], ["confirmed", "confirmed"], ["dismissed", "dismissed"]], p.get("state") || "open"),
    category: select("category", [["", "any category"], ...CATEGORIES.map((c) => [c, c.replace("_", " ")])], p.get("category")),
    severity: select("severity", [["", "any severity"], ["low", "low"], ["medium", "medium"], ["high", "high"], ["critical", "critical"]], p.get("severity")),
    assigned_to: select("assigned_to", [["", "anyone's"], [S.user.username, "mine"], ["-", "unassigned"]], p.get("assigned_to")),
    order: select("order", [["newest", "newest first"], ["severity", "most severe first"]], p.get("order") || "newest"),
    group: select("group", [["", "one row per flag"], ["call", "grouped by call"]], p.get("group")),
  };
  const form = h("form", { class: "inline", onsubmit: (ev) => { ev.preventDefault(); go("/flags", Object.fromEntries(Object.entries(filters).map(([k, el]) => [k, el.value]))); } },
    Object.entries(filters).map(([k, el]) => h("label", {}, k.replace("_", " "), el)), h("button", { type: "submit" }, "Filter"));
  const query = new URLSearchParams({ limit: "200" });
  for (const [k, el] of Object.entries(filters)) if (k !== "group" && el.value && el.value !== "all") query.set(k, el.value === "-" ? "" : el.value);
  if (query.get("order") === "newest") query.delete("order");
  const [listed, counts] = await Promise.all([api(`/v1/flags?${query}`), api("/v1/flags/counts")]);
  // Grouped by call: a call's flags together, calls in the order of their first flag in the list.
  const grouped = p.get("group") === "call";
  const byCall = new Map();
  for (const f of listed) byCall.set(f.call_id, [...(byCall.get(f.call_id) || []), f]);
  const flags = grouped ? [...byCall.values()].flat() : listed;
  const tally = h("p", { id: "flag-counts", class: "small" }, Object.entries(counts).map(([category, states]) =>
    h("span", { class: "chip" }, `${category.replace("_", " ")}: ${Object.entries(states).map(([st, n]) => `${n} ${st}`).join(", ")}`)));
  const open = flags.filter((f) => f.state === "open");
  const startReview = h("button", { type: "button", id: "review-in-order", disabled: !open.length, onclick: () => {
    sessionStorage.setItem("callrec.review", JSON.stringify(open.map((f) => f.id)));
    openFlag(open[0]);
  } }, `Review ${open.length} open in this order`);
  const comment = h("input", { placeholder: "comment for the selected flags", size: 30, name: "bulk-comment" });
  const assignee = h("input", { name: "assignee", value: S.user.username, size: 10, "aria-label": "assign to" });
  const boxes = [];
  // A refusal is said beside the controls that caused it, not at the top of the page.
  const bulkError = h("p", { class: "form-error", id: "bulk-error", role: "alert" });
  async function bulk(body) {
    const ids = boxes.filter((b) => b.checked).map((b) => parseInt(b.value, 10));
    if (!ids.length) { bulkError.textContent = "Select flags first."; return; }
    try {
      await api("/v1/flags/bulk", { method: "POST", body: { ids, ...body, comment: comment.value || null } });
      route();
    } catch (e) { bulkError.textContent = e.message; }
  }
  const callHeader = (f) => {
    const mine = byCall.get(f.call_id);
    const worst = mine.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
    return h("tr", { class: "call-group", dataset: { groupCall: f.call_id } }, h("th", { colspan: 11, scope: "colgroup" },
      h("a", { href: flagLink(mine[0]) }, `Call ${f.call_id.slice(0, 8)}`), ` · ${when(f.call_started_at || f.created_at)} · agent ${f.agent_id || "—"} · customer ${f.customer_number || "—"} · `,
      `${mine.length} flag${mine.length === 1 ? "" : "s"}, worst `, h("span", { class: `sev-${worst.severity}` }, worst.severity)));
  };
  const rows = flags.flatMap((f, i) => [grouped && (i === 0 || flags[i - 1].call_id !== f.call_id) ? callHeader(f) : null, flagRow(f)]).filter(Boolean);
  function flagRow(f) {
    const box = h("input", { type: "checkbox", value: f.id, "aria-label": `select flag ${f.id}` });
    boxes.push(box);
    const snippet = f.evidence.map((e) => e.text || e.detail || "").find(Boolean) || "";
    return h("tr", { dataset: { flag: f.id } }, h("td", {}, box), h("td", { class: `sev-${f.severity}` }, f.severity),
      h("td", {}, f.category.replace("_", " ")), h("td", { title: f.rule_id }, f.rule_description || f.rule_id),
      h("td", { class: "small", dir: "auto" }, snippet.slice(0, 120)), h("td", {}, f.agent_id || "—"), h("td", {}, f.customer_number || "—"),
      h("td", {}, h("a", { href: flagLink(f) }, when(f.call_started_at || f.created_at))),
      h("td", { class: "state" }, f.state), h("td", {}, f.assigned_to || "—"), h("td", { class: "small" }, f.comment || ""));
  }
  const all = h("input", { type: "checkbox", "aria-label": "select all", onchange: () => boxes.forEach((b) => { b.checked = all.checked; }) });
  main().replaceChildren(
    h("section", {}, h("h1", {}, "Flag queue"), form, tally, startReview),
    h("section", {},
      h("div", { class: "inline" }, comment,
        h("button", { type: "button", id: "bulk-confirm", onclick: () => bulk({ state: "confirmed" }) }, "Confirm selected"),
        h("button", { type: "button", id: "bulk-dismiss", onclick: () => bulk({ state: "dismissed" }) }, "Dismiss selected"),
        h("button", { type: "button", id: "bulk-assign", onclick: () => bulk({ assigned_to: assignee.value }) }, "Assign selected to"), assignee, bulkError),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, all), ["Severity", "Category", "Rule", "Evidence", "Agent", "Customer", "Call", "State", "Assigned", "Comment"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)),
      flags.length ? null : h("p", { class: "muted" }, "Nothing in the queue.")));
}

// A flag opens its call at the first evidence; "review in order" walks the open flags one by one.
function flagLink(f) {
  const first = f.evidence.find((e) => e.start !== null && e.start !== undefined);
  const query = new URLSearchParams({ flag: f.id });
  if (first) query.set("t", first.start);
  return `#/calls/${f.call_id}?${query}`;
}

function openFlag(f) { location.hash = flagLink(f); }

async function nextFlag(after) {
  const queue = JSON.parse(sessionStorage.getItem("callrec.review") || "[]");
  const rest = queue.slice(queue.indexOf(after) + 1);
  sessionStorage.setItem("callrec.review", JSON.stringify(rest));
  if (rest.length) {
    // One read of the open flags: the next one still open (another reviewer may have decided some).
    const open = new Map((await api("/v1/flags?state=open&limit=500")).map((f) => [f.id, f]));
    const next = rest.find((id) => open.has(id));
    if (next !== undefined) return openFlag(open.get(next));
  }
  go("/flags");
}

// On a call opened from the queue: the flag under review, with confirm (c), dismiss (d) and next (n).
function reviewBar(call, flagId) {
  const flag = (call.flags || []).find((f) => f.id === flagId);
  if (!flag || !can("admin", "compliance", "manager")) return null;
  const error = formError();
  const decide = async (state) => {
    try {
      await api(`/v1/flags/${flag.id}`, { method: "PATCH", body: { state } });
      await nextFlag(flag.id);
    } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
  };
  const bar = h("section", { id: "review-bar", class: "notice", role: "region", "aria-label": "Flag under review", dataset: { flag: flag.id } },
    h("strong", {}, `${flag.category.replace("_", " ")} · ${flag.severity}`), ` ${flag.rule_description || flag.rule_id} · ${flag.state} `,
    h("button", { type: "button", id: "review-confirm", "aria-keyshortcuts": "c", onclick: () => decide("confirmed") }, "Confirm (c)"), " ",
    h("button", { type: "button", id: "review-dismiss", "aria-keyshortcuts": "d", onclick: () => decide("dismissed") }, "Dismiss (d)"), " ",
    h("button", { type: "button", id: "review-next", "aria-keyshortcuts": "n", onclick: () => nextFlag(flag.id) }, "Next (n)"), error);
  document.onkeydown = (event) => {
    if (event.target.closest && event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const action = { c: () => decide("confirmed"), d: () => decide("dismissed"), n: () => nextFlag(flag.id) }[event.key];
    if (action) { event.preventDefault(); action(); }
  };
  return bar;
}

// --- dashboard --------------------------------------------------------------------------------------

const PALETTE = ["#bf8700", "#0969da", "#8250df", "#1a7f37", "#cf222e", "#57606a"];

// One slot per day of the window, empty days included, so bars line up with dates.
function everyDay(list, first, last) {
  // One slot per day of the range, empty days included, so bars line up with dates.
  const byDay = Object.fromEntries(list.map((d) => [d.day, d]));
  const out = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86400e3) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(byDay[day] || { day });
  }
  return out;
}

function barChart(days, keys, title, link) {
  // `link(day, key)`: where a bar drills down to (the calls behind it).
  keys.forEach((k, i) => { if (!COLOURS[k]) COLOURS[k] = PALETTE[i % PALETTE.length]; });
  const left = 40, width = 1000, height = 160, max = Math.max(1, ...days.map((d) => keys.reduce((s, k) => s + (d[k] || 0), 0)));
  const bar = (width - left) / Math.max(days.length, 1);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height + 20}`, role: "group", "aria-label": title });
  // The value axis: 0, half and the top, with light grid lines.
  for (const v of [0, Math.round(max / 2), max]) {
    const y = height - (v / max) * (height - 10);
    chart.append(svg("line", { x1: left, x2: width, y1: y, y2: y, stroke: "#d0d7de" }));
    chart.append(svg("text", { x: left - 6, y: y + 4, "font-size": 12, "text-anchor": "end", fill: "#57606a" }, document.createTextNode(String(v))));
  }
  days.forEach((d, i) => {
    let y = height;
    for (const k of keys) {
      const v = d[k] || 0;
      if (!v) continue;
      const bh = (v / max) * (height - 10);
      y -= bh;
      const label = `${d.day} ${k.replace("_", " ")}: ${v}`;
      const rect = svg("rect", { x: left + i * bar + 2, y, width: Math.max(1, bar - 4), height: bh, fill: COLOURS[k] || "#57606a" });
      rect.append(svg("title", {}, document.createTextNode(label)));
      if (link) {
        const a = svg("a", { href: link(d.day, k), "aria-label": `${label}: show these calls`, "data-day": d.day, "data-key": k });
        a.append(rect);
        chart.append(a);
      } else chart.append(rect);
    }
  });
  if (days.length) {
    const at = [0, Math.floor((days.length - 1) / 2), days.length - 1].filter((v, i, all) => all.indexOf(v) === i);
    for (const i of at) {
      chart.append(svg("text", { x: left + i * bar + bar / 2, y: height + 16, "font-size": 12, "text-anchor": i === 0 ? "start" : i === days.length - 1 ? "end" : "middle", fill: "#57606a" },
        document.createTextNode(days[i].day)));
    }
  }
  return h("div", {}, h("h2", {}, title), chart, h("div", { class: "legend" }, keys.map((k) => h("span", {}, h("i", { style: `background:${COLOURS[k] || "#57606a"}` }), k.replace("_", " ")))));
}

// Scores (0-100) over time: a y axis with gridlines, dates under the points, an empty state.
function lineChart(points, title) {
  const width = 1000, height = 220, left = 44, bottom = 28, top = 10;
  const y = (v) => top + (1 - v / 100) * (height - top - bottom);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title}: ${points.length} point${points.length === 1 ? "" : "s"}` });
  for (const tick of [0, 25, 50, 75, 100]) {
    chart.append(svg("line", { x1: left, x2: width, y1: y(tick), y2: y(tick), stroke: "#d0d7de", "stroke-width": 1 }));
    chart.append(svg("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", "font-size": 12, fill: "#57606a" }, document.createTextNode(String(tick))));
  }
  const step = (width - left - 20) / Math.max(points.length - 1, 1);
  const x = (i) => left + 10 + (points.length === 1 ? (width - left - 20) / 2 : i * step);
  if (points.length > 1) chart.append(svg("polyline", { points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" "), fill: "none", stroke: "#1f6feb", "stroke-width": 3 }));
  const every = Math.max(1, Math.ceil(points.length / 8)); // at most 8 date labels
  points.forEach((p, i) => {
    const dot = svg("circle", { cx: x(i), cy: y(p.value), r: 5, fill: "#1f6feb" });
    dot.append(svg("title", {}, document.createTextNode(`${p.label}: ${p.value}`)));
    chart.append(dot);
    if (i % every === 0) chart.append(svg("text", { x: x(i), y: height - 8, "text-anchor": "middle", "font-size": 12, fill: "#57606a" }, document.createTextNode(p.short || p.label)));
  });
  const empty = points.length ? null : h("p", { class: "muted empty" }, "No QA reviews yet: scores appear here once a manager reviews this agent's calls.");
  return h("div", { class: "line-chart" }, h("h2", {}, title), empty || chart);
}

async function renderDashboard() {
  const p = params();
  // Days are counted where the operator is: the browser's time zone.
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const query = new URLSearchParams({ tz });
  if (p.get("from")) query.set("from", p.get("from"));
  if (p.get("to")) query.set("to", p.get("to"));
  if (!p.get("from") && p.get("days")) query.set("days", p.get("days"));
  const d = await api(`/v1/dashboard?${query}`);
  const from = h("input", { type: "date", name: "from", value: d.from });
  const to = h("input", { type: "date", name: "to", value: d.to });
  const error = h("p", { class: "form-error", role: "alert" });
  const range = h("form", { class: "inline", id: "dashboard-range", onsubmit: (ev) => {
    ev.preventDefault();
    if (from.value > to.value) { error.textContent = "The first day is after the last."; return; }
    go("/dashboard", { from: from.value, to: to.value });
  } }, h("label", {}, "From", from), h("label", {}, "To", to), h("button", { type: "submit" }, "Show"),
  [7, 30, 90].map((n) => h("a", { href: `#/dashboard?days=${n}`, class: "small" }, `last ${n} days`)), error);
  const stat = (label, value, id) => h("div", { class: "card" }, h("div", { class: "muted small" }, label), h("div", { class: "stat", id }, String(value)));
  const complaintRules = [...new Set(d.complaints_per_day.flatMap((x) => Object.keys(x).filter((k) => k !== "day")))];
  const days = (list) => everyDay(list, d.from, d.to);
  const drill = (extra) => (day, key) => `#/calls?${new URLSearchParams({ from: day, to: day, ...extra(key) })}`;
  main().replaceChildren(
    h("section", {}, h("h1", {}, `Dashboard, ${d.from} to ${d.to}`), h("p", { class: "small muted" }, `Calls count on the day they happened, in ${d.time_zone}. Click a bar for its calls.`), range,
      h("div", { class: "grid" },
        stat("Calls processed", d.processed, "stat-processed"), stat("Failed", d.failed, "stat-failed"),
        stat("Queued now", d.backlog.queued, "stat-queued"), stat("Processing now", d.backlog.processing, "stat-processing"))),
    h("section", { id: "chart-calls" }, barChart(days(d.calls_per_day), ["done", "failed"], "Calls per day", drill((k) => ({ status: k })))),
    h("section", { id: "chart-flags" }, barChart(days(d.flags_per_day), CATEGORIES, "Flags by category per day", drill((k) => ({ flag: k })))),
    h("section", {}, barChart(days(d.complaints_per_day), complaintRules, "Complaints per day, by rule", drill(() => ({ flag: "complaint" })))),
    h("section", {}, h("h2", {}, "Agents"), h("table", { id: "agents" },
      h("thead", {}, h("tr", {}, ["Agent", "Calls", "Talk share", "Interruptions / call", "Flags per 100 calls", "QA average"].map((t) => h("th", {}, t)))),
      h("tbody", {}, d.agents.map((a) => h("tr", {}, h("td", {}, h("a", { href: `#/agents/${encodeURIComponent(a.agent_id)}` }, a.agent_id)), h("td", {}, a.calls),
        h("td", {}, a.talk_share === null ? "—" : `${Math.round(100 * a.talk_share)}%`), h("td", {}, a.interruptions ?? "—"), h("td", {}, a.flags_per_100), h("td", {}, a.qa_average ?? "—")))))),
    can("admin", "manager") ? await disputesSection() : null);
}

// QA reviews their agents disputed, waiting for an answer: each opens its call at the review.
async function disputesSection() {
  const open = await api("/v1/reviews/disputed");
  return h("section", { id: "disputes" }, h("h2", {}, `Open QA disputes (${open.length})`),
    open.length ? h("ul", {}, open.map((r) => h("li", {}, h("a", { href: `#/calls/${r.call_id}` }, `Call ${r.call_id.slice(0, 8)}`),
      ` · agent ${r.agent_id || "—"} · score ${r.score} by ${r.reviewer}: `, h("span", { dir: "auto" }, r.thread[r.thread.length - 1].text))))
      : h("p", { class: "muted" }, "None waiting for an answer."));
}

async function renderAgent(agentId) {
  const reviews = await api(`/v1/agents/${encodeURIComponent(agentId)}/reviews`);
  const day = (iso) => new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric" });
  const average = reviews.length ? Math.round(10 * reviews.reduce((t, r) => t + r.score, 0) / reviews.length) / 10 : null;
  const response = (r) => r.dispute ? `disputed (${r.dispute})` : r.agent_response || "—";
  main().replaceChildren(h("section", {}, h("h1", {}, `Agent ${agentId}`),
    h("p", { class: "muted" }, reviews.length ? `${reviews.length} review${reviews.length === 1 ? "" : "s"}, average ${average}` : ""),
    lineChart(reviews.map((r) => ({ label: when(r.created_at), short: day(r.created_at), value: r.score })), "QA score over time"),
    reviews.length ? h("table", { id: "agent-reviews" },
      h("thead", {}, h("tr", {}, ["When", "Score", "Reviewer", "Response", "Call"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, reviews.map((r) => h("tr", {}, h("td", {}, when(r.created_at)), h("td", {}, r.score), h("td", {}, r.reviewer), h("td", {}, response(r)), h("td", {}, h("a", { href: `#/calls/${r.call_id}` }, r.call_id.slice(0, 8))))))) : null));
}

// --- admin: users and teams -------------------------------------------------------------------------

async function renderAdmin() {
  const [users, teams] = await Promise.all([api("/v1/users"), api("/v1/teams")]);
  const f = {
    username: h("input", { name: "username", required: true }), display_name: h("input", { name: "display_name" }),
    role: select("role", [["manager", "manager"], ["compliance", "compliance"], ["agent", "agent"], ["admin", "admin"]], "manager"),
    agent_id: h("input", { name: "agent_id", placeholder: "agents only" }), password: h("input", { name: "password", type: "password", required: true, minlength: 12 }),
  };
  const userError = formError();
  const addUser = h("form", {
    class: "inline", id: "user-form",
    onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api("/v1/users", { method: "POST", body: { username: f.username.value, display_name: f.display_name.value, role: f.role.value, agent_id: f.agent_id.value || null, password: f.password.value } });
        route();
      } catch (e) { if (e.stale) throw e; userError.textContent = e.message; }
    },
  }, Object.entries(f).map(([k, el]) => h("label", {}, k.replace("_", " "), el)), h("button", { class: "primary", type: "submit" }, "Add user"), userError);
  const t = { name: h("input", { name: "team", required: true }), agents: h("input", { name: "agents", placeholder: "agent ids, comma separated", size: 30 }), managers: h("input", { name: "managers", placeholder: "manager usernames", size: 24 }) };
  const split = (v) => v.split(",").map((x) => x.trim()).filter(Boolean);
  const teamError = formError();
  const setTeam = h("form", {
    class: "inline", id: "team-form",
    onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api(`/v1/teams/${encodeURIComponent(t.name.value)}`, { method: "PUT", body: { agents: split(t.agents.value), managers: split(t.managers.value) } });
        route();
      } catch (e) { if (e.stale) throw e; teamError.textContent = e.message; }
    },
  }, Object.entries(t).map(([k, el]) => h("label", {}, k, el)), h("button", { class: "primary", type: "submit" }, "Save team"), teamError);
  const cards = await api("/v1/scorecards");
  main().replaceChildren(
    h("section", {}, h("h1", {}, "Users"), h("table", {}, h("tbody", {}, users.map((u) => h("tr", {}, h("td", {}, u.username), h("td", {}, u.display_name), h("td", {}, u.role), h("td", {}, u.agent_id || ""), h("td", {}, u.active ? "active" : "disabled"),
      h("td", {}, u.active && u.username !== S.user.username ? h("button", { class: "danger", type: "button", onclick: async () => {
        try { await api(`/v1/users/${encodeURIComponent(u.username)}/disable`, { method: "POST" }); route(); } catch (e) { if (e.stale) throw e; userError.textContent = e.message; }
      } }, "Disable") : null))))), addUser),
    h("section", {}, h("h1", {}, "Teams"), h("table", {}, h("tbody", {}, teams.map((team) => h("tr", {}, h("td", {}, team.name), h("td", {}, team.agents.join(", ")), h("td", {}, team.managers.join(", ")))))), setTeam),
    scorecardAdmin(cards));
}

// Scorecards: add one, edit one (a new version: reviews already made keep theirs), retire one.
function scorecardAdmin(cards) {
  const name = h("input", { name: "scorecard", required: true, maxlength: 128 });
  const criteria = h("input", { name: "criteria", size: 50, placeholder: "Greeting:1:5, Resolution:3:5 (name:weight:points)", required: true });
  const error = h("p", { class: "form-error", role: "alert", id: "scorecard-error" });
  const submit = h("button", { class: "primary", type: "submit" }, "Add scorecard");
  let editing = null;
  const written = (c) => c.criteria.map((x) => `${x.name}:${x.weight}:${x.max_points}`).join(", ");
  const form = h("form", {
    class: "inline", id: "scorecard-form",
    onsubmit: async (ev) => {
      ev.preventDefault();
      const parsed = criteria.value.split(",").map((x) => x.trim()).filter(Boolean).map((c) => {
        const [n, weight, points] = c.split(":");
        return { name: n.trim(), weight: parseFloat(weight || "1"), max_points: parseInt(points || "5", 10) };
      });
      try {
        const body = { name: name.value, criteria: parsed };
        await api(editing ? `/v1/scorecards/${editing}` : "/v1/scorecards", { method: editing ? "PUT" : "POST", body });
        route();
      } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
    },
  }, h("label", {}, "name", name), h("label", {}, "criteria", criteria), submit, error);
  const edit = (c) => {
    editing = c.id;
    name.value = c.name;
    criteria.value = written(c);
    submit.textContent = `Save as version ${c.version + 1}`;
    name.focus();
  };
  const rows = cards.map((c) => h("tr", { dataset: { scorecard: c.id }, class: c.active ? "" : "muted" },
    h("td", {}, c.name), h("td", {}, `v${c.version}`), h("td", {}, c.criteria.map((x) => `${x.name} (weight ${x.weight}, ${x.max_points} points)`).join(", ")),
    h("td", {}, c.active ? "active" : "retired"),
    h("td", {}, c.active ? [h("button", { type: "button", onclick: () => edit(c), "aria-label": `Edit ${c.name}` }, "Edit"), " ",
      h("button", { type: "button", class: "danger", "aria-label": `Retire ${c.name}`, onclick: async () => {
        try { await api(`/v1/scorecards/${c.id}`, { method: "DELETE" }); route(); } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
      } }, "Retire")] : null)));
  return h("section", {}, h("h1", {}, "QA scorecards"),
    h("table", { id: "scorecards" }, h("thead", {}, h("tr", {}, ["Name", "Version", "Criteria", "State", ""].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, rows)), form);
}

// --- audit trail ------------------------------------------------------------------------------------

async function renderAudit() {
  const p = params();
  const f = {
    action: h("input", { name: "action", value: p.get("action") || "", placeholder: "call. or flag.review" }),
    actor: h("input", { name: "actor", value: p.get("actor") || "", placeholder: "rina, or key ..." }),
    target: h("input", { name: "target", value: p.get("target") || "", placeholder: "a call id" }),
    since: h("input", { type: "date", name: "since", value: p.get("since") || "" }),
    until: h("input", { type: "date", name: "until", value: p.get("until") || "" }),
  };
  const form = h("form", { class: "inline", onsubmit: (ev) => { ev.preventDefault(); go("/audit", Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value]))); } },
    Object.entries(f).map(([k, el]) => h("label", {}, k, el)), h("button", { type: "submit" }, "Filter"));
  const query = new URLSearchParams({ limit: "1000" });
  for (const [k, el] of Object.entries(f)) if (el.value) query.set(k, k === "since" || k === "until" ? `${el.value}T00:00:00Z` : el.value);
  // A bare name is a person's username ("dana" finds "user dana"); "key ..." and "user ..." stay as typed.
  if (query.get("actor") && !query.get("actor").includes(" ")) query.set("actor", `user ${query.get("actor")}`);
  const [entries, check] = await Promise.all([api(`/v1/audit?${query}`), api("/v1/audit/verify")]);
  query.delete("limit");
  main().replaceChildren(
    h("section", {}, h("h1", {}, "Audit trail"),
      h("p", { id: "chain", class: check.ok ? "" : "sev-critical" }, check.ok ? `Hash chain intact: ${check.entries} entries.` : `Hash chain BROKEN: ${check.problem}`),
      form, h("p", { class: "small" }, "Export: ", h("a", { href: `/v1/audit/export?format=csv&${query}`, download: "callrec-audit.csv" }, "CSV"), " ", h("a", { href: `/v1/audit/export?format=jsonl&${query}`, download: "callrec-audit.jsonl" }, "JSON lines"))),
    h("section", { tabindex: "0", role: "region", "aria-label": "Audit entries (scrolls sideways on a narrow screen)" }, h("table", { id: "audit" }, h("thead", {}, h("tr", {}, ["#", "When", "Who", "What", "Target", "Details", "From"].map((t) => h("th", {}, t)))),
      h("tbody", {}, entries.slice().reverse().map((e) => h("tr", {}, h("td", {}, e.id), h("td", {}, when(e.at)), h("td", {}, e.actor), h("td", {}, e.action),
        h("td", { class: "small" }, e.target), h("td", { class: "small details" }, JSON.stringify(e.details)), h("td", { class: "small" }, e.origin)))))));
}

// --- routing ----------------------------------------------------------------------------------------

async function route() {
  S.gen += 1;
  document.onkeydown = null;
  S.playerKeys = null;
  S.timers.forEach(clearInterval);
  S.timers = [];
  const path = location.hash.replace(/^#/, "").split("?")[0] || "/search";
  window.scrollTo(0, 0); // a new page starts at the top
  if (!S.user && path !== "/login") await loadSession();
  if (!S.user) {
    if (path !== "/login" && location.hash.length > 1) sessionStorage.setItem("callrec.after", location.hash);
    return renderLogin();
  }
  if (path === "/login") return go(S.user.role === "agent" ? "/calls" : "/search");
  const parts = path.split("/").filter(Boolean);
  renderHeader(`/${parts[0] || "search"}`);
  try {
    if (parts[0] === "calls" && parts[1]) await renderCall(parts[1]);
    else if (parts[0] === "calls") await renderCalls();
    else if (parts[0] === "flags") await renderFlags();
    else if (parts[0] === "dashboard") await renderDashboard();
    else if (parts[0] === "agents" && parts[1]) await renderAgent(decodeURIComponent(parts[1]));
    else if (parts[0] === "admin") await renderAdmin();
    else if (parts[0] === "audit") await renderAudit();
    else await renderSearch();
  } catch (e) {
    if (e.stale) return;
    main().replaceChildren(h("section", { id: "refused" }, h("h1", {}, "Not available"), h("p", {}, e.message)));
  }
}

$("#signout").addEventListener("click", async () => {
  try { await api("/v1/session", { method: "DELETE" }); } catch (e) { /* already out */ }
  S.user = null;
  S.csrf = null;
  go("/login");
});
window.addEventListener("hashchange", () => { showError(""); route(); });
route();
