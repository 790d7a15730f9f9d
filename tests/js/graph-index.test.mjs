// What the large network's first picture now makes lazily gives what the eager versions gave:
// graph-index.js (nodes by id, weights in a map of their own made when first asked for;
// parameters by id and by edge), a data edge's curve (its ends and middle made from its numbers
// when first read), and a layout with every weight label on demand (each at its edge's middle).
// The reference is computed here, eagerly, from the graph and the edge's numbers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { nodeById, paramByEdge, paramById } from "../../static/js/graph-index.js";
import { curveAt, layoutGraph, metricsFor } from "../../static/js/layout.js";
import { pathNumbers } from "../../static/js/svg.js";
import { mlp } from "./graphs.mjs";

// a seeded generator: the same "random" networks on every run
function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const networks = (() => {
  const r = random(17);
  const out = [];
  for (let i = 0; i < 6; i++) {
    const depth = 1 + Math.floor(r() * 4);
    const layers = Array.from({ length: depth + 1 }, () => 1 + Math.floor(r() * 9));
    out.push(mlp(layers, { softmax: r() < 0.3 }));
  }
  out.push(mlp([24, 24, 24])); // 1,200 weights: every label on demand
  return out;
})();

describe("graph-index", () => {
  it("finds every node, parameter and weight's edge as an eager map does, in any order asked", () => {
    const r = random(5);
    for (const graph of networks) {
      const nodes = nodeById(graph);
      const ids = graph.nodes.map((n) => n.id);
      for (let i = ids.length - 1; i > 0; i--) {
        const k = Math.floor(r() * (i + 1));
        [ids[i], ids[k]] = [ids[k], ids[i]];
      }
      const eager = new Map(graph.nodes.map((n) => [n.id, n]));
      for (const id of ids) {
        assert.equal(nodes.has(id), true, id);
        assert.equal(nodes.get(id), eager.get(id), id);
      }
      assert.equal(nodes.has("no-such-node"), false);
      assert.equal(nodes.get("no-such-node"), undefined);
      assert.equal(nodeById(graph), nodes, "made once per graph");
      const params = paramById(graph);
      const edges = paramByEdge(graph);
      assert.deepEqual([...params.entries()], graph.parameters.map((p) => [p.id, p]));
      assert.deepEqual([...edges.entries()], graph.parameters.filter((p) => p.edge).map((p) => [p.edge, p]));
    }
  });
});

describe("a data edge's curve, read lazily", () => {
  it("has the ends, middle and path its numbers give", () => {
    let curves = 0;
    for (const graph of networks) {
      const lay = layoutGraph(graph, 1200, 700, metricsFor(false, 4));
      for (const [id, geo] of lay.edges) {
        const n = geo.pts;
        assert.deepEqual(pathNumbers(geo.d), n, id);
        if (geo.kind !== "data") continue;
        curves += 1;
        const [x1, y1, x2, y2] = [n[0], n[1], n[6], n[7]];
        assert.deepEqual(geo.bez, [x1, y1, x2, y2], id);
        assert.equal(geo.bez, geo.bez, "made once");
        assert.deepEqual(geo.mid, { x: (x1 + x2) / 2, y: (y1 + y2) / 2 }, id);
        // the path is the cubic curveAt draws, horizontal at both ends
        const dx = (x2 - x1) / 2;
        assert.deepEqual(n, [x1, y1, x1 + dx, y1, x2 - dx, y2, x2, y2], id);
        const half = curveAt(geo.bez, 0.5);
        assert.ok(Math.abs(half.x - geo.mid.x) < 1e-9 && Math.abs(half.y - geo.mid.y) < 1e-9, id);
      }
    }
    assert.ok(curves > 1000);
  });

  it("puts every label of a network with many weights on demand, at its edge's middle", () => {
    const graph = networks.at(-1);
    const lay = layoutGraph(graph, 1200, 700, metricsFor(false, 4));
    const tensors = new Set(graph.parameters.filter((p) => p.edge).map((p) => p.tensor));
    assert.deepEqual([...lay.denseLayers].sort(), [...tensors].sort());
    for (const p of graph.parameters) {
      if (!p.edge) continue;
      const n = lay.edges.get(p.edge).pts;
      const at = lay.labels.get(p.id) || lay.edges.get(p.edge).mid; // as render.js reads it
      assert.deepEqual(at, { x: (n[0] + n[6]) / 2, y: (n[1] + n[7]) / 2 }, p.id);
    }
  });
});
