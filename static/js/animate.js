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

  /** A dot travelling along `path` (backwards when `reverse`), drawn in `layer`. */
  function pulse(layer, path, { reverse = false, cls = "pulse-fwd", radius = 8, ms = 500 } = {}) {
    const length = path.getTotalLength();
    const dot = el("circle", { class: `pulse ${cls}`, r: radius, cx: -99, cy: -99 }, layer);
    const halo = el("circle", { class: `pulse-halo ${cls}`, r: radius * 2, cx: -99, cy: -99 }, layer);
    return tween(ms, (t) => {
      if (t >= 1) {
        dot.remove();
        halo.remove();
        return;
      }
      const eased = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
      const p = path.getPointAtLength((reverse ? 1 - eased : eased) * length);
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
