// api.js fromColumns: the column format of /api/graph and /api/step (app/api/columns.py) decodes
// to exactly the usual answer, for random networks (both answers from the app's own code).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";

import { fromColumns } from "../../static/js/api.js";

const python = process.env.PYTHON || ".venv/bin/python";
const SCRIPT = `
import json, random
from fastapi.testclient import TestClient
from app.main import create_app
c = TestClient(create_app())
out = []
for seed in range(4):
    rng = random.Random(seed)
    layers = [rng.randint(1, 4) for _ in range(rng.randint(2, 4))]
    sc = {"layers": layers, "activations": [rng.choice(["relu", "tanh", "sigmoid"]) for _ in layers[1:]],
          "init": {"scheme": "xavier", "seed": seed},
          "inputs": [[rng.uniform(-1, 1) for _ in range(layers[0])]], "targets": [[0.5] * layers[-1]]}
    total = c.post("/api/graph", json={"scenario": sc}).json()["plan"]["granularities"]["step"]["total"]
    for path, body in (("/api/graph", {"scenario": sc, "labels": "text"}),
                       ("/api/step", {"scenario": sc, "cursor": rng.randint(1, total)})):
        a = c.post(path, json=body).json()
        b = c.post(path, json={**body, "format": "columns"}).json()
        out.append([a, b])
print(json.dumps(out))
`;
const output = execFileSync(python, ["-c", SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
const pairs = JSON.parse(output.trim().split("\n").pop()); // the access log comes first

describe("fromColumns", () => {
  it("gives back the usual answer, key order included", () => {
    assert.equal(pairs.length, 8);
    for (const [usual, packed] of pairs) {
      assert.ok(!Array.isArray(packed.nodes) && packed.nodes.columns, "the answer is column-wise");
      const decoded = fromColumns(packed);
      assert.deepEqual(decoded, usual);
      assert.equal(JSON.stringify(decoded), JSON.stringify(usual));
    }
  });

  it("leaves a usual answer, and a value that is no answer, alone", () => {
    const usual = { nodes: [{ id: "x0" }], edges: [], plan: { total: 1 } };
    assert.deepEqual(fromColumns(structuredClone(usual)), usual);
    assert.equal(fromColumns(null), null);
  });
});
