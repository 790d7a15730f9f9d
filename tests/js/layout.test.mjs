// layout.js: neuron-style positions. Properties, not pixel values: every box inside the drawing,
// no two boxes overlapping, columns ordered by layer, rows ordered within a column.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { chooseLayout, curveAt, layoutGraph, metricsFor } from "../../static/js/layout.js";
import { meets, pathNumbers } from "../../static/js/svg.js";
import { extent, mlp } from "./graphs.mjs";

const SHAPES = [
  [[2, 2, 1], {}], // the tutorial's shape
  [[1, 1], {}],
  [[3, 5, 4, 2], {}],
  [[2, 8, 8, 8, 1], {}],
  [[4, 3], { softmax: true }],
  [[2, 16, 3], { softmax: true }],
];
const SIZES = [
  [1200, 700],
  [320, 200], // smaller than any of these graphs needs: the drawing grows instead
];

function cases() {
  const out = [];
  for (const [layers, opts] of SHAPES) {
    for (const [w, h] of SIZES) {
      for (const projector of [false, true]) {
        for (const precision of [2, 4, 8]) out.push({ layers, opts, w, h, m: metricsFor(projector, precision), name: `${layers.join("-")}${opts.softmax ? " softmax" : ""} in ${w}×${h}, projector ${projector}, ${precision} dp` });
      }
    }
  }
  return out;
}

const shrink = ([x0, y0, x1, y1], e = 1e-6) => [x0 + e, y0 + e, x1 - e, y1 - e];

