// The edge painter's low-resolution first pass (large/edge-low.js): edges grouped by style, each
// once, and curves traced as polylines whose corners are points of the curve, computed here from
// Bernstein polynomials.

import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { byStyle, traceFlat } from "../../static/js/large/edge-low.js";

const at = (n, t) => {
  const u = 1 - t;
  const w = [u ** 3, 3 * u * u * t, 3 * u * t * t, t ** 3];
  return [0, 1].map((k) => w.reduce((s, wi, i) => s + wi * n[2 * i + k], 0));
};

/** A 2D context that records the points of the path traced on it. */
function recorder() {
  const calls = [];
  return { calls, moveTo: (x, y) => calls.push(["M", x, y]), lineTo: (x, y) => calls.push(["L", x, y]) };
}

describe("traceFlat", () => {
  it("traces a cubic as a polyline from its start to its end, every corner on the curve", () => {
    const n = [100, 50, 160, 50, 160, 6000, 220, 6000]; // as layout.js draws an edge: level at both ends
    const ctx = recorder();
    traceFlat(ctx, n, 8);
    assert.equal(ctx.calls.length, 9);
    assert.deepEqual(ctx.calls[0], ["M", 100, 50]);
    ctx.calls.slice(1).forEach(([op, x, y], j) => {
      const [wx, wy] = at(n, (j + 1) / 8);
      assert.equal(op, "L");
      assert.ok(Math.abs(x - wx) < 1e-9 && Math.abs(y - wy) < 1e-9, `corner ${j + 1}: ${[x, y]} vs ${[wx, wy]}`);
    });
    const [, ex, ey] = ctx.calls.at(-1);
    assert.ok(Math.abs(ex - 220) < 1e-9 && Math.abs(ey - 6000) < 1e-9);
  });
  it("traces a line as itself", () => {
    const ctx = recorder();
    traceFlat(ctx, [1, 2, 3, 4], 8);
    assert.deepEqual(ctx.calls, [["M", 1, 2], ["L", 3, 4]]);
  });
});

describe("byStyle", () => {
  it("puts every edge in exactly one group, of its colour and dash, its width within half a step", () => {
    const items = [];
    for (let i = 0; i < 500; i += 1) items.push({ colour: i % 3, width: 1.2 + ((i * 37) % 100) / 80, dash: i % 7 === 0 });
    const groups = byStyle(items);
    const seen = new Uint8Array(items.length);
    for (const g of groups) {
      for (const i of g.list) {
        seen[i] += 1;
        assert.equal(items[i].colour, g.colour);
        assert.equal(items[i].dash, g.dash);
        assert.ok(Math.abs(items[i].width - g.width) <= 0.05 + 1e-9, `${items[i].width} in a group of ${g.width}`);
      }
    }
    assert.ok(seen.every((n) => n === 1));
    // few groups: 3 colours × 2 dashes × the widths' 0.1 steps (1.2 to 2.4: 13)
    assert.ok(groups.length <= 3 * 2 * 13, `${groups.length} groups`);
  });
});
