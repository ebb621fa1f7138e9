// The dashboard, open QA disputes, and an agent's QA page.

import { barChart, everyDay, lineChart } from "./charts.js";
import { CATEGORIES, api, can, go, h, main, params, select, when } from "./desk.js";

export async function renderDashboard() {
  const p = params();
  // Days are counted where the operator is: the browser's time zone.
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const query = new URLSearchParams({ tz });
  if (p.get("from")) query.set("from", p.get("from"));
  if (p.get("to")) query.set("to", p.get("to"));
  if (!p.get("from") && p.get("days")) query.set("days", p.get("days"));
  if (p.get("medium")) query.set("medium", p.get("medium"));
  const d = await api(`/v1/dashboard?${query}`);
  const from = h("input", { type: "date", name: "from", value: d.from });
  const to = h("input", { type: "date", name: "to", value: d.to });
  const medium = select("medium", [["", "all"], ["call", "calls"], ["chat", "chats"], ["email", "e-mails"]], p.get("medium") || "");
  const error = h("p", { class: "form-error", role: "alert" });
  const range = h("form", { class: "inline", id: "dashboard-range", onsubmit: (ev) => {
    ev.preventDefault();
    if (from.value > to.value) { error.textContent = "The first day is after the last."; return; }
    go("/dashboard", { from: from.value, to: to.value, medium: medium.value });
  } }, h("label", {}, "From", from), h("label", {}, "To", to), h("label", {}, "Medium", medium), h("button", { type: "submit" }, "Show"),
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
    driversSection(d),
    h("section", {}, h("h2", {}, "Agents"), h("table", { id: "agents" },
      h("thead", {}, h("tr", {}, ["Agent", "Calls", "Talk share", "Interruptions / call", "Flags per 100 calls", "QA average"].map((t) => h("th", {}, t)))),
      h("tbody", {}, d.agents.map((a) => h("tr", {}, h("td", {}, h("a", { href: `#/agents/${encodeURIComponent(a.agent_id)}` }, a.agent_id)), h("td", {}, a.calls),
        h("td", {}, a.talk_share === null ? "—" : `${Math.round(100 * a.talk_share)}%`), h("td", {}, a.interruptions ?? "—"), h("td", {}, a.flags_per_100), h("td", {}, a.qa_average ?? "—")))))),
    can("admin", "manager") ? await disputesSection() : null,
    can("admin", "manager") ? await agreementSection() : null);
}

// Why customers called this period against the period before; each driver opens its calls.
export function driversSection(d) {
  const change = (x) => (x.previous ? `${x.calls >= x.previous ? "+" : ""}${Math.round((100 * (x.calls - x.previous)) / x.previous)}%` : "new");
  return h("section", { id: "drivers" }, h("h2", {}, "Why customers called"),
    h("p", { class: "small muted" }, "Named drivers are the phrases operators set; discovered ones are themes recurring in customers' own words. Rising: at least 10 calls and 1.5 times the usual."),
    d.drivers.length ? h("table", { id: "drivers-table" },
      h("thead", {}, h("tr", {}, ["Driver", "Found by", "Calls", "Period before", "Change"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, d.drivers.map((x) => h("tr", { dataset: { driver: x.id } },
        h("td", {}, h("a", { dir: "auto", href: `#/calls?${new URLSearchParams({ driver: x.id, from: d.from, to: d.to })}` }, x.name),
          x.rising ? h("span", { class: "chip rising" }, "rising") : null),
        h("td", {}, x.source), h("td", {}, x.calls), h("td", {}, x.previous), h("td", {}, change(x))))))
      : h("p", { class: "muted" }, "No call drivers in this period yet."));
}

// QA reviews their agents disputed, waiting for an answer: each opens its call at the review.
export async function disputesSection() {
  const open = await api("/v1/reviews/disputed");
  return h("section", { id: "disputes" }, h("h2", {}, `Open QA disputes (${open.length})`),
    open.length ? h("ul", {}, open.map((r) => h("li", {}, h("a", { href: `#/calls/${r.call_id}` }, `Call ${r.call_id.slice(0, 8)}`),
      ` · agent ${r.agent_id || "—"} · score ${r.score} by ${r.reviewer}: `, h("span", { dir: "auto" }, r.thread[r.thread.length - 1].text))))
      : h("p", { class: "muted" }, "None waiting for an answer."));
}

export async function renderAgent(agentId) {
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

// Automatic QA against people: per criterion, how often a person's points differed.
export async function agreementSection() {
  const rows = await api("/v1/qa/agreement");
  return h("section", { id: "qa-agreement" }, h("h2", {}, "Automatic QA against reviewers"),
    rows.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Scorecard", "Criterion", "Calls scored by both", "Disagreed"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.scorecard), h("td", {}, r.criterion), h("td", {}, r.compared), h("td", {}, `${r.disagreed} (${Math.round(100 * r.disagreement)}%)`)))))
      : h("p", { class: "muted" }, "No call has been scored both automatically and by a reviewer yet."));
}
