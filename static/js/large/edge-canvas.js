// A large graph's edges, painted on a canvas beneath its SVG: a step then repaints only the sparse
// SVG (nodes, labels), never tens of thousands of curves; a changed weight repaints its own strip.
// The painting itself (edge-paint.js) runs in a worker, and the page goes on meanwhile: the 10 × 64
// network's 41,600 curves take seconds at the bitmap's resolution, so the edges in view are shown
// first, then every edge at a lower resolution (a fraction of a second), then the rest at the
// bitmap's own, tile by tile, the tiles near the view first, while no step comes.

import { colourIndex, createPainter, strokeEdges } from "./edge-paint.js";
import { el, pathNumbers, viewScale } from "../svg.js";

const MAX_PIXELS = 18e6; // the bitmap is capped (memory; a projector-size graph is 79 M CSS px): beyond, fewer pixels per CSS px

/** An edge's colour: a weight's by its sign (as .edge-weight.pos/.neg), any other the line colour. */
function colourOf(e, colours) {
  return e.sign === "pos" ? colours.pos : e.sign === "neg" ? colours.neg : colours.line;
}

const WARM_MS = 60_000; // a worker started ahead and not taken by then is ended
let warm = null; // { worker, failed, timer }: started ahead by warmPainter(), not yet taken
const newWorker = () => new Worker(new URL("./edge-worker.js", import.meta.url), { type: "module" });

/**
 * Start the edge painter's worker ahead, while a large network's lesson is still on its way: a
 * worker takes a second or more to start on a busy machine, and its edges would wait for it.
 */
export function warmPainter() {
  const canPaint = typeof HTMLCanvasElement === "function" && HTMLCanvasElement.prototype.transferControlToOffscreen;
  if (warm || typeof Worker !== "function" || !canPaint) return;
  try {
    const w = { worker: newWorker(), failed: null, timer: 0 };
    w.worker.onerror = (ev) => {
      ev.preventDefault(); // told when it is taken: a fresh worker is started then
      w.failed = ev.message || "its worker did not start";
    };
    w.timer = setTimeout(() => {
      if (warm !== w) return;
      warm = null;
      w.worker.terminate();
    }, WARM_MS);
    warm = w;
  } catch {
    warm = null;
  }
}

/** The worker started ahead, if it is still well; else a new one. */
function takeWorker() {
  const w = warm;
  warm = null;
  if (!w) return newWorker();
  clearTimeout(w.timer);
  if (!w.failed) return w.worker;
  w.worker.terminate();
  return newWorker();
}

/**
 * A painter in a worker, which the canvas is handed to; null where that cannot be. `onFail` is
 * told if the worker dies (it cannot load, say): the canvas cannot come back from it.
 */
function workerPainter(canvas, onReply, onFail) {
  if (!canvas.transferControlToOffscreen || typeof Worker !== "function") return null;
  let worker = null;
  try {
    worker = takeWorker();
    const surface = canvas.transferControlToOffscreen();
    worker.onmessage = (ev) => onReply(ev.data);
    worker.onerror = (ev) => {
      ev.preventDefault();
      worker.terminate();
      onFail(ev.message || "its worker did not start");
    };
    return {
      send: (msg, transfer = []) => (msg.type === "init" ? worker.postMessage({ ...msg, canvas: surface }, [surface, ...transfer]) : worker.postMessage(msg, transfer)),
      stop: () => worker.terminate(),
    };
  } catch {
    worker?.terminate();
    return null;
  }
}

/** A painter on the page itself, in short slices (through an OffscreenCanvas where there is one). */
function pagePainter(canvas, onReply) {
  const surface = canvas.transferControlToOffscreen ? canvas.transferControlToOffscreen() : canvas;
  const painter = createPainter(onReply, 12);
  return {
    send: (msg) => painter.handle(msg.type === "init" ? { ...msg, canvas: surface } : msg),
    stop: painter.stop,
  };
}

