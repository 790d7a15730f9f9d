// layout-primitive.js: one box per node of an expression graph (or an expanded network).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CATALOG } from "./catalog.mjs";
import { metricsFor } from "../../static/js/layout.js";
import { isPrimitive, layoutPrimitive, opSign } from "../../static/js/layout-primitive.js";
import { meets, pathNumbers } from "../../static/js/svg.js";
import { chain, extent, mlp, sumTimesSum } from "./graphs.mjs";

function checkBoxes(graph, lay) {
  const boxes = [...lay.boxes];
  assert.equal(boxes.length, graph.nodes.length, "every node is drawn");
  for (const [id, b] of boxes) {
    const [x0, y0, x1, y1] = extent(b);
    assert.ok(x0 >= 0 && y0 >= 0 && x1 <= lay.width && y1 <= lay.height, `${id} inside the drawing`);
  }
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) assert.ok(!meets(extent(boxes[i][1]), extent(boxes[j][1])), `${boxes[i][0]} overlaps ${boxes[j][0]}`);
  }
  // columns by layer hint, rows by row hint
  for (const a of graph.nodes) {
    for (const b of graph.nodes) {
      const pa = lay.boxes.get(a.id);
      const pb = lay.boxes.get(b.id);
      if (a.layer < b.layer) assert.ok(pa.x < pb.x, `${a.id} left of ${b.id}`);
      if (a.layer === b.layer) assert.equal(pa.x, pb.x);
      if (a.row < b.row) assert.ok(pa.y < pb.y, `${a.id} above ${b.id}`);
    }
  }
}

describe("layoutPrimitive", () => {
  for (const projector of [false, true]) {
    for (const [w, h] of [[1000, 600], [200, 150]]) {
      it(`lays out (a + b)(b + 1) apart, inside, by layer and row (projector ${projector}, ${w}×${h})`, () => {
        const graph = sumTimesSum();
        const lay = layoutPrimitive(graph, w, h, metricsFor(projector, 4));
        assert.ok(lay.width >= w && lay.height >= h);
        checkBoxes(graph, lay);
      });
    }
  }

  it("lays out a long chain in one row, growing the drawing to fit", () => {
    const graph = chain(12);
    const m = metricsFor(false, 4);
    const lay = layoutPrimitive(graph, 400, 300, m);
    assert.ok(lay.width > 400);
    checkBoxes(graph, lay);
    assert.equal(new Set([...lay.boxes.values()].map((b) => b.y)).size, 1);
  });

  it("puts a single column in the middle", () => {
    const graph = chain(0);
    const lay = layoutPrimitive(graph, 500, 300, metricsFor(false, 4));
    assert.equal(lay.boxes.get("var_x").x, 250);
    assert.equal(lay.boxes.get("var_x").y, 150);
  });

  it("tells variables, constants and operations apart, and which values the reader may edit", () => {
    const lay = layoutPrimitive(sumTimesSum(), 1000, 600, metricsFor(false, 4));
    const b = (id) => lay.boxes.get(id);
    assert.deepEqual([b("var_a").shape, b("c1").shape, b("v1").shape, b("f").shape], ["var", "const", "op", "op"]);
    assert.deepEqual([b("var_a").editable, b("var_b").editable, b("c1").editable, b("f").editable], [true, true, false, false]);
    assert.deepEqual([b("v1").op, b("f").op, b("var_a").op], ["+", "×", ""]);
  });

  it("runs every edge from its source's right side to its target's left side, chip between", () => {
    const graph = sumTimesSum();
    const lay = layoutPrimitive(graph, 1000, 600, metricsFor(false, 4));
    assert.equal(lay.edges.size, graph.edges.length);
    for (const e of graph.edges) {
      const geo = lay.edges.get(e.id);
      const n = pathNumbers(geo.d);
      const s = extent(lay.boxes.get(e.source));
      const t = extent(lay.boxes.get(e.target));
      assert.equal(n[0], s[2]);
      assert.equal(n[1], lay.boxes.get(e.source).y);
      assert.equal(n.at(-2), t[0]);
      assert.ok(n.at(-1) > t[1] && n.at(-1) < t[3], `${e.id} arrives within its target's height`);
      assert.ok(geo.chip.x > s[2] && geo.chip.x < t[0], `${e.id}: chip between the boxes`);
    }
    // two inputs of one op arrive at different heights, the first above the second
    const y = (id) => pathNumbers(lay.edges.get(id).d).at(-1);
    assert.ok(y("v1__f") < y("v2__f"));
  });

  it("answers in layoutGraph's shape", () => {
    const lay = layoutPrimitive(sumTimesSum(), 1000, 600, metricsFor(false, 4));
    assert.equal(lay.primitive, true);
    assert.deepEqual(lay.neurons, []);
    assert.equal(lay.labels.size, 0);
    assert.equal(lay.denseLayers.size, 0);
  });
});

describe("isPrimitive and opSign", () => {
  it("knows an expression graph from a network of neurons", () => {
    assert.equal(isPrimitive(sumTimesSum()), true);
    assert.equal(isPrimitive(chain(3)), true);
    assert.equal(isPrimitive(mlp([2, 2, 1])), false);
  });

  it("signs each operation, the activation for an activation node, nothing for a leaf", () => {
    const sign = (op, activation) => opSign({ op, activation });
    assert.deepEqual(
      [sign("add"), sign("sub"), sign("mul"), sign("div"), sign("neg"), sign("exp"), sign("loss")],
      ["+", "−", "×", "÷", "−", "exp", "L"],
    );
    for (const a of CATALOG.activations) assert.equal(sign("act", a.name), a.glyph, "the catalog's badge");
    assert.equal(sign("act", "sigmoid"), "σ");
    for (const a of CATALOG.activations.filter((x) => x.expression)) {
      assert.equal(sign(a.name), a.glyph, "an activation used as a function of an expression");
    }
    assert.equal(sign("act", "nonesuch"), "nonesuch", "one the catalog does not know shows its name");
    assert.equal(sign("act", null), "f");
    assert.equal(sign(null), "");
  });
});
