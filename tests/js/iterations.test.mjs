// iterations.js and panels/loss-chart.js: the pure parts (what is stale, what carries on, the
// scenario written out at iteration k, the chart's points) and the iteration in the URL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CATALOG } from "./catalog.mjs";

import { continues, isStale, rebased } from "../../static/js/iterations.js";
import { chartPoints } from "../../static/js/panels/loss-chart.js";
import { DEFAULTS } from "../../static/js/store.js";
import { decodeHash, encodeHash } from "../../static/js/url-state.js";

const NETWORK = { layers: [2, 1, 1], activations: ["sigmoid", "sigmoid"], loss: "mse", init: { scheme: "normal", seed: 1, scale: 0.5 }, inputs: [[1, 2]], targets: [[1]], learning_rate: 0.5 };
const plan = (starts) => ({ plan: { granularities: { step: { total: 19, phase_starts: starts } } } });
const WITH_UPDATE = { ...plan({ forward: 0, backward: 5, update: 14 }), parameters: [
  { id: "W1_0_0", tensor: "W1", index: [0, 0], value: 0.25 },
  { id: "W1_0_1", tensor: "W1", index: [0, 1], value: -0.5 },
  { id: "b1_0", tensor: "b1", index: [0], value: 0.125 },
  { id: "W2_0_0", tensor: "W2", index: [0, 0], value: 2 },
  { id: "b2_0", tensor: "b2", index: [0], value: -1 },
] };

describe("iterations", () => {
  it("carries on only from a network whose plan updates", () => {
    assert.equal(continues(WITH_UPDATE, NETWORK), true);
    assert.equal(continues(plan({ forward: 0, backward: 5 }), NETWORK), false);
    assert.equal(continues(WITH_UPDATE, { kind: "expression" }), false);
  });

  it("marks values stale from the first update step on", () => {
    for (const [phase, stale] of [["start", false], ["forward", false], ["backward", false], ["update", true], ["done", true]]) {
      assert.equal(isStale({ phase }, WITH_UPDATE, NETWORK), stale, phase);
    }
    assert.equal(isStale({ phase: "done" }, WITH_UPDATE, { kind: "expression" }), false);
  });

  it("writes out the parameters shown at iteration k, and leaves iteration 1 alone", () => {
    assert.equal(rebased(NETWORK, WITH_UPDATE, 1), NETWORK);
    const at = rebased(NETWORK, WITH_UPDATE, 4);
    assert.deepEqual(at.weights, [[[0.25, -0.5]], [[2]]]);
    assert.deepEqual(at.biases, [[0.125], [-1]]);
    assert.equal("init" in at, false);
    assert.equal(NETWORK.init.seed, 1, "the scenario itself is not changed");
  });

  it("plots this iteration's loss only once computed, and the next one after the update", () => {
    const history = { iterations: [1, 2, 3], losses: [0.3, 0.2, 0.15], complete: true };
    const before = chartPoints({ iteration: 3, history, loss: { before: null, after: null } });
    assert.deepEqual(before, [[1, 0.3, "done"], [2, 0.2, "done"]]);
    const done = chartPoints({ iteration: 3, history, loss: { before: 0.15, after: 0.12 } });
    assert.deepEqual(done, [[1, 0.3, "done"], [2, 0.2, "done"], [3, 0.15, "current"], [4, 0.12, "next"]]);
    assert.deepEqual(chartPoints({ iteration: 1, history: null, loss: { before: 1, after: null } }), []);
  });

  it("keeps the iteration in the URL, within the server's limit, 1 by default", () => {
    assert.equal(new URLSearchParams(encodeHash({ ...DEFAULTS }).slice(1)).has("iteration"), false);
    const hash = encodeHash({ ...DEFAULTS, iteration: 3, cursor: 7 });
    assert.equal(new URLSearchParams(hash.slice(1)).get("iteration"), "3");
    assert.equal(decodeHash(hash).iteration, 3);
    const max = CATALOG.limits.iteration;
    assert.equal(decodeHash(`#iteration=${max}`).iteration, max);
    for (const bad of [0, -1, 1.5, max + 1, "x"]) assert.equal(decodeHash(`#iteration=${bad}`).iteration, undefined, String(bad));
  });
});
