// A written contact (a chat, an e-mail thread): its messages in order instead of a player, with the
// summary, flags and QA beside them; what they would play from is the message sent at that moment.

import { flagsSection, qaSection } from "./call_review.js";
import { $, api, h, isRtl, main, showError, when } from "./desk.js";
import { summarySection } from "./summary.js";

export async function renderConversation(call, head) {
  const transcript = await api(`/v1/calls/${call.id}/transcript`);
  const first = new Date(call.started_at || call.created_at).getTime();
  const messages = transcript.segments.map((seg, i) => h("article", { class: `message ${seg.role}`, id: `message-${i}`, tabindex: "-1", dataset: { start: seg.start } },
    h("div", { class: "small muted" }, `${seg.role} · ${when(new Date(first + 1000 * seg.start).toISOString())}`),
    h("p", { dir: isRtl(seg.text) ? "rtl" : "auto" }, seg.text)));
  const reader = {
    get currentTime() { return 0; },
    set currentTime(t) {
      const found = messages.find((m) => Number(m.dataset.start) >= t - 0.5) || messages[messages.length - 1];
      if (!found) return;
      found.scrollIntoView({ block: "center" });
      found.focus();
      found.classList.add("current");
      setTimeout(() => found.classList.remove("current"), 2000);
    },
    play: () => Promise.resolve(),
  };
  const meta = call.contact_meta || {};
  const headers = Object.entries(meta.headers || {});
  const side = h("div", {}, summarySection(call, reader), flagsSection(call, reader), h("div", { id: "qa" }));
  main().replaceChildren(head, h("div", { class: "cols" },
    h("section", { id: "conversation" }, h("h2", {}, call.medium === "email" ? "E-mail thread" : "Chat"),
      meta.subject ? h("p", { id: "subject" }, h("strong", {}, "Subject: "), h("span", { dir: "auto" }, meta.subject)) : null,
      headers.length ? h("details", {}, h("summary", {}, `Headers (${headers.length})`), h("dl", { class: "small" }, headers.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))) : null,
      messages),
    side));
  qaSection(call, reader).then((qa) => $("#qa") && $("#qa").replaceWith(qa), (e) => { if (!e.stale) showError(e.message); });
}
