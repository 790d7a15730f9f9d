// A large graph's marks and pulses, painted on a canvas the size of the graph's visible area: the
// step's marked edges, and over them every dot in flight, repainted each frame while dots move.
// As SVG, the marked edges (an overlay the size of the whole graph) cost every step a style pass
// and the raster of every tile they cross, and the 64 dots of one step of the 10 × 64 network
// cost every frame a style pass, a paint and a raster; here a frame is a few dozen curves and arcs
// on a canvas of its own layer, the size of the view.

import { dotAt } from "../animate.js";
import { pathNumbers, tracePath, viewScale } from "../svg.js";

/** `wrap`: the graph's frame (it may scroll); `svg`: the drawing the dots move over. */
export function createDotCanvas(wrap, svg) {
  const canvas = document.createElement("canvas");
  canvas.className = "graph-dots";
  canvas.setAttribute("aria-hidden", "true");
  // drawn through an OffscreenCanvas where there is one: its frames go to the compositor directly,
  // where a plain canvas's bitmap is copied at the page's every commit (up to 15 ms a frame for
  // the projector's wide view)
  const surface = canvas.transferControlToOffscreen ? canvas.transferControlToOffscreen() : canvas;
  const ctx = surface.getContext("2d");
  const dots = new Set();
  let marks = []; // the step's marked edges: render.js's records ({ geo, sign, width, cls }), kept current by restyle
  let marked = false; // the mark layer has a stroke on it (an internal edge's mark has none)
  let place = null; // viewBox → canvas pixels, read at the first frame after a step or a scroll
  // the marks are stroked once per step or scroll, on a canvas out of sight, and copied each frame
  // (by layer, a step marks thousands of edges)
  const markLayer = document.createElement("canvas");
  const markCtx = markLayer.getContext("2d");
  let frame = 0;
  let painting = false;
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(paint);
  };

  /** Cover the frame's visible area (where it has scrolled to) and read the drawing's scale. */
  function placeOver() {
    const { k, ox, oy } = viewScale(svg, svg.clientWidth, svg.clientHeight);
    const [vw, vh] = [wrap.clientWidth, wrap.clientHeight];
    const [sx, sy] = [wrap.scrollLeft, wrap.scrollTop];
    const dpr = window.devicePixelRatio || 1;
    const [pw, ph] = [Math.max(1, Math.round(vw * dpr)), Math.max(1, Math.round(vh * dpr))];
    if (surface.width !== pw || surface.height !== ph) Object.assign(surface, { width: pw, height: ph });
    if (markLayer.width !== pw || markLayer.height !== ph) {
      // its pixels are made now (the page's first frame, a resize), not in a step's frame
      Object.assign(markLayer, { width: pw, height: ph });
      markCtx.clearRect(0, 0, pw, ph);
    }
    Object.assign(canvas.style, { width: `${vw}px`, height: `${vh}px`, transform: `translate(${sx}px, ${sy}px)` });
    const cs = getComputedStyle(svg);
    const colour = (name) => cs.getPropertyValue(name).trim();
    place = {
      k: k * dpr,
      ox: (ox - sx) * dpr,
      oy: (oy - sy) * dpr,
      dpr,
      colours: { "pulse-fwd": colour("--fwd"), "pulse-bwd": colour("--bwd"), ring: colour("--surface"), mark: colour("--accent") },
    };
  }

  /**
   * The marked edges in the accent colour, each with its own width and dashes (a negative weight's,
   * a cross edge's), over the edges as drawn: a small graph's marked edges keep their colour and
   * glow instead, too slow to paint over tens of long curves.
   */
  function paintMarks() {
    const { k, ox, oy, colours } = place;
    const m = markCtx;
    m.setTransform(1, 0, 0, 1, 0, 0);
    m.clearRect(0, 0, markLayer.width, markLayer.height);
    m.setTransform(k, 0, 0, k, ox, oy);
    marked = false;
    m.strokeStyle = colours.mark;
    m.lineCap = "round";
    const view = [-ox / k, -oy / k, (markLayer.width - ox) / k, (markLayer.height - oy) / k];
    for (const e of marks) {
      const n = (e.pts ??= e.geo.pts || pathNumbers(e.geo.d));
      if (e.geo.kind === "internal" || (n.length !== 4 && n.length !== 8)) continue; // as .edge-internal: no stroke
      const width = Number(e.width) || 2;
      const dash = e.geo.kind === "cross" ? [3, 4] : e.sign === "neg" ? [10, 5] : [];
      // a dashed curve is cut to the part in view first: dashed whole, a curve across the 10 × 64
      // network's tall column is a thousand dashes, and a step's 64 of them took 200 ms to raster
      const part = dash.length ? inView(n, view, width + 2) : { pts: n, offset: 0 };
      if (!part) continue;
      m.lineWidth = width;
      m.setLineDash(dash);
      m.lineDashOffset = part.offset; // the dashes where they are on the whole curve
      tracePath(m, part.pts);
      m.stroke();
      marked = true;
    }
    m.setLineDash([]);
    m.lineDashOffset = 0;
  }

  function paint(now) {
    frame = 0;
    if (!canvas.isConnected) return;
    if (!place) {
      placeOver();
      if (marks.length) paintMarks();
    }
    painting = true;
    ctx.clearRect(0, 0, surface.width, surface.height);
    if (marks.length && marked) ctx.drawImage(markLayer, 0, 0);
    const { k, ox, oy, dpr, colours } = place;
    for (const d of [...dots]) {
      if (d.start === null) d.start = now;
      const t = Math.min(1, (now - d.start) / d.ms);
      if (t >= 1) {
        d.finish();
        continue;
      }
      const p = dotAt(d.points, t, d.reverse);
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
    painting = false;
    if (dots.size) schedule();
  }

  return {
    canvas,
    /**
     * A dot along `points` (animate.js's samples) for `ms`; `finish` ends it at once. Returns
     * { done, finish }: `done` resolves when it arrives or is finished.
     */
    add(points, { reverse, cls, radius, ms }) {
      let finish;
      const done = new Promise((resolve) => {
        const d = { points, reverse, cls, radius, ms, start: null };
        finish = d.finish = () => {
          if (!dots.delete(d)) return;
          if (!dots.size && !painting) schedule(); // cut short: the marks alone, next frame
          resolve();
        };
        dots.add(d);
      });
      schedule();
      return { done, finish };
    },
    /**
     * The step's marked edges (render.js's edge records), painted from the next frame on; the view
     * is read afresh then (main.js scrolls the graph to the step in an earlier callback of that frame).
     */
    setMarks(edges) {
      marks = edges;
      place = null;
      schedule();
    },
    /** The frame scrolled, or the theme or size changed: the view and colours are read again. */
    reset() {
      place = null;
      schedule();
    },
    remove() {
      for (const d of [...dots]) d.finish();
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      canvas.remove();
    },
  };
}

