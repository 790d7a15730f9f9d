// url-state.js: the whole lesson in the URL hash. What is encoded must decode to the same state.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "./catalog.mjs"; // the server's catalog, as the page embeds it

import { DEFAULTS } from "../../static/js/store.js";
import { decodeHash, encodeHash, isLessonHash } from "../../static/js/url-state.js";

const SCENARIO = {
  layers: [2, 2, 1],
  activations: ["sigmoid", "sigmoid"],
  loss: "mse",
  inputs: [[0.35, 0.9]],
  targets: [[0.5]],
  learning_rate: 0.25,
  init: { scheme: "normal", seed: 3, scale: 0.5 },
};

const params = (hash) => new URLSearchParams(hash.slice(1));

describe("encodeHash", () => {
  it("names a preset while the scenario is untouched, and always the cursor", () => {
    const hash = encodeHash({ ...DEFAULTS });
    assert.ok(hash.startsWith("#"));
    assert.deepEqual([...params(hash)], [["preset", DEFAULTS.presetId], ["k", "0"]]);
  });

  it("leaves out every setting that is at its default", () => {
    const hash = encodeHash({ ...DEFAULTS, cursor: 7, precision: 6, projector: true });
    assert.deepEqual(Object.fromEntries(params(hash)), { preset: DEFAULTS.presetId, k: "7", dp: "6", projector: "1" });
  });

  it("carries an edited scenario as URL-safe base64 of its JSON", () => {
    const hash = encodeHash({ ...DEFAULTS, presetId: null, scenario: SCENARIO, cursor: 3 });
    const s = params(hash).get("s");
    assert.match(s, /^[A-Za-z0-9_-]+$/, "no +, / or = to escape");
    assert.equal(params(hash).has("preset"), false);
    const json = Buffer.from(s, "base64url").toString("utf8");
    assert.deepEqual(JSON.parse(json), SCENARIO);
  });
});

describe("decodeHash", () => {
  it("round-trips every setting", () => {
    const state = { ...DEFAULTS, presetId: "xor", cursor: 41, expand: true, sample: 3, precision: 9, speed: "fast", projector: true, theme: "dark" };
    const back = decodeHash(encodeHash(state));
    assert.deepEqual(back, { presetId: "xor", cursor: 41, expand: true, sample: 3, precision: 9, speed: "fast", projector: true, theme: "dark" });
  });

  it("round-trips a scenario, non-ASCII text and awkward base64 lengths included", () => {
    for (let pad = 0; pad < 3; pad += 1) {
      const scenario = { kind: "expression", expression: "tanh(a · b) − c²", values: { a: -0.5, b: 2, c: 1e-7 }, note: "é".repeat(pad) };
      const back = decodeHash(encodeHash({ ...DEFAULTS, presetId: null, scenario, cursor: 2 }));
      assert.deepEqual(back, { scenario, presetId: null, cursor: 2 });
    }
    const back = decodeHash(encodeHash({ ...DEFAULTS, presetId: null, scenario: SCENARIO }));
    assert.deepEqual(back.scenario, SCENARIO);
  });

  it("reads a hash with or without its #, and an empty one as nothing", () => {
    assert.deepEqual(decodeHash("#preset=tutorial&k=5"), { presetId: "tutorial", cursor: 5 });
    assert.deepEqual(decodeHash("preset=tutorial&k=5"), { presetId: "tutorial", cursor: 5 });
    assert.deepEqual(decodeHash(""), {});
    assert.deepEqual(decodeHash("#"), {});
    assert.deepEqual(decodeHash(null), {});
    assert.deepEqual(decodeHash(undefined), {});
  });

  it("ignores malformed or out-of-range entries instead of failing", () => {
    const bad = "#k=-1&dp=0&sample=1.5&x=yes&projector=2&theme=neon&speed=warp&g=bogus&unknown=1";
    assert.deepEqual(decodeHash(bad), {});
    assert.deepEqual(decodeHash("#k=abc&dp=13"), {});
    assert.deepEqual(decodeHash("#k=1000000001"), {});
    assert.deepEqual(decodeHash("#dp=1&k=1000000000"), { precision: 1, cursor: 1e9 });
  });

  it("explains a scenario it cannot read and keeps the rest", () => {
    for (const s of ["!!!", Buffer.from("not json").toString("base64url")]) {
      const out = decodeHash(`#s=${s}&k=2`);
      assert.equal(typeof out.error, "string", s);
      assert.equal(out.scenario, undefined);
      assert.equal(out.cursor, 2);
    }
  });

  it("ignores a scenario that is JSON but not an object", () => {
    const enc = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
    assert.deepEqual(decodeHash(`#s=${enc(42)}`), {});
    assert.deepEqual(decodeHash(`#s=${enc(null)}`), {});
  });

  it("prefers the scenario when a hash names both it and a preset", () => {
    const s = Buffer.from(JSON.stringify(SCENARIO)).toString("base64url");
    assert.deepEqual(decodeHash(`#preset=tutorial&s=${s}`), { scenario: SCENARIO, presetId: null });
  });
});

describe("isLessonHash", () => {
  it("tells a lesson's hash from a place on the page", () => {
    assert.ok(isLessonHash(encodeHash({ ...DEFAULTS, cursor: 3, iteration: 2, expand: true })));
    assert.ok(isLessonHash(encodeHash({ ...DEFAULTS, presetId: null, scenario: SCENARIO })));
    assert.ok(isLessonHash("#k=4") && isLessonHash("") && isLessonHash("#"));
    assert.ok(!isLessonHash("#stage") && !isLessonHash("#graph-wrap"));
  });
});
