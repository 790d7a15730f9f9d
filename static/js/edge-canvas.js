// A large graph's edges, painted on a canvas beneath its SVG: a step then repaints only the sparse
// SVG (nodes, labels), never tens of thousands of curves; a changed weight repaints its own strip.
// The painting itself (edge-paint.js) runs in a worker: a first paint of the 10 × 64 network's
// 41,600 curves takes seconds, and the page goes on meanwhile, the edges in view shown first.

import { colourIndex, createPainter, strokeEdges } from "./edge-paint.js";
import { el, pathNumbers, viewScale } from "./svg.js";

const MAX_PIXELS = 18e6; // the bitmap is capped (memory; a projector-size graph is 79 M CSS px): beyond, fewer pixels per CSS px

/** An edge's colour: a weight's by its sign (as .edge-weight.pos/.neg), any other the line colour. */
function colourOf(e, colours) {
  return e.sign === "pos" ? colours.pos : e.sign === "neg" ? colours.neg : colours.line;
}

/** The painter: in a worker when the canvas can be handed to one, else on the page (in short slices). */
function startPainter(canvas, onPainted) {
  if (canvas.transferControlToOffscreen && typeof Worker === "function") {
    try {
      const worker = new Worker(new URL("./edge-worker.js", import.meta.url), { type: "module" });
      const surface = canvas.transferControlToOffscreen();
      worker.onmessage = (ev) => onPainted(ev.data);
      worker.onerror = (ev) => console.error(`The edges could not be painted: ${ev.message || "the painter did not start"}`);
      return {
        send: (msg, transfer = []) => worker.postMessage(msg.type === "init" ? { ...msg, canvas: surface } : msg, msg.type === "init" ? [surface, ...transfer] : transfer),
        stop: () => worker.terminate(),
      };
    } catch {
      // a canvas already handed over cannot come back: a fresh one is used below
    }
  }
  const painter = createPainter(onPainted, 12);
  let stopped = false;
  return {
    send: (msg) => !stopped && painter.handle(msg.type === "init" ? { ...msg, canvas } : msg),
    stop: () => {
      stopped = true;
    },
  };
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
  const items = []; // for the exports, painted on the page
  const index = new Map(); // edge record → its number in the painter
  for (const e of edges.values()) {
    if (e.geo.kind === "internal") continue; // drawn with no stroke (.edge-internal)
    const pts = pathNumbers(e.geo.d);
    if (pts.length !== 4 && pts.length !== 8) continue;
    index.set(e, items.length);
    items.push({ e, pts });
  }
  // canvas[data-painted]: "pending" while a paint asked for is not all on the canvas, then "done";
  // canvas[data-bitmap]: the painted bitmap's size ("808x3936"), which the page cannot read back
  let asked = 0;
  const painter = startPainter(canvas, ({ seq, size }) => {
    if (seq !== asked) return;
    canvas.dataset.bitmap = size.join("x");
    canvas.dataset.painted = "done";
  });
  const send = (msg, transfer) => {
    asked += 1;
    canvas.dataset.painted = "pending";
    painter.send({ ...msg, seq: asked }, transfer);
  };
  /** Every edge's colour and width as they are now (restyle keeps the records current). */
  function styles() {
    const [colour, width] = [new Uint8Array(items.length), new Float64Array(items.length)];
    items.forEach(({ e }, i) => {
      colour[i] = colourIndex(e.sign);
      width[i] = Number(e.width);
    });
    return { colour, width };
  }
  {
    const n = items.length;
    const [pts, len, dash] = [new Float64Array(8 * n), new Uint8Array(n), new Uint8Array(n)];
    items.forEach(({ e, pts: p }, i) => {
      pts.set(p, 8 * i);
      len[i] = p.length;
      dash[i] = e.geo.kind === "cross" ? 1 : 0; // .edge-cross: dashed 3 4
    });
    painter.send({ type: "init", pts, len, dash, margin: 8 * stroke }, [pts.buffer, len.buffer, dash.buffer]);
  }
  const dirty = new Set();
  let fresh = false; // painted since drawn: a flush then repaints only what changed

  function readColours() {
    const cs = getComputedStyle(svg);
    const v = (name) => cs.getPropertyValue(name).trim();
    return { pos: v("--pos"), neg: v("--neg"), line: v("--line") };
  }

  /** Paint every edge afresh (a new drawing, size or theme), the ones in the frame's view first. */
  function paint() {
    if (!canvas.isConnected) return; // replaced by a new drawing meanwhile
    const [cw, ch] = [canvas.clientWidth, canvas.clientHeight];
    let dpr = window.devicePixelRatio || 1;
    if (cw * ch * dpr * dpr > MAX_PIXELS) dpr = Math.sqrt(MAX_PIXELS / Math.max(1, cw * ch));
    const { k, ox, oy } = viewScale(svg, cw, ch);
    const wrap = svg.parentElement;
    const focus = [(wrap.scrollLeft - ox) / k, (wrap.scrollTop - oy) / k, (wrap.scrollLeft + wrap.clientWidth - ox) / k, (wrap.scrollTop + wrap.clientHeight - oy) / k];
    dirty.clear();
    fresh = true;
    const { colour, width } = styles();
    send({
      type: "paint",
      colour,
      width,
      size: [Math.max(1, Math.round(cw * dpr)), Math.max(1, Math.round(ch * dpr))],
      view: { k: k * dpr, ox: ox * dpr, oy: oy * dpr },
      palette: readColours(),
      focus,
    }, [colour.buffer, width.buffer]);
  }

  /** Repaint the strip the changed edges cover (every edge crossing it is drawn again). */
  function flush() {
    if (!fresh) return paint(); // the first paint waits for the first step's values (one paint, not two)
    if (!dirty.size) return;
    const changes = [];
    for (const e of dirty) if (index.has(e)) changes.push([index.get(e), colourIndex(e.sign), Number(e.width)]);
    dirty.clear();
    if (changes.length) send({ type: "restyle", changes });
  }

  const paintOn = (target, palette) =>
    strokeEdges(
      target,
      items.map(({ e, pts }) => ({ pts, colour: colourIndex(e.sign), width: Number(e.width), dash: e.geo.kind === "cross" })),
      palette,
    );

  return {
    canvas,
    paint,
    flush,
    /** An edge's sign or width changed: repainted at the next flush. */
    touch: (e) => dirty.add(e),
    /** For the PNG export: every edge onto a context already scaled to viewBox units. */
    paintOn: (target) => paintOn(target, readColours()),
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
    remove() {
      painter.stop();
      canvas.remove();
    },
  };
}
