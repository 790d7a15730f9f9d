// Pulses along edges and number morphs, all cancellable: a new step finishes the old one at once.

import { el, pathNumbers } from "./svg.js";

export function createAnimator() {
  let generation = 0;
  const running = new Set(); // finish() callbacks of what is in flight
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");

  /** Finish everything in flight immediately (final state shown), so nothing ever queues. */
  function cancel() {
    generation += 1;
    const pending = [...running];
    running.clear();
    for (const finish of pending) finish();
  }

  /**
   * Run `frame(t)` for t in [0, 1] over `ms`; resolves when done or cancelled (frame(1) either
   * way). frame(0) runs at once: the page never shows a state the tween has not drawn yet.
   */
  function tween(ms, frame) {
    const gen = generation;
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        running.delete(finish);
        frame(1);
        resolve(gen === generation);
      };
      if (reduced.matches || ms <= 0) {
        finish();
        return;
      }
      running.add(finish);
      const start = performance.now();
      frame(0);
      const tick = (now) => {
        if (done) return;
        const t = Math.max(0, Math.min(1, (now - start) / ms));
        if (t >= 1) finish();
        else {
          frame(t);
          requestAnimationFrame(tick);
        }
      };
      requestAnimationFrame(tick);
    });
  }

  /**
   * A dot travelling along `path` (an element or its `d`; backwards when `reverse`), drawn in `layer`. Its points are
   * worked out now from the path's own geometry, so many pulses at once read no layout at all.
   */
  function pulse(layer, path, { reverse = false, cls = "pulse-fwd", radius = 8, ms = 500, delay = 0 } = {}) {
    if (delay > 0 && !reduced.matches) return wait(delay).then((ok) => ok && pulse(layer, path, { reverse, cls, radius, ms }));
    if (layer.add) return onCanvas(layer, path, { reverse, cls, radius, ms });
    const points = samplePath(path);
    let dot = null;
    let halo = null;
    return tween(ms, (t) => {
      if (t >= 1) {
        dot?.remove();
        halo?.remove();
        return;
      }
      if (!dot) {
        dot = el("circle", { class: `pulse ${cls}`, r: radius, cx: -99, cy: -99 }, layer);
        halo = el("circle", { class: `pulse-halo ${cls}`, r: radius * 2, cx: -99, cy: -99 }, layer);
      }
      const p = dotAt(points, t, reverse);
      for (const c of [dot, halo]) {
        c.setAttribute("cx", p.x);
        c.setAttribute("cy", p.y);
      }
    });
  }

  /** A pulse on a large graph's dot canvas (large/dot-canvas.js), finished by cancel() like the rest. */
  function onCanvas(dots, path, options) {
    if (reduced.matches || options.ms <= 0) return Promise.resolve(true);
    const gen = generation;
    const { done, finish } = dots.add(samplePath(path), options);
    running.add(finish);
    return done.then(() => {
      running.delete(finish);
      return gen === generation;
    });
  }

  /** Resolves true after `ms` (false when cancelled meanwhile): a pulse that starts later. */
  const wait = (ms) => tween(ms, () => {});

  /** Whether anything is in flight. */
  const busy = () => running.size > 0;

  /** Resolves once nothing is in flight (at once when nothing is). */
  // resolves in the first frame with no animation running, never sooner than the next frame: the
  // step's own frame (main.js settle sets data-cursor in it) is painted first even when nothing
  // animates (reduced motion), so Play's pause counts from the picture, not from the answer
  const idle = () =>
    new Promise((resolve) => {
      const check = () => (running.size ? requestAnimationFrame(check) : resolve());
      requestAnimationFrame(check);
    });

  return { cancel, tween, pulse, wait, busy, idle, get reduced() {
    return reduced.matches;
  } };
}

const SAMPLES = 48; // points along a pulse's path, equally far apart; the dot moves between them

const FINE = 4 * SAMPLES; // the fine walk's steps
const fineX = new Float64Array(FINE + 1);
const fineY = new Float64Array(FINE + 1);
const fineLength = new Float64Array(FINE + 1);
const sampled = new Map(); // a path's `d` → its points: an edge pulses again (each pass, each step back)
const MAX_SAMPLED = 1024; // 16 steps of a 64-wide layer back and forth; emptied when full

/** Points along `path` from its own `d` (a line or one cubic, as layout.js draws them). */
function samplePath(path) {
  const d = typeof path === "string" ? path : path.getAttribute("d"); // a large graph's edge is its `d`
  const known = sampled.get(d);
  if (known) return known;
  const n = pathNumbers(d);
  if (n.length !== 8 && n.length !== 4) return readPath(typeof path === "string" ? el("path", { d: path }) : path);
  // equal steps of arc length, from a fine walk along the curve (no layout is read); written
  // without objects per point, in arrays made once: a step of the 10 × 64 network sends 64 pulses
  const xs = fineX;
  const ys = fineY;
  const lengths = fineLength;
  for (let i = 0; i <= FINE; i += 1) {
    const t = i / FINE;
    if (n.length === 8) {
      const u = 1 - t;
      const a = u * u * u;
      const b = 3 * u * u * t;
      const c = 3 * u * t * t;
      const e = t * t * t;
      xs[i] = a * n[0] + b * n[2] + c * n[4] + e * n[6];
      ys[i] = a * n[1] + b * n[3] + c * n[5] + e * n[7];
    } else {
      xs[i] = n[0] + (n[2] - n[0]) * t;
      ys[i] = n[1] + (n[3] - n[1]) * t;
    }
    if (i > 0) {
      const dx = xs[i] - xs[i - 1];
      const dy = ys[i] - ys[i - 1];
      lengths[i] = lengths[i - 1] + Math.sqrt(dx * dx + dy * dy);
    }
  }
  const total = lengths[FINE];
  const out = [];
  let j = 1;
  for (let i = 0; i <= SAMPLES; i += 1) {
    const want = (total * i) / SAMPLES;
    while (j < FINE && lengths[j] < want) j += 1;
    const span = lengths[j] - lengths[j - 1];
    const u = span > 0 ? Math.max(0, Math.min(1, (want - lengths[j - 1]) / span)) : 0;
    out.push({ x: xs[j - 1] + (xs[j] - xs[j - 1]) * u, y: ys[j - 1] + (ys[j] - ys[j - 1]) * u });
  }
  if (sampled.size >= MAX_SAMPLED) sampled.clear();
  sampled.set(d, out);
  return out;
}

/** Any other path: read from the DOM (this forces a layout when the page has changed). */
function readPath(path) {
  const length = path.getTotalLength();
  return Array.from({ length: SAMPLES + 1 }, (_, i) => {
    const p = path.getPointAtLength((length * i) / SAMPLES);
    return { x: p.x, y: p.y };
  });
}

/** Where a pulse along `points` is at time t ∈ [0, 1]: eased in and out, backwards when `reverse`. */
export function dotAt(points, t, reverse) {
  const eased = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
  return pointAt(points, reverse ? 1 - eased : eased);
}

function pointAt(points, f) {
  const x = Math.max(0, Math.min(1, f)) * SAMPLES;
  const i = Math.min(SAMPLES - 1, Math.floor(x));
  const u = x - i;
  return { x: points[i].x + (points[i + 1].x - points[i].x) * u, y: points[i].y + (points[i + 1].y - points[i].y) * u };
}
