// api.js fromPacked: the packed form of /api/step and /api/graph (app/api/packed.py) decodes to
// exactly the usual answer, key order and digits included: the largest network's first step
// (written from its scenario, app/api/first_step.py) and a later one, presets, every
// granularity, a later iteration, frozen tensors, softmax, `since`, expanded neurons, an
// expression (every answer from the app's own code).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";

import { fromPacked } from "../../static/js/api.js";

const python = process.env.PYTHON || ".venv/bin/python";
const SCRIPT = `
import json, random
from fastapi.testclient import TestClient
from app.main import create_app
from app.engine.presets import PRESETS
from bench.scenarios import largest
c = TestClient(create_app())
def net(layers, acts, **kw):
    return {"layers": layers, "activations": acts, "init": {"scheme": "xavier", "seed": 3},
            "inputs": [[0.1 * (i + s) for i in range(layers[0])] for s in range(2)],
            "targets": [[0.25] * layers[-1] for _ in range(2)], **kw}
big = largest()
cases = [({"scenario": big}, "/api/step"), ({"scenario": big, "cursor": 2}, "/api/step"),
         ({"scenario": big, "cursor": 1, "since": 0}, "/api/step")]
soft = net([3, 4, 3], ["tanh", "softmax"], loss="cross_entropy", targets=[[1, 0, 0], [0, 1, 0]])
frozen = net([2, 3, 2], ["relu", "sigmoid"], frozen=["W1", "b2"])
expr = {"kind": "expression", "expression": "(a + b) * (b + 1)", "values": {"a": 2, "b": 1}}
for sc in (PRESETS["tutorial"]["scenario"], PRESETS["xor"]["scenario"], soft, frozen, expr):
    cases.append(({"scenario": sc, "labels": "text"}, "/api/graph"))
    for g in ("step", "node", "layer", "pass"):
        for cursor in (0, 1, 3):
            cases.append(({"scenario": sc, "granularity": g, "cursor": cursor}, "/api/step"))
cases += [({"scenario": frozen, "iteration": 2, "cursor": 5, "since": 2}, "/api/step"),
          ({"scenario": soft, "iteration": 3, "cursor": 0}, "/api/step"),
          ({"scenario": frozen, "expand": True, "cursor": 4}, "/api/step")]
out = []
for body, path in cases:
    a = c.post(path, json=body)
    b = c.post(path, json={**body, "format": "packed"})
    if a.status_code != 200:
        continue  # a cursor past a short plan
    assert b.headers["content-type"] == "application/vnd.backstep.packed+json"
    out.append([a.json(), b.json()])
print(json.dumps(out))
`;
const output = execFileSync(python, ["-c", SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 30 });
const pairs = JSON.parse(output.trim().split("\n").pop()); // the access log comes first

describe("fromPacked", () => {
  it("gives back the usual answer, key order and digits included", () => {
    assert.ok(pairs.length >= 60, `${pairs.length} answers`);
    const packedKinds = new Set();
    for (const [usual, packed] of pairs) {
      for (const key of ["nodes", "parameters"]) {
        for (const c of Object.values(packed[key]?.columns ?? {})) if (!Array.isArray(c)) packedKinds.add(Object.keys(c)[0]);
      }
      const decoded = fromPacked(packed);
      assert.deepEqual(decoded, usual);
      assert.equal(JSON.stringify(decoded), JSON.stringify(usual));
    }
    assert.deepEqual([...packedKinds].sort(), ["as", "length", "parts", "same"]); // every encoding met
  });

  it("shares a repeated list among its rows, frozen: no row can change another's", () => {
    const answer = fromPacked({ parameters: { length: 3, columns: { id: { parts: [{ count: ["w"], from: 0, to: 3 }] }, grad_parts: { same: [0, 1] }, old: { as: "grad_parts" } } } });
    const rows = answer.parameters;
    assert.deepEqual(rows.map((r) => r.id), ["w0", "w1", "w2"]);
    assert.ok(rows.every((r) => Object.isFrozen(r.grad_parts)));
    assert.throws(() => {
      rows[0].grad_parts[0] = 9; // modules are strict: a frozen list refuses
    }, TypeError);
    rows[1].old[1] = 7; // an "as" column of lists: each row its own copy
    assert.deepEqual(rows.map((r) => [r.grad_parts, r.old]), [[[0, 1], [0, 1]], [[0, 1], [0, 7]], [[0, 1], [0, 1]]]);
  });

  it("keeps −0, repeats lists of values and counts with two prefixes", () => {
    const answer = fromPacked({ nodes: { length: 6, columns: {
      id: { parts: [{ count: ["z1_", "a1_"], from: 0, to: 2 }, ["L", "y\"0"]] },
      grad_parts: { same: [-0, 1] },
      value: { parts: [{ repeat: [null, 0.5], times: 2 }, { repeat: [-0], times: 2 }] },
      grad: { parts: [{ repeat: [[1, 2], { k: -0 }], times: 3 }] },
    } } });
    const rows = answer.nodes;
    assert.deepEqual(rows.map((r) => r.id), ["z1_0", "a1_0", "z1_1", "a1_1", "L", 'y"0']);
    assert.ok(rows.every((r) => Object.is(r.grad_parts[0], -0)));
    assert.deepEqual(rows.map((r) => r.value), [null, 0.5, null, 0.5, -0, -0]);
    assert.ok(Object.is(rows[5].value, -0) && Object.is(rows[1].grad.k, -0));
    assert.deepEqual(rows.map((r) => r.grad), [[1, 2], { k: -0 }, [1, 2], { k: -0 }, [1, 2], { k: -0 }]);
    assert.ok(Object.isFrozen(rows[0].grad) && Object.isFrozen(rows[1].grad));
  });

  it("refuses a column that is not as long as its block, or an as of an as", () => {
    assert.throws(() => fromPacked({ nodes: { length: 3, columns: { id: { parts: [["a"], { repeat: ["b"], times: 1 }] } } } }), /2 values, not 3/);
    assert.throws(() => fromPacked({ nodes: { length: 1, columns: { a: [1], b: { as: "a" }, c: { as: "b" } } } }), /no column to copy/);
  });

  it("leaves a usual answer, and a value that is no answer, alone", () => {
    const usual = { nodes: [{ id: "x0" }], edges: [], plan: { total: 1 } };
    assert.deepEqual(fromPacked(structuredClone(usual)), usual);
    assert.equal(fromPacked(null), null);
  });
});
