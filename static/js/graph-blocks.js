// /api/graph's block form (`format: "blocks"`, app/api/blocks.py): a network's graph as its layers
// and one value per parameter, expanded here into exactly the usual answer (`labels: "text"`):
// the nodes in teaching order (app/engine/network.py build_nodes), the edges (each node's inputs),
// the parameters, and the labels' text names (app/engine/notation.py). A few tens of milliseconds
// for the largest network, where the server took a second and ~12 MB to write them out.

const SUB_DIGITS = "₀₁₂₃₄₅₆₇₈₉";
const SUP_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const digits = (n, set) => Array.from(String(n), (c) => set[c]).join("");
const SUBS = []; // n → n as subscript digits, made once per number (a 64-wide layer names 64² weights)
const sub = (n) => SUBS[n] ?? (SUBS[n] = digits(n, SUB_DIGITS));
/** Layer l's superscript: ⁽³⁾. */
export const layerSup = (l) => `⁽${digits(l, SUP_DIGITS)}⁾`;
/** 1-based indices as one subscript: 13, or 10,3 once any index has two digits. */
const subscript = (a, b) => (a < 10 && b < 10 ? sub(a) + sub(b) : `${sub(a)},${sub(b)}`);

/** The text names of one network (notation.py Notation.*(…).text): 0-based indices in. */
export function notation(layers) {
  const out = layers.length - 1;
  const chain = layers.length > 1 && layers.slice(1).every((n) => n === 1);
  const sups = layers.map((_, l) => layerSup(l));
  return {
    unit(base, l, j) {
      if (l === out && base === "a") return "ŷ" + (chain ? "" : sub(j + 1));
      if (chain) return base + sub(l);
      return base + sups[l] + sub(j + 1);
    },
    weight(l, j, k) {
      if (chain) return "W" + (layers[l - 1] === 1 ? sub(l) : subscript(l, k + 1));
      return "W" + sups[l] + subscript(j + 1, k + 1);
    },
    /** weight(l, j, ·): the names of one neuron's weights, each made with one concatenation. */
    weights(l, j) {
      if (chain) return (k) => this.weight(l, j, k);
      const head = "W" + sups[l] + sub(j + 1);
      const [near, far] = [head, head + ","]; // subscript(): "13", or "10,3" once an index has two digits
      return (k) => (j < 9 && k < 9 ? near : far) + sub(k + 1);
    },
    input: (k) => "x" + sub(k + 1),
    target: (j) => "y" + (chain ? "" : sub(j + 1)),
  };
}

const label = (text) => ({ text, latex: null, mathml: null });
const LEAF = Object.freeze([]); // the inputs of every node that has none (40,960 weights of the 10 × 64 network): one array
const node = (id, kind, role, op, activation, loss, lab, layer, row, inputs, grad) => ({ id, kind, role, op, activation, loss, label: lab, layer, row, inputs, requires_grad: grad });

/** Whether an answer is in the block form (else it is the usual or the column form). */
export const isBlocks = (answer) => Boolean(answer) && typeof answer === "object" && Boolean(answer.network) && Array.isArray(answer.values);

/**
 * A block-form graph as the usual answer: {nodes, edges, parameters, plan, batch}. A parameter
 * and its node share one label object (equal, as in the usual answer; nothing changes labels).
 */
