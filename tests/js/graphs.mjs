// Graphs shaped like /api/graph answers (structure only: ids, kinds, roles, hints, edges), built
// here so the layout tests need no server. Mirrors app/engine's network and expression graphs.

const PLAN = (layers, update) => ({
  layers,
  granularities: { pass: { phase_starts: update ? { forward: 0, backward: 1, update: 2 } : { forward: 0, backward: 1 } } },
});

function node(id, kind, role, layer, row, inputs = [], extra = {}) {
  return { id, kind, role, op: null, activation: null, loss: null, layer, row, inputs, requires_grad: kind !== "input" && kind !== "target", ...extra };
}

function withEdges(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges = [];
  for (const n of nodes) {
    n.inputs.forEach((src, position) => {
      edges.push({ id: `${src}__${n.id}`, source: src, target: n.id, position, requires_grad: byId.get(src).requires_grad });
    });
  }
  return edges;
}

/** A layered network: `layers` = [inputs, hidden…, outputs]; softmax on the output if asked. */
export function mlp(layers, { softmax = false } = {}) {
  const nodes = [];
  const parameters = [];
  let prev = Array.from({ length: layers[0] }, (_, i) => {
    nodes.push(node(`x${i}`, "input", "x", 0, i));
    return `x${i}`;
  });
  const depth = layers.length - 1;
  for (let l = 1; l <= depth; l += 1) {
    const zs = [];
    for (let j = 0; j < layers[l]; j += 1) {
      const ws = prev.map((src, i) => {
        const id = `W${l}_${j}_${i}`;
        nodes.push(node(id, "param", "W", l, j));
        parameters.push({ id, tensor: `W${l}`, index: [j, i], frozen: false, edge: `${src}__z${l}_${j}`, node: `z${l}_${j}` });
        return id;
      });
      nodes.push(node(`b${l}_${j}`, "param", "b", l, j));
      parameters.push({ id: `b${l}_${j}`, tensor: `b${l}`, index: [j], frozen: false, edge: null, node: `z${l}_${j}` });
      nodes.push(node(`z${l}_${j}`, "op", "z", l, j, [...prev, ...ws, `b${l}_${j}`], { op: "wsum" }));
      zs.push(`z${l}_${j}`);
    }
    const soft = softmax && l === depth;
    prev = zs.map((z, j) => {
      nodes.push(node(`a${l}_${j}`, "op", "a", l, j, soft ? zs : [z], { op: "act", activation: soft ? "softmax" : "sigmoid" }));
      return `a${l}_${j}`;
    });
  }
  const ys = Array.from({ length: layers[depth] }, (_, k) => {
    nodes.push(node(`y${k}`, "target", "y", depth + 1, k));
    return `y${k}`;
  });
  nodes.push(node("L", "op", "loss", depth + 1, 0, [...prev, ...ys], { op: "loss", loss: softmax ? "cross_entropy" : "mse" }));
  return { nodes, edges: withEdges(nodes), parameters, plan: PLAN(layers.length, true) };
}

/** (a + b) · (b + 1): b is used twice, 1 is a constant. */
export function sumTimesSum() {
  const nodes = [
    node("var_a", "param", "var", 0, 0),
    node("var_b", "param", "var", 0, 1),
    node("v1", "op", "expr", 1, 0, ["var_a", "var_b"], { op: "add" }),
    node("c1", "input", "const", 0, 2),
    node("v2", "op", "expr", 1, 1, ["var_b", "c1"], { op: "add" }),
    node("f", "op", "expr", 2, 0, ["v1", "v2"], { op: "mul" }),
  ];
  const parameters = [
    { id: "var_a", tensor: "a", index: [], frozen: false, edge: null, node: "v1" },
    { id: "var_b", tensor: "b", index: [], frozen: false, edge: null, node: "v1" },
  ];
  return { nodes, edges: withEdges(nodes), parameters, plan: PLAN(2, false) };
}

/** A chain of `n` unary ops on one variable: x → exp → log → … (one node per column). */
export function chain(n) {
  const ops = ["exp", "log", "tanh", "neg"];
  const nodes = [node("var_x", "param", "var", 0, 0)];
  for (let i = 1; i <= n; i += 1) nodes.push(node(`v${i}`, "op", "expr", i, 0, [nodes[i - 1].id], { op: ops[i % ops.length] }));
  const parameters = [{ id: "var_x", tensor: "x", index: [], frozen: false, edge: null, node: "v1" }];
  return { nodes, edges: withEdges(nodes), parameters, plan: PLAN(n, false) };
}

/** [x0, y0, x1, y1] of a centred box {x, y, w, h}. */
export const extent = (b) => [b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2];
