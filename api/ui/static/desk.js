// The desk's common ground: session state, element builders, the API client and small formats.
// Transcripts are untrusted text: they are only ever set as textContent, never as HTML.

// gen counts page changes: an answer that arrives after the user moved on is dropped (see api()).
export const S = { user: null, csrf: null, timers: [], gen: 0 };
export const SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 };
export const CATEGORIES = ["agent_conduct", "suspicious_customer", "complaint", "compliance"];
export const COLOURS = { agent_conduct: "#cf222e", suspicious_customer: "#8250df", complaint: "#bf8700", compliance: "#1f6feb", done: "#1f883d", failed: "#cf222e" };
export const RTL = /[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\ufb1d-\ufdff\ufe70-\ufeff]/g;
export const LTR = /[A-Za-z\u00c0-\u024f]/g;

// --- helpers ----------------------------------------------------------------------------------------

export function h(tag, attrs, ...children) {
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
export function add(el, ...children) {
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children.flat(Infinity)) if (c) el.append(c);
  return el;
}
export const $ = (sel) => document.querySelector(sel);
export const main = () => $("#main");
export function clock(s) {
  s = Math.max(0, Math.floor(s || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
export function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }
export function isRtl(text) {
  const r = (text.match(RTL) || []).length, l = (text.match(LTR) || []).length;
  return r > l;
}
export function showError(message) {
  const box = $("#error");
  box.textContent = message;
  box.hidden = !message;
}
// A form's own error line, beside the controls that caused it (role=alert: screen readers say it).
export function formError() { return h("p", { class: "form-error", role: "alert" }); }
export function can(...roles) { return S.user && roles.includes(S.user.role); }

export async function api(path, options = {}) {
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

export function params() {
  const [, query = ""] = location.hash.split("?");
  return new URLSearchParams(query);
}
export function go(path, query) {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null)).toString() : "";
  location.hash = `#${path}${qs ? "?" + qs : ""}`;
}
// Pages ask for a redraw through route(); the router (app.js) imports every page, so it registers itself.
export function route() { return S.router(); }
export function every(ms, fn) {
  S.timers.push(setInterval(() => Promise.resolve(fn()).catch((e) => { if (!e.stale) showError(e.message); }), ms));
}

export function select(name, options, value) {
  return h("select", { name }, options.map(([v, label]) => h("option", { value: v, selected: v === (value || "") }, label)));
}
