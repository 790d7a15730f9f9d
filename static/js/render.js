// The graph drawing: `draw` builds the structure once per graph or size; `restyle` shows a step.

import { formatNumber, formatSigned } from "./format.js";
import { nodeById, paramByEdge as paramsByEdge, paramById as paramsById } from "./graph-index.js";
import { createLargeGraph, isLarge } from "./large/large-graph.js";
import { describeNode, describeParam, drawNode, drawWeightLabel, GRAD, gradText, partsText, setText, takesFocus } from "./render-shapes.js";
import { el, text } from "./svg.js";

const GROUPED_EDGES = 2000; // more edges than this are grouped by target node

/** Weight-edge stroke width: proportional to |w| against the largest starting weight. */
export function weightWidth(value, ref, m) {
  if (value === null) return 1;
  const unit = m.stroke * 9;
  return Math.max(1.2 * m.stroke, Math.min(unit * 1.6, (unit * Math.abs(value)) / ref));
}

export function createRenderer(svg) {
  let parts = null; // everything `restyle` needs, rebuilt by `draw`
  let marked = null; // the ids the step shown marked active / written
  let current = null; // the step shown and its precision, for labels drawn later
  let large = null; // a large graph's canvases, culling and labels on demand (large/)
  let mask = null; // what predict mode shows as "?" (predict.js maskOf): ids of values, grads, chips
  let crowded = new Set(); // a dense layer's tags kept hidden: they would cover another (declutter)
  let callouts = []; // [tag group, leader line] of tags moved to their callout place (declutter)
  let fresh = []; // ids of a large graph's nodes drawn since settle last saw them
  let asDrawn = false; // no step has restyled the drawing yet: its edges show the graph's values

  // the pointer on a weight's edge shows that weight's label (a dense layer's are hidden till then)
  let peeking = null;
  svg.addEventListener("pointerover", (ev) => {
    if (!(ev.target instanceof Element) || ev.target.closest(".wlabel")) return; // on the label: it stays
    const path = ev.target.closest("path.edge-weight");
    const p = path && parts?.paramByEdge.get(path.dataset.id);
    const g = p && parts.params.get(p.id)?.g;
    if (g === peeking) return;
    peeking?.classList.remove("peek");
    peeking = g || null;
    peeking?.classList.add("peek");
  });

  function draw(graph, layout, m, options) {
    large?.remove();
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    svg.setAttribute("width", layout.width);
    svg.setAttribute("height", layout.height);
    // by plain loops: no [key, value] pair made per entry (43,009 nodes in the 10 × 64 network)
    const byId = nodeById(graph); // shared with the layout (graph-index.js)
    // edge id → its weight, read with `get` (graph-index.js: made when first read, and a large
    // graph's first step reads none of it)
    const paramByEdge = { get: (id) => paramsByEdge(graph).get(id) };
    let ref = 1;
    for (const p of graph.parameters) if (p.edge && p.value !== null) ref = Math.max(ref, Math.abs(p.value));
    // built off-document and attached once: one style and layout pass for the whole drawing
    const root = document.createDocumentFragment();
    const gEdges = el("g", { class: "edges" }, root);
    const gNeurons = el("g", { class: "neurons" }, root);
    const gNodes = el("g", { class: "nodes" }, root);
    const gLabels = el("g", { class: "edge-labels" }, root);
    // a large graph's marked edges and its pulses are painted on a canvas over the part in view
    // a large graph's dense-layer weights get their view when first asked for (their label is
    // drawn on demand): not 40,960 of them up front for the 10 × 64 network
    const params = new Views((id) => (large ? weightView(id) : undefined));
    large = isLarge(graph) ? createLargeGraph(svg, { params, paramByEdge, draw: drawLabel, keep: isMarked, built: settle }) : null;
    const gPulses = large ? null : el("g", { class: "pulses", "aria-hidden": "true" }, root);
    const gChips = el("g", { class: "chips" }, root);

    // many edges: one group per target node, so a restyled edge makes its container recompute
    // its bounds over a few dozen siblings, not over every edge of the graph
    // (a large graph's edges are painted on a canvas: no element, no group)
    const grouped = !large && layout.edges.size > GROUPED_EDGES;
    const edgeTarget = grouped ? new Map(graph.edges.map((e) => [e.id, e.target])) : null;
    const groups = new Map();
    const parentOf = (id) => {
      if (!grouped) return gEdges;
      const target = edgeTarget.get(id);
      if (!groups.has(target)) groups.set(target, el("g", { class: "edge-group" }, gEdges));
      return groups.get(target);
    };
    // one record per drawn edge; a large graph's are made when one is first read (Records): its
    // first step reads none, the edge canvas's first paint (the frame after that step's) all
    const records = () => {
      const edges = new Map();
      const byEdge = paramsByEdge(graph);
      // (forEach: no [id, geo] pair made per edge, 42,000 of them in the 10 × 64 network)
      layout.edges.forEach((geo, id) => edges.set(id, record(geo, id, byEdge.get(id))));
      return edges;
    };
    const onCanvas = large !== null; // (this drawing's, whenever its records are made)
    const record = (geo, id, param) => {
      // a weight's edge is drawn with the weight's value as given; restyle changes what differs
      const sign = param && param.value !== null ? (param.value < 0 ? "neg" : "pos") : "";
      // a number (an attribute takes its text): no string made per edge where none is drawn
      const width = param ? weightWidth(param.value, ref, m) : (geo.kind === "internal" ? 0 : 2) * m.stroke;
      // a large graph's edges are painted on a canvas (large/edge-canvas.js), not drawn as elements:
      // no element, and no class for one (41,600 strings for the 10 × 64 network)
      let path = null;
      if (!onCanvas) {
        const cls = param ? `edge edge-${geo.kind} edge-weight` : `edge edge-${geo.kind}`;
        path = el("path", { d: geo.d, class: sign ? `${cls} ${sign}` : cls, "data-id": id, id: `e-${id}`, "stroke-width": width }, parentOf(id));
      }
      // `pts` and `slot` are filled in by a large graph's canvases (edge-canvas.js): made here, so
      // no record changes its shape there (41,600 of them for the 10 × 64 network)
      return { path, geo, param, sign, width, pts: null, slot: -1 };
    };
    const edges = large ? new Records(records) : records();

    // a large graph's nodes go in runs, drawn when first shown; runs far from the view are not
    // rendered (large/): a node's view is a LazyNode until its run is drawn
    const neuronParent = large ? large.chunked(gNeurons) : null;
    for (const nr of layout.neurons) {
      const make = (parent) => {
        const g = el("g", { class: "neuron", "aria-hidden": "true" }, parent);
        el("rect", { class: "neuron-body", x: nr.x - nr.w / 2, y: nr.y - nr.h / 2, width: nr.w, height: nr.h, rx: m.value * 0.7 }, g);
        el("line", { class: "neuron-divider", x1: nr.x, y1: nr.y - nr.h / 2 + 4, x2: nr.x, y2: nr.y + nr.h / 2 - 4 }, g);
      };
      if (large) neuronParent(nr.x, nr.y, nr.w, nr.h, make);
      else make(gNeurons);
    }

    const nodes = new Map();
    const nodeParent = large ? large.chunked(gNodes) : null;
    fresh = [];
    const drawn = fresh; // this drawing's: a later drawing starts its own list
    const big = large;
    const build = (run) => big.build([run]);
    for (const [id, box] of layout.boxes) {
      const n = byId.get(id);
      if (!large) {
        nodes.set(id, drawNode(gNodes, n, box, m, options));
        continue;
      }
      const view = new LazyNode(build);
      // a bias's gradient is written beside its box: its run's bounds reach that far
      const make = (parent) => {
        view.real = drawNode(parent, n, box, m, options);
        drawn.push(id);
      };
      view.run = nodeParent(box.x, box.y, box.w + (box.shape === "bias" ? 8 * m.grad : 0), box.h, make, takesFocus(n, box, options));
      nodes.set(id, view);
    }

    // a network with many weights draws a dense layer's labels only when they are shown
    const viewOf = (p, e, dense) => {
      const at = layout.labels.get(p.id) || e.geo.mid;
      return { p, at, dense, tag: dense && !large, edge: e, name: p.label.text, path: e.path, pathSign: e.sign, pathWidth: e.width, kind: "weight", g: null, value: null, grad: null };
    };
    function weightView(id) {
      const p = paramsById(graph).get(id);
      const e = p && p.edge && edges.get(p.edge);
      return e && layout.denseLayers.has(p.tensor) ? viewOf(p, e, true) : undefined;
    }
    for (const p of graph.parameters) {
      if (p.edge && layout.edges.has(p.edge)) { // (an edge drawn has a record: not made for this)
        const dense = layout.denseLayers.has(p.tensor);
        if (large && dense) continue; // made when asked for (weightView)
        const v = viewOf(p, edges.get(p.edge), dense);
        Object.assign(v, drawWeightLabel(gLabels, p, v.at, m, dense, options, v.tag));
        params.set(p.id, v);
      } else if (nodes.has(p.id)) {
        const kind = layout.boxes.get(p.id).shape === "bias" ? "bias" : "var";
        const v = nodes.get(p.id);
        // a node not drawn yet: the parameter's view reads the node's elements once drawn
        params.set(p.id, v instanceof LazyNode ? Object.assign(Object.create(v), { kind }) : { ...v, kind });
      }
    }
    svg.append(root);
    parts = { edgeCanvas: null, graph, layout, m, byId, edges, nodes, params, ref, pulses: gPulses, paramByEdge, gChips, gLabels, chips: new Map(), options };
    asDrawn = true;
    marked = { edges: new Set(), active: new Set(), written: new Set() };
    crowded = new Set();
    current = null;
    // only the runs near the view are drawn, the others hidden, before anything reads the page
    // (the canvases' start does): a style pass over 14,000 elements of the 10 × 64 network
    // costs a third of a second; no view: every run
    large?.cull(options.view || null);
    large?.start(edges, m.stroke); // painted by the step's restyle, which follows at once
    parts.edgeCanvas = large?.edgeCanvas() || null;
    parts.pulses = large?.pulses() || gPulses;
    return parts;
  }

  /** A chip on each edge that carries one part of a reused value's gradient (shown once it arrives). */
  function setContributions(contributions, precision) {
    if (!parts) return;
    const { gChips, edges, m } = parts;
    gChips.replaceChildren();
    parts.chips = new Map();
    for (const [edgeId, c] of contributions) {
      const geo = edges.get(edgeId)?.geo;
      if (!geo) continue;
      const at = geo.chip || geo.mid;
      const g = el("g", { class: "chip", "data-edge": edgeId, id: `c-${edgeId}`, role: "img" }, gChips);
      const label = `${c.k}/${c.n}: ${GRAD}${formatSigned(c.value, precision)}`;
      const w = m.edgeLabel * 0.62 * label.length + m.edgeLabel;
      const h = m.edgeLabel * 1.6;
      el("rect", { class: "chip-bg", x: at.x - w / 2, y: at.y - h / 2, width: w, height: h, rx: h / 2 }, g);
      text({ class: "chip-text", x: at.x, y: at.y + m.edgeLabel * 0.35, "font-size": m.edgeLabel }, label, g);
      g.setAttribute("aria-label", `Contribution ${c.k} of ${c.n} to the gradient: ${formatSigned(c.value, precision)}`);
      parts.chips.set(edgeId, { g, index: c.index });
    }
  }

  /**
   * Show a step: `changed` lists the entries that differ from the step shown before (null: all of
   * them), and only those are touched; `active` marks what this step did.
   */
  function restyle(step, precision, active, changed = null) {
    if (!parts) return;
    const { nodes, params, byId } = parts;
    current = { step, precision };
    const list = changed || step;
    // a whole step of a large graph: its drawn nodes found by id (2,000 of the 10 × 64
    // network's 43,009 entries), not every entry looked for among them
    const drawn = list === step && step.index?.nodes && nodes.size * 4 < step.nodes.length;
    const rows = drawn ? drawnRows(nodes, step) : list.nodes;
    for (const ns of rows) {
      const v = nodes.get(ns.id);
      if (drawnView(v)) styleNode(v, ns, byId.get(ns.id), precision); // (a run not drawn yet: when it is, settle)
    }
    // a large graph's weight is found where the step lists it in the graph's own list (a whole
    // step lists them in the same order), else by id: no map of them made for a first step
    const byIndex = large ? parts.graph.parameters : null;
    const listed = list.parameters;
    for (let i = 0; i < listed.length; i++) {
      const ps = listed[i];
      const v = params.peek(ps.id);
      if (v) {
        if (drawnView(v)) styleParam(v, ps, precision);
      } else if (large) {
        // a dense-layer weight with no view yet: its edge; left as drawn when the step shows the
        // value it was drawn with (every weight of a first step: no edge looked up for them)
        const p = byIndex[i]?.id === ps.id ? byIndex[i] : paramsById(parts.graph).get(ps.id);
        if (!(asDrawn && mask === null && p && ps.value === p.value)) styleWeightEdge(p, ps);
      }
    }
    asDrawn = false;
    mark(active);
    large?.flush();
    for (const [edgeId, chip] of parts.chips) {
      chip.g.classList.toggle("is-shown", step.fine_cursor > chip.index && !mask?.chips.has(chip.index));
      chip.g.classList.toggle("active", active.edges.has(edgeId));
    }
  }

  function styleNode(v, ns, n, precision) {
    const [askValue, askGrad] = asked(ns.id, v);
    setText(v.value, askValue ? ASK : formatNumber(ns.value, precision));
    if (v.grad) setText(v.grad, askGrad ? GRAD + ASK : gradText(ns, precision, parts.layout.primitive));
    if (v.parts) setText(v.parts, askGrad ? "" : partsText(ns));
    v.g.classList.toggle("is-empty", ns.value === null);
    v.g.classList.toggle("has-grad", ns.grad !== null);
    v.g.setAttribute("aria-label", askValue || askGrad ? describeAsked(n.label.text, askValue) : describeNode(n, ns, precision));
  }

  /** Runs of a large graph's nodes were drawn (large/ chunked): their nodes get the step shown
   *  and its marks, as restyle and mark give the others; other modules add theirs (onBuilt, told
   *  the ids drawn). */
  function settle() {
    if (!parts) return;
    const ids = fresh.splice(0);
    const { nodes, params, byId } = parts;
    if (current) {
      const { step, precision } = current;
      for (const id of ids) {
        const ns = nodeState(step, id);
        if (ns) styleNode(nodes.get(id), ns, byId.get(id), precision);
        const pv = params.peek(id);
        const ps = pv && paramState(step, id);
        if (ps) styleParam(pv, ps, precision);
      }
    }
    for (const id of ids) {
      const g = nodes.get(id).g;
      if (marked.active.has(id)) g.classList.add("active");
      if (marked.written.has(id)) g.classList.add("written");
    }
    parts.options.onBuilt?.(ids);
  }

  /** styleParam for a large graph's weight with no view yet: its edge on the canvas, as the view would. */
  function styleWeightEdge(p, ps) {
    const e = p && p.edge && parts.edges.get(p.edge);
    if (!e || !parts.layout.denseLayers.has(p.tensor)) return;
    const askValue = Boolean(mask && mask.values.has(ps.id));
    const shown = askValue && ps.old !== null ? ps.old : ps.value;
    const sign = shown === null ? "" : shown < 0 ? "neg" : "pos";
    const width = weightWidth(shown, parts.ref, parts.m);
    if (e.sign !== sign || e.width !== width) {
      e.sign = sign;
      e.width = width;
      large.touch(e);
    }
  }

  function styleParam(v, ps, precision) {
    const [askValue, askGrad] = asked(ps.id, v);
    const shown = askValue && ps.old !== null ? ps.old : ps.value; // an update asked for keeps the old edge
    const sign = shown === null ? "" : shown < 0 ? "neg" : "pos";
    if (v.edge) {
      // drawn with the weight's first value: most weights of a step never touch their edge
      const e = v.edge;
      const width = weightWidth(shown, parts.ref, parts.m);
      if (v.pathSign !== sign) {
        v.pathSign = e.sign = sign;
        v.path?.classList.toggle("pos", sign === "pos");
        v.path?.classList.toggle("neg", sign === "neg");
        if (!v.path) large?.touch(e);
      }
      if (v.pathWidth !== width) {
        v.pathWidth = e.width = width;
        v.path?.setAttribute("stroke-width", width);
        if (!v.path) large?.touch(e);
      }
    }
    if (!v.g) return; // a dense layer's label not drawn yet: drawn with its values when shown
    v.g.classList.toggle("pos", sign === "pos");
    v.g.classList.toggle("neg", sign === "neg");
    v.g.classList.toggle("has-grad", ps.grad !== null);
    v.g.classList.toggle("is-updated", ps.new !== null && !askValue);
    const value = askValue ? ASK : formatSigned(ps.value, precision);
    setText(v.value, v.kind === "var" || v.tag ? value : `${v.name} ${value}`);
    setText(v.grad, askGrad ? GRAD + ASK : gradText(ps, precision, parts.layout.primitive));
    v.g.setAttribute("aria-label", askValue || askGrad ? describeAsked(v.name, askValue) : describeParam(v.name, ps, precision));
  }

  /** Whether predict mode asks for this entry's value and its gradient (and marks what it asks). */
  function asked(id, v) {
    if (!mask && !v.value && !v.grad) return NOT_ASKED; // a label not drawn: nothing to mark
    const out = [Boolean(mask && mask.values.has(id)), Boolean(mask && mask.grads.has(id))];
    v.value?.classList.toggle("asked", out[0]);
    v.grad?.classList.toggle("asked", out[1]);
    return out;
  }

  /** Move the marks of the step before to this step's elements (only those two sets are touched). */
  function mark(active) {
    const { edges, nodes, params } = parts;
    // a node whose run is not drawn yet gets its marks when it is (settle)
    const view = (id) => drawnView(nodes.get(id) || params.get(id));
    // a large graph's marked edges are painted over it on the dot canvas; the edges beneath stay as drawn
    // a lit edge lights its weight's label too (a dense layer's label is then shown)
    const activate = (id, on) => {
      edges.get(id)?.path?.classList.toggle("active", on);
      const p = parts.paramByEdge.get(id);
      if (p) params.get(p.id)?.g?.classList.toggle("lit", on);
    };
    for (const id of marked.edges) if (!active.edges.has(id)) activate(id, false);
    for (const id of marked.active) if (!active.nodes.has(id)) view(id)?.g?.classList.remove("active");
    for (const id of marked.written) if (!active.written.has(id)) view(id)?.g?.classList.remove("written");
    marked = { edges: new Set(active.edges), active: new Set(active.nodes), written: new Set(active.written) };
    large?.mark(active, edges);
    for (const id of active.edges) activate(id, true);
    for (const id of active.nodes) view(id)?.g?.classList.add("active");
    for (const id of active.written) view(id)?.g?.classList.add("written");
    declutter();
  }

  /**
   * A dense layer's tags shown by the step: each only where it covers no box, label or tag shown
   * before it (the step's own weights first); the others stay hidden (their values are in the
   * matrix beside the graph), unless the pointer or focus asks for one.
   */
  function declutter() {
    const tags = parts.layout.tags;
    for (const g of crowded) g.classList.remove("crowded");
    crowded = new Set();
    for (const [g, line] of callouts) {
      g.removeAttribute("transform");
      g.classList.remove("callout");
      line.remove();
    }
    callouts = [];
    if (!tags || !tags.size) return;
    const ids = [...marked.written, ...marked.active, ...[...marked.edges].map((e) => parts.paramByEdge.get(e)?.id)];
    const shown = [];
    const seen = new Set();
    for (const id of ids) {
      if (!id || seen.has(id)) continue;
      seen.add(id);
      const t = tags.get(id);
      const g = t && parts.params.get(id)?.g;
      if (!g) continue;
      const free = (q) => !shown.some((r) => r[0] < q[2] && r[2] > q[0] && r[1] < q[3] && r[3] > q[1]);
      if (t.clear && free(t.r)) shown.push(t.r);
      else if (t.callout && free(t.callout)) {
        // between its edge's columns, where it covers nothing, with a leader line from the point
        // of the edge the layout chose (the line crosses no box)
        const q = t.callout;
        const [cx, cy] = [(t.r[0] + t.r[2]) / 2, (t.r[1] + t.r[3]) / 2];
        g.setAttribute("transform", `translate(${(q[0] + q[2]) / 2 - cx} ${(q[1] + q[3]) / 2 - cy})`);
        g.classList.add("callout");
        const [ax, ay] = t.anchor ? [t.anchor.x, t.anchor.y] : [cx, cy];
        const [bx, by] = [Math.min(Math.max(ax, q[0]), q[2]), Math.min(Math.max(ay, q[1]), q[3])];
        const line = el("line", { class: "callout-leader", x1: ax, y1: ay, x2: bx, y2: by, "aria-hidden": "true" });
        parts.gLabels.insertBefore(line, parts.gLabels.firstChild);
        callouts.push([g, line]);
        shown.push(q);
      } else {
        g.classList.add("crowded");
        crowded.add(g);
      }
    }
  }

  /** Draw a dense layer's weight label on demand (large/), as the step shown has it. */
  function drawLabel(v) {
    Object.assign(v, drawWeightLabel(parts.gLabels, v.p, v.at, parts.m, true, parts.options));
    const ps = current && paramState(current.step, v.p.id);
    if (ps) styleParam(v, ps, current.precision);
    if (marked.active.has(v.p.id)) v.g.classList.add("active");
    if (marked.written.has(v.p.id)) v.g.classList.add("written");
  }

  const isMarked = (id) => marked.active.has(id) || marked.written.has(id);

  /** Render only what is near the view (a large graph); null shows all, for an export. */
  const cull = (view) => large?.cull(view);

  /** Paint a large graph's edges again with the colours of the theme now in force. */
  const repaintEdges = () => large?.repaint();

  /** What predict mode hides until the next press (null: nothing); restyle shows it. */
  const setMask = (m) => (mask = m);

  /** A large graph's runs of nodes, for an export read in short tasks (large-graph.js); else null. */
  const exportRuns = () => large?.exportRuns() || null;

  return { draw, restyle, cull, setContributions, repaintEdges, setMask, masked: () => mask !== null, parts: () => parts, exportRuns };
}

