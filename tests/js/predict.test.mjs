// predict.js and stage.js: what predict mode asks for, and the order a coarse unit's pulses land in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { askedName, askedText, maskOf } from "../../static/js/predict.js";
import { wavesOf } from "../../static/js/stage.js";

// the tutorial's 2 → 1 → 1 chain: x, W, b → z1 → a1 → z2 → a2 → L
const edges = [
  ["x0", "z1"], ["x1", "z1"], ["W1", "z1"], ["b1", "z1"], ["z1", "a1"],
  ["a1", "z2"], ["W2", "z2"], ["b2", "z2"], ["z2", "a2"], ["a2", "L"], ["y", "L"],
];
const incoming = new Map();
for (const [source, target] of edges) {
  if (!incoming.has(target)) incoming.set(target, []);
  incoming.get(target).push({ id: `${source}__${target}`, source, target });
}
const fwd = (id) => ({ phase: "forward", node: id, target: id });
const bwd = (node, target) => ({ phase: "backward", node, target });

describe("wavesOf", () => {
  it("makes a forward pass arrive value after value", () => {
    assert.deepEqual(wavesOf(["z1", "a1", "z2", "a2", "L"].map(fwd), incoming), [0, 1, 2, 3, 4]);
  });

  it("sends the values of one layer together", () => {
    assert.deepEqual(wavesOf([fwd("z1"), fwd("z2")], incoming), [0, 0]);
  });

  it("passes a gradient on only after it arrived", () => {
    const steps = [bwd("L", "a2"), bwd("a2", "z2"), bwd("z2", "W2"), bwd("z2", "b2"), bwd("z2", "a1"), bwd("a1", "z1")];
    assert.deepEqual(wavesOf(steps, incoming), [0, 1, 2, 2, 2, 3]);
  });

  it("lets an update's values morph together", () => {
    const steps = [{ phase: "update", node: "W2", target: "W2" }, { phase: "update", node: "b2", target: "b2" }];
    assert.deepEqual(wavesOf(steps, incoming), [0, 0]);
  });
});

describe("predict mode", () => {
  it("asks for every value, gradient and contribution a unit writes", () => {
    const mask = maskOf({ steps: [{ ...fwd("z1"), index: 0 }, { ...bwd("z2", "b2"), index: 8 }, { phase: "update", target: "W2", index: 14 }] });
    assert.deepEqual([...mask.values], ["z1", "W2"]);
    assert.deepEqual([...mask.grads], ["b2"]);
    assert.deepEqual([...mask.chips], [0, 8, 14]);
  });

  it("keeps the left-hand side of a result and asks for the rest", () => {
    assert.equal(askedText("∂L/∂b₂ = −0.0723"), "∂L/∂b₂ = ?");
    assert.equal(askedName("z₁ = 0.7800"), "z₁");
    assert.equal(askedText("0.5"), "?");
    assert.equal(askedName("0.5"), "the result");
  });
});
