// api.js: the training stream's server-sent events, split as they arrive in chunks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { splitEvents } from "../../static/js/api.js";

describe("splitEvents", () => {
  it("reads named events and their JSON data, and keeps the unfinished rest", () => {
    const { events, rest } = splitEvents('event: progress\ndata: {"epoch": 1}\n\nevent: done\ndata: {"ok"');
    assert.deepEqual(events, [["progress", { epoch: 1 }]]);
    assert.equal(rest, 'event: done\ndata: {"ok"');
    const next = splitEvents(`${rest}: true}\n\n`);
    assert.deepEqual(next.events, [["done", { ok: true }]]);
    assert.equal(next.rest, "");
  });

  it("names an event without a name 'message' and joins data lines", () => {
    const { events } = splitEvents('data: [1,\ndata: 2]\n\nevent: progress\ndata: 3\n\n');
    assert.deepEqual(events, [["message", [1, 2]], ["progress", 3]]);
  });

  it("waits for a whole event: nothing comes of half of one", () => {
    assert.deepEqual(splitEvents("event: progress\ndata: {}\n"), { events: [], rest: "event: progress\ndata: {}\n" });
    assert.deepEqual(splitEvents(""), { events: [], rest: "" });
  });
});