const ASK = "?";

/** Id → a parameter's view, read as a Map is (`get`, `set`); `get` makes one `make(id)` gives when
 *  there is none yet, `peek` does not. */
class Views {
  constructor(make) {
    this.map = new Map();
    this.make = make;
  }

  set(id, v) {
    this.map.set(id, v);
    return this;
  }

  peek(id) {
    return this.map.get(id);
  }

  get(id) {
    let v = this.map.get(id);
    if (v === undefined) {
      v = this.make(id);
      if (v !== undefined) this.map.set(id, v);
    }
    return v;
  }
}
const NOT_ASKED = Object.freeze([false, false]);

/** A large graph's edge records (id → record), read as a Map is, made by `make()` when first read. */
class Records {
  constructor(make) {
    this.make = make;
    this.map = null;
  }

  get all() {
    return (this.map ??= this.make());
  }

  get size() {
    return this.all.size;
  }

  get(id) {
    return this.all.get(id);
  }

  has(id) {
    return this.all.has(id);
  }

  values() {
    return this.all.values();
  }

  keys() {
    return this.all.keys();
  }

  entries() {
    return this.all.entries();
  }

  forEach(fn) {
    this.all.forEach(fn);
  }

  [Symbol.iterator]() {
    return this.all[Symbol.iterator]();
  }
}

