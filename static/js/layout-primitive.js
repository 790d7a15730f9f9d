// Positions for a graph of primitive operations (an expression, or a network expanded to ×, +,
// activation): one column per layer hint, one row per row hint, every node its own box.

import { catalog } from "./catalog.js";
import { reusedSources } from "./contributions.js";

const primitive = new WeakMap(); // graph → whether it is one (a graph never changes once made)

/** True when the graph is drawn node by node rather than as neurons with weight labels. */
export function isPrimitive(graph) {
  let is = primitive.get(graph);
  if (is === undefined) primitive.set(graph, (is = graph.nodes.some((n) => n.role === "expr" || n.role === "var")));
  return is;
}

const OP_SIGN = { add: "+", sub: "−", mul: "×", div: "÷", pow: "^", neg: "−", exp: "exp", log: "log", act: "f", loss: "L" };
let glyphs = null; // activation → its badge ("σ", "ReLU"), from the server's registry

function glyph(name) {
  glyphs ??= new Map((catalog().activations || []).map((a) => [a.name, a.glyph]));
  return glyphs.get(name) || name;
}

/** The operator drawn in a node's badge ("×", "+", "σ" …), or "" for a leaf. */
export function opSign(n) {
  if (!n.op) return "";
  if (n.op === "act" && n.activation) return glyph(n.activation);
  return OP_SIGN[n.op] || glyph(n.op);
}

function shapeOf(n) {
  if (n.role === "loss") return "loss";
  if (n.kind === "param") return "var";
  if (n.kind === "input" || n.kind === "target") return n.role === "const" ? "const" : "data";
  return "op";
}

/** Lay out in at least `width × height`; the same shape of answer as layoutGraph. */
export function layoutPrimitive(graph, width, height, m) {
  const nodeW = Math.ceil(m.halfW * 1.45);
  // room for contribution chips where a value is reused; otherwise the columns pack tighter
  const gapX = Math.ceil(reusedSources(graph).size && !graph.nodes.some((n) => n.role === "z") ? m.edgeLabelW * 1.05 : m.value * 1.8);
  const slotY = m.nodeH + m.rowSpace * 0.8;
  const ncols = Math.max(...graph.nodes.map((n) => n.layer)) + 1;
  const nrows = Math.max(...graph.nodes.map((n) => n.row)) + 1;
  const needW = 2 * m.padX + ncols * nodeW + (ncols - 1) * gapX;
  const needH = 2 * m.padY + nrows * slotY - m.rowSpace * 0.8;
  const W = Math.max(width, needW);
  const H = Math.max(height, needH);
  const colStep = ncols > 1 ? (W - 2 * m.padX - nodeW) / (ncols - 1) : 0;
  const rowStep = nrows > 1 ? Math.min(slotY * 1.6, (H - 2 * m.padY - m.nodeH) / (nrows - 1)) : 0;
  const top = (H - (nrows - 1) * rowStep) / 2;
  const boxes = new Map();
  for (const n of graph.nodes) {
    const shape = shapeOf(n);
    const x = ncols > 1 ? m.padX + nodeW / 2 + n.layer * colStep : W / 2;
    const y = top + n.row * rowStep;
    // values the reader may change: variables and weights; inputs and targets of a network
    const editable = shape === "var" || (shape === "data" && n.role !== "const");
    boxes.set(n.id, { x, y, w: nodeW, h: m.nodeH, shape, op: opSign(n), editable });
  }
  const edges = new Map();
  for (const e of graph.edges) {
    const s = boxes.get(e.source);
    const t = boxes.get(e.target);
    if (!s || !t) continue;
    const x1 = s.x + s.w / 2;
    const x2 = t.x - t.w / 2;
    const y2 = t.y + (t.h * 0.5 * (e.position - (nInputs(graph, e.target) - 1) / 2)) / Math.max(1, nInputs(graph, e.target));
    const dx = (x2 - x1) / 2;
    const d = `M${x1},${s.y} C${x1 + dx},${s.y} ${x2 - dx},${y2} ${x2},${y2}`;
    // the curve's middle: where a contribution's chip sits, clear of both boxes
    const t3 = 0.5;
    const u = 1 - t3;
    const px = u ** 3 * x1 + 3 * u * u * t3 * (x1 + dx) + 3 * u * t3 * t3 * (x2 - dx) + t3 ** 3 * x2;
    const py = u ** 3 * s.y + 3 * u * u * t3 * s.y + 3 * u * t3 * t3 * y2 + t3 ** 3 * y2;
    edges.set(e.id, { d, mid: { x: (x1 + x2) / 2, y: (s.y + y2) / 2 }, chip: { x: px, y: py }, kind: "data" });
  }
  return { width: W, height: H, boxes, neurons: [], edges, labels: new Map(), denseLayers: new Set(), primitive: true };
}

const inputCounts = new WeakMap();
function nInputs(graph, id) {
  if (!inputCounts.has(graph)) inputCounts.set(graph, new Map(graph.nodes.map((n) => [n.id, n.inputs.length])));
  return inputCounts.get(graph).get(id) || 1;
}
