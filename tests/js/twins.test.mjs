// The twin panel rebuilds a stopped twin's network from its own copy of the twin rule
// (applyTwin): it must make the scenario the server trains (app/api/twins.py twin_scenario),
// for every kind of setting. And each twin is named by its value, as the chart's key says.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";

import "./catalog.mjs";

import { applyTwin, describeOptimizer, describeSetting } from "../../static/js/labs/twins.js";

const python = process.env.PYTHON || ".venv/bin/python";

const BASE = {
  layers: [2, 5, 4, 1],
  activations: ["tanh", "tanh", "sigmoid"],
  loss: "mse",
  weights: [[[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], Array(4).fill([1, 2, 3, 4, 5]), [[1, 2, 3, 4]]],
  biases: [[0, 0, 0, 0, 0], [0, 0, 0, 0], [0]],
  inputs: [[0, 0]],
  targets: [[0]],
  learning_rate: 0.3,
  optimizer: { name: "sgd", momentum: 0.5 },
};

const TWINS = [
  { setting: "learning_rate", learning_rate: 1.5 },
  { setting: "init", init: { scheme: "he", seed: 11, scale: 0.5 } },
  { setting: "activation", activation: "relu", layer: null },
  { setting: "activation", activation: "gelu", layer: 2 },
  { setting: "optimizer", optimizer: { name: "adam", betas: [0.8, 0.99], eps: 1e-8, weight_decay: 0, amsgrad: false } },
  { setting: "optimizer", optimizer: null },
  { setting: "optimizer", optimizer: { name: "adam", betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false }, learning_rate: 0.05 },
  { setting: "optimizer", optimizer: null, learning_rate: 1.5 },
  { setting: "batch_size", batch_size: 6 },
];

const mine = TWINS.map((twin) => applyTwin({ scenario: structuredClone(BASE), train: { batch_size: null } }, twin));

/** The server's twin scenarios, twin_scenario(Scenario(BASE), twin), and the page's, each read as
 *  the server reads a scenario (defaults filled in), as JSON. */
function throughServer() {
  const code = `
import json, sys
from pydantic import TypeAdapter
from app.api.schemas.scenario import Scenario
from app.api.schemas.twins import TwinSpec
from app.api.twins import twin_scenario
base, twins, mine = json.load(sys.stdin)
sc = Scenario.model_validate(base)
spec = TypeAdapter(TwinSpec)
read = lambda d: Scenario.model_validate(d).model_dump(exclude_none=True)
print(json.dumps([[read(twin_scenario(sc, spec.validate_python(t))), read(m)] for t, m in zip(twins, mine)]))
`;
  const input = JSON.stringify([BASE, TWINS, mine.map((m) => m.scenario)]);
  return JSON.parse(execFileSync(python, ["-c", code], { input, encoding: "utf8" }));
}

describe("applyTwin (the twin's network, for a stopped run)", () => {
  const pairs = throughServer();
  TWINS.forEach((twin, i) => {
    it(`makes the server's scenario: ${JSON.stringify(twin)}`, () => {
      const [server, page] = pairs[i];
      assert.deepEqual(page, server);
      assert.equal(mine[i].train.batch_size, twin.setting === "batch_size" ? 6 : null);
    });
  });
});

describe("describeSetting (the twins' names on the chart and the planes)", () => {
  const run = { scenario: BASE, train: { batch_size: null } };
  it("names each kind by its value", () => {
    assert.equal(describeSetting("learning_rate", run), "η = 0.3");
    assert.equal(describeSetting("activation", run), "Tanh hidden");
    assert.equal(describeSetting("activation", run, 3), "Sigmoid in layer 3");
    assert.equal(describeSetting("batch_size", run), "full batch");
    assert.equal(describeSetting("batch_size", { ...run, train: { batch_size: 16 } }), "batch size 16");
    assert.equal(describeSetting("init", { ...run, scenario: { ...BASE, init: { scheme: "he", seed: 3 } } }), "he init, seed 3");
    assert.equal(describeSetting("init", run), "the given weights");
    // an optimizer with its η: the twins' η may differ with it (each has its own scale)
    assert.equal(describeSetting("optimizer", run), "SGD (μ = 0.5), η = 0.3");
    assert.equal(describeSetting("optimizer", applyTwin(run, TWINS[6])), "Adam, η = 0.05");
  });
  it("names an optimizer by what differs from PyTorch's defaults", () => {
    assert.equal(describeOptimizer({ name: "adam" }), "Adam");
    assert.equal(describeOptimizer({ name: "sgd", momentum: 0.5 }), "SGD (μ = 0.5)");
    assert.equal(describeOptimizer(undefined), "SGD");
  });
});
