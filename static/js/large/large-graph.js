// A large graph (more than EAGER_LABELS parameters), behind one interface: the renderer asks
// `isLarge(graph)` once per drawing and, for a large one, hands these jobs over here:
// - its edges are painted on a canvas beneath the SVG (edge-canvas.js, by a worker);
// - its marked edges and pulses are painted on a canvas over the part in view (dot-canvas.js);
// - its nodes are grouped in runs, and runs far from the view are not rendered (cull);
// - a dense layer's weight labels exist only while shown: the step's, hovered or focused.

import { el, meets, viewScale } from "../svg.js";
import { createDotCanvas } from "./dot-canvas.js";
import { createEdgeCanvas } from "./edge-canvas.js";

const EAGER_LABELS = 1500; // up to this many parameters every weight label is drawn up front
const CHUNK = 8; // a large graph's nodes are grouped in runs of this many
const CULL_MARGIN = 0.5; // runs this many screens beyond the view are rendered too (a scroll shows them at once)
const MAX_LAZY_LABELS = 64; // of a large network's dense layers, at most this many labels per step

export function isLarge(graph) {
  return graph.parameters.length > EAGER_LABELS;
}

/**
 * `labels`: how the renderer draws and keeps a weight's label — `params` (id → view, with `g`
 * null while not drawn), `draw(view)` (draws and styles it as the step shown), `keep(id)` (the
 * step shown marks it), `paramByEdge` (edge id → parameter); `built()`, called once runs of
 * nodes were drawn (chunked), to show the step on them.
 */
