// Administration: users, teams and scorecards; the audit trail.

import { S, api, formError, go, h, main, params, route, select, when } from "./desk.js";

// --- admin: users and teams -------------------------------------------------------------------------

export async function renderAdmin() {
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
export function scorecardAdmin(cards) {
  const name = h("input", { name: "scorecard", required: true, maxlength: 128 });
  const criteria = h("input", { name: "criteria", size: 50, placeholder: "Greeting:1:5, Disclosure:2:5:rule=conduct.missing_recording_disclosure (name:weight:points[:auto])", required: true });
  const error = h("p", { class: "form-error", role: "alert", id: "scorecard-error" });
  const submit = h("button", { class: "primary", type: "submit" }, "Add scorecard");
  let editing = null;
  // A criterion bound to the analysis carries its binding as a fourth part: rule=ID, metric=NAME<=N, sentiment=SIDE.MEASURE>=N.
  const bound = (x) => (x.auto ? Object.entries(x.auto).map(([k, v]) => `:${k}=${v}`).join("") : "");
  const written = (c) => c.criteria.map((x) => `${x.name}:${x.weight}:${x.max_points}${bound(x)}`).join(", ");
  const form = h("form", {
    class: "inline", id: "scorecard-form",
    onsubmit: async (ev) => {
      ev.preventDefault();
      const parsed = criteria.value.split(",").map((x) => x.trim()).filter(Boolean).map((c) => {
        const [n, weight, points, binding] = c.split(":");
        const auto = binding ? Object.fromEntries([binding.split(/=(.*)/s).slice(0, 2).map((x) => x.trim())]) : null;
        return { name: n.trim(), weight: parseFloat(weight || "1"), max_points: parseInt(points || "5", 10), auto };
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
    h("td", {}, c.name), h("td", {}, `v${c.version}`), h("td", {}, c.criteria.map((x) => `${x.name} (weight ${x.weight}, ${x.max_points} points${x.auto ? ", automatic: " + Object.entries(x.auto).map(([k, v]) => `${k} ${v}`).join("") : ""})`).join(", ")),
    h("td", {}, c.active ? "active" : "retired"),
    h("td", {}, c.active ? [h("button", { type: "button", onclick: () => edit(c), "aria-label": `Edit ${c.name}` }, "Edit"), " ",
      h("button", { type: "button", class: "danger", "aria-label": `Retire ${c.name}`, onclick: async () => {
        try { await api(`/v1/scorecards/${c.id}`, { method: "DELETE" }); route(); } catch (e) { if (e.stale) throw e; error.textContent = e.message; }
      } }, "Retire")] : null)));
  return h("section", {}, h("h1", {}, "QA scorecards"),
    h("table", { id: "scorecards" }, h("thead", {}, h("tr", {}, ["Name", "Version", "Criteria", "State", ""].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, rows)), form);
}

// --- audit trail ------------------------------------------------------------------------------------

export async function renderAudit() {
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