export function fromBlocks(answer) {
  if (!isBlocks(answer)) return answer;
  const { layers, activations, coupled, loss } = answer.network;
  const frozen = new Set(answer.network.frozen);
  const values = answer.values;
  const lab = notation(layers);
  const nodes = [];
  const edges = [];
  const parameters = [];
  // a node with its edges in: `grads[k]` whether input k requires a gradient (its edge does);
  // `named[k]`: input k's edge id, where it was made already
  const add = (n, grads, named = null) => {
    nodes.push(n);
    const ins = n.inputs;
    const to = n.id;
    for (let k = 0; k < ins.length; k++) {
      const id = named !== null && k < named.length ? named[k] : `${ins[k]}__${to}`;
      edges.push({ id, source: ins[k], target: to, position: k, requires_grad: grads(k) });
    }
    return to;
  };
  const none = () => false;
  const every = () => true;
  let prev = [];
  for (let i = 0; i < layers[0]; i++) prev.push(add(node(`x${i}`, "input", "x", null, null, null, label(lab.input(i)), 0, i, LEAF, false), none));
  let prevGrad = false; // the inputs need no gradient; every activation after them does
  let v = 0;
  // a weight's index [j, k]: one array per pair, shared by the layers (the 10 × 64 network's
  // 40,960 weights have 4,096 pairs); nothing writes into a parameter's index
  const pairs = [];
  const pairOf = (j, k) => ((pairs[j] ??= [])[k] ??= [j, k]);
  for (let l = 1; l < layers.length; l++) {
    const act = activations[l - 1];
    const tw = `W${l}`;
    const tb = `b${l}`;
    const fw = frozen.has(tw);
    const fb = frozen.has(tb);
    const n = prev.length;
    const fromPrev = prevGrad ? every : (k) => k >= n; // z's inputs: prev…, its weights, its bias
    const zs = [];
    const acts = [];
    // the ids and names below are each made with one concatenation from parts made once (a
    // template literal makes a string at every step): `${prev[k]}__${z}`, `W${l}_${j}_${k}`,
    // `${W}__${z}`
    const from = prev.map((id) => id + "__");
    for (let j = 0; j < layers[l]; j++) {
      const z = `z${l}_${j}`;
      const wid = `W${l}_${j}_`;
      const wname = lab.weights(l, j);
      const into = "__" + z;
      // z's inputs: the layer before, then its weights, then its bias; the edges from the layer
      // before are named once, for the weights (`edge`) and for the edges themselves, and the
      // weights' edges here too
      const ins = new Array(2 * n + 1);
      const eids = new Array(2 * n);
      for (let k = 0; k < n; k++) {
        const id = wid + k;
        const name = label(wname(k));
        ins[k] = prev[k];
        nodes.push(node(id, "param", "W", null, null, null, name, l, j, LEAF, true)); // (no inputs: add() has no edge to make)
        ins[n + k] = id;
        eids[n + k] = id + into;
        parameters.push({ id, tensor: tw, index: pairOf(j, k), label: name, value: values[v++], frozen: fw, edge: (eids[k] = from[k] + z), node: z });
      }
      const b = `b${l}_${j}`;
      const bname = label(lab.unit("b", l, j));
      ins[2 * n] = add(node(b, "param", "b", null, null, null, bname, l, j, LEAF, true), none);
      parameters.push({ id: b, tensor: tb, index: [j], label: bname, value: values[v++], frozen: fb, edge: null, node: z });
      zs.push(add(node(z, "op", "z", "wsum", null, null, label(lab.unit("z", l, j)), l, j, ins, true), fromPrev, eids));
      if (!coupled[l - 1]) acts.push(add(node(`a${l}_${j}`, "op", "a", "act", act, null, label(lab.unit("a", l, j)), l, j, [z], true), every));
    }
    if (coupled[l - 1]) for (let j = 0; j < layers[l]; j++) acts.push(add(node(`a${l}_${j}`, "op", "a", "act", act, null, label(lab.unit("a", l, j)), l, j, zs.slice(), true), every));
    prev = acts;
    prevGrad = true;
  }
  const out = layers.length;
  const ys = [];
  for (let j = 0; j < layers[out - 1]; j++) ys.push(add(node(`y${j}`, "target", "y", null, null, null, label(lab.target(j)), out, j, LEAF, false), none));
  const np = prev.length;
  // the loss node shows one sample's loss ℓ when L is the mean of several (notation.loss_symbol)
  const lossName = label(answer.plan.samples > 1 ? "ℓ" : "L");
  add(node("L", "op", "loss", "loss", null, loss, lossName, out, 0, [...prev, ...ys], true), (k) => k < np);
  return { nodes, edges, parameters, plan: answer.plan, batch: answer.batch };
}