export function createLargeGraph(svg, labels) {
  const chunks = [];
  const runOf = new Map(); // a run's element → the run
  const shown = new Set(); // dense-layer labels drawn on demand
  const listening = new AbortController();
  let edgeCanvas = null;
  let dots = null;
  let hoverId = null;
  let ends = null; // the first and the last run with a node that takes focus: never culled
  svg.classList.add("is-large"); // numbers appear without a fade: see .is-large in graph.css

  /** Nodes go into runs of CHUNK, in the order drawn (the Tab order): a changed number makes
   *  its run recompute its bounds over a few dozen siblings, and a run far from view is culled.
   *  A run is a nested <svg>, not a <g>: Chromium styles and lays out every descendant of a
   *  <g display:none> all the same (the 10 × 64 network's first style and layout passes went over
   *  all 14,000 elements), but nothing inside an <svg display:none>. Drawn as a <g> would be: no
   *  viewBox (the same user space), no clip (overflow visible), no role of its own.
   *  `place(x, y, w, h, make, focusable)` puts a node in the current run; `make(parent)` draws it there when
   *  its run is first shown (cull, Tab, an export), not before: a run far from the view is an
   *  empty <svg> until then (the 10 × 64 network's first drawing made 15,000 elements, most of
   *  them never shown). `built()` is told each time runs were drawn. Returns the node's run.
   *  `focusable`: the node takes focus (Tab reaches its run). */
  function chunked(parent) {
    let chunk = null;
    let n = 0;
    return (x, y, w, h, make, focusable = false) => {
      if (n++ % CHUNK === 0) {
        chunk = { g: el("svg", { class: "chunk", overflow: "visible", role: "none" }, parent), box: [Infinity, Infinity, -Infinity, -Infinity], off: false, todo: [], focusable: false };
        chunks.push(chunk);
        runOf.set(chunk.g, chunk);
      }
      const b = chunk.box;
      [b[0], b[1], b[2], b[3]] = [Math.min(b[0], x - w / 2), Math.min(b[1], y - h / 2), Math.max(b[2], x + w / 2), Math.max(b[3], y + h / 2)];
      chunk.todo.push(make);
      chunk.focusable ||= focusable;
      return chunk;
    };
  }

  /** Draw the runs not drawn yet among `runs`; tells `labels.built` once if any was. */
  function build(runs) {
    let any = false;
    for (const c of runs) {
      if (c.todo === null) continue;
      const todo = c.todo;
      c.todo = null; // first: a run is drawn once, even if a make asks for its run again
      for (const make of todo) make(c.g);
      any = true;
    }
    if (any) labels.built?.();
  }

  /** Show (draw if need be) the runs in `runs` that are culled. */
  function reveal(runs) {
    build(runs);
    for (const c of runs) if (c.off) c.g.classList.toggle("is-off", (c.off = false));
  }

  /** Once the drawing is in the document: the canvases, painted by the step that follows. */
  function start(edges, stroke) {
    dots = createDotCanvas(svg.parentElement, svg);
    svg.after(dots.canvas);
    edgeCanvas = createEdgeCanvas(svg, edges, stroke);
    const drawn = edgeCanvas; // (or, with no step yet, next frame)
    requestAnimationFrame(() => drawn.flush());
  }

  /** The step's marked edges on the dot canvas, and its dense-layer labels. */
  function mark(active, edges) {
    dots.setMarks([...active.edges].map((id) => edges.get(id)).filter(Boolean));
    const wanted = new Set();
    for (const id of [...active.written, ...active.nodes]) {
      if (wanted.size >= MAX_LAZY_LABELS) break;
      const v = labels.params.get(id);
      if (v && v.kind === "weight" && v.dense) wanted.add(id);
    }
    for (const id of shown) if (!wanted.has(id)) drop(id);
    for (const id of wanted) show(id);
  }

  function show(id) {
    const v = labels.params.get(id);
    if (!v || v.g) return v;
    labels.draw(v);
    shown.add(id);
    return v;
  }

  /** Remove a lazily drawn label, unless it is this step's, under the pointer or focused. */
  function drop(id) {
    const v = labels.params.get(id);
    if (!v || !v.g || !shown.has(id)) return;
    if (hoverId === id || v.g.contains(document.activeElement) || labels.keep(id)) return;
    v.g.remove();
    Object.assign(v, { g: null, value: null, grad: null });
    shown.delete(id);
  }

  // hover: a dense layer's label appears while the pointer is on its edge or on the label itself
  const hoveredId = (target) => {
    if (!(target instanceof Element)) return null;
    const label = target.closest(".wlabel");
    if (label) return label.dataset.id;
    const edge = target.closest(".edge-weight");
    return edge ? labels.paramByEdge.get(edge.dataset.id)?.id || null : null;
  };
  function hover(id) {
    if (id === hoverId) return;
    const old = hoverId;
    hoverId = id;
    if (old) {
      labels.params.get(old)?.g?.classList.remove("peek");
      drop(old);
    }
    const v = id && show(id);
    if (v && v.g) v.g.classList.add("peek");
  }
  const on = { signal: listening.signal };
  svg.addEventListener("pointerover", (ev) => hover(hoveredId(ev.target)), on);
  svg.addEventListener("pointerleave", () => hover(null), on);
  svg.addEventListener("focusout", (ev) => {
    const id = ev.target instanceof Element && ev.target.classList.contains("wlabel") ? ev.target.dataset.id : null;
    if (id) requestAnimationFrame(() => drop(id));
  }, on);
  /** Before Tab moves the focus from a node: the runs it can move into are shown, so none is
   * skipped. Into the graph (from before or after it, or from a weight's label, drawn after the
   * nodes) Tab reaches the first or the last run, which are always shown (cull). */
  svg.addEventListener("keydown", (ev) => {
    const g = ev.key === "Tab" && ev.target instanceof Element ? ev.target.closest(".chunk") : null;
    const i = g ? chunks.findIndex((c) => c.g === g) : -1;
    if (i < 0) return;
    // the nearest run either way with a node that takes focus (a run of the loss's has none)
    const next = [chunks.slice(i + 1).find((c) => c.focusable), chunks.slice(0, i).findLast((c) => c.focusable)];
    reveal(next.filter((c) => c && (c.off || c.todo)));
  }, on);

  /**
   * Render only the runs of nodes near the part in view (within half a screen of it in every
   * direction): a step then styles, lays out and paints a few hundred elements, not 12,000.
   * A run is drawn the first time it is shown.
   * `view`: the frame's scroll position and size in CSS px (read by the caller); null shows all
   * (for an export). The run holding the focused element is always shown, and so are the first
   * and the last run of nodes: Tab into the graph from anywhere before it reaches its first node,
   * Shift+Tab from anywhere after it its last, wherever the view is.
   */
  function cull(view) {
    let near = () => true;
    if (view) {
      dots?.reset(); // the view moved: the marks are painted where it is now
      edgeCanvas?.follow(view); // and the edges there, if they are still being painted
      const { k, ox, oy } = viewScale(svg, view.svgWidth, view.svgHeight);
      const [mx, my] = [CULL_MARGIN * view.width, CULL_MARGIN * view.height];
      const area = [(view.left - mx - ox) / k, (view.top - my - oy) / k, (view.left + view.width + mx - ox) / k, (view.top + view.height + my - oy) / k];
      near = ({ box }) => meets(box, area);
    }
    const focused = document.activeElement;
    ends ??= [chunks.find((c) => c.focusable), chunks.findLast((c) => c.focusable)]; // runs placed by now
    const off = chunks.map((c) => !near(c) && !c.g.contains(focused) && !ends.includes(c));
    build(chunks.filter((c, i) => !off[i])); // drawn as they come near the view
    chunks.forEach((c, i) => {
      if (off[i] !== c.off) c.g.classList.toggle("is-off", (c.off = off[i]));
    });
  }

  /**
   * For an export that reads the drawing in short tasks (export.js): `pending()`, the runs not
   * drawn yet; `build(runs)` draws them (culled runs stay hidden); `open(g)` shows the culled run
   * whose element is `g` until the function it returns is called (null: `g` is shown already).
   */
  const exportRuns = () => ({
    pending: () => chunks.filter((c) => c.todo !== null),
    build,
    open(g) {
      const c = runOf.get(g);
      if (!c || !c.off) return null;
      g.classList.remove("is-off");
      return () => c.off && g.classList.add("is-off");
    },
  });

  /** Paint the edges again with the colours of the theme now in force. */
  function repaint() {
    edgeCanvas?.paint();
    dots?.reset();
  }

  /** The drawing is replaced: its canvases and listeners go with it. */
  function remove() {
    listening.abort();
    edgeCanvas?.remove();
    dots?.remove();
    svg.classList.remove("is-large");
  }

  return {
    chunked,
    build,
    start,
    mark,
    cull,
    repaint,
    remove,
    flush: () => edgeCanvas?.flush(),
    touch: (edge) => edgeCanvas?.touch(edge),
    pulses: () => dots,
    edgeCanvas: () => edgeCanvas,
    exportRuns,
  };
}