describe("layoutGraph", () => {
  for (const c of cases()) {
    it(`keeps every box apart and inside: ${c.name}`, () => {
      const graph = mlp(c.layers, c.opts);
      const lay = layoutGraph(graph, c.w, c.h, c.m);
      assert.ok(lay.width >= c.w && lay.height >= c.h, "never smaller than the area given");
      const boxes = [...lay.boxes];
      for (const [id, b] of boxes) {
        const [x0, y0, x1, y1] = extent(b);
        assert.ok(x0 >= 0 && y0 >= 0 && x1 <= lay.width && y1 <= lay.height, `${id} leaves the drawing: ${[x0, y0, x1, y1]}`);
      }
      for (let i = 0; i < boxes.length; i += 1) {
        for (let j = i + 1; j < boxes.length; j += 1) {
          assert.ok(!meets(shrink(extent(boxes[i][1])), shrink(extent(boxes[j][1]))), `${boxes[i][0]} overlaps ${boxes[j][0]}`);
        }
      }
    });
  }

  it("draws every input, neuron half, bias, target and the loss, and no weight as a box", () => {
    const graph = mlp([3, 4, 2]);
    const lay = layoutGraph(graph, 1200, 700, metricsFor(false, 4));
    const drawn = graph.nodes.filter((n) => n.role !== "W").map((n) => n.id);
    assert.deepEqual([...lay.boxes.keys()].sort(), drawn.sort());
    assert.equal(lay.neurons.length, 4 + 2);
    const shapes = Object.fromEntries([...lay.boxes].map(([id, b]) => [id, b.shape]));
    assert.equal(shapes.x0, "data");
    assert.equal(shapes.y1, "data");
    assert.equal(shapes.L, "loss");
    assert.equal(shapes.z1_3, "z");
    assert.equal(shapes.a2_1, "a");
    assert.equal(shapes.b2_0, "bias");
  });

  it("puts columns left to right by layer and rows top to bottom", () => {
    const graph = mlp([3, 5, 4, 2]);
    const lay = layoutGraph(graph, 1400, 800, metricsFor(false, 4));
    const depth = 3;
    const colX = (l) => {
      const xs = graph.nodes.filter((n) => n.role === "a" && n.layer === l).map((n) => lay.boxes.get(n.id).x);
      assert.equal(new Set(xs).size, 1, `layer ${l} is one column`);
      return xs[0];
    };
    const inputX = lay.boxes.get("x0").x;
    const lossX = lay.boxes.get("L").x;
    const xs = [inputX, ...Array.from({ length: depth }, (_, i) => colX(i + 1)), lossX];
    for (let i = 1; i < xs.length; i += 1) assert.ok(xs[i] > xs[i - 1], `column ${i} is right of column ${i - 1}: ${xs}`);
    for (let l = 1; l <= depth; l += 1) {
      const ys = graph.nodes.filter((n) => n.role === "z" && n.layer === l).sort((a, b) => a.row - b.row).map((n) => lay.boxes.get(n.id).y);
      for (let i = 1; i < ys.length; i += 1) assert.ok(ys[i] > ys[i - 1], `layer ${l}: row ${i} below row ${i - 1}`);
    }
    // a neuron's z half is left of its a half, at the same height; its bias sits above it
    for (const n of lay.neurons) {
      const z = lay.boxes.get(n.z.id);
      const a = lay.boxes.get(n.a.id);
      assert.equal(z.y, a.y);
      assert.ok(z.x < a.x);
      const b = lay.boxes.get(n.z.id.replace("z", "b"));
      assert.ok(extent(b)[3] <= extent(z)[1], `${b} above ${n.z.id}`);
    }
  });

  it("centres each column vertically", () => {
    const graph = mlp([2, 6, 1]);
    const lay = layoutGraph(graph, 1200, 900, metricsFor(false, 4));
    const mid = (ids) => {
      const ext = ids.map((id) => extent(lay.boxes.get(id)));
      return (Math.min(...ext.map((e) => e[1])) + Math.max(...ext.map((e) => e[3]))) / 2;
    };
    const h = lay.height;
    assert.ok(Math.abs(mid(["x0", "x1"]) - h / 2) < 1e-9);
    const hidden = graph.nodes.filter((n) => n.layer === 1 && (n.role === "z" || n.role === "b")).map((n) => n.id);
    assert.ok(Math.abs(mid(hidden) - h / 2) < 1e-9);
  });

  it("grows the drawing rather than squeeze a graph that does not fit", () => {
    const m = metricsFor(false, 4);
    const small = layoutGraph(mlp([2, 2, 1]), 100, 100, m);
    const wide = layoutGraph(mlp([2, 2, 2, 2, 2, 1]), 100, 100, m);
    const tall = layoutGraph(mlp([2, 12, 1]), 100, 100, m);
    assert.ok(small.width > 100 && small.height > 100);
    assert.ok(wide.width > small.width, "more layers need more width");
    assert.ok(tall.height > small.height, "more neurons need more height");
    const roomy = layoutGraph(mlp([2, 2, 1]), 3000, 2000, m);
    assert.equal(roomy.width, 3000);
    assert.equal(roomy.height, 2000);
  });

  it("gives every drawn edge a path from its source to its target", () => {
    const graph = mlp([2, 3, 2]);
    const lay = layoutGraph(graph, 1200, 700, metricsFor(false, 4));
    const weightEdges = new Set(graph.edges.filter((e) => e.source.startsWith("W")).map((e) => e.id));
    for (const e of graph.edges) {
      const geo = lay.edges.get(e.id);
      if (weightEdges.has(e.id)) {
        assert.equal(geo, undefined, `${e.id}: a weight is drawn as the data edge it labels`);
        continue;
      }
      assert.ok(geo, `${e.id} has geometry`);
      const n = pathNumbers(geo.d);
      assert.ok(n.length === 4 || n.length === 8, `${e.id}: a line or one cubic`);
      const s = extent(lay.boxes.get(e.source));
      const t = extent(lay.boxes.get(e.target));
      const [x1, y1, x2, y2] = [n[0], n[1], n.at(-2), n.at(-1)];
      const on = (x, y, [a, b, c, d]) => x >= a - 1e-9 && x <= c + 1e-9 && y >= b - 1e-9 && y <= d + 1e-9;
      assert.ok(on(x1, y1, s), `${e.id} starts on its source`);
      assert.ok(on(x2, y2, t), `${e.id} ends on its target`);
    }
    assert.equal(lay.edges.get("x0__z1_0").kind, "data");
    assert.equal(lay.edges.get("b1_0__z1_0").kind, "bias");
    assert.equal(lay.edges.get("z1_0__a1_0").kind, "internal");
    assert.equal(lay.edges.get("y1__L").kind, "target");
  });

  it("arcs the softmax's cross edges and keeps z → a of the same neuron straight", () => {
    const graph = mlp([2, 3], { softmax: true });
    const lay = layoutGraph(graph, 1200, 700, metricsFor(false, 4));
    for (let i = 0; i < 3; i += 1) {
      for (let j = 0; j < 3; j += 1) assert.equal(lay.edges.get(`z1_${i}__a1_${j}`).kind, i === j ? "internal" : "cross");
    }
  });

  it("places each weight's label on its own edge, clear of every box and of each other", () => {
    const graph = mlp([2, 1, 1]); // the tutorial's shape
    const m = metricsFor(false, 4);
    const lay = layoutGraph(graph, 900, 480, m);
    const weights = graph.parameters.filter((p) => p.edge);
    assert.equal(lay.denseLayers.size, 0);
    const boxes = weights.map((p) => {
      const at = lay.labels.get(p.id);
      const { bez } = lay.edges.get(p.edge);
      let near = Infinity;
      for (let i = 0; i <= 400; i += 1) {
        const c = curveAt(bez, i / 400);
        near = Math.min(near, Math.hypot(c.x - at.x, c.y - at.y));
      }
      assert.ok(near < 1, `${p.id} on its edge (${near})`);
      return [at.x - m.edgeLabelW / 2, at.y - m.edgeLabelH / 2, at.x + m.edgeLabelW / 2, at.y + m.edgeLabelH / 2];
    });
    for (let i = 0; i < boxes.length; i += 1) {
      for (let j = i + 1; j < boxes.length; j += 1) assert.ok(!meets(boxes[i], boxes[j]), `labels ${i} and ${j} overlap`);
      for (const [id, b] of lay.boxes) assert.ok(!meets(boxes[i], extent(b)), `label ${i} over ${id}`);
    }
  });

  it("says which of a dense layer's tags are clear of every box and label, and they are", () => {
    const graph = mlp([2, 8, 8, 8, 2]);
    const m = { ...metricsFor(false, 4, 1, true), labelCols: 0 };
    const lay = layoutGraph(graph, 1600, 800, m); // rows spread over the height: room for some
    const weights = graph.parameters.filter((p) => p.edge);
    assert.equal(lay.tags.size, weights.length); // every weight of a dense layer has a tag's place
    let clear = 0;
    for (const [id, t] of lay.tags) {
      assert.deepEqual(t.r, [lay.labels.get(id).x - m.tagW / 2, lay.labels.get(id).y - m.edgeLabelH / 2, lay.labels.get(id).x + m.tagW / 2, lay.labels.get(id).y + m.edgeLabelH / 2]);
      const over = [...lay.boxes].filter(([, b]) => meets(t.r, extent(b))).map(([bid]) => bid);
      if (t.clear) {
        clear += 1;
        assert.deepEqual(over, [], `${id} said clear, over ${over}`);
      }
    }
    assert.ok(clear > 0 && clear < weights.length, `${clear} of ${weights.length} clear`); // some can be shown, some not
  });

  it("marks a layer dense when its labels cannot all be placed, and keeps the others", () => {
    const graph = mlp([8, 8, 1]);
    const lay = layoutGraph(graph, 900, 480, metricsFor(false, 4));
    assert.ok(lay.denseLayers.has("W1"));
    for (const p of graph.parameters.filter((q) => q.edge)) assert.ok(lay.labels.has(p.id), `${p.id} has a place for when it is shown`);
  });
});

