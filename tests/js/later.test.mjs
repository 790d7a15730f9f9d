// later.js: parts the first picture does not show are made after it, in order, once each; or all
// at once by the first key, pointer or focus before then.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

// the page's window, as far as later.js and idle.js use it (a hidden page: no frames)
const target = new EventTarget();
globalThis.addEventListener = target.addEventListener.bind(target);
globalThis.removeEventListener = target.removeEventListener.bind(target);
globalThis.document = { visibilityState: "hidden" };

const { later } = await import("../../static/js/later.js");
const { firstPainted } = await import("../../static/js/idle.js");
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("later", () => {
  it("makes every waiting part at the first input event, before it goes on", async () => {
    const made = [];
    const c = later(() => (made.push("c"), "c"));
    const d = later(() => (made.push("d"), "d"));
    target.dispatchEvent(new Event("keydown"));
    assert.deepEqual(made, ["c", "d"]); // synchronously, in the event's dispatch
    assert.equal(c.made, "c");
    assert.equal(d.made, "d");
    await tick();
    assert.deepEqual(made, ["c", "d"]); // and not again
    target.dispatchEvent(new Event("pointerdown"));
    assert.deepEqual(made, ["c", "d"]);
  });

  it("still makes the parts after one that throws, and reports the error", async () => {
    const reported = [];
    const had = globalThis.reportError;
    globalThis.reportError = (err) => reported.push(err.message);
    try {
      const made = [];
      let tries = 0;
      const e = later(() => {
        if (++tries === 1) throw new Error("broken part");
        return "e";
      });
      const f = later(() => (made.push("f"), "f"));
      target.dispatchEvent(new Event("focusin"));
      assert.deepEqual(made, ["f"]);
      assert.equal(f.made, "f");
      assert.deepEqual(reported, ["broken part"]);
      assert.equal(e.made, null);
      assert.equal(e.now(), "e"); // tried again when next asked for
    } finally {
      globalThis.reportError = had;
    }
  });

  it("makes nothing before the first picture, then each part once, in order", async () => {
    const made = [];
    const a = later(() => (made.push("a"), { name: "a" }));
    const b = later(() => (made.push("b"), { name: "b" }));
    await tick();
    assert.deepEqual(made, []);
    assert.equal(a.made, null);
    assert.equal(b.now().name, "b"); // asked for at once: made at once
    assert.equal(b.now().name, "b");
    firstPainted();
    for (let i = 0; i < 4; i++) await tick();
    assert.deepEqual(made, ["b", "a"]);
    assert.equal(a.made.name, "a");
  });
});
