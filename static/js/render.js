// The graph drawing: `draw` builds the structure once per graph or size; `restyle` shows a step.

import { formatNumber, formatSigned } from "./format.js";
import { el, text } from "./svg.js";

const GRAD = "∇\u2009";

function nodeName(n) {
  return n.label.text;
}

/** Weight-edge stroke width: proportional to |w| against the largest starting weight. */
export function weightWidth(value, ref, m) {
  if (value === null) return 1;
  const unit = m.stroke * 9;
  return Math.max(1.2 * m.stroke, Math.min(unit * 1.6, (unit * Math.abs(value)) / ref));
}

export function createRenderer(svg) {
  let parts = null; // everything `restyle` needs, rebuilt by `draw`

  function draw(graph, layout, m, options) {
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${layout.width} ${layout.height}`);
    svg.setAttribute("width", layout.width);
    svg.setAttribute("height", layout.height);
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const paramByEdge = new Map(graph.parameters.filter((p) => p.edge).map((p) => [p.edge, p]));
    const ref = Math.max(1, ...graph.parameters.filter((p) => p.edge && p.value !== null).map((p) => Math.abs(p.value)));
    const gEdges = el("g", { class: "edges" }, svg);
    const gNeurons = el("g", { class: "neurons" }, svg);
    const gNodes = el("g", { class: "nodes" }, svg);
    const gLabels = el("g", { class: "edge-labels" }, svg);
    const gPulses = el("g", { class: "pulses", "aria-hidden": "true" }, svg);

    const edges = new Map();
    for (const [id, geo] of layout.edges) {
      const param = paramByEdge.get(id);
      const cls = ["edge", `edge-${geo.kind}`, param ? "edge-weight" : ""].join(" ").trim();
      const path = el("path", { d: geo.d, class: cls, "data-id": id, id: `e-${id}` }, gEdges);
      if (!param) path.setAttribute("stroke-width", (geo.kind === "internal" ? 0 : 2) * m.stroke);
      edges.set(id, { path, geo, param });
    }

    for (const nr of layout.neurons) {
      const g = el("g", { class: "neuron", "aria-hidden": "true" }, gNeurons);
      el("rect", { class: "neuron-body", x: nr.x - nr.w / 2, y: nr.y - nr.h / 2, width: nr.w, height: nr.h, rx: m.value * 0.7 }, g);
      el("line", { class: "neuron-divider", x1: nr.x, y1: nr.y - nr.h / 2 + 4, x2: nr.x, y2: nr.y + nr.h / 2 - 4 }, g);
    }

    const nodes = new Map();
    for (const [id, box] of layout.boxes) {
      const n = byId.get(id);
      nodes.set(id, drawNode(gNodes, n, box, m, options));
    }

    const params = new Map();
    for (const p of graph.parameters) {
      if (p.edge && edges.has(p.edge)) {
        const dense = layout.denseLayers.has(p.tensor);
        const at = layout.labels.get(p.id) || edges.get(p.edge).geo.mid;
        params.set(p.id, { ...drawWeightLabel(gLabels, p, at, m, dense, options), path: edges.get(p.edge).path, kind: "weight" });
      } else if (nodes.has(p.id)) {
        params.set(p.id, { ...nodes.get(p.id), kind: "bias" });
      }
    }
    parts = { graph, layout, m, byId, edges, nodes, params, ref, pulses: gPulses, paramByEdge };
    return parts;
  }

  function restyle(step, precision, active) {
    if (!parts) return;
    const { nodes, params, edges, m, ref, byId } = parts;
    for (const ns of step.nodes) {
      const v = nodes.get(ns.id);
      if (!v) continue;
      const n = byId.get(ns.id);
      setText(v.value, formatNumber(ns.value, precision));
      if (v.grad) setText(v.grad, ns.grad === null ? "" : GRAD + formatNumber(ns.grad, precision));
      v.g.classList.toggle("is-empty", ns.value === null);
      v.g.classList.toggle("has-grad", ns.grad !== null);
      v.g.setAttribute("aria-label", describeNode(n, ns, precision));
    }
    for (const ps of step.parameters) {
      const v = params.get(ps.id);
      if (!v) continue;
      const name = v.name;
      const sign = ps.value === null ? "" : ps.value < 0 ? "neg" : "pos";
      v.g.classList.toggle("pos", sign === "pos");
      v.g.classList.toggle("neg", sign === "neg");
      v.g.classList.toggle("has-grad", ps.grad !== null);
      v.g.classList.toggle("is-updated", ps.new !== null);
      setText(v.value, `${name} ${formatSigned(ps.value, precision)}`);
      setText(v.grad, ps.grad === null ? "" : GRAD + formatNumber(ps.grad, precision));
      v.g.setAttribute("aria-label", describeParam(name, ps, precision));
      if (v.path) {
        v.path.classList.toggle("pos", sign === "pos");
        v.path.classList.toggle("neg", sign === "neg");
        v.path.setAttribute("stroke-width", weightWidth(ps.value, ref, m));
      }
    }
    for (const { path } of edges.values()) path.classList.remove("active");
    for (const v of [...nodes.values(), ...params.values()]) v.g.classList.remove("active", "written");
    for (const id of active.edges) edges.get(id)?.path.classList.add("active");
    for (const id of active.nodes) (nodes.get(id) || params.get(id))?.g.classList.add("active");
    for (const id of active.written) (nodes.get(id) || params.get(id))?.g.classList.add("written");
  }

  return { draw, restyle, parts: () => parts };
}

function setText(node, s) {
  if (node && node.textContent !== s) node.textContent = s;
}

function describeNode(n, ns, precision) {
  const value = ns.value === null ? "not computed yet" : formatNumber(ns.value, precision);
  const grad = ns.grad === null ? "" : `, gradient ${formatNumber(ns.grad, precision)}`;
  const edit = n.kind === "input" || n.kind === "target" ? ". Press Enter to change it" : "";
  return `${n.label.text} = ${value}${grad}${edit}`;
}

function describeParam(name, ps, precision) {
  const grad = ps.grad === null ? "gradient not computed yet" : `gradient ${formatNumber(ps.grad, precision)}`;
  return `${name} = ${formatSigned(ps.value, precision)}, ${grad}. Press Enter to change it`;
}

function drawNode(parent, n, box, m, options) {
  const editable = options.editable && (n.kind === "input" || n.kind === "target" || n.role === "b");
  const g = el("g", { class: `node node-${box.shape}`, "data-id": n.id, id: `n-${n.id}` }, parent);
  if (editable) {
    g.classList.add("editable");
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
  } else {
    g.setAttribute("role", "img");
  }
  const { x, y, w, h } = box;
  if (box.shape === "bias") {
    el("rect", { class: "shape", x: x - w / 2, y: y - h / 2, width: w, height: h, rx: h / 2 }, g);
    if (editable) el("rect", { class: "focus-ring", x: x - w / 2 - 4, y: y - h / 2 - 4, width: w + 8, height: h + 8, rx: h / 2 + 4 }, g);
    const value = text({ class: "value bias-value", x, y: y + m.edgeLabel * 0.35, "font-size": m.edgeLabel }, "", g);
    const grad = text({ class: "grad grad-side", x: x + w / 2 + m.grad * 0.4, y: y + m.grad * 0.35, "font-size": m.grad }, "", g);
    return { g, value, grad, name: nodeName(n) };
  }
  if (box.shape === "data" || box.shape === "loss") {
    el("rect", { class: "shape", x: x - w / 2, y: y - h / 2, width: w, height: h, rx: box.shape === "loss" ? 6 : m.value * 0.6 }, g);
  } else {
    el("rect", { class: "shape half-hit", x: x - w / 2, y: y - h / 2, width: w, height: h, rx: m.value * 0.7 }, g);
  }
  if (editable) el("rect", { class: "focus-ring", x: x - w / 2 - 5, y: y - h / 2 - 5, width: w + 10, height: h + 10, rx: m.value * 0.7 + 5 }, g);
  const hasGrad = n.requires_grad;
  const top = y - h / 2 + m.label * 1.05;
  text({ class: "label", x, y: top, "font-size": m.label }, n.label.text, g);
  const value = text({ class: "value", x, y: top + m.value * 1.2, "font-size": m.value }, "", g);
  const grad = hasGrad ? text({ class: "grad", x, y: top + m.value * 1.2 + m.grad * 1.3, "font-size": m.grad }, "", g) : null;
  return { g, value, grad, name: nodeName(n) };
}

function drawWeightLabel(parent, p, mid, m, dense, options) {
  const g = el("g", { class: `wlabel${dense ? " dense" : ""}`, "data-id": p.id, id: `p-${p.id}` }, parent);
  if (options.editable) {
    g.classList.add("editable");
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
  } else {
    g.setAttribute("role", "img");
  }
  const w = m.edgeLabelW;
  const h = m.edgeLabelH;
  el("rect", { class: "wlabel-bg", x: mid.x - w / 2, y: mid.y - h / 2, width: w, height: h, rx: 6 }, g);
  if (options.editable) el("rect", { class: "focus-ring", x: mid.x - w / 2 - 4, y: mid.y - h / 2 - 4, width: w + 8, height: h + 8, rx: 9 }, g);
  const value = text({ class: "wvalue", x: mid.x, y: mid.y - h * 0.06, "font-size": m.edgeLabel }, "", g);
  const grad = text({ class: "grad", x: mid.x, y: mid.y + h * 0.36, "font-size": m.grad }, "", g);
  return { g, value, grad, name: p.label.text };
}
