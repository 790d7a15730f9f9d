// A large graph's edges, painted on a canvas beneath its SVG: a step then repaints only the sparse
// SVG (nodes, labels), never tens of thousands of curves; a changed weight repaints its own strip.

import { el, pathNumbers, viewScale } from "./svg.js";

const MAX_PIXELS = 18e6; // the bitmap is capped (memory; a projector-size graph is 79 M CSS px): beyond, fewer pixels per CSS px

function bounds(pts, margin) {
  const xs = pts.filter((_, i) => i % 2 === 0);
  const ys = pts.filter((_, i) => i % 2 === 1);
  // a cubic stays inside the hull of its control points
  return [Math.min(...xs) - margin, Math.min(...ys) - margin, Math.max(...xs) + margin, Math.max(...ys) + margin];
}

/** An edge's colour: a weight's by its sign (as .edge-weight.pos/.neg), any other the line colour. */
function colourOf(e, colours) {
  return e.sign === "pos" ? colours.pos : e.sign === "neg" ? colours.neg : colours.line;
}

/**
 * `edges`: render.js's edge records ({ geo, sign, width }), whose sign and width restyle keeps
 * current; `stroke`: the metrics' stroke unit (a weight edge is at most 14.4 of them wide).
 */
export function createEdgeCanvas(svg, edges, stroke) {
  const canvas = document.createElement("canvas");
  canvas.className = "graph-edges";
  canvas.setAttribute("aria-hidden", "true");
  canvas.style.width = svg.style.width;
  canvas.style.height = svg.style.height;
  svg.before(canvas);
  // drawn through an OffscreenCanvas: its frames go to the compositor directly, so the page's own
  // commits (every step) never copy this large bitmap again, as they do for a plain canvas
  const surface = canvas.transferControlToOffscreen ? canvas.transferControlToOffscreen() : canvas;
  const ctx = surface.getContext("2d");
  const margin = 8 * stroke;
  const items = [];
  for (const e of edges.values()) {
    if (e.geo.kind === "internal") continue; // drawn with no stroke (.edge-internal)
    const pts = pathNumbers(e.geo.d);
    if (pts.length === 4 || pts.length === 8) items.push({ e, pts, box: bounds(pts, margin) });
  }
  let view = null; // viewBox → canvas pixels: scale k, offsets ox, oy
  let colours = null;
  const dirty = new Set();
  let fresh = false; // painted since drawn: a flush then repaints only what changed

  function readColours() {
    const cs = getComputedStyle(svg);
    const v = (name) => cs.getPropertyValue(name).trim();
    return { pos: v("--pos"), neg: v("--neg"), line: v("--line") };
  }

  function strokeAll(target, list, palette) {
    target.lineCap = "round";
    let colour = null;
    let width = null;
    let dashed = false;
    target.setLineDash([]);
    for (const { e, pts } of list) {
      const c = colourOf(e, palette);
      const w = Number(e.width);
      if (c !== colour) target.strokeStyle = colour = c;
      if (w !== width) target.lineWidth = width = w;
      const dash = e.geo.kind === "cross"; // .edge-cross: dashed 3 4
      if (dash !== dashed) target.setLineDash((dashed = dash) ? [3, 4] : []);
      target.beginPath();
      target.moveTo(pts[0], pts[1]);
      if (pts.length === 8) target.bezierCurveTo(pts[2], pts[3], pts[4], pts[5], pts[6], pts[7]);
      else target.lineTo(pts[2], pts[3]);
      target.stroke();
    }
  }

  /** Size the bitmap to the canvas's CSS box (as the SVG's viewBox sits in it: centred, "meet"). */
  function fit() {
    const cw = canvas.clientWidth;
    const ch = canvas.clientHeight;
    let dpr = window.devicePixelRatio || 1;
    if (cw * ch * dpr * dpr > MAX_PIXELS) dpr = Math.sqrt(MAX_PIXELS / Math.max(1, cw * ch));
    surface.width = Math.max(1, Math.round(cw * dpr));
    surface.height = Math.max(1, Math.round(ch * dpr));
    const { k, ox, oy } = viewScale(svg, cw, ch);
    view = { k: k * dpr, ox: ox * dpr, oy: oy * dpr };
  }

  /** Paint every edge afresh (a new drawing, size or theme). */
  function paint() {
    if (!canvas.isConnected) return; // replaced by a new drawing meanwhile
    fit();
    colours = readColours();
    dirty.clear();
    fresh = true;
    ctx.setTransform(view.k, 0, 0, view.k, view.ox, view.oy);
    strokeAll(ctx, items, colours);
  }

  /** Repaint the strip the changed edges cover: cleared, clipped, and every edge crossing it redrawn. */
  function flush() {
    if (!fresh) return paint(); // the first paint waits for the first step's values (one paint, not two)
    if (!dirty.size) return;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const it of items) {
      if (!dirty.has(it.e)) continue;
      x0 = Math.min(x0, it.box[0]);
      y0 = Math.min(y0, it.box[1]);
      x1 = Math.max(x1, it.box[2]);
      y1 = Math.max(y1, it.box[3]);
    }
    dirty.clear();
    if (x0 > x1) return;
    const { k, ox, oy } = view;
    // whole device pixels, so the pixels inside are exactly what a full paint gives
    const px0 = Math.max(0, Math.floor(ox + x0 * k));
    const py0 = Math.max(0, Math.floor(oy + y0 * k));
    const px1 = Math.min(surface.width, Math.ceil(ox + x1 * k));
    const py1 = Math.min(surface.height, Math.ceil(oy + y1 * k));
    if (px1 <= px0 || py1 <= py0) return;
    const area = [(px0 - ox) / k, (py0 - oy) / k, (px1 - ox) / k, (py1 - oy) / k];
    const crossing = items.filter(({ box }) => box[0] < area[2] && box[2] > area[0] && box[1] < area[3] && box[3] > area[1]);
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(px0, py0, px1 - px0, py1 - py0);
    ctx.beginPath();
    ctx.rect(px0, py0, px1 - px0, py1 - py0);
    ctx.clip();
    ctx.setTransform(k, 0, 0, k, ox, oy);
    strokeAll(ctx, crossing, colours);
    ctx.restore();
  }

  return {
    canvas,
    surface,
    paint,
    flush,
    /** An edge's sign or width changed: repainted at the next flush. */
    touch: (e) => dirty.add(e),
    /** For the PNG export: every edge onto a context already scaled to viewBox units. */
    paintOn: (target) => strokeAll(target, items, readColours()),
    /** For the SVG export: every edge as a path with its style written out. */
    paths(doc) {
      const palette = readColours();
      const g = doc.createElementNS("http://www.w3.org/2000/svg", "g");
      for (const { e } of items) {
        const attrs = { d: e.geo.d, fill: "none", stroke: colourOf(e, palette), "stroke-width": e.width, "stroke-linecap": "round" };
        if (e.geo.kind === "cross") attrs["stroke-dasharray"] = "3 4";
        el("path", attrs, g);
      }
      return g;
    },
    remove: () => canvas.remove(),
  };
}
