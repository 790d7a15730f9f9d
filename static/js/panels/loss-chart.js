// The loss per iteration, a small SVG chart in the loss card from iteration 2 on: the loss each iteration started from
// (the API's `history`), this iteration's once its forward pass has computed it, and, after the
// update, the loss the next iteration starts from (hollow). Drawn at its own pixel size, so its
// text is as large as the page's (24 px and more in projector mode).

import { formatNumber } from "../format.js";
import { el } from "../svg.js";

const MAX_DOTS = 30; // beyond, the curve alone and this iteration's dot

/** The points to plot: [[iteration, loss, kind]], kind "done" | "current" | "next". */
export function chartPoints(resp) {
  const h = resp.history;
  if (!h || !h.iterations.length) return [];
  const k = resp.iteration || h.iterations[h.iterations.length - 1];
  const out = [];
  h.iterations.forEach((it, i) => {
    if (it < k && h.losses[i] !== null) out.push([it, h.losses[i], "done"]);
  });
  // this iteration's loss appears when its forward pass computes it, not before
  if (resp.loss.before !== null) out.push([k, resp.loss.before, "current"]);
  if (resp.loss.after !== null) out.push([k + 1, resp.loss.after, "next"]);
  return out;
}

function describe(points, precision) {
  if (!points.length) return "Loss per iteration: no loss computed yet.";
  const say = ([it, loss, kind]) => `iteration ${it}${kind === "next" ? " (after the update)" : ""}: ${formatNumber(loss, precision)}`;
  if (points.length <= 6) return `Loss per iteration: ${points.map(say).join(", ")}.`;
  return `Loss per iteration, ${points.length} points: ${say(points[0])}, …, ${points.slice(-2).map(say).join(", ")}.`;
}

export function createLossChart(card) {
  const box = document.createElement("div");
  box.className = "loss-chart-box";
  const svg = el("svg", { class: "loss-chart", id: "loss-chart", role: "img", xmlns: "http://www.w3.org/2000/svg" });
  box.append(svg);
  card.append(box);
  let last = null;

  function draw() {
    if (!last) return;
    const { points, precision } = last;
    svg.replaceChildren();
    svg.dataset.points = String(points.filter((p) => p[2] !== "next").length);
    svg.setAttribute("aria-label", describe(points, precision));
    const { width: W, height: H } = svg.getBoundingClientRect(); // its own size: text unscaled
    if (!points.length || W < 40 || H < 30) return;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const font = parseFloat(getComputedStyle(svg).fontSize) || 12;
    const top = font * 0.8;
    const bottom = H - font * 1.5;
    // scaled to the losses shown, as a plotting library would: the fall is what the class looks for
    const values = points.map((p) => p[1]);
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    // one loss (iteration 2's start): drawn mid-height and labelled with its own value, not with
    // the made-up ends of a range around it (a class would read 0.0592 for a loss of 0.0538)
    const one = hi - lo < 1e-12 * Math.max(1, Math.abs(hi));
    if (one) {
      lo -= Math.abs(lo) * 0.1 || 1;
      hi += Math.abs(hi) * 0.1 || 1;
    }
    const digits = Math.min(precision, 4);
    const topText = formatNumber(one ? values[0] : hi, digits);
    const bottomText = one ? "" : formatNumber(lo, digits);
    const left = font * 0.62 * Math.max(topText.length, bottomText.length) + font * 0.6;
    const right = W - font * 0.8;
    // from iteration 1 to this one (to the next, once the update has given its loss)
    const last_ = Math.max(2, ...points.map((p) => p[0]), last.iteration);
    const span = last_ - 1;
    const x = (it) => left + ((it - 1) / span) * (right - left);
    const y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    el("line", { class: "axis", x1: left, y1: top, x2: left, y2: bottom }, svg);
    el("line", { class: "axis", x1: left, y1: bottom, x2: right, y2: bottom }, svg);
    const label = (attrs, s) => {
      const t = el("text", attrs, svg);
      t.textContent = s;
    };
    label({ class: "tick-end", x: left - font * 0.3, y: (one ? y(values[0]) : top) + font * 0.35 }, topText);
    if (!one) label({ class: "tick-end tick-low", x: left - font * 0.3, y: bottom + font * 0.35 }, bottomText);
    label({ x: left, y: H - font * 0.2 }, "1");
    const ends = font * 0.62 * (2 + String(last_).length); // room the end labels take
    if (right - left > ends + font * 6) label({ class: "tick-mid", x: (left + right) / 2, y: H - font * 0.2 }, "iteration");
    label({ class: "tick-end", x: right, y: H - font * 0.2 }, String(last_));
    const solid = points.filter((p) => p[2] !== "next");
    if (solid.length > 1) el("polyline", { class: "curve", points: solid.map(([it, v]) => `${x(it)},${y(v)}`).join(" ") }, svg);
    const r = Math.max(3.5, font * 0.32);
    points.forEach(([it, v, kind], i) => {
      const shown = kind !== "done" || points.length <= MAX_DOTS || i === 0;
      if (shown) el("circle", { class: `point is-${kind}`, cx: x(it), cy: y(v), r }, svg);
    });
  }

  /** Show an answer's history from iteration 2 on (iteration 1's story is the loss line above);
   *  hidden for a lesson without one (an expression). */
  function show(resp, precision) {
    const points = chartPoints(resp);
    const has = Boolean(resp.history && resp.history.iterations.length > 1);
    box.hidden = !has;
    card.classList.toggle("has-chart", has);
    last = { points, precision, iteration: resp.iteration || 1 };
    if (has) draw();
  }

  new ResizeObserver(() => requestAnimationFrame(draw)).observe(svg);
  return { show };
}
