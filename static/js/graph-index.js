// Lookups by id over one graph, made once per graph and shared by the modules that need them
// (layout.js, render.js, stage.js): the 10 × 64 network has 43,009 nodes and 41,600 parameters,
// and each of those modules made the same maps again. Nothing changes a graph once made.

const made = new WeakMap(); // graph → {nodes, params, byEdge}, each made when first asked for

function of(graph) {
  let x = made.get(graph);
  if (!x) made.set(graph, (x = { nodes: null, params: null, byEdge: null }));
  return x;
}

/**
 * Node id → node, read as a Map is (`get`, `has`). A network's weights (40,960 of the 10 × 64
 * network's 43,009 nodes) are drawn as edges and looked up by no one on the way to the first
 * picture: they go in a map of their own, made when one is first asked for.
 */
class NodeIndex {
  constructor(nodes) {
    this.nodes = nodes;
    this.main = new Map();
    this.weights = null;
    for (const n of nodes) if (n.role !== "W") this.main.set(n.id, n);
  }

  rest() {
    if (!this.weights) {
      this.weights = new Map();
      for (const n of this.nodes) if (n.role === "W") this.weights.set(n.id, n);
    }
    return this.weights;
  }

  get(id) {
    return this.main.get(id) ?? this.rest().get(id);
  }

  has(id) {
    return this.main.has(id) || this.rest().has(id);
  }
}

export function nodeById(graph) {
  const x = of(graph);
  if (!x.nodes) x.nodes = new NodeIndex(graph.nodes);
  return x.nodes;
}

/** Parameter id → parameter. */
export function paramById(graph) {
  const x = of(graph);
  if (!x.params) {
    x.params = new Map();
    for (const p of graph.parameters) x.params.set(p.id, p);
  }
  return x.params;
}

/** The id of the edge a weight labels → that weight (parameters with no edge are left out). */
export function paramByEdge(graph) {
  const x = of(graph);
  if (!x.byEdge) {
    x.byEdge = new Map();
    for (const p of graph.parameters) if (p.edge) x.byEdge.set(p.edge, p);
  }
  return x.byEdge;
}
