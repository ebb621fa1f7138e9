// The call's summary: why the customer called, what the agent did or promised, how it ended and what
// is still to happen, each a turn of the call that plays from where it was said.

import { clock, h } from "./desk.js";

export function summarySection(call, audio) {
  const s = (call.characteristics || {}).summary;
  if (!s) return null;
  const said = (item) => h("li", { class: "small" },
    h("button", { type: "button", class: "seek", "aria-label": `Play from ${clock(item.start)}`, onclick: () => { audio.currentTime = item.start; audio.play().catch(() => {}); } }, `▶ ${clock(item.start)}`),
    " ", h("span", { class: "muted" }, `${item.role}: `), h("span", { dir: "auto" }, item.text));
  const part = (title, items, none) => [h("h3", {}, title), items.length ? h("ul", { class: "said" }, items.map(said)) : h("p", { class: "muted small" }, none)];
  const o = s.outcome || { resolved: null, why: "nothing in the call says" };
  const verdict = o.resolved === true ? "Resolved" : o.resolved === false ? "Not resolved" : "Outcome not said";
  return h("section", { id: "summary" }, h("h2", {}, "Summary"),
    s.abstract ? h("p", { dir: "auto", id: "summary-abstract" }, s.abstract, h("span", { class: "small muted" }, ` (${s.abstract_by})`)) : null,
    part("Why they called", s.reason ? [s.reason] : [], "Not said in the call."),
    part("What the agent did or promised", s.actions || [], "Nothing the agent did or promised was found."),
    h("h3", {}, "Outcome"), h("p", { id: "summary-outcome", class: "small" }, h("strong", {}, verdict), `: ${o.why}`),
    o.evidence ? h("ul", { class: "said" }, said(o.evidence)) : null,
    part("Follow-ups", s.follow_ups || [], "None."));
}
