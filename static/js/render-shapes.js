// The graph's pieces as render.js draws them: a node's box, a weight's label, and the numbers
// and words written on them.

import { formatNumber, formatSigned } from "./format.js";
import { el, text } from "./svg.js";

export const GRAD = "∇\u2009";

function nodeName(n) {
  return n.label.text;
}

/** "∇ 5.0000"; in a graph of primitive ops "∇ 2.0000 · 1 of 2" while a reused value awaits a part. */
export function gradText(s, precision, primitive) {
  if (s.grad === null) return "";
  const [k, n] = s.grad_parts || [0, 0];
  return GRAD + formatNumber(s.grad, precision) + (primitive && k < n ? ` · ${k} of ${n}` : "");
}

/** A network neuron's gradient still arriving in parts (it feeds several): "part 1 of 3". */
export function partsText(s) {
  const [k, n] = s.grad_parts || [0, 0];
  return s.grad !== null && k < n ? `part ${k} of ${n}` : "";
}

/** Write a text only when it changed: an unchanged one costs the page no layout. */
export function setText(node, s) {
  if (node && node.textContent !== s) node.textContent = s;
}

export function describeNode(n, ns, precision) {
  const value = ns.value === null ? "not computed yet" : formatNumber(ns.value, precision);
  const [k, parts] = ns.grad_parts || [0, 0];
  const sofar = ns.grad !== null && k < parts ? ` so far, contribution ${k} of ${parts}` : "";
  const grad = ns.grad === null ? "" : `, gradient ${formatNumber(ns.grad, precision)}${sofar}`;
  const edit = n.kind === "input" || n.kind === "target" ? ". Press Enter to change it" : "";
  return `${n.label.text} = ${value}${grad}${edit}`;
}

export function describeParam(name, ps, precision) {
  const grad = ps.grad === null ? "gradient not computed yet" : `gradient ${formatNumber(ps.grad, precision)}`;
  return `${name} = ${formatSigned(ps.value, precision)}, ${grad}. Press Enter to change it`;
}

/** Whether a node's drawing takes focus (Tab, Enter to change its value). */
export function takesFocus(n, box, options) {
  return Boolean(options.editable && (box.editable ?? (n.kind === "input" || n.kind === "target" || n.role === "b")));
}

export function drawNode(parent, n, box, m, options) {
  const editable = takesFocus(n, box, options);
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
    // the room its gradient will take, kept from the start: the node's box never grows mid-lesson
    el("rect", { class: "grad-room", x: x + w / 2, y: y - h / 2, width: m.grad * 0.4 + m.edgeLabelW, height: h, fill: "none" }, g);
    const grad = text({ class: "grad grad-side", x: x + w / 2 + m.grad * 0.4, y: y + m.grad * 0.35, "font-size": m.grad }, "", g);
    return { g, value, grad, name: nodeName(n) };
  }
  if (["data", "loss", "var", "const", "op"].includes(box.shape)) {
    const rx = box.shape === "loss" ? 6 : box.shape === "op" ? m.value * 0.9 : m.value * 0.45;
    el("rect", { class: "shape", x: x - w / 2, y: y - h / 2, width: w, height: h, rx }, g);
    if (box.op) {
      // the operation's badge on the box's left edge, where its inputs arrive
      // a circle for a sign, a pill for a name ("tanh"); never smaller than the node's label
      const size = box.op.length > 1 ? m.label : m.label * 1.05;
      const r = m.label * 0.95;
      const bw = Math.max(2 * r, box.op.length * size * 0.62 + size * 0.7);
      const cy = y - h / 2 + r * 0.2;
      el("rect", { class: "op-badge", x: x - w / 2 - bw / 2, y: cy - r, width: bw, height: 2 * r, rx: r }, g);
      text({ class: "op-sign", x: x - w / 2, y: cy + size * 0.36, "font-size": size }, box.op, g);
    }
  } else {
    el("rect", { class: "shape half-hit", x: x - w / 2, y: y - h / 2, width: w, height: h, rx: m.value * 0.7 }, g);
  }
  if (editable) el("rect", { class: "focus-ring", x: x - w / 2 - 5, y: y - h / 2 - 5, width: w + 10, height: h + 10, rx: m.value * 0.7 + 5 }, g);
  const hasGrad = n.requires_grad;
  const lines = m.lines || { label: 1.05, value: 1.2, grad: 1.3 };
  const top = y - h / 2 + m.label * lines.label;
  text({ class: "label", x, y: top, "font-size": m.label }, n.label.text, g);
  const value = text({ class: "value", x, y: top + m.value * lines.value, "font-size": m.value }, "", g);
  const grad = hasGrad ? text({ class: "grad", x, y: top + m.value * lines.value + m.grad * lines.grad, "font-size": m.grad }, "", g) : null;
  // a neuron's half: which part of its gradient has arrived, under the box (partsText)
  // (an a half's note starts clear of the next row's bias pill, which sits under the z half)
  const side = box.shape === "a" && m.biasW ? { class: "grad grad-parts grad-side", x: Math.max(x - w / 2, x - w + m.biasW / 2 + m.grad * 0.4) } : { class: "grad grad-parts", x };
  // (`noteY`: no room under the box, the layout put it beside the bias pill above)
  const parts = hasGrad && (box.shape === "z" || box.shape === "a") ? text({ ...side, y: box.noteY ?? y + h / 2 + m.grad * 1.1, "font-size": m.grad }, "", g) : null;
  return { g, value, grad, parts, name: nodeName(n) };
}

/** A weight's label on its edge; `tag`: a dense layer's, shown on demand, its value and gradient only. */
export function drawWeightLabel(parent, p, mid, m, dense, options, tag = false) {
  const g = el("g", { class: `wlabel${dense ? " dense" : ""}`, "data-id": p.id, "data-edge": p.edge, id: `p-${p.id}` }, parent);
  if (options.editable) {
    g.classList.add("editable");
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
  } else {
    g.setAttribute("role", "img");
  }
  const w = tag ? m.tagW : m.edgeLabelW;
  const h = m.edgeLabelH;
  el("rect", { class: "wlabel-bg", x: mid.x - w / 2, y: mid.y - h / 2, width: w, height: h, rx: 6 }, g);
  if (options.editable) el("rect", { class: "focus-ring", x: mid.x - w / 2 - 4, y: mid.y - h / 2 - 4, width: w + 8, height: h + 8, rx: 9 }, g);
  const value = text({ class: "wvalue", x: mid.x, y: mid.y - h * 0.06, "font-size": m.edgeLabel }, "", g);
  const grad = text({ class: "grad", x: mid.x, y: mid.y + h * 0.36, "font-size": m.grad }, "", g);
  return { g, value, grad, name: p.label.text };
}
