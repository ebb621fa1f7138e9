// A call's flags and QA reviews: decisions, scores, and the agent's answers.

import { $, S, add, api, can, clock, formError, h, select, when } from "./desk.js";

export function flagsSection(call, audio) {
  if (can("agent")) return null; // agents see no flags, not an empty list that suggests there are none
  const flags = call.flags || [];
  const section = h("section", { id: "flags" }, h("h2", {}, `Flags (${flags.length})`));
  if (!flags.length) section.append(h("p", { class: "muted" }, "No flags."));
  for (const f of flags) section.append(flagCard(f, audio));
  return section;
}

export function flagCard(f, audio) {
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

export async function qaSection(call, audio) {
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

export const THREAD_VERBS = { acknowledge: "acknowledged", dispute: "disputed", answer: "answered", revise: "revised" };

// The criteria a review was scored on: its scorecard's version at the time.
export function criteriaOf(card, version) {
  if (!card) return [];
  if (card.version === version) return card.criteria;
  return (card.versions.find((v) => v.version === version) || card).criteria;
}

export function reviewCard(r, card, audio, again) {
  const criteria = criteriaOf(card, r.scorecard_version);
  const response = r.dispute === "open" ? "disputed: waiting for the reviewer" : r.dispute === "answered" ? "disputed: answered" : r.agent_response || "not yet acknowledged";
  const box = h("article", { class: "review", dataset: { review: r.id } },
    h("div", {}, h("strong", { class: "score" }, `${r.score}`), ` by ${r.automatic ? "the analysis (automatic)" : r.reviewer} · ${when(r.created_at)} · ${card ? card.name : "scorecard " + r.scorecard_id} v${r.scorecard_version} · `,
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

export function reviewForm(call, active, audio, again) {
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
