// Painting a large graph's edges (tens of thousands of curves) on a 2D canvas: the painter behind
// edge-canvas.js. It runs in a worker (edge-worker.js), so that the seconds a first paint takes
// on a large bitmap never block the page; where workers cannot draw, on the page itself. Either
// way the part in view is shown first, and the whole picture once every edge is painted, in slices
// between which it reads the messages that came meanwhile.

import { meets, tracePath } from "../svg.js";

const COLOURS = ["line", "pos", "neg"]; // an edge's colour: the index of its name here

/**
 * Stroke `list` (edges: { pts, colour, width, dash }) on `ctx`, whose transform maps viewBox units
 * to pixels; `palette`: CSS colours by name (line, pos, neg). Lines are "M x y L x y" (4 numbers),
 * curves "M x y C x y x y x y" (8); a dashed edge is a cross edge (.edge-cross: 3 4).
 */
export function strokeEdges(ctx, list, palette) {
  ctx.lineCap = "round";
  let colour = null;
  let width = null;
  let dashed = false;
  ctx.setLineDash([]);
  for (const { pts, colour: c, width: w, dash } of list) {
    const css = palette[COLOURS[c]];
    if (css !== colour) ctx.strokeStyle = colour = css;
    if (w !== width) ctx.lineWidth = width = w;
    if (dash !== dashed) ctx.setLineDash((dashed = dash) ? [3, 4] : []);
    tracePath(ctx, pts);
    ctx.stroke();
  }
}

export const colourIndex = (sign) => (sign === "pos" ? 1 : sign === "neg" ? 2 : 0);

/** A cubic stays inside the hull of its control points: its box, grown by `margin`. */
function bounds(pts, margin) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < pts.length; i += 2) {
    x0 = Math.min(x0, pts[i]);
    x1 = Math.max(x1, pts[i]);
    y0 = Math.min(y0, pts[i + 1]);
    y1 = Math.max(y1, pts[i + 1]);
  }
  return [x0 - margin, y0 - margin, x1 + margin, y1 + margin];
}

/** A canvas out of sight: an OffscreenCanvas (in a worker, the only kind), else an element. */
const makeCanvas = (width, height) =>
  typeof OffscreenCanvas === "function" ? new OffscreenCanvas(width, height) : Object.assign(document.createElement("canvas"), { width, height });

