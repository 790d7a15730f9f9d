// Export the diagram as a standalone SVG (styles written out) or a PNG (painted on a canvas).

import { paintOps } from "./paint-ops.js";

const PROPS = ["fill", "stroke", "stroke-width", "stroke-dasharray", "opacity", "font-size", "font-family", "font-weight", "font-style", "text-anchor", "paint-order", "stroke-linejoin", "fill-opacity", "stroke-opacity"];

function visible(node) {
  const cs = getComputedStyle(node);
  return cs.display !== "none" && cs.visibility !== "hidden" && Number(cs.opacity) !== 0;
}

/** Save a Blob under a file name (an object URL on a temporary link; allowed by a strict CSP). */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function background(svg) {
  return getComputedStyle(document.body).getPropertyValue("--bg").trim() || "#ffffff";
}

/**
 * A copy whose every element carries its computed style as presentation attributes; `edges`: a
 * large graph's canvas-painted edges (large/edge-canvas.js), written out as paths beneath the rest.
 */
export function standaloneSvg(svg, edges = null) {
  const copy = svg.cloneNode(true);
  const live = [svg, ...svg.querySelectorAll("*")];
  const dead = [copy, ...copy.querySelectorAll("*")];
  live.forEach((node, i) => {
    const target = dead[i];
    for (const a of ["tabindex", "role", "class", "id"]) target.removeAttribute(a);
    if (node !== svg && !visible(node)) {
      target.setAttribute("display", "none");
      return;
    }
    const cs = getComputedStyle(node);
    for (const p of PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) target.setAttribute(p, v);
    }
  });
  const vb = svg.viewBox.baseVal;
  const bg = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  for (const [k, v] of Object.entries({ x: vb.x, y: vb.y, width: vb.width, height: vb.height, fill: background(svg) })) bg.setAttribute(k, v);
  copy.insertBefore(bg, copy.firstChild);
  if (edges) bg.after(edges.paths(document));
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  return new XMLSerializer().serializeToString(copy);
}

const SVG_NS = "http://www.w3.org/2000/svg";
const DROPPED = new Set(["tabindex", "role", "class", "id"]); // the page's own: no use in a file
const escapeAttr = (v) => v.replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESCAPES[c]);
const ATTR_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;" };
const escapeText = (v) => v.replace(/[&<>]/g, (c) => ATTR_ESCAPES[c]);
const attrText = (attrs) => {
  let out = "";
  for (const [k, v] of attrs) out += ` ${k}="${escapeAttr(String(v))}"`;
  return out;
};

/** `node`'s attributes but the page's own (DROPPED), as a Map. */
function attributesOf(node) {
  const attrs = new Map();
  for (const a of node.attributes) if (!DROPPED.has(a.name)) attrs.set(a.name, a.value);
  return attrs;
}

/** `node` and its descendants as they are, into `out` (a hidden part: no style read). */
function writePlain(node, out) {
  if (node.nodeType === Node.TEXT_NODE) return out.push(escapeText(node.data));
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  out.push(`<${node.tagName}${attrText(attributesOf(node))}`);
  if (!node.firstChild) return out.push("/>");
  out.push(">");
  for (let c = node.firstChild; c; c = c.nextSibling) writePlain(c, out);
  out.push(`</${node.tagName}>`);
}

/**
 * `node`'s start tag, up to its ">" (or its whole text, when `whole` or when it is hidden), into
 * `out`; its computed style written out as presentation attributes where it is not what it
 * inherits from its parent (`from`: the parent's values, null for the root: every one). The
 * picture standaloneSvg writes, without the 14 attributes it repeats on each of thousands of
 * elements. Returns its values (its children's `from`), or null when it is written whole.
 */
