// callrec review desk: one page, routed by the URL hash, reading everything through /v1.
// Each page lives in its own module; this one signs in, draws the header and routes.

import { renderAdmin, renderAudit } from "./admin.js";
import { renderCall } from "./call.js";
import { renderCalls } from "./calls.js";
import { renderAgent, renderDashboard } from "./dashboard.js";
import { $, S, api, can, formError, go, h, main, route, showError } from "./desk.js";
import { renderFlags } from "./flags.js";
import { renderSearch } from "./search.js";

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

// --- routing ----------------------------------------------------------------------------------------

async function routeTo() {
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
S.router = routeTo;
window.addEventListener("hashchange", () => { showError(""); route(); });
route();
