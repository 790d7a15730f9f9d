// graph-blocks.js fromBlocks: /api/graph's block form (app/api/blocks.py) expands to exactly the
// usual answer with labels "text" (both answers from the app's own code): the tutorial's names, a
// softmax layer, frozen tensors, a later iteration, two-digit indices, a 3-layer 64-wide network.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";

import { fromColumns } from "../../static/js/api.js";
import { fromBlocks, isBlocks } from "../../static/js/graph-blocks.js";

const python = process.env.PYTHON || ".venv/bin/python";
const SCRIPT = `
import json
from fastapi.testclient import TestClient
from app.main import create_app
from app.engine.presets import PRESETS
c = TestClient(create_app())
def net(layers, acts, **kw):
    return {"layers": layers, "activations": acts, "init": {"scheme": "xavier", "seed": 3},
            "inputs": [[0.1 * (i + 1) for i in range(layers[0])]], "targets": [[0.5] * layers[-1]], **kw}
cases = [
    ({"scenario": PRESETS["tutorial"]["scenario"]}),
    ({"scenario": PRESETS["deep"]["scenario"]}),
    ({"scenario": PRESETS["softmax"]["scenario"]}),
    ({"scenario": PRESETS["xor"]["scenario"], "iteration": 3}),
    ({"scenario": net([2, 6, 6, 6, 2], ["tanh", "relu", "sigmoid", "linear"], frozen=["W2", "b4"])}),
    ({"scenario": net([3, 1, 1, 1], ["sigmoid", "tanh", "sigmoid"])}),
    ({"scenario": net([64, 64, 64, 64], ["relu", "relu", "linear"])}),
    ({"scenario": net([12, 11, 3], ["relu", "sigmoid"])}),
]
out = []
for body in cases:
    body = {**body, "labels": "text"}
    usual = c.post("/api/graph", json=body).json()
    blocks = c.post("/api/graph", json={**body, "format": "blocks"})
    assert blocks.headers["content-type"] == "application/vnd.backstep.blocks+json"
    out.append([usual, blocks.json()])
expanded = {"scenario": PRESETS["xor"]["scenario"], "expand": True, "labels": "text"}
out.append([c.post("/api/graph", json=expanded).json(), c.post("/api/graph", json={**expanded, "format": "blocks"}).json()])
print(json.dumps(out))
`;
const output = execFileSync(python, ["-c", SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 28 });
const pairs = JSON.parse(output.trim().split("\n").pop()); // the access log comes first

describe("fromBlocks", () => {
  it("gives back the usual answer, key order included, for networks of every kind of name", () => {
    assert.equal(pairs.length, 9);
    for (const [usual, blocks] of pairs.slice(0, -1)) {
      assert.ok(isBlocks(blocks) && !("nodes" in blocks), "the answer is the block form");
      const decoded = fromBlocks(blocks);
      assert.deepEqual(decoded, usual);
      assert.equal(JSON.stringify(decoded), JSON.stringify(usual));
    }
  });

  it("names the loss node ℓ, one sample's loss, when L is the mean of several samples", () => {
    const lossLabel = (answer) => fromBlocks(answer).nodes.find((n) => n.id === "L").label.text;
    assert.equal(lossLabel(pairs[0][1]), "L"); // the tutorial: one sample
    assert.equal(lossLabel(pairs[1][1]), "ℓ"); // deep: 2 samples
    assert.equal(lossLabel(pairs[3][1]), "ℓ"); // XOR: 4 samples
  });

  it("is a fraction of the usual answer's size for a wide network", () => {
    const [usual, blocks] = pairs[6];
    assert.ok(JSON.stringify(blocks).length * 10 < JSON.stringify(usual).length);
  });

  it("leaves an expanded graph (columns) to fromColumns", () => {
    const [usual, packed] = pairs[8];
    assert.ok(!isBlocks(packed));
    assert.deepEqual(fromColumns(fromBlocks(packed)), usual);
  });
});