function writeStart(node, from, out, whole, styles = null) {
  const attrs = attributesOf(node);
  const tag = node.tagName;
  const known = styles?.of(node); // a large graph's: read once per kind of element (styleKinds)
  if (from && !(known ? known.shown : visible(node))) {
    attrs.set("display", "none"); // as standaloneSvg: hidden, its descendants as they are
    out.push(`<${tag}${attrText(attrs)}`);
    if (!node.firstChild) out.push("/>");
    else {
      out.push(">");
      for (let c = node.firstChild; c; c = c.nextSibling) writePlain(c, out);
      out.push(`</${tag}>`);
    }
    return null;
  }
  const cs = known ? known.cs : getComputedStyle(node);
  const mine = {};
  for (const p of PROPS) {
    const v = (mine[p] = known ? cs[p] : cs.getPropertyValue(p));
    // opacity is not inherited: written unless it is the initial 1
    const given = p === "opacity" ? v === "1" : from !== null && v === from[p];
    if (v && !given) attrs.set(p, v);
    else attrs.delete(p); // what the parent gives, or an attribute the page's CSS overrode
  }
  if (!from) attrs.set("xmlns", SVG_NS);
  out.push(`<${tag}${attrText(attrs)}`);
  if (!whole) {
    out.push(">");
    return mine;
  }
  if (!node.firstChild) {
    out.push("/>");
    return null;
  }
  out.push(">");
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === Node.ELEMENT_NODE) writeStart(c, mine, out, true, styles);
    else if (c.nodeType === Node.TEXT_NODE) out.push(escapeText(c.data));
  }
  out.push(`</${tag}>`);
  return null;
}

/**
 * A large graph's drawing as a standalone SVG, written in short tasks between which the page goes
 * on: a Blob. `runs` (large/large-graph.js exportRuns): its runs of nodes not drawn yet are drawn
 * first (hidden); each run culled from the view is shown only while it is written, within one
 * task. `edges`: its canvas-painted edges, written beneath the rest as paths, a few thousand a
 * task. `changed()`, true once the lesson has moved on: the export stops (MOVED_ON).
 */
async function writeSliced(svg, runs, edges, changed) {
  const pause = async () => {
    await nextTask();
    if (changed()) throw new Error(MOVED_ON);
  };
  await buildSliced(runs, pause);
  const parts = []; // Blobs of a few hundred kB: the text is encoded as it goes, not all at the end
  let out = [];
  const flush = () => {
    parts.push(new Blob(out));
    out = [];
  };
  const root = writeStart(svg, null, out, false);
  const vb = svg.viewBox.baseVal;
  const bg = { x: vb.x, y: vb.y, width: vb.width, height: vb.height, fill: background(svg) };
  out.push(`<rect${attrText(Object.entries(bg))}/>`);
  const paths = edges.pathTexts(); // beneath the rest, as on the page
  out.push(`<g${attrText(Object.entries(paths.group))}>`);
  for (let i = 0; i < paths.count; ) {
    const t0 = performance.now();
    do {
      for (const end = Math.min(paths.count, i + 1024); i < end; ) out.push(paths.text(i++));
      flush(); // encoding the text takes longer than writing it: counted in the task's time
    } while (i < paths.count && performance.now() - t0 < SLICE_MS);
    await pause();
  }
  out.push("</g>");
  // depth first, in the document's order: a run of nodes is written whole in one task (shown
  // meanwhile if culled and an element's kind is new), an element with runs in it opened, its
  // children after, then closed
  const todo = [...svg.childNodes].reverse().map((node) => ({ node, from: root }));
  const styles = styleKinds(svg, (g) => runs.open(g));
  while (todo.length) {
    const t0 = performance.now();
    styles.begin();
    do {
      if (out.length > 4096) flush();
      const { node, from, end } = todo.pop();
      if (end) {
        out.push(end);
        continue;
      }
      if (node.nodeType === Node.TEXT_NODE) out.push(escapeText(node.data));
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      if (!node.isConnected) throw new Error("the drawing changed meanwhile; try again");
      if (node.classList.contains("chunk")) {
        try {
          writeStart(node, from, out, true, styles);
        } finally {
          styles.end();
        }
        continue;
      }
      const split = node.querySelector(".chunk") !== null;
      const mine = writeStart(node, from, out, !split, styles);
      if (!mine) continue;
      todo.push({ end: `</${node.tagName}>` });
      for (let c = node.lastChild; c; c = c.previousSibling) todo.push({ node: c, from: mine });
    } while (todo.length && performance.now() - t0 < SLICE_MS);
    styles.end();
    flush();
    await pause();
  }
  out.push(`</${svg.tagName}>`);
  flush();
  return new Blob(parts, { type: "image/svg+xml" });
}