const PARTS = 48; // a curve is cut to the view at one of this many equal steps of its parameter

/** The cubic n between t = a and t = b (de Casteljau), as 8 numbers. */
export function subCubic(n, a, b) {
  const split = (p, t) => {
    const lerp = (i, j) => [p[i] + (p[j] - p[i]) * t, p[i + 1] + (p[j + 1] - p[i + 1]) * t];
    const [p01, p12, p23] = [lerp(0, 2), lerp(2, 4), lerp(4, 6)];
    const q = [...p01, ...p12, ...p23];
    const [p012, p123] = [[q[0] + (q[2] - q[0]) * t, q[1] + (q[3] - q[1]) * t], [q[2] + (q[4] - q[2]) * t, q[3] + (q[5] - q[3]) * t]];
    const mid = [p012[0] + (p123[0] - p012[0]) * t, p012[1] + (p123[1] - p012[1]) * t];
    return { left: [p[0], p[1], ...p01, ...p012, ...mid], right: [...mid, ...p123, ...p23, p[6], p[7]] };
  };
  const head = b < 1 ? split(n, b).left : n;
  return a > 0 ? split(head, a / b).right : head;
}

/**
 * The part of a path (pathNumbers') that meets `box` [x0, y0, x1, y1] grown by `pad`: { pts, offset },
 * `offset` its length before that part (for the dashes), or null when none of it does. A line, or a
 * curve wholly in the box, is kept whole.
 */
export function inView(n, box, pad) {
  const [x0, y0, x1, y1] = [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad];
  const inside = (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  if (n.length !== 8) return { pts: n, offset: 0 };
  // the curve lies in the box around its control points: wholly in view, or wholly out of it, as
  // the walk below would find, without it (a step marks up to 64 dashed curves, on every step)
  const [lx, hx] = [Math.min(n[0], n[2], n[4], n[6]), Math.max(n[0], n[2], n[4], n[6])];
  const [ly, hy] = [Math.min(n[1], n[3], n[5], n[7]), Math.max(n[1], n[3], n[5], n[7])];
  if (lx >= x0 && hx <= x1 && ly >= y0 && hy <= y1) return { pts: n, offset: 0 };
  if (hx < x0 || lx > x1 || hy < y0 || ly > y1) return null;
  let first = -1;
  let last = -1;
  let length = 0;
  let before = 0;
  let px = n[0];
  let py = n[1];
  for (let i = 1; i <= PARTS; i += 1) {
    // the point at t = i / PARTS (written out, without arrays: this runs thousands of times a step)
    const t = i / PARTS;
    const u = 1 - t;
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    const x = a * n[0] + b * n[2] + c * n[4] + d * n[6];
    const y = a * n[1] + b * n[3] + c * n[5] + d * n[7];
    // a step meets the box when the box around its ends does (a step is short: nearly straight)
    if ((px > x ? px : x) >= x0 && (px < x ? px : x) <= x1 && (py > y ? py : y) >= y0 && (py < y ? py : y) <= y1) {
      if (first < 0) [first, before] = [i - 1, length];
      last = i;
    }
    length += Math.sqrt((x - px) * (x - px) + (y - py) * (y - py));
    px = x;
    py = y;
  }
  if (first < 0) return null;
  if (first === 0 && last === PARTS) return { pts: n, offset: 0 };
  if (inside(n[0], n[1]) && inside(n[6], n[7])) return { pts: n, offset: 0 };
  return { pts: subCubic(n, first / PARTS, last / PARTS), offset: before };
}
