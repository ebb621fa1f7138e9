// Search: the query form and pages of results with their highlighted snippets.

import { CATEGORIES, api, clock, go, h, isRtl, main, params, select, when } from "./desk.js";

// --- search -----------------------------------------------------------------------------------------

export async function renderSearch() {
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

export async function searchPage(results, query, first) {
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