/**
 * The drawing as a standalone SVG Blob. A small graph's is written at once (`whole` runs it with
 * every element rendered); a large one's (`edges`, `runs`) in short tasks (writeSliced).
 */
export async function makeSvg(svg, { edges = null, runs = null, whole = (fn) => fn(), changed = () => false } = {}) {
  if (!edges || !runs) return new Blob([whole(() => standaloneSvg(svg, edges))], { type: "image/svg+xml" });
  const blob = await writeSliced(svg, runs, edges, changed);
  if (changed()) throw new Error(MOVED_ON);
  return blob;
}

const PAINTED = "rect, line, path, circle, text"; // the element kinds the renderer draws

/**
 * `node` as a paint-ops.js record, or null when it is not shown (hidden itself or in a hidden
 * parent: `shown(p)` answers for each parent, and may remember its answers). `cs`: its computed
 * style, or what stands for it (styleKinds).
 */
function record(svg, node, shown, cs = null) {
  if (!cs) {
    for (let p = node.parentElement; p && p !== svg; p = p.parentElement) if (!shown(p)) return null;
    if (!visible(node) || node.closest("[display='none']")) return null;
    cs = getComputedStyle(node);
  }
  const num = (a) => Number(node.getAttribute(a) || 0);
  const op = {
    tag: node.tagName,
    alpha: Number(cs.opacity) * Number(cs.fillOpacity || 1),
    fill: cs.fill !== "none" ? cs.fill : null,
    stroke: cs.stroke !== "none" ? cs.stroke : null,
    lineWidth: parseFloat(cs.strokeWidth) || 1,
    dash: cs.strokeDasharray && cs.strokeDasharray !== "none" ? cs.strokeDasharray.split(/[ ,]+/).map(parseFloat) : [],
  };
  if (op.tag === "text") {
    op.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    op.align = cs.textAnchor === "middle" ? "center" : cs.textAnchor === "end" ? "right" : "left";
    op.strokeFirst = cs.paintOrder.startsWith("stroke");
    Object.assign(op, { text: node.textContent, x: num("x"), y: num("y") });
  } else if (op.tag === "path") op.d = node.getAttribute("d");
  else if (op.tag === "line") op.d = `M${num("x1")},${num("y1")} L${num("x2")},${num("y2")}`;
  else if (op.tag === "circle") Object.assign(op, { cx: num("cx"), cy: num("cy"), r: num("r") });
  else Object.assign(op, { x: num("x"), y: num("y"), width: num("width"), height: num("height"), rx: num("rx") });
  return op;
}

/** Every element of `svg` shown, as records, at once (a small graph: a few hundred). */
function recordAll(svg) {
  return [...svg.querySelectorAll(PAINTED)].map((node) => record(svg, node, visible)).filter(Boolean);
}

const SLICE_MS = 25; // a large graph's export reads its drawing in tasks of about this long
const nextTask = () => new Promise((resume) => setTimeout(resume, 0));

/** A large graph's runs of nodes not drawn yet (`runs`: large/large-graph.js exportRuns), drawn a few a task, hidden if culled; `pause()` between tasks. */
async function buildSliced(runs, pause) {
  const todo = runs.pending();
  for (let i = 0; i < todo.length; ) {
    const t0 = performance.now();
    do runs.build(todo.slice(i, (i += 2)));
    while (i < todo.length && performance.now() - t0 < SLICE_MS);
    await pause();
  }
}