describe("layoutGraph's edges and size, against what they are defined to be", () => {
  // the shapes above, and networks with more weights than are ever placed (every layer's labels
  // on demand: the largest network's branch), among them one 64 wide with two-digit indices
  const shapes = [...SHAPES, [[8, 48, 48, 2], {}], [[64, 64, 64, 64], {}], [[6, 40, 5], { softmax: true }]];
  const byIdOf = new WeakMap(); // each graph's nodes by id, made once (the 64-wide one has 12,544 edges)
  const kindOf = (graph, e) => {
    if (!byIdOf.has(graph)) byIdOf.set(graph, new Map(graph.nodes.map((n) => [n.id, n])));
    const byId = byIdOf.get(graph);
    const [s, t] = [byId.get(e.source), byId.get(e.target)];
    if (s.role === "z" && t.role === "a") return s.row === t.row ? "internal" : "cross";
    if (s.role === "b") return "bias";
    if (s.kind === "target") return "target";
    return "data";
  };

  it("draws exactly the edges whose two ends have boxes, in the graph's order, each of its kind", () => {
    for (const [layers, opts] of shapes) {
      const graph = mlp(layers, opts);
      for (const [w, h] of SIZES) {
        const lay = layoutGraph(graph, w, h, metricsFor(false, 4));
        const want = graph.edges.filter((e) => lay.boxes.has(e.source) && lay.boxes.has(e.target));
        assert.deepEqual([...lay.edges.keys()], want.map((e) => e.id), `${layers}: the edges drawn`);
        for (const e of want) assert.equal(lay.edges.get(e.id).kind, kindOf(graph, e), `${layers}: ${e.id}'s kind`);
      }
    }
  });

  it("measures a graph for chooseLayout (its size only) as large as its whole layout is", () => {
    for (const [layers, opts] of shapes) {
      const graph = mlp(layers, opts);
      for (const [projector, precision] of [[false, 4], [true, 2]]) {
        const m = metricsFor(projector, precision);
        const whole = layoutGraph(graph, 0, 0, m);
        const size = layoutGraph(graph, 0, 0, { ...m, sizeOnly: true });
        assert.deepEqual([size.width, size.height], [whole.width, whole.height], `${layers}`);
      }
    }
  });
});

