// The call page: details, corrections, the transcript, the player with its waveform, the timeline.

import { flagsSection, qaSection } from "./call_review.js";
import { progressBar } from "./calls.js";
import { $, S, api, can, clock, every, h, isRtl, main, params, route, select, showError, svg, when } from "./desk.js";
import { reviewBar } from "./flags.js";
import { renderConversation } from "./conversation.js";
import { summarySection } from "./summary.js";

// --- the call page ----------------------------------------------------------------------------------

export async function renderCall(callId) {
  let call;
  try {
    call = await api(`/v1/calls/${callId}`);
  } catch (e) {
    if (e.stale) throw e;
    main().replaceChildren(h("section", { id: "refused" }, h("h1", {}, "This call cannot be shown"), h("p", {}, e.message)));
    return;
  }
  const head = h("section", {}, h("h1", {}, `${{ chat: "Chat", email: "E-mail" }[call.medium] || "Call"} ${call.id.slice(0, 8)}`),
    h("div", { class: "chips" },
      h("span", { class: "chip" }, `agent ${call.agent_id || "—"}`), h("span", { class: "chip" }, `customer ${call.customer_number || "—"}`),
      h("span", { class: "chip" }, call.direction || "direction unknown"), h("span", { class: "chip" }, when(call.started_at || call.created_at)),
      h("span", { class: "chip" }, `language ${call.language || "?"}`), h("span", { class: "chip", id: "status" }, call.status),
      call.medium && call.medium !== "call" ? h("span", { class: "chip", id: "medium" }, call.medium) : null),
    driverChips(call));
  if (call.status !== "done") {
    const live = h("p", { id: "live" }, call.status === "failed" ? `Failed: ${call.error || ""}` : progressBar(call));
    // A long call shows what has been heard so far (redacted, digits masked) while the rest is recognised.
    const heard = h("section", { id: "heard-so-far", "aria-live": "polite" });
    const showHeard = async (c) => {
      if (c.status !== "processing" || c.transcript_source !== "partial") return;
      const t = await api(`/v1/calls/${callId}/transcript`, { quiet: true });
      heard.replaceChildren(h("h2", {}, `Heard so far (${t.segments.length} segment${t.segments.length === 1 ? "" : "s"})`),
        ...t.segments.map((seg) => h("p", { class: "partial-turn", dir: isRtl(seg.text) ? "rtl" : "auto" },
          h("span", { class: "small" }, `${clock(seg.start)} ${seg.role} `), seg.text)));
    };
    main().replaceChildren(head, h("section", {}, h("h2", {}, "Processing"), live), heard);
    await showHeard(call);
    if (call.status !== "failed") {
      every(1000, async () => {
        const now = await api(`/v1/calls/${callId}`);
        if (now.status === "done") route();
        else {
          live.replaceChildren(now.status === "failed" ? `Failed: ${now.error || ""}` : progressBar(now));
          await showHeard(now);
        }
      });
    }
    return;
  }
  const listen = call.needs_listen
    ? h("section", { id: "needs-listen", class: "notice", role: "status" }, h("h2", {}, "Needs a listen"),
      h("p", {}, "Some rules were not applied because the transcript cannot be trusted. Listen to the call before concluding anything."),
      h("p", { class: "small" }, call.needs_listen))
    : null;
  if (listen) head.append(listen);
  const underReview = reviewBar(call, parseInt(params().get("flag"), 10));
  if (underReview) head.prepend(underReview);
  if (call.medium && call.medium !== "call") { await renderConversation(call, head); return; }
  const transcript = await api(`/v1/calls/${callId}/transcript`);
  const player = playerSection(call);
  const words = [];
  const turns = h("div", { id: "transcript" }, transcript.segments.map((seg, i) => turn(seg, i, words, player.audio)));
  if (can("admin")) correctionControls(callId, call, transcript, head, turns);
  const side = h("div", {}, summarySection(call, player.audio), timelineSection(call, transcript, player.audio), flagsSection(call, player.audio), h("div", { id: "qa" }));
  const downloads = can("admin", "compliance", "manager")
    ? h("p", { class: "small" }, "Download transcript: ", ["json", "srt", "vtt", "txt"].map((f) => [h("a", { href: `/v1/calls/${callId}/transcript?format=${f}`, download: `${callId}.${f}` }, f.toUpperCase()), " "]))
    : null;
  main().replaceChildren(head, player.section, h("div", { class: "cols" }, h("section", {}, h("h2", {}, "Transcript"), downloads, turns), side));
  followPlayback(player.audio, words, player.follow);
  qaSection(call, player.audio).then((qa) => $("#qa") && $("#qa").replaceWith(qa), (e) => { if (!e.stale) showError(e.message); });
  const t = parseFloat(params().get("t"));
  if (!Number.isNaN(t)) player.audio.addEventListener("loadedmetadata", () => { player.audio.currentTime = t; }, { once: true });
}

