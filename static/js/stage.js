// The graph on stage: draws on structure changes, restyles and animates on every step.

import { formatSigned } from "./format.js";
import { layoutGraph, metricsFor } from "./layout.js";
import { createRenderer, weightWidth } from "./render.js";

const PULSE_MS = { slow: 900, normal: 520, fast: 260 };
const MAX_ANIMATED = 40;
const MAX_ZOOM = 1.6; // a coarse unit animates its first steps together, the rest just appear

/** What a unit touched: edges to light, nodes involved, and the values it wrote. */
export function activeSets(graph, step) {
  const paramById = new Map(graph.parameters.map((p) => [p.id, p]));
  const incoming = new Map();
  for (const e of graph.edges) {
    if (!incoming.has(e.target)) incoming.set(e.target, []);
    incoming.get(e.target).push(e);
  }
  const out = { edges: new Set(), nodes: new Set(), written: new Set() };
  for (const s of step.steps) {
    out.nodes.add(s.node);
    out.written.add(s.target);
    if (s.phase === "forward") {
      for (const e of incoming.get(s.node) || []) out.edges.add(drawnEdge(e.id, e.source, paramById));
    } else if (s.phase === "backward" && s.edge) {
      out.edges.add(drawnEdge(s.edge, s.target, paramById));
      out.nodes.add(s.target);
    } else if (s.phase === "update") {
      const p = paramById.get(s.target);
      if (p && p.edge) out.edges.add(p.edge);
    }
  }
  return out;
}

/** A weight's own edge (W → z) is drawn as the data edge it labels. */
function drawnEdge(edgeId, source, paramById) {
  const p = paramById.get(source);
  return p && p.edge ? p.edge : edgeId;
}

export function createStage({ svg, wrap, animator, store }) {
  const renderer = createRenderer(svg);
  let graph = null;
  let step = null;
  let size = { w: 0, h: 0 };
  let drawnFor = null;

  function redraw() {
    if (!graph) return;
    const s = store.get();
    // projector sizes are for 1920 × 1080; a smaller screen gets the same picture, scaled
    const rootFont = parseFloat(getComputedStyle(document.documentElement).fontSize) || 24;
    const m = metricsFor(s.projector, s.precision, s.projector ? rootFont / 24 : 1);
    // small graphs grow to use the room (up to a limit); large ones shrink to fit
    const natural = layoutGraph(graph, 0, 0, m);
    const zoom = Math.min(MAX_ZOOM, size.w / natural.width, size.h / natural.height);
    const layout = zoom > 1 ? layoutGraph(graph, size.w / zoom, size.h / zoom, m) : layoutGraph(graph, size.w, size.h, m);
    renderer.draw(graph, layout, m, { editable: !s.projector });
    fitStageHeight(s.projector, natural);
    drawnFor = { graph, w: size.w, h: size.h, projector: s.projector, precision: s.precision };
    if (step) renderer.restyle(step, s.precision, activeSets(graph, step));
  }

  /** Normal mode: the stage is as tall as the graph drawn at the width's zoom, no emptier. */
  function fitStageHeight(projector, natural) {
    const stage = wrap.parentElement;
    if (projector) {
      stage.style.minHeight = "";
      return;
    }
    const zoom = Math.min(MAX_ZOOM, size.w / natural.width);
    const chrome = stage.getBoundingClientRect().height - wrap.getBoundingClientRect().height;
    const cap = Math.max(340, window.innerHeight - 218); // what the CSS max-height allows
    stage.style.minHeight = `${Math.min(cap, Math.ceil(natural.height * zoom + chrome))}px`;
  }

  function measure() {
    const r = wrap.getBoundingClientRect();
    return { w: Math.max(320, Math.floor(r.width)), h: Math.max(240, Math.floor(r.height)) };
  }

  function showGraph(g) {
    graph = g;
    step = null;
    animator.cancel();
    size = measure();
    redraw();
  }

  /** Restyle at once; animate only a single step forward, and never let animations queue. */
  function showStep(resp, previous) {
    animator.cancel();
    step = resp;
    const s = store.get();
    const stale = !drawnFor || drawnFor.projector !== s.projector || drawnFor.precision !== s.precision;
    if (stale) redraw();
    const active = activeSets(graph, resp);
    renderer.restyle(resp, s.precision, active);
    const advanced = previous && previous.granularity === resp.granularity && resp.fine_cursor > previous.fine_cursor && resp.cursor === previous.cursor + 1;
    if (advanced) animate(resp, PULSE_MS[s.speed] || PULSE_MS.normal, s.precision);
  }

  function animate(resp, ms, precision) {
    const parts = renderer.parts();
    if (!parts || animator.reduced) return;
    const paramById = new Map(graph.parameters.map((p) => [p.id, p]));
    const incoming = graph.edges.filter((e) => resp.steps.some((st) => st.phase === "forward" && st.node === e.target));
    const radius = parts.m.stroke * 7;
    for (const st of resp.steps.slice(0, MAX_ANIMATED)) {
      if (st.phase === "forward") {
        const view = parts.nodes.get(st.node);
        const ids = new Set(incoming.filter((e) => e.target === st.node).map((e) => drawnEdge(e.id, e.source, paramById)));
        const edges = [...ids].map((id) => parts.edges.get(id)).filter(Boolean);
        hold(view && view.value, Promise.all(edges.map((e) => animator.pulse(parts.pulses, e.path, { cls: "pulse-fwd", radius, ms }))));
      } else if (st.phase === "backward") {
        const e = parts.edges.get(drawnEdge(st.edge, st.target, paramById));
        const view = parts.nodes.get(st.target) || parts.params.get(st.target);
        if (e) hold(view && view.grad, animator.pulse(parts.pulses, e.path, { reverse: true, cls: "pulse-bwd", radius, ms }));
      } else if (st.phase === "update") {
        morph(parts, resp.parameters.find((p) => p.id === st.target), ms, precision);
      }
    }
  }

  /** Keep a freshly written number hidden until its pulse arrives. */
  function hold(node, done) {
    if (!node) return;
    node.classList.add("pending");
    done.then(() => node.classList.remove("pending"));
  }

  function morph(parts, ps, ms, precision) {
    const view = parts.params.get(ps && ps.id);
    if (!view || ps.old === null || ps.value === null) return;
    const finalText = view.value.textContent;
    const prefix = view.kind === "weight" ? `${view.name} ` : "";
    view.g.classList.add("morphing");
    animator.tween(ms * 1.6, (t) => {
      const v = ps.old + (ps.value - ps.old) * t;
      if (view.path) view.path.setAttribute("stroke-width", weightWidth(t >= 1 ? ps.value : v, parts.ref, parts.m));
      view.value.textContent = t >= 1 ? finalText : prefix + formatSigned(v, precision);
      if (t >= 1) view.g.classList.remove("morphing");
    });
  }

  function resize() {
    const next = measure();
    if (Math.abs(next.w - size.w) < 2 && Math.abs(next.h - size.h) < 2) return;
    size = next;
    redraw();
  }

  return { showGraph, showStep, redraw, resize, svg };
}
