// The dot canvas cuts a dashed marked curve to the part in view (large/dot-canvas.js inView):
// checked against points of the whole curve, computed here independently.

import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { inView, subCubic } from "../../static/js/large/dot-canvas.js";

/** The cubic's point at t, from Bernstein polynomials. */
function at(n, t) {
  const u = 1 - t;
  const w = [u ** 3, 3 * u * u * t, 3 * u * t * t, t ** 3];
  return [0, 1].map((k) => w.reduce((s, wi, i) => s + wi * n[2 * i + k], 0));
}

const close = (a, b, tol = 1e-9) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
// an edge across a tall column, as layout.js draws it: horizontal at both ends
const EDGE = [100, 50, 160, 50, 160, 6000, 220, 6000];

describe("subCubic", () => {
  it("is the same curve between a and b", () => {
    const part = subCubic(EDGE, 0.25, 0.6);
    for (const s of [0, 0.3, 0.5, 1]) assert.ok(close(at(part, s), at(EDGE, 0.25 + s * 0.35), 1e-6), `s = ${s}`);
  });
  it("keeps the whole curve from 0 to 1", () => {
    assert.ok(close(subCubic(EDGE, 0, 1), EDGE));
  });
});

describe("inView", () => {
  it("cuts a long curve to the box, with its length before as the dash offset", () => {
    const box = [100, 2900, 220, 3100]; // its middle
    const got = inView(EDGE, box, 2);
    assert.ok(got);
    // the part covers every point of the curve that is in the box, and starts and ends near it
    const [start, end] = [at(got.pts, 0), at(got.pts, 1)];
    assert.ok(start[1] < 2900 && start[1] > 2500, `starts at y = ${start[1]}`);
    assert.ok(end[1] > 3100 && end[1] < 3500, `ends at y = ${end[1]}`);
    // the offset is the curve's length up to the part's start (a fine polyline's, here)
    let length = 0;
    let p = at(EDGE, 0);
    let t = 0;
    const t0 = findT(EDGE, start);
    for (let i = 1; i <= 10000 && t < t0; i += 1) {
      t = Math.min(t0, i / 10000);
      const q = at(EDGE, t);
      length += Math.hypot(q[0] - p[0], q[1] - p[1]);
      p = q;
    }
    assert.ok(Math.abs(got.offset - length) / length < 0.01, `offset ${got.offset} vs length ${length}`);
  });
  it("keeps a curve wholly in view whole, and drops one wholly out of it", () => {
    assert.deepEqual(inView(EDGE, [0, 0, 300, 7000], 2), { pts: EDGE, offset: 0 });
    assert.equal(inView(EDGE, [400, 0, 600, 7000], 2), null);
    const line = [0, 0, 10, 10];
    assert.deepEqual(inView(line, [400, 0, 600, 7000], 2), { pts: line, offset: 0 });
  });
});

/** The t at which the curve (monotonic in y) reaches point p's y. */
function findT(n, p) {
  let [lo, hi] = [0, 1];
  for (let i = 0; i < 60; i += 1) {
    const mid = (lo + hi) / 2;
    if (at(n, mid)[1] < p[1]) lo = mid;
    else hi = mid;
  }
  return lo;
}
