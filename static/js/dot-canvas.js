// A large graph's pulses, painted on a canvas the size of the graph's visible area: one loop
// clears it and paints every dot in flight each frame. As SVG circles, the 64 dots of one step
// of the 10 × 64 network cost every frame a style pass, a paint and a raster of the graph's
// overlay (frames of 50-100 ms); here a frame is a few dozen arcs on a canvas of its own layer.

import { pointAt } from "./animate.js";
import { viewScale } from "./svg.js";

/** `wrap`: the graph's frame (it may scroll); `svg`: the drawing the dots move over. */
export function createDotCanvas(wrap, svg) {
  const canvas = document.createElement("canvas");
  canvas.className = "graph-dots";
  canvas.setAttribute("aria-hidden", "true");
  const ctx = canvas.getContext("2d");
  const dots = new Set();
  let place = null; // viewBox → canvas pixels for the dots in flight, read at their first frame
  let frame = 0;

  /** Cover the frame's visible area (where it has scrolled to) and read the drawing's scale. */
  function placeOver() {
    const { k, ox, oy } = viewScale(svg, svg.clientWidth, svg.clientHeight);
    const [vw, vh] = [wrap.clientWidth, wrap.clientHeight];
    const [sx, sy] = [wrap.scrollLeft, wrap.scrollTop];
    const dpr = window.devicePixelRatio || 1;
    const [pw, ph] = [Math.max(1, Math.round(vw * dpr)), Math.max(1, Math.round(vh * dpr))];
    if (canvas.width !== pw || canvas.height !== ph) Object.assign(canvas, { width: pw, height: ph });
    Object.assign(canvas.style, { width: `${vw}px`, height: `${vh}px`, transform: `translate(${sx}px, ${sy}px)` });
    const cs = getComputedStyle(svg);
    const colour = (name) => cs.getPropertyValue(name).trim();
    place = {
      k: k * dpr,
      ox: (ox - sx) * dpr,
      oy: (oy - sy) * dpr,
      dpr,
      colours: { "pulse-fwd": colour("--fwd"), "pulse-bwd": colour("--bwd"), ring: colour("--surface") },
    };
  }

  function paint(now) {
    frame = 0;
    if (!place) placeOver();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const { k, ox, oy, dpr, colours } = place;
    for (const d of [...dots]) {
      if (d.start === null) d.start = now;
      const t = Math.min(1, (now - d.start) / d.ms);
      if (t >= 1) {
        d.finish();
        continue;
      }
      const eased = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2; // as animate.js's pulse()
      const p = pointAt(d.points, d.reverse ? 1 - eased : eased);
      const [x, y, r] = [ox + p.x * k, oy + p.y * k, d.radius * k];
      ctx.fillStyle = colours[d.cls];
      ctx.globalAlpha = 0.3; // the halo (.pulse-halo)
      ctx.beginPath();
      ctx.arc(x, y, 2 * r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.lineWidth = 2 * dpr; // the ring (.pulse)
      ctx.strokeStyle = colours.ring;
      ctx.stroke();
    }
    if (dots.size) frame = requestAnimationFrame(paint);
  }

  return {
    canvas,
    /**
     * A dot along `points` (animate.js's samples) for `ms`; `finish` ends it at once. Returns
     * { done, finish }: `done` resolves when it arrives or is finished.
     */
    add(points, { reverse = false, cls = "pulse-fwd", radius = 8, ms = 500 }) {
      let finish;
      const done = new Promise((resolve) => {
        const d = { points, reverse, cls, radius, ms, start: null };
        finish = d.finish = () => {
          if (!dots.delete(d)) return;
          if (!dots.size) {
            // the last one: wipe the canvas, and read the view afresh for the next step's dots
            // (in a frame asked for after theirs: main.js scrolls the graph to the step first)
            ctx.clearRect(0, 0, canvas.width, canvas.height);
            place = null;
            cancelAnimationFrame(frame);
            frame = 0;
          }
          resolve();
        };
        dots.add(d);
      });
      if (!frame) frame = requestAnimationFrame(paint);
      return { done, finish };
    },
    /** Colours and scale are read again at the next dots (a theme or size change). */
    reset() {
      place = null;
    },
    remove() {
      for (const d of [...dots]) d.finish();
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      canvas.remove();
    },
  };
}
