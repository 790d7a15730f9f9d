// The small pure helpers of the editors: layer lists, hidden layers, typed values, API errors,
// and the worksheet's count of numbers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CATALOG } from "./catalog.mjs";

import { describe as describeError } from "../../static/js/api.js";
import { parseLayers, tensorNames } from "../../static/js/architecture.js";
import { arrows, describeHidden, HiddenLayersError, parseHidden } from "../../static/js/labs/hidden.js";
import { meets, pathNumbers } from "../../static/js/svg.js";
import { editTarget, lockText, validate, withFrozen, withValue } from "../../static/js/value-editor.js";
import { readNumber, worksheetSize } from "../../static/js/worksheet/worksheet.js";
import { mlp, sumTimesSum } from "./graphs.mjs";

describe("parseLayers (architecture editor)", () => {
  it("reads layer widths separated by commas, spaces or arrows", () => {
    for (const text of ["2, 4, 1", "2 4 1", "2→4→1", "2 -> 4 -> 1", " 2,4 ,1 "]) assert.deepEqual(parseLayers(text), { layers: [2, 4, 1] }, text);
  });

  it("needs at least an input and an output layer, and at most 11 layers", () => {
    assert.match(parseLayers("3").error, /at least two layers/);
    assert.match(parseLayers("").error, /at least two layers/);
    assert.deepEqual(parseLayers(Array(11).fill(2).join(",")).layers.length, 11);
    assert.match(parseLayers(Array(CATALOG.limits.layers + 1).fill(2).join(",")).error, new RegExp(`At most ${CATALOG.limits.layers} layers`));
  });

  it("names the first layer that is not a whole number from 1 to 64", () => {
    assert.match(parseLayers("2, 0, 1").error, /^Layer 2 is “0”/);
    assert.match(parseLayers("2, 4, 65").error, /^Layer 3 is “65”/);
    assert.match(parseLayers("2.5, 1").error, /^Layer 1 is “2.5”/);
    assert.match(parseLayers("2, x, 1").error, /^Layer 2 is “x”/);
    assert.deepEqual(parseLayers("64, 1").layers, [64, 1]);
  });
});

describe("parseHidden (labs)", () => {
  const limits = { maxWidth: 32, maxLayers: 3 };

  it("reads one neuron count per hidden layer; nothing means no hidden layer", () => {
    assert.deepEqual(parseHidden("8, 8", limits), [8, 8]);
    assert.deepEqual(parseHidden("16 8;4", limits), [16, 8, 4]);
    assert.deepEqual(parseHidden("  ", limits), []);
  });

  it("refuses counts out of range, fractions and too many layers", () => {
    for (const bad of ["0", "33", "2.5", "-1", "eight", "1, 2, 3, 4"]) assert.throws(() => parseHidden(bad, limits), HiddenLayersError, bad);
  });

  it("describes and draws the layers in words", () => {
    assert.match(describeHidden([]), /^No hidden layer/);
    assert.equal(describeHidden([1]), "1 hidden layer of 1 neuron");
    assert.equal(describeHidden([8, 8]), "2 hidden layers of 8 neurons each");
    assert.equal(describeHidden([16, 8, 4]), "3 hidden layers, of 16, 8 and 4 neurons");
    assert.equal(arrows([2, 8, 1]), "2 → 8 → 1");
  });
});