// an element's attributes that place it or name it: no rule of the page's CSS reads them
const PLACING = new Set(["x", "y", "dx", "dy", "width", "height", "rx", "ry", "cx", "cy", "r", "d", "x1", "y1", "x2", "y2", "points", "transform", "id", "data-id", "aria-label", "tabindex"]);
const camel = (p) => p.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/**
 * The styles of a large graph's elements (`svg`'s), read once per kind: the 10 × 64 network's
 * 11,396 drawn elements are of a few dozen kinds, and reading each one's computed style (a culled
 * run shown, so styled afresh, for it) took most of a PNG export's time on the page's thread. An
 * element's kind: its tag, its attributes but those that place or name it (PLACING), and its
 * parent's kind; an element under the pointer or holding the focus (:hover, :focus rules) is a
 * kind of its own. `of(node)`: { shown, cs } (cs: PROPS's values, by their CSS names and their
 * camelCase ones as a computed style has them; null when not shown), read
 * the first time its kind is met, its run shown meanwhile (`open(run)`: its closer, or null).
 * `begin()` at each task (the pointer and the focus may have moved); `end()` closes its runs.
 */
function styleKinds(svg, open) {
  const kinds = new Map(); // kind → { shown, cs }
  const named = new Map(); // a parent element → its kind, for this task
  let hot = new Set(); // the elements under the pointer or holding the focus
  let unique = 0;
  let shut = []; // the runs shown for this task
  const root = { shown: true };
  function kindOf(node) {
    if (node === svg) return "";
    let kind = named.get(node);
    if (kind !== undefined) return kind;
    kind = `${kindOf(node.parentElement)}/${node.tagName}`;
    for (const a of node.attributes) if (!PLACING.has(a.name)) kind += ` ${a.name}=${a.value}`;
    if (hot.has(node)) kind += ` @${(unique += 1)}`; // met once
    if (node.firstElementChild) named.set(node, kind);
    return kind;
  }
  function of(node) {
    if (node === svg) return root;
    const kind = kindOf(node);
    let known = kinds.get(kind);
    if (known) return known;
    const parent = of(node.parentElement);
    const run = node.closest(".chunk");
    const close = run && open(run);
    if (close) shut.push(close);
    const shown = parent.shown && visible(node);
    let cs = null;
    if (shown) {
      const style = getComputedStyle(node);
      cs = {};
      for (const p of PROPS) cs[p] = cs[camel(p)] = style.getPropertyValue(p);
    }
    kinds.set(kind, (known = { shown, cs }));
    return known;
  }
  return {
    of,
    begin() {
      named.clear();
      hot = new Set(svg.matches(":hover, :focus-within") ? svg.querySelectorAll(":hover, :focus-within, :focus") : []);
    },
    end() {
      for (const close of shut) close();
      shut = [];
    },
  };
}

/**
 * Every element of a large graph's `svg` shown, as records handed to `add` a task's worth at a
 * time, read in short tasks between which the page goes on (keys, frames). `runs`
 * (large/large-graph.js exportRuns): its runs of nodes not drawn yet are drawn first (hidden);
 * the styles are read once per kind of element (styleKinds), a culled run shown only while one
 * of its elements is read, within one task, so the screen never shows it.
 */
async function recordSliced(svg, runs, add, changed) {
  const pause = async () => {
    await nextTask();
    if (changed()) throw new Error(MOVED_ON);
  };
  await buildSliced(runs, pause);
  const nodes = svg.querySelectorAll(PAINTED);
  const styles = styleKinds(svg, (g) => runs.open(g));
  try {
    for (let i = 0; i < nodes.length; ) {
      if (!nodes[i].isConnected) throw new Error("the drawing changed meanwhile; try again");
      const t0 = performance.now();
      styles.begin();
      const ops = [];
      do {
        const { shown, cs } = styles.of(nodes[i]);
        const op = shown && record(svg, nodes[i], null, cs);
        if (op) ops.push(op);
        i += 1;
      } while (i < nodes.length && (i % 32 !== 0 || performance.now() - t0 < SLICE_MS));
      styles.end();
      if (ops.length) add(ops);
      await pause();
    }
  } finally {
    styles.end();
  }
}

