// Pulses along edges and number morphs, all cancellable: a new step finishes the old one at once.

import { el } from "./svg.js";

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

  /** Run `frame(t)` for t in [0, 1] over `ms`; resolves when done or cancelled (frame(1) either way). */
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
      const tick = (now) => {
        if (done) return;
        const t = Math.min(1, (now - start) / ms);
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
   * A dot travelling along `path` (backwards when `reverse`), drawn in `layer`. The path is read
   * now and the dot only written later: many pulses at once must not force a layout per frame.
   */
  function pulse(layer, path, { reverse = false, cls = "pulse-fwd", radius = 8, ms = 500 } = {}) {
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
      const eased = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
      const p = pointAt(points, reverse ? 1 - eased : eased);
      for (const c of [dot, halo]) {
        c.setAttribute("cx", p.x);
        c.setAttribute("cy", p.y);
      }
    });
  }

  return { cancel, tween, pulse, get reduced() {
    return reduced.matches;
  } };
}

const SAMPLES = 48; // points read along a pulse's path; the dot moves between them

function samplePath(path) {
  const length = path.getTotalLength();
  return Array.from({ length: SAMPLES + 1 }, (_, i) => {
    const p = path.getPointAtLength((length * i) / SAMPLES);
    return { x: p.x, y: p.y };
  });
}

function pointAt(points, f) {
  const x = Math.max(0, Math.min(1, f)) * SAMPLES;
  const i = Math.min(SAMPLES - 1, Math.floor(x));
  const u = x - i;
  return { x: points[i].x + (points[i + 1].x - points[i].x) * u, y: points[i].y + (points[i + 1].y - points[i].y) * u };
}
