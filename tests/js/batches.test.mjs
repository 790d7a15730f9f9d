// batches.js and the mini-batch side of iterations.js: what the counter, the Sample menu and the
// Network panel say and read, and a batch lesson written out as the class sees it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { batchSamples, batchText, sampleNumber, sampleOptions } from "../../static/js/batches.js";
import { rebased } from "../../static/js/iterations.js";

const BATCH = { epoch: 2, batch: 3, batches: 4, size: 2, samples: 7, indices: [5, 0], seed: 9 };
const NETWORK = {
  layers: [1, 1], activations: ["sigmoid"], loss: "mse", init: { scheme: "normal", seed: 1, scale: 0.5 },
  inputs: [[0], [1], [2], [3], [4], [5], [6]], targets: [[0], [1], [0], [1], [0], [1], [0]],
  learning_rate: 0.5, batch_size: 2, shuffle_seed: 9,
};
const GRAPH = {
  batch: BATCH,
  plan: { samples: 2 },
  parameters: [{ id: "W1_0_0", tensor: "W1", index: [0, 0], value: 0.75 }, { id: "b1_0", tensor: "b1", index: [0], value: -0.25 }],
};

describe("mini-batches", () => {
  it("says which epoch and batch, and the batch's samples as the data set numbers them", () => {
    assert.equal(batchText(BATCH), "epoch 2 · batch 3 of 4");
    assert.equal(batchSamples(BATCH), "samples 6, 1 of 7");
    assert.equal(batchSamples({ ...BATCH, indices: [3] }), "sample 4 of 7");
    assert.equal(batchText(null), "");
    assert.deepEqual([sampleNumber(BATCH, 0), sampleNumber(BATCH, 1), sampleNumber(null, 1)], [6, 1, 2]);
  });

  it("fills the Sample menu with the batch's samples, or every sample for full batch", () => {
    assert.deepEqual(sampleOptions(GRAPH), [["0", "6 (1 of 2 in batch)"], ["1", "1 (2 of 2 in batch)"]]);
    assert.deepEqual(sampleOptions({ plan: { samples: 3 }, batch: null }), [["0", "1 of 3"], ["1", "2 of 3"], ["2", "3 of 3"]]);
  });

  it("writes a batch lesson out as shown: its rows, full batch, its parameters", () => {
    const at = rebased(NETWORK, GRAPH, 5);
    assert.deepEqual(at.inputs, [[5], [0]]);
    assert.deepEqual(at.targets, [[1], [0]]);
    assert.equal(at.batch_size, undefined);
    assert.equal(at.shuffle_seed, undefined);
    assert.deepEqual(at.weights, [[[0.75]]]);
    assert.deepEqual(at.biases, [[-0.25]]);
    const first = rebased(NETWORK, GRAPH, 1); // iteration 1: the scenario's own init, its rows
    assert.deepEqual(first.init, NETWORK.init);
    assert.deepEqual(first.inputs, [[5], [0]]);
    assert.equal(NETWORK.inputs.length, 7); // the scenario itself is left alone
  });
});