// a step, the theme, a mask… while the drawing is read: its parts would show two moments
const MOVED_ON = "the lesson moved on while it was being made; try again";

/** The pixels per viewBox unit of a PNG: 2, or fewer for a drawing that would pass MAX_PNG_PIXELS. */
const MAX_PNG_PIXELS = 18e6; // the size of a large graph's edge bitmap on screen (large/edge-canvas.js)
export function pngScale(width, height) {
  return Math.min(2, Math.sqrt(MAX_PNG_PIXELS / Math.max(1, width * height)));
}

/** Paint a small graph's drawing on a canvas: the element kinds the renderer uses, no image loading (a strict CSP is fine). */
export function paintPng(svg, scale = 2, edges = null) {
  const vb = svg.viewBox.baseVal;
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(vb.width * scale);
  canvas.height = Math.ceil(vb.height * scale);
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);
  ctx.fillStyle = background(svg);
  ctx.fillRect(0, 0, vb.width, vb.height);
  if (edges) {
    edges.paintOn(ctx);
    ctx.setLineDash([]);
    ctx.lineCap = "butt";
  }
  paintOps(ctx, recordAll(svg));
  return canvas;
}

const encode = (canvas) => new Promise((done, fail) => canvas.toBlob((blob) => (blob ? done(blob) : fail(new Error("the picture could not be encoded"))), "image/png"));

/**
 * The drawing as a PNG: { blob, width, height }. A small graph is painted here at once (`whole`
 * runs it with every element rendered); a large one (`edges`: its canvas-painted edges, `runs`:
 * its runs of nodes) by the edge painter, off the page's thread where it is a worker, its
 * tens of thousands of edges meanwhile, while the page reads its nodes in short tasks.
 */
export async function makePng(svg, { edges = null, runs = null, whole = (fn) => fn(), changed = () => false } = {}) {
  const vb = svg.viewBox.baseVal;
  const scale = pngScale(vb.width, vb.height);
  const size = [Math.ceil(vb.width * scale), Math.ceil(vb.height * scale)];
  if (!edges || !runs) {
    const canvas = whole(() => paintPng(svg, scale, edges));
    return { blob: await encode(canvas), width: canvas.width, height: canvas.height };
  }
  const read = (add) => recordSliced(svg, runs, add, changed);
  const blob = await edges.picture({ size, scale, box: [vb.width, vb.height], background: background(svg), read });
  if (changed()) throw new Error(MOVED_ON);
  return { blob, width: size[0], height: size[1] };
}

/** A file's size in words: "840 bytes", "21.4 kB", "4.6 MB". */
export function sizeText(bytes) {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * An export's button (`kind`: "svg" or "png"): makes the file with `make()` ({ blob, name, size:
 * what the toast says of it }), one at a time (a click meanwhile starts nothing), the button busy
 * meanwhile, and says when it is saved, or why it is not.
 */
export function exportButton(button, toast, kind, make) {
  let running = false;
  button.addEventListener("click", async () => {
    if (running) return;
    running = true;
    button.setAttribute("aria-busy", "true");
    button.setAttribute("aria-disabled", "true");
    try {
      const { blob, name, size } = await make();
      download(blob, `${name}.${kind}`);
      toast.show(`Saved ${name}.${kind} (${size}).`);
    } catch (err) {
      toast.show(`The ${kind.toUpperCase()} could not be made: ${err.message || err}`, 8000);
    } finally {
      running = false;
      button.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
    }
  });
}