function newCanvas(svg) {
  const canvas = document.createElement("canvas");
  canvas.className = "graph-edges";
  canvas.setAttribute("aria-hidden", "true");
  canvas.style.width = svg.style.width;
  canvas.style.height = svg.style.height;
  return canvas;
}

/**
 * `edges`: render.js's edge records ({ geo, sign, width, pts, slot }), whose sign and width
 * restyle keeps current; `stroke`: the metrics' stroke unit (a weight edge is at most 14.4 of them wide).
 */
export function createEdgeCanvas(svg, edges, stroke) {
  let canvas = newCanvas(svg);
  svg.before(canvas);
  // the records painted, in the painter's order: a record's `slot` is its number there (no
  // object or map entry made per edge: the 10 × 64 network has 41,600); listed, and the painter
  // started with them, when the first paint or an export needs them (ready): the first step is
  // drawn before that, and the page's first frame has none of the edges on it in any case
  let items = null;
  function list() {
    items = [];
    for (const e of edges.values()) {
      if (e.geo.kind === "internal") continue; // drawn with no stroke (.edge-internal)
      const pts = (e.pts ??= e.geo.pts || pathNumbers(e.geo.d)); // the dot canvas marks edges from the same numbers
      if (pts.length !== 4 && pts.length !== 8) continue;
      e.slot = items.length;
      items.push(e);
    }
  }
  // canvas[data-painted]: "pending" while a paint asked for is not all on the canvas, then "done"
  // (every edge on it; far from the view, a large picture's may be at a lower resolution still);
  // canvas[data-sharp]: how much of the last full paint is at the bitmap's resolution: "pending",
  // "view" (the part in view and around it), "done" (all of it);
  // canvas[data-bitmap]: the painted bitmap's size ("808x3936"), which the page cannot read back
  let asked = 0;
  let whole = 0; // the last full paint's seq
  let looks = 0; // the part in view told to the painter: how many times
  const pictures = new Map(); // an export's number → its promise's { done, fail }
  let pictured = 0;
  const onReply = ({ type, seq, size, error, look, all, id, blob, copied }) => {
    if (type === "picture") {
      const p = pictures.get(id);
      pictures.delete(id);
      // canvas[data-picture]: how the last PNG export got its edges: "copied" from this canvas
      // (every edge on it sharp, at the PNG's scale) or "painted" afresh
      if (blob) canvas.dataset.picture = copied ? "copied" : "painted";
      if (p && blob) p.done(blob);
      else p?.fail(new Error(error || "the picture could not be painted"));
      return;
    }
    if (error) console.error(`The edges could not all be painted: ${error}`);
    if (type === "sharp") {
      if (seq === whole && (all || look === looks)) canvas.dataset.sharp = all ? "done" : "view";
      return;
    }
    if (seq !== asked) return;
    canvas.dataset.bitmap = size.join("x");
    canvas.dataset.painted = "done";
  };
  let painter = null;
  /** The records listed and the painter started with their geometry, once. */
  function ready() {
    if (painter) return;
    list();
    painter = workerPainter(canvas, onReply, (why) => {
      // the worker died: a fresh canvas, painted by the page
      console.error(`The edges are painted by the page: ${why}`);
      for (const p of pictures.values()) p.fail(new Error("the painter stopped"));
      pictures.clear();
      const fresh = newCanvas(svg);
      canvas.replaceWith(fresh);
      canvas = fresh;
      painter = pagePainter(canvas, onReply);
      start();
      if (painted) paint();
    }) || pagePainter(canvas, onReply);
    start();
  }
  const send = (msg, transfer) => {
    asked += 1;
    canvas.dataset.painted = "pending";
    painter.send({ ...msg, seq: asked }, transfer);
  };
  /** Every edge's colour and width as they are now (restyle keeps the records current). */
  function styles() {
    const [colour, width] = [new Uint8Array(items.length), new Float64Array(items.length)];
    items.forEach((e, i) => {
      colour[i] = colourIndex(e.sign);
      width[i] = Number(e.width);
    });
    return { colour, width };
  }
  /** The edges' geometry, to the painter once. */
  function start() {
    const n = items.length;
    const [pts, len, dash] = [new Float64Array(8 * n), new Uint8Array(n), new Uint8Array(n)];
    for (let i = 0; i < n; i++) {
      const e = items[i];
      const p = e.pts;
      // copied number by number: TypedArray#set from a plain array took the slow path (≈ 4 µs an edge)
      for (let k = 0; k < p.length; k++) pts[8 * i + k] = p[k];
      len[i] = p.length;
      dash[i] = e.geo.kind === "cross" ? 1 : 0; // .edge-cross: dashed 3 4
    }
    painter.send({ type: "init", pts, len, dash, margin: 8 * stroke }, [pts.buffer, len.buffer, dash.buffer]);
  }
  const dirty = new Set();
  let painted = false; // asked for a full paint: a flush then repaints only what changed
  let shown = null; // the part in view the painter was last told of, while it paints everything
  let first = 0;

  function readColours() {
    const cs = getComputedStyle(svg);
    const v = (name) => cs.getPropertyValue(name).trim();
    return { pos: v("--pos"), neg: v("--neg"), line: v("--line") };
  }

  /**
   * The part of the drawing in the frame's view (viewBox units); from `view` (the frame's scroll
   * position and size, and the SVG's size, in CSS px) if the caller read them, else read here.
   */
  function inView(view = null) {
    const wrap = svg.parentElement;
    const { left, top, width, height, svgWidth, svgHeight } = view || {
      left: wrap.scrollLeft,
      top: wrap.scrollTop,
      width: wrap.clientWidth,
      height: wrap.clientHeight,
      svgWidth: canvas.clientWidth,
      svgHeight: canvas.clientHeight,
    };
    const { k, ox, oy } = viewScale(svg, svgWidth, svgHeight);
    return [(left - ox) / k, (top - oy) / k, (left + width - ox) / k, (top + height - oy) / k];
  }

  /** Paint every edge afresh (a new drawing, size or theme), the ones in the frame's view first. */
  function paint() {
    cancelAnimationFrame(first);
    first = 0;
    if (!canvas.isConnected) return; // replaced by a new drawing meanwhile
    ready();
    const [cw, ch] = [canvas.clientWidth, canvas.clientHeight];
    let dpr = window.devicePixelRatio || 1;
    if (cw * ch * dpr * dpr > MAX_PIXELS) dpr = Math.sqrt(MAX_PIXELS / Math.max(1, cw * ch));
    const { k, ox, oy } = viewScale(svg, cw, ch);
    dirty.clear();
    painted = true;
    const { colour, width } = styles();
    const focus = inView();
    shown = focus;
    canvas.dataset.sharp = "pending";
    whole = asked + 1; // send()'s
    send(
      {
        type: "paint",
        colour,
        width,
        size: [Math.max(1, Math.round(cw * dpr)), Math.max(1, Math.round(ch * dpr))],
        view: { k: k * dpr, ox: ox * dpr, oy: oy * dpr },
        palette: readColours(),
        focus,
        look: (looks += 1),
      },
      [colour.buffer, width.buffer],
    );
  }

  /** Repaint the strip the changed edges cover (every edge crossing it is drawn again). */
  function flush() {
    // the first paint waits for the first step's values (one paint, not two), and for the frame
    // in which the graph is scrolled to that step (main.js settle(), asked for before this)
    // (and in the frame after that one: the frame that shows the first step does not wait for
    // the records to be listed and handed to the painter, which it would not show yet)
    if (!painted) {
      if (!first) first = requestAnimationFrame(() => (first = requestAnimationFrame(paint)));
      return;
    }
    const changes = [];
    for (const e of dirty) if (items[e.slot] === e) changes.push([e.slot, colourIndex(e.sign), Number(e.width)]);
    dirty.clear();
    if (changes.length) send({ type: "restyle", changes });
    // every step, however soon after the last: told only of the first of steps < 100 ms apart, the
    // painter saw a pause and painted 8 tiles (30-45 ms of a core) among the steps' frames
    else if (canvas.dataset.sharp !== "done") painter.send({ type: "step" }); // tiles wait
  }

  /**
   * The frame scrolled (`view`: as inView's): while a full paint, or its tiles, is under way, the
   * part now in view is painted before the rest.
   */
  function follow(view) {
    if (!painted || (canvas.dataset.painted !== "pending" && canvas.dataset.sharp === "done")) return;
    const area = inView(view);
    // a step that keeps the view, or shows less of it (a frame grown shorter), asks for nothing
    if (shown && area[0] >= shown[0] && area[1] >= shown[1] && area[2] <= shown[2] && area[3] <= shown[3]) return;
    shown = area;
    if (canvas.dataset.sharp === "view") canvas.dataset.sharp = "pending";
    painter.send({ type: "focus", area, look: (looks += 1) });
  }

  const paintOn = (target, palette) =>
    strokeEdges(
      target,
      items.map((e) => ({ pts: e.pts, colour: colourIndex(e.sign), width: Number(e.width), dash: e.geo.kind === "cross" })),
      palette,
    );

  /**
   * For the PNG export: a picture of `size` device px (`scale` of them a viewBox unit; `box` the
   * viewBox's size) on `background`, with every edge as it is now, then the records (paint-ops.js:
   * the nodes and labels) that `read(add)` hands to `add` a few at a time until the promise it
   * returns settles, encoded as a PNG Blob by the painter: in its worker, the page's thread
   * stays free. The records go to the painter as they come, not in one large message.
   */
  function picture({ size, scale, box, background, read }) {
    ready();
    const id = (pictured += 1);
    const { colour, width } = styles();
    const made = new Promise((done, fail) => pictures.set(id, { done, fail }));
    painter.send({ type: "picture", id, size, scale, box, background, palette: readColours(), colour, width }, [colour.buffer, width.buffer]);
    read((ops) => painter.send({ type: "picture-ops", id, ops })).then(
      () => painter.send({ type: "picture-ops", id, end: true }),
      (err) => {
        painter.send({ type: "picture-ops", id, end: true, cancel: true });
        pictures.get(id)?.fail(err);
        pictures.delete(id);
      },
    );
    return made;
  }

  return {
    picture,
    get canvas() {
      return canvas;
    },
    paint,
    flush,
    follow,
    /** An edge's sign or width changed: repainted at the next flush. */
    touch: (e) => dirty.add(e),
    /** For the PNG export: every edge onto a context already scaled to viewBox units. */
    paintOn: (target) => {
      ready();
      paintOn(target, readColours());
    },
    /** For the SVG export: every edge as a path with its style written out. */
    paths(doc) {
      ready();
      const palette = readColours();
      const g = doc.createElementNS("http://www.w3.org/2000/svg", "g");
      for (const e of items) {
        const attrs = { d: e.geo.d, fill: "none", stroke: colourOf(e, palette), "stroke-width": e.width, "stroke-linecap": "round" };
        if (e.geo.kind === "cross") attrs["stroke-dasharray"] = "3 4";
        el("path", attrs, g);
      }
      return g;
    },
    /**
     * For a large graph's SVG export (export.js): `count` edges, edge `i` as a path's text, with
     * its colour and width written out; the fill and round caps it shares with every edge are the
     * group's (`group`). What paths() writes, one edge at a time, without a DOM element each.
     */
    pathTexts() {
      ready();
      const palette = readColours();
      return {
        group: { fill: "none", "stroke-linecap": "round" },
        count: items.length,
        text(i) {
          const e = items[i];
          const dash = e.geo.kind === "cross" ? ' stroke-dasharray="3 4"' : "";
          return `<path d="${e.geo.d}" stroke="${colourOf(e, palette)}" stroke-width="${e.width}"${dash}/>`;
        },
      };
    },
    remove() {
      cancelAnimationFrame(first);
      for (const p of pictures.values()) p.fail(new Error("the drawing changed meanwhile; try again"));
      pictures.clear();
      painter?.stop();
      canvas.remove();
    },
  };
}