// Corrections from the call page (admins): a segment's text and role, and the call's language, after
// which the call is transcribed again. Every change is audited by the API and analysis follows it.
export function correctionControls(callId, call, transcript, head, turns) {
  const sources = [...new Set(transcript.speakers.map((s) => s.role_source).filter(Boolean))];
  const edited = call.transcript_source === "import" || call.transcript_source === "correction";
  head.querySelector(".chips").append(
    h("span", { class: "chip", id: "role-source" }, `roles by ${sources.join(", ") || "—"}`),
    edited ? h("span", { class: "chip", id: "edited" }, `edited by ${call.transcript_edited_by || "?"} (${call.transcript_source})`) : "");
  const language = select("language", [["he", "Hebrew"], ["ar", "Arabic"], ["en", "English"]], call.language || "en");
  language.setAttribute("aria-label", "Language of the call");
  const problem = h("p", { class: "form-error", role: "alert" });
  const again = h("form", { id: "transcribe-again", class: "inline" }, h("label", {}, "This call is in ", language), " ",
    h("button", { type: "submit" }, "Transcribe again"), problem);
  again.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/v1/calls/${callId}/transcribe`, { method: "POST", body: { language: language.value } });
      route();
    } catch (e) { problem.textContent = e.message; }
  });
  head.append(again);
  transcript.segments.forEach((seg, index) => {
    const row = turns.querySelector(`.turn[data-index="${index}"]`);
    const edit = h("button", { type: "button", class: "edit-turn", "aria-label": `Correct segment ${index + 1}` }, "Correct");
    edit.addEventListener("click", () => row.replaceWith(segmentForm(callId, seg, index, row, transcript.speakers)));
    row.querySelector(".who").append(" ", edit);
  });
}

export function segmentForm(callId, seg, index, row, speakers) {
  const text = h("textarea", { name: "text", rows: 3, dir: "auto", "aria-label": `Text of segment ${index + 1}` });
  text.value = seg.text;
  const role = select("role", [["agent", "agent"], ["customer", "customer"], ["other", "other"]], seg.role);
  role.setAttribute("aria-label", `Role of segment ${index + 1}`);
  // Moving a segment to the other speaker takes that speaker's role, unless a role is chosen too.
  const speaker = select("speaker", speakers.map((s) => [s.id, `${s.id} (${s.role})`]), seg.speaker);
  speaker.setAttribute("aria-label", `Speaker of segment ${index + 1}`);
  const problem = h("p", { class: "form-error", role: "alert" });
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h("form", { class: "turn-edit", dataset: { index } }, text, h("label", {}, "Speaker ", speaker), " ",
    h("label", {}, "Role ", role), " ",
    h("button", { type: "submit" }, "Save"), " ", cancel, problem);
  cancel.addEventListener("click", () => form.replaceWith(row));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    if (text.value.trim() !== seg.text) body.text = text.value;
    if (speaker.value !== seg.speaker) body.speaker = speaker.value;
    if (role.value !== seg.role) body.role = role.value;
    if (!Object.keys(body).length) { form.replaceWith(row); return; }
    try {
      await api(`/v1/calls/${callId}/segments/${index}`, { method: "PATCH", body });
      route();
    } catch (e) { problem.textContent = e.message; }
  });
  return form;
}

export function turn(seg, index, words, audio) {
  const rtl = isRtl(seg.text);
  const body = h("p", { class: "words", dir: rtl ? "rtl" : "ltr", lang: rtl ? (/[\u0590-\u05ff]/.test(seg.text) ? "he" : "ar") : null });
  const list = seg.words.length ? seg.words : [{ start: seg.start, end: seg.end, word: seg.text, probability: 1 }];
  list.forEach((w, j) => {
    const low = w.probability < 0.5;
    // One tab stop per turn; the arrow keys move between its words and Enter plays from one.
    const el = h("span", {
      class: `w${low ? " low" : ""}`, title: low ? `low confidence (${Math.round(w.probability * 100)}%)` : null,
      role: "button", tabindex: j === 0 ? "0" : "-1", "aria-label": `${w.word.trim()}, play from ${clock(w.start)}${low ? ", low confidence" : ""}`,
      dataset: { start: w.start, end: w.end },
      onclick: () => { audio.currentTime = w.start; audio.play().catch(() => {}); },
    }, w.word.trim());
    words.push({ start: w.start, end: w.end, el });
    body.append(el, j < list.length - 1 ? " " : "");
  });
  body.addEventListener("keydown", (ev) => {
    const here = ev.target.closest(".w");
    if (!here) return;
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); ev.stopPropagation(); here.click(); return; }
    // Reading order: in a right-to-left turn the next word is to the left.
    const forward = rtl ? "ArrowLeft" : "ArrowRight", back = rtl ? "ArrowRight" : "ArrowLeft";
    const to = ev.key === forward ? here.nextElementSibling : ev.key === back ? here.previousElementSibling : null;
    if (!to) return;
    ev.preventDefault(); ev.stopPropagation();
    here.tabIndex = -1; to.tabIndex = 0; to.focus();
  });
  return h("div", { class: `turn ${seg.role}${rtl ? " rtl" : ""}${seg.overlapped ? " overlapped" : ""}`, dir: rtl ? "rtl" : "ltr", dataset: { index } },
    h("div", { class: "who", dir: "ltr" }, `${seg.role} · ${seg.speaker} · ${clock(seg.start)}${seg.overlapped ? " · overlapping" : ""}`), body);
}

export function followPlayback(audio, words, follow) {
  words.sort((a, b) => a.start - b.start);
  let current = null;
  function tick() {
    const t = audio.currentTime;
    let lo = 0, hi = words.length - 1, found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const next = found !== null && t <= words[found].end + 0.25 ? words[found].el : null;
    if (next !== current) {
      if (current) current.classList.remove("now");
      if (next) next.classList.add("now");
      if (next && !audio.paused && follow.checked) next.scrollIntoView({ block: "center" });
      current = next;
    }
    if (!audio.paused) requestAnimationFrame(tick);
  }
  audio.addEventListener("play", () => requestAnimationFrame(tick));
  audio.addEventListener("seeked", tick);
  audio.addEventListener("timeupdate", tick);
}

// Keys for the player while a call page is open: space plays or pauses, the arrows move 5 seconds,
// < and > change the speed. Not while typing, nor when a focused control has its own use for the key.
document.addEventListener("keydown", (ev) => { if (S.playerKeys) S.playerKeys(ev); });
export const SPEEDS = [0.75, 1, 1.25, 1.5, 2];

export function seekBy(audio, seconds, duration) {
  audio.currentTime = Math.min(Math.max(0, audio.currentTime + seconds), duration || audio.duration || 0);
}

export function positionControl(el, audio, duration, label) {
  // A keyboard-reachable seek bar (the waveform, the timeline): arrows move 5 s, Home and End jump.
  el.setAttribute("tabindex", "0");
  el.setAttribute("role", "slider");
  el.setAttribute("aria-label", label);
  el.setAttribute("aria-valuemin", "0");
  el.setAttribute("aria-valuemax", String(Math.round(duration)));
  const show = () => {
    el.setAttribute("aria-valuenow", String(Math.round(audio.currentTime)));
    el.setAttribute("aria-valuetext", `${clock(audio.currentTime)} of ${clock(duration)}`);
  };
  show();
  audio.addEventListener("timeupdate", show);
  el.addEventListener("keydown", (ev) => {
    const moves = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5 };
    if (ev.key in moves) seekBy(audio, moves[ev.key], duration);
    else if (ev.key === "Home") audio.currentTime = 0;
    else if (ev.key === "End") audio.currentTime = duration;
    else return;
    ev.preventDefault(); ev.stopPropagation(); show();
  });
}

export function playerSection(call) {
  const audio = h("audio", { controls: true, preload: "metadata" });
  const duration = call.audio.duration;
  const canvas = h("canvas", { class: "wave", width: 1200, height: 80, title: "Click to play from here" });
  positionControl(canvas, audio, duration, "Waveform: playback position (arrow keys move 5 seconds)");
  const follow = h("input", { type: "checkbox", id: "follow-playback", checked: true });
  const speed = h("span", { id: "speed", class: "small muted" }, "1×");
  audio.addEventListener("ratechange", () => { speed.textContent = `${audio.playbackRate}×`; });
  const keys = h("p", { class: "small muted" }, h("label", { class: "check" }, follow, "Follow playback in the transcript"),
    " Keys: space play/pause · ←/→ 5 s · < > speed ", speed);
  const section = h("section", { class: "player" }, canvas, audio, keys);
  canvas.addEventListener("click", (ev) => {
    const box = canvas.getBoundingClientRect();
    audio.currentTime = ((ev.clientX - box.left) / box.width) * (audio.duration || duration);
    audio.play().catch(() => {});
  });
  S.playerKeys = (ev) => {
    const target = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || (target.closest && target.closest("input, textarea, select, button, audio, a, [role=slider], [role=button]"))) return;
    const speedAt = SPEEDS.indexOf(audio.playbackRate);
    const act = {
      " ": () => (audio.paused ? audio.play().catch(() => {}) : audio.pause()),
      ArrowRight: () => seekBy(audio, 5, duration),
      ArrowLeft: () => seekBy(audio, -5, duration),
      ">": () => { audio.playbackRate = SPEEDS[Math.min(SPEEDS.length - 1, (speedAt < 0 ? 1 : speedAt) + 1)]; },
      "<": () => { audio.playbackRate = SPEEDS[Math.max(0, (speedAt < 0 ? 1 : speedAt) - 1)]; },
    }[ev.key];
    if (act) { ev.preventDefault(); act(); }
  };
  drawWave(canvas, call, audio).catch((e) => { if (!e.stale) showError(e.message); });
  return { section, audio, follow };
}

export async function drawWave(canvas, call, audio) {
  // The player streams the recording (HTTP Range) and the waveform comes from the peaks the worker
  // kept, so an hour-long call plays at once without being downloaded and decoded in the page.
  const ctx = canvas.getContext("2d");
  const duration = call.audio.duration || 1;
  let peaks = null;
  audio.src = `/v1/calls/${call.id}/audio`;
  canvas.dataset.ready = "loading";
  ctx.fillStyle = "#57606a";
  ctx.font = "16px system-ui";
  ctx.fillText("Loading the waveform…", 12, 44);
  const kept = await api(`/v1/calls/${call.id}/peaks`);
  peaks = kept.channels.length ? kept.channels : null; // processed before waveforms were kept: a plain bar
  canvas.dataset.ready = peaks ? "waveform" : "plain";
  // What to mark on it: redacted stretches (grey) and the evidence of flags (red).
  const redacted = (call.redaction && call.redaction.windows) || [];
  const evidence = (call.flags || []).flatMap((f) => (f.evidence || []).filter((e) => e.start !== undefined).map((e) => [e.start, e.end ?? e.start]));
  canvas.dataset.marks = `${redacted.length} redacted, ${evidence.length} evidence`;
  function draw() {
    const { width, height } = canvas;
    ctx.clearRect(0, 0, width, height);
    const x = (t) => (t / duration) * width;
    ctx.fillStyle = "#d0d7de";
    for (const [a, b] of redacted) ctx.fillRect(x(a), 0, Math.max(2, x(b) - x(a)), height);
    const rows = peaks ? peaks.length : 1, rowHeight = height / rows;
    (peaks || [null]).forEach((p, c) => {
      ctx.fillStyle = c === 0 ? "#1f6feb" : "#b35900";
      const columns = p ? p.length : width;
      for (let i = 0; i < columns; i++) {
        const v = p ? p[i] / 100 : 0.05;
        const mid = rowHeight * c + rowHeight / 2, half = Math.max(0.5, (v * rowHeight) / 2);
        ctx.fillRect((i / columns) * width, mid - half, Math.max(1, width / columns), half * 2);
      }
    });
    ctx.fillStyle = "#cf222e";
    for (const [a, b] of evidence) ctx.fillRect(x(a), 0, Math.max(3, x(b) - x(a)), 4);
    ctx.fillRect(x(audio.currentTime), 0, 2, height);
  }
  draw();
  audio.addEventListener("timeupdate", draw);
  audio.addEventListener("seeked", draw);
}

export function timelineSection(call, transcript, audio) {
  const chars = call.characteristics || {};
  const m = chars.metrics || {};
  const duration = transcript.duration || call.audio.duration || 1;
  const rows = { agent: 8, customer: 30 };
  // Under each side's bars, a thin strip says how each segment reads: red negative, green positive.
  const FEELING = { negative: "#cf222e", positive: "#1a7f37" };
  const chart = svg("svg", { class: "timeline", viewBox: `0 0 1000 60`, preserveAspectRatio: "none" },
    svg("rect", { x: 0, y: 0, width: 1000, height: 60, fill: "#f6f8fa" }),
    transcript.segments.filter((s) => rows[s.role] !== undefined).map((s) => svg("rect", {
      x: (1000 * s.start) / duration, y: rows[s.role], width: Math.max(1, (1000 * (s.end - s.start)) / duration), height: 14,
      fill: s.role === "agent" ? "#1f6feb" : "#b35900",
    })),
    transcript.segments.filter((s) => rows[s.role] !== undefined && FEELING[s.sentiment]).map((s) => svg("rect", {
      class: `sentiment ${s.sentiment}`, x: (1000 * s.start) / duration, y: rows[s.role] + 15, width: Math.max(1, (1000 * (s.end - s.start)) / duration), height: 4,
      fill: FEELING[s.sentiment],
    })),
    (chars.interruptions || []).map((i) => svg("rect", { x: (1000 * i.at) / duration, y: 2, width: 3, height: 56, fill: "#cf222e" })),
    chars.longest_silence_at ? svg("rect", { x: (1000 * chars.longest_silence_at[0]) / duration, y: 52, width: Math.max(2, (1000 * (chars.longest_silence_at[1] - chars.longest_silence_at[0])) / duration), height: 6, fill: "#8c959f" }) : null);
  chart.addEventListener("click", (ev) => {
    const box = chart.getBoundingClientRect();
    audio.currentTime = ((ev.clientX - box.left) / box.width) * duration;
  });
  positionControl(chart, audio, duration,
    `Timeline of who talked when, ${(chars.interruptions || []).length} interruptions: playback position (arrow keys move 5 seconds)`);
  const pct = (v) => (v === undefined ? "—" : `${Math.round(100 * v)}%`);
  return h("section", { id: "characteristics" }, h("h2", {}, "Characteristics"), chart,
    h("div", { class: "legend" }, h("span", {}, h("i", { style: "background:#1f6feb" }), "agent"), h("span", {}, h("i", { style: "background:#b35900" }), "customer"), h("span", {}, h("i", { style: "background:#cf222e" }), "interruption"), h("span", {}, h("i", { style: "background:#8c959f" }), "longest silence"),
      h("span", {}, h("i", { style: "background:#1a7f37" }), "positive"), h("span", {}, h("i", { style: "background:#cf222e" }), "negative")),
    h("div", { class: "chips" },
      h("span", { class: "chip" }, `talk share agent ${pct(m.talk_share_agent)} / customer ${pct(m.talk_share_customer)}`),
      h("span", { class: "chip" }, `silence ${clock(m.silence_time)}`),
      h("span", { class: "chip" }, `interruptions ${m.interruptions ?? "—"} (agent ${m.interruptions_by_agent ?? "—"})`),
      Object.entries(chars.sentiment || {}).filter(([role]) => role !== "other").map(([role, f]) => h("span", { class: "chip", dataset: { sentiment: role } }, sentimentWords(role, f)))));
}

// Why the customer called: each driver opens the other calls with it; a named one also where it was said.
function driverChips(call) {
  if (!(call.drivers || []).length) return null;
  const said = Object.fromEntries((((call.characteristics || {}).drivers || {}).named || []).map((d) => [d.id, d.evidence[0]]));
  return h("p", { class: "chips", id: "drivers" }, h("span", { class: "small muted" }, "Why they called: "),
    call.drivers.map((d) => h("span", { class: "chip", dataset: { driver: d.id } },
      h("a", { dir: "auto", href: `#/calls?driver=${encodeURIComponent(d.id)}`, title: `${d.source} driver: the calls with it` }, d.name),
      said[d.id] ? [" ", h("a", { class: "small", href: `#/calls/${call.id}?t=${said[d.id].start}`, "aria-label": `where ${d.name} was said` }, clock(said[d.id].start))] : null)));
}

// "customer sentiment -0.42 (first minute 0.31, last -0.6), dropped at 1:15"
function sentimentWords(role, f) {
  const n = (v) => (v === null || v === undefined ? "—" : v.toFixed(2));
  const drop = f.biggest_drop ? `, dropped at ${clock(f.biggest_drop.at)}` : "";
  return `${role} sentiment ${n(f.overall)} (first minute ${n(f.first_minute)}, last ${n(f.last_minute)})${drop}`;
}