describe("value editor", () => {
  it("accepts numbers within the API's ±1e6 and explains anything else", () => {
    assert.deepEqual(validate("−0.75"), { value: -0.75 });
    assert.deepEqual(validate("1e6"), { value: 1e6 });
    assert.match(validate("").error, /Type a number/);
    assert.match(validate("abc").error, /“abc” is not a number/);
    assert.match(validate("-1000001").error, /between/);
  });

  const scenario = { layers: [2, 1, 1], inputs: [[0.1, 0.2], [0.3, 0.4]], targets: [[1], [0]], init: { scheme: "normal", seed: 0 } };
  const graph = mlp([2, 1, 1]);
  for (const p of graph.parameters) p.value = p.id.startsWith("W") ? 0.5 : -0.25;
  for (const n of graph.nodes) n.label = { text: n.id };
  for (const p of graph.parameters) p.label = { text: p.id };

  it("finds what an element stands for: weight, bias, input or target of the sample shown", () => {
    assert.deepEqual(editTarget(graph, scenario, 1, "x1"), { id: "x1", kind: "input", name: "x1", value: 0.4, index: [1, 1] });
    assert.deepEqual(editTarget(graph, scenario, 0, "y0"), { id: "y0", kind: "target", name: "y0", value: 1, index: [0, 0] });
    const w = editTarget(graph, scenario, 0, "W1_0_1");
    assert.deepEqual([w.kind, w.layer, w.index, w.value], ["weight", 0, [0, 1], 0.5]);
    assert.equal(editTarget(graph, scenario, 0, "b2_0").kind, "bias");
    assert.equal(editTarget(graph, scenario, 0, "z1_0"), null, "a computed value is not edited");
  });

  it("changes one value, writing out drawn weights first, and leaves the scenario given alone", () => {
    const before = structuredClone(scenario);
    const next = withValue(graph, scenario, editTarget(graph, scenario, 0, "W2_0_0"), 2);
    assert.deepEqual(scenario, before);
    assert.equal(next.init, undefined);
    assert.deepEqual(next.weights, [[[0.5, 0.5]], [[2]]]);
    assert.deepEqual(next.biases, [[-0.25], [-0.25]]);
    const moved = withValue(graph, next, editTarget(graph, next, 1, "x0"), -3);
    assert.deepEqual(moved.inputs, [[0.1, 0.2], [-3, 0.4]]);
  });

  it("edits an expression's variables by name and not its constants", () => {
    const expr = sumTimesSum();
    for (const n of expr.nodes) n.label = { text: n.id };
    for (const p of expr.parameters) {
      p.label = { text: p.tensor };
      p.value = 0;
    }
    const sc = { kind: "expression", expression: "(a + b) * (b + 1)", values: { a: 2, b: 1 } };
    const t = editTarget(expr, sc, 0, "var_b");
    assert.deepEqual(t, { id: "var_b", kind: "variable", name: "b", value: 1, variable: "b", tensor: "b", frozen: false });
    assert.deepEqual(withValue(expr, sc, t, 5).values, { a: 2, b: 5 });
    assert.equal(editTarget(expr, sc, 0, "c1"), null);
  });

  it("locks a parameter's whole tensor, and unlocks it, in a new scenario", () => {
    const locked = withFrozen(scenario, "W2", true);
    assert.deepEqual(locked.frozen, ["W2"]);
    assert.equal(scenario.frozen, undefined, "the scenario given is left alone");
    assert.deepEqual(withFrozen(locked, "b1", true).frozen, ["W2", "b1"]);
    assert.deepEqual(withFrozen(locked, "W2", true).frozen, ["W2"], "never twice");
    assert.equal(withFrozen(locked, "W2", false).frozen, undefined, "none left: no frozen at all");
    const w = editTarget(graph, locked, 0, "W2_0_0");
    assert.deepEqual([w.tensor, w.frozen], ["W2", true]);
    assert.equal(editTarget(graph, locked, 0, "W1_0_0").frozen, false);
    assert.match(lockText(w), /unlock W2/);
    assert.match(lockText({ ...w, frozen: false }), /Lock W2 \(the whole matrix\)/);
    assert.deepEqual(tensorNames([2, 3, 1]), ["W1", "b1", "W2", "b2"]);
  });
});

describe("worksheet helpers", () => {
  it("reads a typed number and how many decimals it was rounded to", () => {
    assert.deepEqual(readNumber("0.6637"), { value: 0.6637, decimals: 4 });
    assert.deepEqual(readNumber("−1,50"), { value: -1.5, decimals: 2 });
    assert.deepEqual(readNumber("3"), { value: 3, decimals: 0 });
    assert.deepEqual(readNumber("1.5e-3"), { value: 0.0015, decimals: null });
    assert.deepEqual(readNumber("0.1234567890123456").decimals, 12);
    assert.equal(readNumber("x"), null);
    assert.equal(readNumber(""), null);
  });

  it("counts the numbers of a worksheet: op values, gradients passed on, new parameters", () => {
    // 2-1-1: values z1 a1 z2 a2 L (5); gradients of W1 (2), b1, z1, a1, W2, b2, z2, a2 (9); 5 updates
    assert.equal(worksheetSize(mlp([2, 1, 1])), 5 + 9 + 5);
    // 2-2-1: 7 values; 9 parameters + 3 z + 3 a pass gradients on; 9 updates
    assert.equal(worksheetSize(mlp([2, 2, 1])), 7 + 15 + 9);
    // (a + b)(b + 1): 3 values; a, b, v1, v2 pass gradients on (the constant does not); no update
    assert.equal(worksheetSize(sumTimesSum()), 3 + 4);
  });
});

describe("api.describe and svg helpers", () => {
  it("turns FastAPI's error body into one line per problem", () => {
    assert.deepEqual(describeError(404, { detail: "Unknown preset" }), ["Unknown preset"]);
    assert.deepEqual(
      describeError(422, { detail: [{ loc: ["body", "scenario", "layers", 1], msg: "Value error, too wide" }, { loc: ["body"], msg: "bad" }, {}] }),
      ["scenario → layers → 1: too wide", "bad", "invalid"],
    );
    assert.deepEqual(describeError(502, null), ["The server answered 502."]);
  });

  it("reads a path's numbers and tells overlapping boxes from touching ones", () => {
    assert.deepEqual(pathNumbers("M1,2 C3.5,-4 .5,6e2 7,8"), [1, 2, 3.5, -4, 0.5, 600, 7, 8]);
    assert.deepEqual(pathNumbers(""), []);
    assert.equal(meets([0, 0, 2, 2], [1, 1, 3, 3]), true);
    assert.equal(meets([0, 0, 2, 2], [2, 0, 4, 2]), false, "sharing an edge is not overlapping");
    assert.equal(meets([0, 0, 2, 2], [0, 3, 2, 4]), false);
  });
});
