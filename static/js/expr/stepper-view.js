// A self-contained stepper for expression graphs: the SVG graph of primitive operations, values
// flowing forward and gradients flowing back one step at a time, and each step's equation.
//
//   import { mountExpressionStepper } from "/static/js/expr/stepper-view.js";
//   const view = mountExpressionStepper(container);
//   view.load({ kind: "expression", expression: "(a + b) * (b + 1)", values: { a: 2, b: 1 } });
//
// Ids: node groups are "x-<node id>", edges "x-<source>__<target>" (the API's ids, prefixed so
// they never clash with the main graph's). Everything comes from /api/graph and /api/step.

import { el, exprApi } from "./client.js";

const SVG = "http://www.w3.org/2000/svg";
const COL = 170;
const ROW = 86;
const W = 136;
const H = 58;
const OP_SIGN = { add: "+", sub: "−", mul: "×", div: "÷", pow: "^", neg: "−x", exp: "exp", log: "log", tanh: "tanh", sigmoid: "σ", relu: "relu" };

function svg(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.append(node);
  return node;
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "—";
  const a = Math.abs(v);
  const s = a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(3) : Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return s.replace("-", "−");
}

export function mountExpressionStepper(container, { api = exprApi, digits = 4 } = {}) {
  let scenario = null;
  let graph = null;
  let cursor = 0;
  let ticket = 0;
  const views = new Map(); // node id → { g, value, grad }
  const edges = new Map(); // edge id → path

  const drawing = svg("svg", { class: "bs-xg-svg", role: "img", "aria-label": "Computation graph" });
  const buttons = {
    reset: el("button", { cls: "btn", text: "⇤ Reset", attrs: { type: "button" } }),
    back: el("button", { cls: "btn", text: "◀ Back", attrs: { type: "button" } }),
    step: el("button", { cls: "btn bs-xg-step", text: "Step ▶", attrs: { type: "button" } }),
    end: el("button", { cls: "btn", text: "End ⇥", attrs: { type: "button" } }),
  };
  const counter = el("span", { cls: "bs-xg-counter", attrs: { "aria-live": "polite" } });
  const formula = el("div", { cls: "bs-xg-math" });
  const sentence = el("p", { cls: "bs-xg-sentence" });
  const status = el("p", { cls: "bs-xg-status", attrs: { role: "status" } });
  const root = el("div", { cls: "bs-xg", attrs: { tabindex: "0", "aria-label": "Expression stepper: arrow keys step" } }, [
    el("div", { cls: "bs-xg-stage" }, [drawing]),
    el("div", { cls: "bs-xg-controls" }, [buttons.reset, buttons.back, buttons.step, buttons.end, counter]),
    formula,
    sentence,
    status,
  ]);
  container.append(root);

  function draw() {
    drawing.replaceChildren();
    views.clear();
    edges.clear();
    const pos = new Map(graph.nodes.map((n) => [n.id, { x: 20 + n.layer * COL, y: 20 + n.row * ROW }]));
    const width = Math.max(...graph.nodes.map((n) => n.layer)) * COL + W + 40;
    const height = Math.max(...graph.nodes.map((n) => n.row)) * ROW + H + 40;
    drawing.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const gEdges = svg("g", { class: "bs-xg-edges" }, drawing);
    for (const e of graph.edges) {
      const a = pos.get(e.source);
      const b = pos.get(e.target);
      const x1 = a.x + W;
      const y1 = a.y + H / 2;
      const x2 = b.x;
      const y2 = b.y + H / 2;
      const mid = (x1 + x2) / 2;
      edges.set(e.id, svg("path", { id: `x-${e.id}`, class: "bs-xg-edge", d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }, gEdges));
    }
    for (const n of graph.nodes) {
      const { x, y } = pos.get(n.id);
      const kind = n.kind === "param" ? "var" : n.kind === "input" ? "const" : n.id === "f" ? "out" : "op";
      const g = svg("g", { id: `x-${n.id}`, class: `bs-xg-node bs-xg-${kind}`, transform: `translate(${x},${y})` }, drawing);
      svg("rect", { width: W, height: H, rx: 10 }, g);
      const title = svg("text", { x: 8, y: 17, class: "bs-xg-label" }, g);
      title.textContent = n.label.text + (n.op ? `  ${OP_SIGN[n.op] || n.op}` : "");
      const value = svg("text", { x: 8, y: 35, class: "bs-xg-value" }, g);
      const grad = svg("text", { x: 8, y: 51, class: "bs-xg-grad" }, g);
      views.set(n.id, { g, value, grad, node: n });
    }
  }

  function show(resp) {
    const values = new Map(resp.nodes.map((s) => [s.id, s]));
    const params = new Map(resp.parameters.map((p) => [p.id, p]));
    for (const [id, v] of views) {
      const ns = values.get(id);
      const ps = params.get(id);
      const value = ps ? ps.value : ns ? ns.value : null;
      const grad = ps ? ps.grad : ns ? ns.grad : null;
      const parts = (ps || ns || {}).grad_parts || [0, 0];
      v.value.textContent = value === null && v.node.kind === "op" ? "value —" : `= ${fmt(value, digits)}`;
      const partial = parts[1] > 1 && parts[0] < parts[1] ? ` (${parts[0]}/${parts[1]})` : "";
      v.grad.textContent = grad === null ? "" : `∇ ${fmt(grad, digits)}${partial}`;
      v.g.classList.remove("is-active", "is-target");
    }
    for (const path of edges.values()) path.classList.remove("is-active", "is-forward", "is-backward");
    const last = resp.steps[resp.steps.length - 1];
    if (last) {
      views.get(last.node)?.g.classList.add("is-active");
      views.get(last.target)?.g.classList.add("is-target");
      if (last.edge) edges.get(last.edge)?.classList.add("is-active", "is-backward");
      if (last.phase === "forward") {
        for (const e of graph.edges) if (e.target === last.node) edges.get(e.id)?.classList.add("is-active", "is-forward");
      }
      formula.innerHTML = [last.explanation.formula.mathml, last.explanation.substituted.mathml, last.explanation.result.mathml].join("");
      sentence.textContent = last.explanation.sentence;
    } else {
      formula.replaceChildren();
      sentence.textContent = "Nothing is computed yet: step to compute the first operation.";
    }
    counter.textContent = `step ${resp.cursor} of ${resp.total} · ${resp.phase}`;
    status.textContent = resp.diverged ? resp.diverged.message : "";
    buttons.back.disabled = buttons.reset.disabled = resp.cursor === 0;
    buttons.step.disabled = buttons.end.disabled = resp.cursor === resp.total;
  }

  async function go(target) {
    if (!graph) return;
    const total = graph.plan.total_steps;
    cursor = Math.max(0, Math.min(total, target));
    const mine = ++ticket;
    try {
      const resp = await api.step({ scenario, cursor });
      if (mine === ticket) show(resp); // the latest request wins
    } catch (err) {
      status.textContent = err.message;
    }
  }

  async function load(next) {
    scenario = next;
    const mine = ++ticket;
    try {
      const g = await api.graph(scenario);
      if (mine !== ticket) return;
      graph = g;
      draw();
      await go(0);
    } catch (err) {
      status.textContent = err.message;
    }
  }

  buttons.reset.addEventListener("click", () => go(0));
  buttons.back.addEventListener("click", () => go(cursor - 1));
  buttons.step.addEventListener("click", () => go(cursor + 1));
  buttons.end.addEventListener("click", () => go(graph ? graph.plan.total_steps : 0));
  root.addEventListener("keydown", (e) => {
    if (e.target !== root) return;
    if (e.key === "ArrowRight") go(cursor + 1);
    else if (e.key === "ArrowLeft") go(cursor - 1);
    else return;
    e.preventDefault();
  });

  return { load, go, destroy: () => root.remove() };
}
