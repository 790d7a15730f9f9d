// /api/graph's block form (`format: "blocks"`, app/api/blocks.py): a network's graph as its layers
// and one value per parameter, expanded here into exactly the usual answer (`labels: "text"`):
// the nodes in teaching order (app/engine/network.py build_nodes), the edges (each node's inputs),
// the parameters, and the labels' text names (app/engine/notation.py). A few tens of milliseconds
// for the largest network, where the server took a second and ~12 MB to write them out.

const SUB = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", 4: "₄", 5: "₅", 6: "₆", 7: "₇", 8: "₈", 9: "₉", ",": "," };
const SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹", "(": "⁽", ")": "⁾" };
const sub = (s) => Array.from(String(s), (c) => SUB[c]).join("");
const sup = (s) => Array.from(String(s), (c) => SUP[c]).join("");
/** 1-based indices as one subscript: 13, or 10,3 once any index has two digits. */
const subscript = (...ks) => (Math.max(...ks) < 10 ? ks.join("") : ks.join(","));

/** The text names of one network (notation.py Notation.*(…).text): 0-based indices in. */
export function notation(layers) {
  const out = layers.length - 1;
  const chain = layers.length > 1 && layers.slice(1).every((n) => n === 1);
  return {
    unit(base, l, j) {
      if (l === out && base === "a") return "ŷ" + (chain ? "" : sub(j + 1));
      if (chain) return base + sub(l);
      return base + sup(`(${l})`) + sub(j + 1);
    },
    weight(l, j, k) {
      if (chain) return "W" + sub(layers[l - 1] === 1 ? String(l) : subscript(l, k + 1));
      return "W" + sup(`(${l})`) + sub(subscript(j + 1, k + 1));
    },
    input: (k) => "x" + sub(k + 1),
    target: (j) => "y" + (chain ? "" : sub(j + 1)),
  };
}

const label = (text) => ({ text, latex: null, mathml: null });
const node = (id, kind, role, op, activation, loss, text, layer, row, inputs, grad) => ({ id, kind, role, op, activation, loss, label: label(text), layer, row, inputs, requires_grad: grad });

/** Whether an answer is in the block form (else it is the usual or the column form). */
export const isBlocks = (answer) => Boolean(answer) && typeof answer === "object" && Boolean(answer.network) && Array.isArray(answer.values);

/** A block-form graph as the usual answer: {nodes, edges, parameters, plan, batch}. */
export function fromBlocks(answer) {
  if (!isBlocks(answer)) return answer;
  const { layers, activations, coupled, loss } = answer.network;
  const frozen = new Set(answer.network.frozen);
  const values = answer.values;
  const lab = notation(layers);
  const nodes = [];
  const parameters = [];
  const grad = new Map(); // node id → requires_grad, for its edges
  const add = (n) => {
    nodes.push(n);
    grad.set(n.id, n.requires_grad);
    return n.id;
  };
  let prev = [];
  for (let i = 0; i < layers[0]; i++) prev.push(add(node(`x${i}`, "input", "x", null, null, null, lab.input(i), 0, i, [], false)));
  let v = 0;
  for (let l = 1; l < layers.length; l++) {
    const act = activations[l - 1];
    const tw = `W${l}`;
    const tb = `b${l}`;
    const zs = [];
    const acts = [];
    for (let j = 0; j < layers[l]; j++) {
      const z = `z${l}_${j}`;
      const ws = [];
      for (let k = 0; k < prev.length; k++) {
        const id = `W${l}_${j}_${k}`;
        const text = lab.weight(l, j, k);
        ws.push(add(node(id, "param", "W", null, null, null, text, l, j, [], true)));
        parameters.push({ id, tensor: tw, index: [j, k], label: label(text), value: values[v++], frozen: frozen.has(tw), edge: `${prev[k]}__${z}`, node: z });
      }
      const b = `b${l}_${j}`;
      const btext = lab.unit("b", l, j);
      add(node(b, "param", "b", null, null, null, btext, l, j, [], true));
      parameters.push({ id: b, tensor: tb, index: [j], label: label(btext), value: values[v++], frozen: frozen.has(tb), edge: null, node: z });
      zs.push(add(node(z, "op", "z", "wsum", null, null, lab.unit("z", l, j), l, j, [...prev, ...ws, b], true)));
      if (!coupled[l - 1]) acts.push(add(node(`a${l}_${j}`, "op", "a", "act", act, null, lab.unit("a", l, j), l, j, [z], true)));
    }
    if (coupled[l - 1]) for (let j = 0; j < layers[l]; j++) acts.push(add(node(`a${l}_${j}`, "op", "a", "act", act, null, lab.unit("a", l, j), l, j, zs.slice(), true)));
    prev = acts;
  }
  const out = layers.length;
  const ys = [];
  for (let j = 0; j < layers[out - 1]; j++) ys.push(add(node(`y${j}`, "target", "y", null, null, null, lab.target(j), out, j, [], false)));
  add(node("L", "op", "loss", "loss", null, loss, "L", out, 0, [...prev, ...ys], true));
  const edges = [];
  for (const n of nodes) {
    const ins = n.inputs;
    for (let k = 0; k < ins.length; k++) edges.push({ id: `${ins[k]}__${n.id}`, source: ins[k], target: n.id, position: k, requires_grad: grad.get(ins[k]) });
  }
  return { nodes, edges, parameters, plan: answer.plan, batch: answer.batch };
}