/**
 * A large graph's node before its run is drawn (large/large-graph.js chunked): `real` is null
 * until then, and asking for an element (`g`, `value`, `grad`, `parts`) or the name draws the
 * run first, so any reader gets what drawNode gives. restyle and mark skip a node not drawn;
 * settle styles it as the step shown once it is.
 */
class LazyNode {
  constructor(build) {
    this.build = build;
    this.run = null;
    this.real = null;
  }

  drawn() {
    if (this.real === null) this.build(this.run);
    return this.real;
  }

  get g() {
    return this.drawn().g;
  }

  get value() {
    return this.drawn().value;
  }

  get grad() {
    return this.drawn().grad;
  }

  get parts() {
    return this.drawn().parts;
  }

  get name() {
    return this.drawn().name;
  }
}

/** `view` if its elements exist, else null: a large graph's node whose run is not drawn yet
 *  (LazyNode) is not drawn just to be read; when its run is drawn, settle shows the step on it. */
export function drawnView(view) {
  return view && view.real === null ? null : view || null;
}

/** A node's state in a step (by the step's index when it has one). */
function nodeState(step, id) {
  if (!step.index) return step.nodes.find((n) => n.id === id) || null;
  const i = step.index.nodes.get(id);
  return i === undefined ? null : step.nodes[i];
}

/** The step's entries for the drawn nodes (`nodes`: id → view), in the order they were drawn. */
function drawnRows(nodes, step) {
  const out = [];
  for (const id of nodes.keys()) {
    const i = step.index.nodes.get(id);
    if (i !== undefined) out.push(step.nodes[i]);
  }
  return out;
}

function describeAsked(name, value) {
  return `${name}: ${value ? "value" : "gradient"} to predict (a question mark until the next press reveals it)`;
}

/** A parameter's state in a step (by the step's index when it has one). */
export function paramState(step, id) {
  const i = step.index ? step.index.params.get(id) : step.parameters.findIndex((p) => p.id === id);
  return i === undefined || i < 0 ? null : step.parameters[i];
}
