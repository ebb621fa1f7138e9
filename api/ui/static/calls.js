// The calls list: filters, sortable columns, paging, saved views and live progress.

import { CATEGORIES, S, api, clock, every, go, h, main, params, route, select, showError, when } from "./desk.js";

// --- calls list with live progress -------------------------------------------------------------------

export function progressBar(call) {
  return h("span", {}, h("span", { class: "progress" }, h("div", { style: `width:${Math.round(100 * call.progress)}%` })), ` ${call.stage || call.status} ${Math.round(100 * call.progress)}%`);
}

// The calls list's filters live in the page's address (#/calls?language=he&...), so a link, the back
// button and a saved view all carry them; the API takes the same names.
export const CALL_FILTERS = ["status", "agent_id", "team", "direction", "language", "flag", "flag_state", "min_qa", "max_qa",
  "min_duration", "max_duration", "from", "to", "needs_listen", "sentiment", "driver", "medium", "sort", "order", "limit"];
export const CALL_COLUMNS = [["started", "Started"], [null, "Agent"], [null, "Customer"], [null, "Direction"], [null, "Language"], ["duration", "Duration"], [null, "Status"]];

export function callsQuery(p) {
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

export function callFilterForm(p) {
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
    sentiment: select("sentiment", [["", "any"], ["negative", "negative"], ["neutral", "neutral"], ["positive", "positive"]], p.get("sentiment")),
    driver: input("driver", { size: 14, maxlength: 64, placeholder: "e.g. billing.refund" }),
    medium: select("medium", [["", "any"], ["call", "calls"], ["chat", "chats"], ["email", "e-mails"]], p.get("medium")),
  };
  if (reviewer) {
    fields.flag = select("flag", [["", "any"], ...CATEGORIES.map((c) => [c, c.replace("_", " ")])], p.get("flag"));
    fields.flag_state = select("flag_state", [["", "any"], ["open", "open"], ["confirmed", "confirmed"], ["dismissed", "dismissed"], ["withdrawn", "withdrawn"]], p.get("flag_state"));
    fields.needs_listen = select("needs_listen", [["", "either"], ["true", "needs a listen"], ["false", "does not"]], p.get("needs_listen"));
  }
  const labels = { agent_id: "Agent", team: "Team", direction: "Direction", language: "Language", from: "Happened from", to: "to",
    min_duration: "Longer than (min)", max_duration: "Shorter than (min)", min_qa: "QA score from", max_qa: "QA score to",
    flag: "Flag category", flag_state: "Flag state", needs_listen: "Listen", sentiment: "Customer sentiment", driver: "Driver", medium: "Medium" };
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

export async function savedViews(p) {
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

export async function renderCalls() {
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
    h("td", {}, c.language || "—", c.medium && c.medium !== "call" ? h("span", { class: "chip", dataset: { medium: c.medium } }, c.medium) : null),
    h("td", {}, c.medium && c.medium !== "call" ? "—" : clock(c.audio && c.audio.duration)),
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
