// The graph on stage: draws on structure changes, restyles and animates on every step.

import { formatSigned } from "./format.js";
import { paramById as paramsById } from "./graph-index.js";
import { chooseLayout, layoutGraph, minFont } from "./layout.js";
import { isPrimitive, layoutPrimitive } from "./layout-primitive.js";
import { maskOf } from "./predict.js";
import { createRenderer, drawnView, paramState, weightWidth } from "./render.js";
import { viewScale } from "./svg.js";

const PULSE_MS = { slow: 900, normal: 520, fast: 260 };
const MAX_ANIMATED = 40;
const MAX_DOTS = 256; // pulses at once, whatever the unit
const MAX_HELD = 400; // numbers of a large unit, beyond the animated ones, kept back until its pulses land
const WAVES_MS = 3; // a unit's chain of pulses takes at most this many pulse times
const MAX_ZOOM = 1.6;
const PROJECTOR_MIN_TEXT = 24; // px at 1920 × 1080: below this a graph scrolls instead of shrinking
const NORMAL_MIN_TEXT = 12; // px: the same rule at a desk

const indices = new WeakMap(); // graph → lookups every step needs, built once per graph

/** Node id → the edges into it, made when a step first reads it: the first step (cursor 0) lit
 *  nothing, and the 10 × 64 network's 83,328 edges are not sorted by target before it is drawn. */
class Incoming {
  constructor(edges) {
    this.edges = edges;
    this.map = null;
  }

  get(id) {
    if (this.map === null) {
      this.map = new Map();
      for (const e of this.edges) {
        let list = this.map.get(e.target);
        if (list === undefined) this.map.set(e.target, (list = []));
        list.push(e);
      }
    }
    return this.map.get(id);
  }
}

/** A graph's lookups: `incoming`, and `paramById` (graph-index.js, shared), each made when first read. */
class GraphIndex {
  constructor(graph) {
    this.graph = graph;
    this.incoming = new Incoming(graph.edges);
  }

  get paramById() {
    return paramsById(this.graph);
  }
}

function indexOf(graph) {
  if (!indices.has(graph)) indices.set(graph, new GraphIndex(graph));
  return indices.get(graph);
}

// The last few choices of a way to draw a graph (layout.js chooseLayout: up to 14 layouts tried),
// by graph, frame and view: a projector press asks for the same frame twice (sizeExplain's
// fitsIn, then the resize to it). Read only: a choice is never changed once made. (A graph is
// drawn by one `place`, layout-primitive.js or layout.js, whichever it is.)
const CHOSEN_KEPT = 6;
const choices = new WeakMap(); // graph → Map(key → choice), oldest first
function chosenFor(graph, place, frame, opts) {
  const key = JSON.stringify([frame.w, frame.h, opts.projector, opts.precision, opts.k, opts.floorPx, opts.maxZoom]);
  let kept = choices.get(graph);
  if (!kept) choices.set(graph, (kept = new Map()));
  if (!kept.has(key)) {
    kept.set(key, chooseLayout(graph, place, frame, opts));
    if (kept.size > CHOSEN_KEPT) kept.delete(kept.keys().next().value);
  }
  return kept.get(key);
}

/** What a unit touched: edges to light, nodes involved, and the values it wrote. */
export function activeSets(graph, step) {
  const index = indexOf(graph); // its maps are made by the first step that lit something
  const out = { edges: new Set(), nodes: new Set(), written: new Set() };
  for (const s of step.steps) {
    out.nodes.add(s.node);
    out.written.add(s.target);
    if (s.phase === "forward") {
      for (const e of index.incoming.get(s.node) || []) out.edges.add(drawnEdge(e.id, e.source, index.paramById));
    } else if (s.phase === "backward" && s.edge) {
      out.edges.add(drawnEdge(s.edge, s.target, index.paramById));
      out.nodes.add(s.target);
    } else if (s.phase === "update") {
      const p = index.paramById.get(s.target);
      if (p && p.edge) out.edges.add(p.edge);
    }
  }
  return out;
}

/**
 * For each step of a unit, how many of the unit's own values it waits for in a row: a forward
 * value waits for its inputs, a gradient for the gradient it passes on (all its parts).
 */
