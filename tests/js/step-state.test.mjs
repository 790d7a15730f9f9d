// step-state.js: the state shown, kept between steps; an answer `since` a cursor is merged into it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createStepState } from "../../static/js/step-state.js";

const node = (id, value, grad = null) => ({ id, value: [value], grad: grad === null ? null : [grad] });
const param = (id, value, grad = null) => ({ id, value, grad });

function full(fine, nodes, parameters) {
  return { since: null, fine_cursor: fine, nodes, parameters };
}

const START = full(0, [node("x0", 1), node("z1", 2), node("L", 3)], [param("w", 0.5), param("b", 0.1)]);

describe("createStepState", () => {
  it("asks for everything until it holds a state for the key", () => {
    const st = createStepState();
    assert.equal(st.sinceFor("k"), null);
    st.apply("k", START);
    assert.equal(st.sinceFor("k"), 0);
    assert.equal(st.sinceFor("other"), null);
  });

  it("passes a first full answer through, indexed by id, with nothing marked changed", () => {
    const st = createStepState();
    const view = st.apply("k", START);
    assert.equal(view.changed, null);
    assert.deepEqual(view.nodes, START.nodes);
    assert.deepEqual(view.parameters, START.parameters);
    assert.deepEqual([...view.index.nodes], [["x0", 0], ["z1", 1], ["L", 2]]);
    assert.deepEqual([...view.index.params], [["w", 0], ["b", 1]]);
  });

  it("merges a partial answer into the state held and lists only what it changed", () => {
    const st = createStepState();
    const first = st.apply("k", START);
    const resp = { since: 0, fine_cursor: 3, nodes: [node("L", 3, 1)], parameters: [param("w", 0.5, -0.2)] };
    const view = st.apply("k", resp);
    assert.deepEqual(view.nodes, [node("x0", 1), node("z1", 2), node("L", 3, 1)]);
    assert.deepEqual(view.parameters, [param("w", 0.5, -0.2), param("b", 0.1)]);
    assert.deepEqual(view.changed, { nodes: resp.nodes, parameters: resp.parameters });
    assert.equal(view.fine_cursor, 3);
    assert.equal(st.sinceFor("k"), 3);
    // the earlier view is not changed under whoever still holds it
    assert.deepEqual(first.nodes, START.nodes);
    assert.deepEqual(first.parameters, START.parameters);
  });

  it("keeps the same lists when a partial answer changes nothing", () => {
    const st = createStepState();
    const first = st.apply("k", START);
    const view = st.apply("k", { since: 0, fine_cursor: 1, nodes: [], parameters: [] });
    assert.equal(view.nodes, first.nodes);
    assert.equal(view.parameters, first.parameters);
    assert.deepEqual(view.changed, { nodes: [], parameters: [] });
  });

  it("restyles only what differs when a full answer comes for the state held", () => {
    const st = createStepState();
    st.apply("k", START);
    const next = full(4, [node("x0", 1), node("z1", 2.5), node("L", 3)], [param("w", 0.5), param("b", 0.3)]);
    const view = st.apply("k", next);
    assert.deepEqual(view.changed, { nodes: [node("z1", 2.5)], parameters: [param("b", 0.3)] });
    assert.deepEqual(view.nodes, next.nodes);
    assert.equal(st.sinceFor("k"), 4);
  });

  it("treats an answer listing other entries, or another key, as all new", () => {
    const st = createStepState();
    st.apply("k", START);
    const other = full(0, [node("x0", 1), node("L", 3)], START.parameters);
    assert.equal(st.apply("k", other).changed, null);
    assert.deepEqual([...st.apply("k", other).index.nodes.keys()], ["x0", "L"]);
    assert.equal(st.apply("k2", START).changed, null);
    assert.equal(st.sinceFor("k"), null);
  });

  it("refuses a partial answer that does not fit, and then asks for everything", () => {
    const wrongCursor = createStepState();
    wrongCursor.apply("k", START);
    assert.throws(() => wrongCursor.apply("k", { since: 5, fine_cursor: 6, nodes: [], parameters: [] }), /since fine step 5/);
    assert.equal(wrongCursor.sinceFor("k"), null);

    const wrongKey = createStepState();
    wrongKey.apply("k", START);
    assert.throws(() => wrongKey.apply("k2", { since: 0, fine_cursor: 1, nodes: [], parameters: [] }));
    assert.equal(wrongKey.sinceFor("k"), null);

    const unknownId = createStepState();
    unknownId.apply("k", START);
    assert.throws(() => unknownId.apply("k", { since: 0, fine_cursor: 1, nodes: [node("ghost", 0)], parameters: [] }), /ghost/);
    assert.equal(unknownId.sinceFor("k"), null);

    assert.throws(() => createStepState().apply("k", { since: 0, fine_cursor: 1, nodes: [], parameters: [] }));
  });

  it("forgets the state held on request", () => {
    const st = createStepState();
    st.apply("k", START);
    st.forget();
    assert.equal(st.sinceFor("k"), null);
  });

  it("follows a run of partial answers to the same state as one full answer", () => {
    const st = createStepState();
    st.apply("k", START);
    let view;
    const values = [2.1, 2.2, 2.3, 2.4];
    values.forEach((v, i) => {
      view = st.apply("k", { since: i, fine_cursor: i + 1, nodes: [node("z1", v)], parameters: [param("b", v / 10)] });
    });
    assert.deepEqual(view.nodes, [node("x0", 1), node("z1", 2.4), node("L", 3)]);
    assert.deepEqual(view.parameters, [param("w", 0.5), param("b", 0.24)]);
  });
});