/** The smallest box holding both (either may be null). */
const union = (a, b) => (!a ? b : !b ? a : [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);

/**
 * A painter for one canvas, driven by messages (the worker's, or the page's own calls):
 * - { type: "init", canvas, pts: Float64Array (8 per edge), len: Uint8Array (4 or 8), dash: Uint8Array (1: dashed), margin }
 * - { type: "paint", seq, colour: Uint8Array, width: Float64Array (every edge's), size: [w, h], view: { k, ox, oy }, palette, focus: [x0, y0, x1, y1] }:
 *   everything afresh, the edges crossing `focus` (viewBox units, the part in view) first
 * - { type: "restyle", seq, changes: [[index, colour, width], ...] }: those edges' strip painted again
 * - { type: "focus", area }: the part now in view, painted before the rest if a full paint is under way
 * `reply({ type: "painted", seq, size })` follows each, once its pixels are all on the canvas. A
 * full paint shows the part in view first, then everything; between slices of about `sliceMs`
 * it reads the messages that came meanwhile.
 */
export function createPainter(reply, sliceMs) {
  let canvas = null;
  let ctx = null;
  let items = [];
  let view = null;
  let palette = null;
  let generation = 0; // a newer full paint stops an older one between slices
  let painting = false;
  let strip = null; // restyled while a full paint was under way: painted again after it
  let absorbed = 0; // the last restyle's seq taken over by the full paint under way
  let seenArea = null; // the part in view (viewBox units), while a full paint is under way

  function init(msg) {
    canvas = msg.canvas;
    ctx = canvas.getContext("2d");
    items = [];
    for (let i = 0; i < msg.len.length; i += 1) {
      const pts = Array.from(msg.pts.subarray(8 * i, 8 * i + msg.len[i]));
      items.push({ pts, colour: 0, width: 1, dash: msg.dash[i] === 1, box: bounds(pts, msg.margin) });
    }
  }

  const pause = () => new Promise((resume) => setTimeout(resume, 0));

  async function paint(msg) {
    const mine = (generation += 1);
    painting = true;
    try {
      items.forEach((it, i) => {
        it.colour = msg.colour[i];
        it.width = msg.width[i];
      });
      // a new size starts blank; the same size keeps the old picture until the new one replaces it
      if (canvas.width !== msg.size[0] || canvas.height !== msg.size[1]) Object.assign(canvas, { width: msg.size[0], height: msg.size[1] });
      view = msg.view;
      palette = msg.palette;
      seenArea = msg.focus;
      // the part in view first, as a strip, shown at once (unless it is most of the picture);
      // meanwhile every edge is painted, in its own order, on a canvas out of sight, which then
      // replaces the whole picture in one go
      const seen = msg.focus && pixelsOf(msg.focus);
      if (seen && (seen.px[2] - seen.px[0]) * (seen.px[3] - seen.px[1]) < 0.5 * canvas.width * canvas.height) {
        paintStrip(seen);
        await pause();
        if (mine !== generation) return; // a newer paint took over
      }
      const buffer = makeCanvas(canvas.width, canvas.height);
      const out = buffer.getContext("2d");
      out.setTransform(view.k, 0, 0, view.k, view.ox, view.oy);
      let i = 0;
      while (i < items.length) {
        const t0 = performance.now();
        do {
          const end = Math.min(items.length, i + 64);
          strokeEdges(out, items.slice(i, end), palette);
          i = end;
        } while (i < items.length && performance.now() - t0 < sliceMs);
        if (i < items.length) {
          await pause(); // messages that came meanwhile are read
          if (mine !== generation) return;
        }
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(buffer, 0, 0);
      buffer.width = buffer.height = 1; // its memory back at once (a large graph's is 70 MB)
      painting = false;
      if (strip) {
        const area = pixelsOf(strip);
        strip = null;
        if (area) paintStrip(area);
      }
      reply({ type: "painted", seq: Math.max(msg.seq, absorbed), size: [canvas.width, canvas.height] });
    } catch (err) {
      if (mine === generation) reply({ type: "painted", seq: Math.max(msg.seq, absorbed), size: [canvas.width, canvas.height], error: String(err) });
    } finally {
      if (mine === generation) painting = false;
    }
  }

  /** While a full paint is under way: the part of `area` in view, painted on the canvas before the rest. */
  function paintSeen(area) {
    if (!seenArea || !view) return;
    const both = [Math.max(area[0], seenArea[0]), Math.max(area[1], seenArea[1]), Math.min(area[2], seenArea[2]), Math.min(area[3], seenArea[3])];
    const px = both[2] > both[0] && both[3] > both[1] && pixelsOf(both);
    if (px) paintStrip(px);
  }

  /** The whole device pixels `area` (viewBox units) covers: { px, area } (the area they cover), or null. */
  function pixelsOf(area) {
    const { k, ox, oy } = view;
    const px0 = Math.max(0, Math.floor(ox + area[0] * k));
    const py0 = Math.max(0, Math.floor(oy + area[1] * k));
    const px1 = Math.min(canvas.width, Math.ceil(ox + area[2] * k));
    const py1 = Math.min(canvas.height, Math.ceil(oy + area[3] * k));
    if (px1 <= px0 || py1 <= py0) return null;
    return { px: [px0, py0, px1, py1], area: [(px0 - ox) / k, (py0 - oy) / k, (px1 - ox) / k, (py1 - oy) / k] };
  }

  /** Clear a strip (pixelsOf's), clipped to its pixels, and stroke every edge crossing it. */
  function paintStrip({ px: [px0, py0, px1, py1], area }) {
    const { k, ox, oy } = view;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(px0, py0, px1 - px0, py1 - py0);
    ctx.beginPath();
    ctx.rect(px0, py0, px1 - px0, py1 - py0);
    ctx.clip();
    ctx.setTransform(k, 0, 0, k, ox, oy);
    strokeEdges(
      ctx,
      items.filter(({ box }) => meets(box, area)),
      palette,
    );
    ctx.restore();
  }

  function restyle(msg) {
    let area = null;
    for (const [i, colour, width] of msg.changes) {
      const it = items[i];
      if (!it) continue;
      it.colour = colour;
      it.width = width;
      area = union(area, it.box);
    }
    if (painting) {
      if (area) {
        strip = union(strip, area);
        paintSeen(area); // what is in view shows the change now; all of it once the paint is done
      }
      absorbed = msg.seq;
      return; // the full paint under way replies once it and the strip are done
    }
    const px = area && view && pixelsOf(area);
    if (px) paintStrip(px);
    reply({ type: "painted", seq: msg.seq, size: [canvas.width, canvas.height] });
  }

  return {
    handle(msg) {
      if (msg.type === "init") init(msg);
      else if (msg.type === "paint") paint(msg);
      else if (msg.type === "restyle") restyle(msg);
      else if (msg.type === "focus" && painting) {
        seenArea = msg.area; // the frame scrolled during a full paint: what it shows now, before the rest
        paintSeen(msg.area);
      }
    },
    /** No more painting (the canvas is gone): a full paint under way stops at its next slice. */
    stop() {
      generation += 1;
      painting = false;
    },
  };
}