export function wavesOf(steps, incoming) {
  const at = new Map(); // value written in this unit → the wave it arrives with
  return steps.map((st) => {
    const reads = st.phase === "forward" ? (incoming.get(st.node) || []).map((e) => e.source) : st.phase === "backward" ? [st.node] : [];
    let wave = 0;
    for (const id of reads) if (at.has(id)) wave = Math.max(wave, at.get(id) + 1);
    at.set(st.target, Math.max(at.get(st.target) ?? 0, wave));
    return wave;
  });
}

/** A weight's own edge (W → z) is drawn as the data edge it labels. */
function drawnEdge(edgeId, source, paramById) {
  const p = paramById.get(source);
  return p && p.edge ? p.edge : edgeId;
}

/** The zoom at which a drawing of `natural` size fills a frame of `size` (small ones grow, up to a limit). */
const fitIn = (size, natural) => Math.min(MAX_ZOOM, size.w / natural.width, size.h / natural.height);


export function createStage({ svg, wrap, animator, store, onShape = null, onLayout = null, onDrawn = null }) {
  const renderer = createRenderer(svg);
  let graph = null;
  let step = null;
  let size = { w: 0, h: 0 };
  let drawnFor = null; // what the drawing was made for, and how it fitted the frame
  let contributions = new Map();
  let fitted = false; // the reader asked to see a graph too big for the frame whole ("Fit")

  let prepared = null; // a layout made ahead of its drawing (prepare), with what it was made for

  /**
   * The layout of `g` for the view `s` ("Fit": `whole`) in the frame. With `shape` (a drawing),
   * in the frame `size`, which graph-shape.js may resize for this graph first; without (made
   * ahead, prepare), in the frame as it is, the page left as it is. A layout made ahead is used
   * once, by the drawing whose graph, frame and view it was made for.
   */
  function layoutFor(g, s, whole, shape) {
    // projector sizes are for 1920 × 1080; a smaller screen gets the same picture, scaled
    const rootFont = parseFloat(getComputedStyle(document.documentElement).fontSize) || 24;
    const k = s.projector ? rootFont / 24 : 1;
    const keyOf = (frame) => JSON.stringify([frame, s.projector, s.precision, k, whole]);
    const ahead = (frame) => (prepared && prepared.graph === g && prepared.key === keyOf(frame) ? prepared : null);
    // the way of drawing it whose text is largest in this frame (layout.js); small graphs grow
    // to use the room (up to a limit), larger ones shrink to fit, down to a floor for the text
    const place = isPrimitive(g) ? layoutPrimitive : layoutGraph;
    const floorPx = s.projector ? PROJECTOR_MIN_TEXT * k : NORMAL_MIN_TEXT;
    const choose = (frame) => ahead(frame)?.chosen || chosenFor(g, place, frame, { projector: s.projector, precision: s.precision, k, floorPx: floorPx * 1.005, maxZoom: MAX_ZOOM });
    let frame = shape ? size : measure();
    let chosen = choose(frame);
    // the page may give a graph of this shape a frame of another size (graph-shape.js): laid out
    // for that frame at once, so the first picture is the one that stays (asked again in the new
    // frame: the page's own frame first, when the one measured was another graph's wider one)
    for (let asked = 0; shape && asked < 3 && onShape?.({ graph: g, natural: chosen.natural, size: frame }); asked++) {
      frame = size = measure();
      chosen = choose(frame);
    }
    const made = ahead(frame);
    // used once; a redraw of the lesson on screen meanwhile (a resize, the decimals) keeps it
    if (prepared?.graph === g) prepared = null;
    const { m, natural } = chosen;
    const fit = fitIn(frame, natural);
    // never shrink text below the floor (24 px in projector mode): the graph scrolls instead,
    // unless the reader asked to see it whole ("Fit")
    const floor = (1.005 * floorPx) / minFont(m);
    const zoom = whole ? fit : Math.max(fit, floor);
    const layout = made && made.zoom === zoom ? made.layout : zoom !== 1 ? place(g, frame.w / zoom, frame.h / zoom, m) : place(g, frame.w, frame.h, m);
    if (!shape) prepared = { graph: g, key: keyOf(frame), chosen, zoom, layout };
    return { m, natural, fit, floor, zoom, layout };
  }

  /**
   * Lay a graph out ahead of showing it (while its first step is on its way): showGraph then
   * draws it with this layout, if the frame and the view are still those it was made for.
   */
  function prepare(g) {
    layoutFor(g, store.get(), false, false);
    indexOf(g);
  }

  /** Draw the graph again; `measured`: in its frame as the page is laid out now (a new mode). */
  function redraw(measured = false) {
    if (!graph) return;
    if (measured) size = measure();
    const s = store.get();
    const { m, natural, fit, floor, zoom, layout } = layoutFor(graph, s, fitted, true);
    const tooBig = fit < floor; // whole, its text would be under the floor
    const scrolls = tooBig && !fitted;
    wrap.classList.toggle("is-scrolling", scrolls);
    // a region that scrolls must be reachable by keyboard (arrow keys then scroll it)
    if (scrolls) wrap.setAttribute("tabindex", "0");
    else wrap.removeAttribute("tabindex");
    const [svgWidth, svgHeight] = scrolls ? [Math.ceil(layout.width * zoom), Math.ceil(layout.height * zoom)] : [size.w, size.h];
    svg.style.width = scrolls ? `${svgWidth}px` : "";
    svg.style.height = scrolls ? `${svgHeight}px` : "";
    const at = { left: wrap.scrollLeft, top: wrap.scrollTop }; // before the new drawing needs a layout
    // a large graph renders only what is near the view, from its very first layout
    const view = { ...at, width: size.w, height: size.h, svgWidth, svgHeight };
    // a large graph's runs of nodes drawn later (when shown) get what other modules add too
    renderer.draw(graph, layout, m, { editable: !s.projector, view, onBuilt: (ids) => onDrawn?.(ids) });
    renderer.cull(view);
    renderer.setContributions(contributions, s.precision);
    drawnFor = { projector: s.projector, precision: s.precision, natural, floor, scrolls };
    onLayout?.({ tooBig, fitted, layout, m, graph, natural, size });
    if (step) renderer.restyle(step, s.precision, activeSets(graph, step));
    if (step && scrolls) keepInView();
    onDrawn?.(null); // the nodes are new: what other modules add to them is added again (all)
  }

  function measure() {
    const r = wrap.getBoundingClientRect();
    return { w: Math.max(320, Math.floor(r.width)), h: Math.max(240, Math.floor(r.height)) };
  }

  /** Parts of reused values' gradients (edge id → {index, value, k, n}), drawn as chips. */
  function setContributions(map) {
    contributions = map;
    renderer.setContributions(contributions, store.get().precision);
    if (step) renderer.restyle(step, store.get().precision, activeSets(graph, step));
  }

  function showGraph(g) {
    if (prepared && prepared.graph !== g) prepared = null; // made for a lesson that did not come
    // drawn already, ahead of its first step: kept as it is, unless its frame has another size
    // by the next frame. Measured then, not now: the drawing is new and the text around it is
    // being filled in, so measuring now would lay the page out once more before that frame does
    // (a large graph's drawing: 30–100 ms)
    const ahead = g === graph && !step && !fitted && Boolean(drawnFor);
    const frame = ahead ? null : measure();
    graph = g;
    fitted = false;
    contributions = new Map();
    step = null;
    animator.cancel();
    release();
    if (ahead) {
      const drawing = drawnFor;
      requestAnimationFrame(() => {
        if (graph !== g || fitted || drawnFor !== drawing) return; // drawn again meanwhile
        const now = measure();
        if (now.w === size.w && now.h === size.h) return;
        size = now;
        redraw();
      });
      return;
    }
    size = frame;
    redraw();
  }

  /**
   * Restyle at once; animate only a single step forward, and never let animations queue. `ask`
   * (predict mode): what the step writes shows as "?", and reveal() shows it with its pulses.
   */
  function showStep(resp, previous, { ask = false } = {}) {
    animator.cancel();
    release();
    morphs.clear();
    step = resp;
    const s = store.get();
    const stale = !drawnFor || drawnFor.projector !== s.projector || drawnFor.precision !== s.precision;
    const unmask = renderer.masked(); // a question left unanswered: its "?" may sit on entries this step leaves alone
    renderer.setMask(ask ? maskOf(resp) : null);
    if (stale) redraw();
    const active = activeSets(graph, resp);
    // after a redraw every entry is drawn afresh; otherwise only what changed is restyled
    renderer.restyle(resp, s.precision, active, stale || unmask ? null : resp.changed);
    const advanced = previous && previous.granularity === resp.granularity && resp.fine_cursor > previous.fine_cursor && resp.cursor === previous.cursor + 1;
    if (advanced && !ask) animate(resp, PULSE_MS[s.speed] || PULSE_MS.normal, s.precision);
    // a graph that scrolls (projector, large networks) keeps the current step in view: settle()
  }

  /**
   * Pulses for the unit just taken; each number it wrote stays hidden until its pulse lands.
   * Within a coarse unit a value waits for the values it reads (waves), so nothing arrives before
   * its inputs; a long chain runs faster, so a whole pass takes at most WAVES_MS pulse times.
   */
  function animate(resp, ms, precision) {
    const parts = renderer.parts();
    if (!parts || animator.reduced) return;
    const { paramById, incoming } = indexOf(graph);
    const radius = parts.m.stroke * 7;
    let dots = MAX_DOTS; // a unit of a large network's layer would otherwise send thousands
    const steps = resp.steps.slice(0, MAX_ANIMATED);
    const waves = wavesOf(steps, incoming);
    const count = Math.max(0, ...waves) + 1;
    const per = count > WAVES_MS ? (ms * WAVES_MS) / count : ms;
    const writes = []; // every pulse reads its path first, then the page is written: one layout
    const arrivals = [];
    steps.forEach((st, i) => {
      const delay = waves[i] * per;
      const start = () => (delay > 0 ? animator.wait(delay) : Promise.resolve(true));
      if (st.phase === "forward") {
        const view = drawnView(parts.nodes.get(st.node));
        const ids = new Set((incoming.get(st.node) || []).map((e) => drawnEdge(e.id, e.source, paramById)));
        const edges = [...ids].map((id) => parts.edges.get(id)).filter(Boolean).slice(0, Math.max(0, dots));
        dots -= edges.length;
        writes.push(() => {
          const sent = edges.map((e) => animator.pulse(parts.pulses, e.path || e.geo.d, { cls: "pulse-fwd", radius, ms: per, delay }));
          arrivals.push(hold(view && view.value, edges.length ? Promise.all(sent) : start()));
        });
      } else if (st.phase === "backward") {
        const e = dots > 0 ? parts.edges.get(drawnEdge(st.edge, st.target, paramById)) : null;
        const view = drawnView(parts.nodes.get(st.target) || parts.params.get(st.target));
        if (e) dots -= 1;
        const chip = parts.chips.get(st.edge); // a reused value's part of the gradient, on this edge
        writes.push(() => {
          const done = e ? animator.pulse(parts.pulses, e.path || e.geo.d, { reverse: true, cls: "pulse-bwd", radius, ms: per, delay }) : start();
          arrivals.push(hold(view && view.grad, done));
          if (chip && chip.index === st.index) hold(chip.g, done);
        });
      } else if (st.phase === "update") {
        writes.push(() => morph(parts, paramState(resp, st.target), ms, precision));
      }
    });
    for (const write of writes) write();
    // what a large unit wrote beyond the animated steps appears when the last pulse lands
    const rest = resp.steps.slice(MAX_ANIMATED, MAX_ANIMATED + MAX_HELD);
    if (rest.length && arrivals.length) {
      const all = Promise.all(arrivals);
      for (const st of rest) {
        const view = drawnView(parts.nodes.get(st.target) || parts.params.get(st.target));
        if (st.phase === "forward") hold(view && view.value, all);
        else if (st.phase === "backward") hold(view && view.grad, all);
      }
    }
  }

  const held = new Map(); // element → the promise it waits for: only that one shows it again

  /** Keep a freshly written number hidden until its pulse arrives. */
  function hold(node, done) {
    if (!node) return done;
    node.classList.add("pending");
    held.set(node, done);
    done.then(() => {
      if (held.get(node) !== done) return; // a later step holds it now
      held.delete(node);
      node.classList.remove("pending");
    });
    return done;
  }

  /** Show every held number at once (a new step, or stepping back, finishes the one before). */
  function release() {
    for (const node of held.keys()) node.classList.remove("pending");
    held.clear();
  }

  /** Predict mode's answer: the values shown as "?" arrive with their pulses. */
  function reveal() {
    if (!step || !renderer.masked()) return;
    animator.cancel();
    release();
    renderer.setMask(null);
    const s = store.get();
    renderer.restyle(step, s.precision, activeSets(graph, step), step.changed);
    animate(step, PULSE_MS[s.speed] || PULSE_MS.normal, s.precision);
  }

  const morphs = new Map(); // parameter id → its update's morph, done when it ends (landed())

  function morph(parts, ps, ms, precision) {
    if (!ps || ps.old === null || ps.value === null) return;
    const view = drawnView(parts.params.get(ps.id));
    if (!view || !view.g) {
      // no label to morph (a dense layer's): its matrix cell still waits the morph's time
      morphs.set(ps.id, animator.tween(ms * 1.6, () => {}));
      return;
    }
    const { g, value, path } = view; // a label drawn on demand may be removed meanwhile
    const finalText = value.textContent;
    const prefix = view.kind === "var" || view.tag ? "" : `${view.name} `;
    g.classList.add("morphing");
    morphs.set(ps.id, animator.tween(ms * 1.6, (t) => {
      const v = ps.old + (ps.value - ps.old) * t;
      if (path) path.setAttribute("stroke-width", weightWidth(t >= 1 ? ps.value : v, parts.ref, parts.m));
      value.textContent = t >= 1 ? finalText : prefix + formatSigned(v, precision);
      if (t >= 1) g.classList.remove("morphing");
    }));
  }

  /** Where the step shown is drawn (viewBox units): the box of a node it wrote or used, else of a weight's label. */
  function currentBox() {
    const parts = renderer.parts();
    if (!parts || !step) return null;
    const active = activeSets(graph, step); // a few entries: cheaper to work out again than to keep in step
    const ids = [...active.written, ...active.nodes];
    for (const id of ids) if (parts.layout.boxes.has(id)) return parts.layout.boxes.get(id);
    for (const id of ids) {
      const v = parts.params.get(id);
      if (v && v.at) return { x: v.at.x, y: v.at.y, w: parts.m.edgeLabelW, h: parts.m.edgeLabelH };
    }
    return null;
  }

  /**
   * Scroll the frame (never the page) to centre the step shown when it is not wholly in view.
   * Worked out from the layout's geometry, and called in a frame (see main.js): the one layout
   * it reads is the frame's own, not an extra one forced in the middle of a step.
   */
  function keepInView() {
    if (!wrap.classList.contains("is-scrolling")) return;
    const box = currentBox();
    if (!box) return;
    const { k, ox, oy } = viewScale(svg, svg.clientWidth, svg.clientHeight);
    const [cx, cy] = [ox + box.x * k, oy + box.y * k];
    const [hw, hh] = [(box.w * k) / 2, (box.h * k) / 2];
    const [left, top, cw, ch] = [wrap.scrollLeft, wrap.scrollTop, wrap.clientWidth, wrap.clientHeight];
    if (!(cx - hw >= left && cx + hw <= left + cw && cy - hh >= top && cy + hh <= top + ch)) {
      wrap.scrollLeft = cx - cw / 2;
      wrap.scrollTop = cy - ch / 2;
    }
    cull(); // what the frame shows now is rendered in this very frame
  }

  /** Render only what is near the view (a large graph; render.js). Reads the layout: call it in a frame. */
  function cull() {
    const view = { left: wrap.scrollLeft, top: wrap.scrollTop, width: wrap.clientWidth, height: wrap.clientHeight };
    renderer.cull({ ...view, svgWidth: svg.clientWidth, svgHeight: svg.clientHeight });
  }
  let culling = 0;
  wrap.addEventListener("scroll", () => {
    if (!culling) culling = requestAnimationFrame(() => {
      culling = 0;
      cull();
    });
  }, { passive: true });

  /** Run `fn` with the whole graph rendered (an export reads every element's style), then cull again. */
  function whole(fn) {
    renderer.cull(null);
    try {
      return fn();
    } finally {
      cull();
    }
  }

  let resizing = 0;
  function resize() {
    cancelAnimationFrame(resizing);
    resizing = 0;
    const next = measure();
    if (Math.abs(next.w - size.w) < 2 && Math.abs(next.h - size.h) < 2) return;
    // a graph that scrolls keeps its drawing when only the frame's height changed, it still
    // scrolls, and it is taller than the frame was and is (else the layout stretches to the frame's
    // height): the frame shows more or less of it. A large graph's drawing takes seconds.
    const { natural, floor, scrolls } = drawnFor || {};
    // (unless the frame grew to near what the drawing needs: a tighter way of drawing it, its rows
    // closer, may then show it whole — deep projected under a shorter explanation)
    const mayFit = Boolean(scrolls) && next.h > size.h && next.h >= natural.height * floor * 0.6;
    const sameDrawing = scrolls && !mayFit && Math.abs(next.w - size.w) < 2 && Math.max(size.h, next.h) <= natural.height * floor;
    if (sameDrawing && fitIn(next, natural) < floor) {
      size = next;
      cull();
      return;
    }
    // pulses in flight arrive first: a new drawing would cut them short (the SVG scales meanwhile)
    if (animator.busy()) {
      resizing = requestAnimationFrame(resize);
      return;
    }
    size = next;
    redraw();
  }

  /** Show a graph too big for its frame whole (text under the floor), or back at its size. */
  function setFitted(on) {
    if (fitted === on) return;
    fitted = on;
    redraw();
  }

  /** What chooseLayout is asked, for the graph shown in the view of now (layoutFor's choice). */
  function chooseIn(frame) {
    const s = store.get();
    const rootFont = parseFloat(getComputedStyle(document.documentElement).fontSize) || 24;
    const k = s.projector ? rootFont / 24 : 1;
    const floorPx = s.projector ? PROJECTOR_MIN_TEXT * k : NORMAL_MIN_TEXT;
    const place = isPrimitive(graph) ? layoutPrimitive : layoutGraph;
    const chosen = chosenFor(graph, place, frame, { projector: s.projector, precision: s.precision, k, floorPx: floorPx * 1.005, maxZoom: MAX_ZOOM });
    return { chosen, floor: (1.005 * floorPx) / minFont(chosen.m) };
  }

  /**
   * Whether a frame of `frame` CSS px would show the whole graph with its text at the floor, in
   * whichever way of drawing it fits best there (rows closer, labels on demand: layout.js); not
   * asked of a graph far larger than the frame (its layouts are costly to try).
   */
  function fitsIn(frame) {
    const need = needs();
    if (!graph || !need || need.w * 0.6 > frame.w || need.h * 0.6 > frame.h) return false;
    return Boolean(chooseIn(frame).chosen?.fits);
  }

  /**
   * The smallest frame that shows the whole graph with its text at the floor (CSS px), or null:
   * as the graph would be drawn in its frame as the page is laid out now (measured), whichever
   * frame its drawing on screen was made for (sizeExplain asks it of the layout a new page
   * starts from, whatever came before).
   */
  function needs() {
    if (!graph || !drawnFor) return null;
    const { chosen, floor } = chooseIn(measure());
    return { w: chosen.natural.width * floor, h: chosen.natural.height * floor };
  }

  /** A large graph's edges for export (large/edge-canvas.js), or null when they are SVG elements. */
  const edgeArt = () => renderer.parts()?.edgeCanvas || null;
  const exportRuns = () => renderer.exportRuns();

  // the update of parameter `id` shown at this step: a promise that resolves when its morph ends
  const landed = (id) => morphs.get(id) || null;

  return { showGraph, prepare, showStep, reveal, landed, idle: animator.idle, setFitted, keepInView, whole, setContributions, redraw, resize, needs, fitsIn, repaintEdges: renderer.repaintEdges, edgeArt, exportRuns, svg };
}