describe("chooseLayout", () => {
  it("keeps the tutorial's labels and grows a small graph's text to fill a laptop's frame", () => {
    const c = chooseLayout(mlp([2, 1, 1]), layoutGraph, { w: 922, h: 484 }, { projector: false, precision: 4, floorPx: 12, maxZoom: 1.6 });
    assert.equal(c.dense, 0);
    assert.ok(c.text >= 14, `text ${c.text}`);
  });

  it("fits four weight layers at 12 px or more, and says when a graph cannot fit", () => {
    const deep = chooseLayout(mlp([2, 3, 3, 2, 1]), layoutGraph, { w: 922, h: 484 }, { projector: false, precision: 4, floorPx: 12, maxZoom: 1.6 });
    assert.ok(deep.fits && deep.text >= 12, `text ${deep.text}`);
    const big = chooseLayout(mlp([10, 10, 10, 10, 10, 10]), layoutGraph, { w: 922, h: 484 }, { projector: false, precision: 4, floorPx: 12, maxZoom: 1.6 });
    assert.ok(!big.fits);
  });

  it("fits four weight layers of eight in a laptop's frame (1366 × 768: 922 × 546 px)", () => {
    for (const layers of [[2, 8, 8, 8, 2], [8, 8, 8, 8, 8], [8, 1, 8, 1, 8]]) {
      const c = chooseLayout(mlp(layers), layoutGraph, { w: 922, h: 546 }, { projector: false, precision: 4, floorPx: 12.06, maxZoom: 1.6 });
      assert.ok(c.fits && c.text >= 12, `${layers}: text ${c.text}`);
    }
  });

  it("sets rows tight only when that makes a graph fit", () => {
    // 8 rows of neurons in a frame too short for compact rows at 12 px, tall enough for tight ones
    const tight = chooseLayout(mlp([2, 8, 8, 2]), layoutGraph, { w: 1400, h: 600 }, { projector: false, precision: 4, floorPx: 12.06, maxZoom: 1.6 });
    assert.equal(tight.m.compact, "tight");
    assert.ok(tight.fits, `text ${tight.text}`);
    const scrolls = chooseLayout(mlp([2, 12, 12, 2]), layoutGraph, { w: 1400, h: 480 }, { projector: false, precision: 4, floorPx: 12.06, maxZoom: 1.6 });
    assert.ok(!scrolls.fits && scrolls.m.compact !== "tight");
  });
});

describe("metricsFor", () => {
  it("draws larger in projector mode and with a scale", () => {
    const normal = metricsFor(false, 4);
    const projector = metricsFor(true, 4);
    const scaled = metricsFor(false, 4, 2);
    for (const key of ["label", "value", "halfW", "nodeH", "dataW", "biasW", "edgeLabelW"]) {
      assert.ok(projector[key] > normal[key], `${key} grows in projector mode`);
      assert.ok(scaled[key] > normal[key], `${key} grows with k`);
    }
    assert.equal(scaled.value, 2 * normal.value);
  });

  it("widens boxes with the precision shown, never their height", () => {
    let last = metricsFor(false, 1);
    for (let p = 2; p <= 12; p += 1) {
      const m = metricsFor(false, p);
      assert.ok(m.halfW > last.halfW && m.dataW > last.dataW && m.edgeLabelW > last.edgeLabelW);
      assert.equal(m.nodeH, last.nodeH);
      last = m;
    }
  });

  it("gives integer box sizes (crisp edges)", () => {
    for (const projector of [false, true]) {
      const m = metricsFor(projector, 5, 1.3);
      for (const key of ["halfW", "nodeH", "dataW", "lossW", "biasW", "biasH", "edgeLabelW", "edgeLabelH", "gap", "padX", "padY", "rowSpace"]) {
        assert.ok(Number.isInteger(m[key]), `${key} = ${m[key]}`);
      }
    }
  });
});
