// The flag queue: filters, grouping, bulk decisions and reviewing flags in order.

import { CATEGORIES, S, SEVERITY_RANK, api, can, formError, go, h, main, params, route, select, when } from "./desk.js";

// --- flag queue -------------------------------------------------------------------------------------

export async function renderFlags() {
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
export function flagLink(f) {
  const first = f.evidence.find((e) => e.start !== null && e.start !== undefined);
  const query = new URLSearchParams({ flag: f.id });
  if (first) query.set("t", first.start);
  return `#/calls/${f.call_id}?${query}`;
}

export function openFlag(f) { location.hash = flagLink(f); }

export async function nextFlag(after) {
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
export function reviewBar(call, flagId) {
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
