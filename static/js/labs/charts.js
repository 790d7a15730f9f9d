// The labs' charts: scales, axes, line and bar charts and their legends, in SVG.

import { formatSignificant as fmt } from '../format.js';
import { el as html } from '../dom.js';
import { el, text } from '../svg.js';

function linear([d0, d1], [r0, r1]) {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

function log10Scale([d0, d1], [r0, r1]) {
  const f = linear([Math.log10(d0), Math.log10(d1)], [r0, r1]);
  return (v) => f(Math.log10(v));
}

// A fresh <svg> with a viewBox; the CSS sizes it, so it scales with projector mode.
function canvas(container, width, height, label) {
  container.replaceChildren();
  return el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label }, container);
}

// 10^k as 1, 10, 100, 0.1, 0.01 when short, else as 1e-7
function powerOfTen(t) {
  const k = Math.round(Math.log10(t));
  return k >= -2 && k <= 3 ? String(10 ** k).replace(/^0\./, '0.') : `1e${k}`;
}

function niceTicks(lo, hi, n = 5) {
  const step0 = (hi - lo) / n || 1;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) ticks.push(10 ** e);
  if (ticks.length > 7) {
    const every = Math.ceil(ticks.length / 6);
    return ticks.filter((_, i) => i % every === 0);
  }
  return ticks;
}

// Line chart: series = [{name, cls, points: [[x, y|null], ...]}]. y null breaks the line.
export function lineChart(container, series, opts = {}) {
  const W = opts.width ?? 640;
  const H = opts.height ?? 340;
  const m = { l: 100, r: 40, t: 16, b: 64 };
  const svg = canvas(container, W, H, opts.label ?? 'chart');
  const pts = series.flatMap((s) => s.points.filter((p) => p[1] !== null && Number.isFinite(p[1])));
  const logY = opts.logY ?? false;
  const ys = pts.map((p) => p[1]).filter((v) => !logY || v > 0);
  const xs = pts.map((p) => p[0]);
  let [x0, x1] = opts.xDomain ?? [Math.min(...xs, 0), Math.max(...xs, 1)];
  if (x1 === x0) x1 = x0 + 1;
  // With no data yet a log axis shows 0.001 to 1, not 1e-300 to 1.
  let y0 = opts.yDomain?.[0] ?? (ys.length ? Math.min(...ys) : logY ? 1e-3 : 0);
  let y1 = opts.yDomain?.[1] ?? (ys.length ? Math.max(...ys) : 1);
  if (logY) {
    y0 = 10 ** Math.floor(Math.log10(Math.max(y0, 1e-300)));
    y1 = 10 ** Math.ceil(Math.log10(Math.max(y1, y0 * 10)));
  } else if (y1 === y0) {
    y1 = y0 + 1;
  }
  const sx = linear([x0, x1], [m.l, W - m.r]);
  const sy = (logY ? log10Scale : linear)([y0, y1], [H - m.b, m.t]);
  const axes = el('g', { class: 'axes' }, svg);
  for (const t of logY ? logTicks(y0, y1) : niceTicks(y0, y1, 4)) {
    const y = sy(t);
    el('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: 'grid' }, axes);
    text({ x: m.l - 8, y: y + 6, class: 'tick', 'text-anchor': 'end' }, logY ? powerOfTen(t) : fmt(t, 3), axes);
  }
  for (const t of niceTicks(x0, x1, 5)) {
    text({ x: sx(t), y: H - m.b + 30, class: 'tick', 'text-anchor': 'middle' }, fmt(t, 4), axes);
  }
  el('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis' }, axes);
  el('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, class: 'axis' }, axes);
  if (opts.xLabel) text({ x: (m.l + W - m.r) / 2, y: H - 6, class: 'axis-label', 'text-anchor': 'middle' }, opts.xLabel, axes);
  for (const s of series) {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      const outside = y > y1 * (logY ? 10 : 1) + 1e-9 * Math.abs(y1) || (!logY && y < y0);
      if (y === null || !Number.isFinite(y) || (logY && y <= 0) || outside) {
        pen = false; // a gap, never a flat line along the frame
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(Math.min(Math.max(y, y0), y1)).toFixed(1)}`;
      pen = true;
    }
    el('path', { d, class: `series ${s.cls ?? ''}`, 'data-series': s.name }, svg);
  }
  if (opts.marks) {
    for (const mk of opts.marks) {
      const x = sx(mk.x);
      el('line', { x1: x, x2: x, y1: m.t, y2: H - m.b, class: `mark ${mk.cls ?? ''}` }, svg);
      text({ x: x + 6, y: m.t + 20, class: `mark-label ${mk.cls ?? ''}`, 'text-anchor': 'start' }, mk.label, svg);
    }
  }
  return { svg, sx, sy };
}

// Bar chart: groups = [{label, bars: [{value, cls, title}]}]; log scale optional.
export function barChart(container, groups, opts = {}) {
  const W = opts.width ?? 640;
  const H = opts.height ?? 340;
  const m = { l: 100, r: 16, t: 16, b: opts.rotate ? 110 : 64 };
  const svg = canvas(container, W, H, opts.label ?? 'bar chart');
  const vals = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const logY = opts.logY ?? false;
  let y0 = logY ? 10 ** Math.floor(Math.log10(Math.min(...vals, 1))) : 0;
  let y1 = logY ? 10 ** Math.ceil(Math.log10(Math.max(...vals, y0 * 10))) : Math.max(...vals, 1e-12);
  if (opts.yDomain) [y0, y1] = opts.yDomain;
  const sy = (logY ? log10Scale : linear)([y0, y1], [H - m.b, m.t]);
  const axes = el('g', { class: 'axes' }, svg);
  for (const t of logY ? logTicks(y0, y1) : niceTicks(0, y1, 4)) {
    el('line', { x1: m.l, x2: W - m.r, y1: sy(t), y2: sy(t), class: 'grid' }, axes);
    text({ x: m.l - 8, y: sy(t) + 6, class: 'tick', 'text-anchor': 'end' }, logY ? powerOfTen(t) : fmt(t, 2), axes);
  }
  const gw = (W - m.l - m.r) / groups.length;
  groups.forEach((g, i) => {
    const bw = (gw * 0.8) / g.bars.length;
    g.bars.forEach((b, k) => {
      const x = m.l + i * gw + gw * 0.1 + k * bw;
      const v = logY ? Math.max(b.value, y0) : b.value;
      const y = b.value > 0 ? sy(Math.min(v, y1)) : H - m.b;
      const r = el('rect', { x, y, width: Math.max(bw - 2, 1), height: H - m.b - y, class: `bar ${b.cls ?? ''}` }, svg);
      if (b.title) el('title', {}, r).textContent = b.title;
    });
    if (opts.rotate) {
      const x = m.l + i * gw + gw / 2;
      const t = text({ x, y: H - m.b + 14, class: 'tick', 'text-anchor': 'end' }, g.label, axes);
      t.setAttribute('transform', `rotate(-55 ${x} ${H - m.b + 14})`);
    } else {
      text({ x: m.l + i * gw + gw / 2, y: H - m.b + 30, class: 'tick', 'text-anchor': 'middle' }, g.label, axes);
    }
  });
  el('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis' }, axes);
  if (opts.xLabel) text({ x: (m.l + W - m.r) / 2, y: H - 6, class: 'axis-label', 'text-anchor': 'middle' }, opts.xLabel, axes);
  return { svg, sy, m, W, H };
}

export function legend(container, items) {
  container.replaceChildren();
  container.append(...items.map((it) => html('span', { cls: `key ${it.cls}`, text: it.label })));
}
