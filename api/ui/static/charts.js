// Charts drawn as SVG: bars per day with a value axis, and scores over time.

import { COLOURS, h, svg } from "./desk.js";

// --- dashboard --------------------------------------------------------------------------------------

export const PALETTE = ["#bf8700", "#0969da", "#8250df", "#1a7f37", "#cf222e", "#57606a"];

// One slot per day of the window, empty days included, so bars line up with dates.
export function everyDay(list, first, last) {
  // One slot per day of the range, empty days included, so bars line up with dates.
  const byDay = Object.fromEntries(list.map((d) => [d.day, d]));
  const out = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86400e3) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(byDay[day] || { day });
  }
  return out;
}

export function barChart(days, keys, title, link) {
  // `link(day, key)`: where a bar drills down to (the calls behind it).
  keys.forEach((k, i) => { if (!COLOURS[k]) COLOURS[k] = PALETTE[i % PALETTE.length]; });
  const left = 40, width = 1000, height = 160, max = Math.max(1, ...days.map((d) => keys.reduce((s, k) => s + (d[k] || 0), 0)));
  const bar = (width - left) / Math.max(days.length, 1);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height + 20}`, role: "group", "aria-label": title });
  // The value axis: 0, half and the top, with light grid lines.
  for (const v of [0, Math.round(max / 2), max]) {
    const y = height - (v / max) * (height - 10);
    chart.append(svg("line", { x1: left, x2: width, y1: y, y2: y, stroke: "#d0d7de" }));
    chart.append(svg("text", { x: left - 6, y: y + 4, "font-size": 12, "text-anchor": "end", fill: "#57606a" }, document.createTextNode(String(v))));
  }
  days.forEach((d, i) => {
    let y = height;
    for (const k of keys) {
      const v = d[k] || 0;
      if (!v) continue;
      const bh = (v / max) * (height - 10);
      y -= bh;
      const label = `${d.day} ${k.replace("_", " ")}: ${v}`;
      const rect = svg("rect", { x: left + i * bar + 2, y, width: Math.max(1, bar - 4), height: bh, fill: COLOURS[k] || "#57606a" });
      rect.append(svg("title", {}, document.createTextNode(label)));
      if (link) {
        const a = svg("a", { href: link(d.day, k), "aria-label": `${label}: show these calls`, "data-day": d.day, "data-key": k });
        a.append(rect);
        chart.append(a);
      } else chart.append(rect);
    }
  });
  if (days.length) {
    const at = [0, Math.floor((days.length - 1) / 2), days.length - 1].filter((v, i, all) => all.indexOf(v) === i);
    for (const i of at) {
      chart.append(svg("text", { x: left + i * bar + bar / 2, y: height + 16, "font-size": 12, "text-anchor": i === 0 ? "start" : i === days.length - 1 ? "end" : "middle", fill: "#57606a" },
        document.createTextNode(days[i].day)));
    }
  }
  return h("div", {}, h("h2", {}, title), chart, h("div", { class: "legend" }, keys.map((k) => h("span", {}, h("i", { style: `background:${COLOURS[k] || "#57606a"}` }), k.replace("_", " ")))));
}

// Scores (0-100) over time: a y axis with gridlines, dates under the points, an empty state.
export function lineChart(points, title) {
  const width = 1000, height = 220, left = 44, bottom = 28, top = 10;
  const y = (v) => top + (1 - v / 100) * (height - top - bottom);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title}: ${points.length} point${points.length === 1 ? "" : "s"}` });
  for (const tick of [0, 25, 50, 75, 100]) {
    chart.append(svg("line", { x1: left, x2: width, y1: y(tick), y2: y(tick), stroke: "#d0d7de", "stroke-width": 1 }));
    chart.append(svg("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", "font-size": 12, fill: "#57606a" }, document.createTextNode(String(tick))));
  }
  const step = (width - left - 20) / Math.max(points.length - 1, 1);
  const x = (i) => left + 10 + (points.length === 1 ? (width - left - 20) / 2 : i * step);
  if (points.length > 1) chart.append(svg("polyline", { points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" "), fill: "none", stroke: "#1f6feb", "stroke-width": 3 }));
  const labelStep = Math.max(1, Math.ceil(points.length / 8)); // at most 8 date labels
  points.forEach((p, i) => {
    const dot = svg("circle", { cx: x(i), cy: y(p.value), r: 5, fill: "#1f6feb" });
    dot.append(svg("title", {}, document.createTextNode(`${p.label}: ${p.value}`)));
    chart.append(dot);
    if (i % labelStep === 0) chart.append(svg("text", { x: x(i), y: height - 8, "text-anchor": "middle", "font-size": 12, fill: "#57606a" }, document.createTextNode(p.short || p.label)));
  });
  const empty = points.length ? null : h("p", { class: "muted empty" }, "No QA reviews yet: scores appear here once a manager reviews this agent's calls.");
  return h("div", { class: "line-chart" }, h("h2", {}, title), empty || chart);
}
