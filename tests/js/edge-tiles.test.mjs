// The edge painter's second pass cuts the bitmap into tiles and paints the ones nearest the view
// first (large/edge-tiles.js): checked against the pixels themselves, counted one by one.

import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { aligned, grown, holds, nearest, tileGrid } from "../../static/js/large/edge-tiles.js";

describe("tileGrid", () => {
  it("covers every pixel of the bitmap exactly once, no tile larger than asked", () => {
    const [w, h] = [1030, 517]; // not a multiple of the tile's size either way
    const tiles = tileGrid(w, h, 256, 128);
    const hits = new Uint8Array(w * h);
    for (const [x0, y0, x1, y1] of tiles) {
      assert.ok(x1 - x0 <= 256 && y1 - y0 <= 128 && x1 > x0 && y1 > y0, `${[x0, y0, x1, y1]}`);
      for (let y = y0; y < y1; y += 1) for (let x = x0; x < x1; x += 1) hits[y * w + x] += 1;
    }
    assert.ok(hits.every((n) => n === 1));
    assert.equal(tiles.length, 5 * 5);
  });
});

describe("nearest", () => {
  const tiles = tileGrid(400, 400, 100, 100); // 4 × 4
  const centre = ([x0, y0, x1, y1]) => [(x0 + x1) / 2, (y0 + y1) / 2];

  it("takes the tiles meeting the view first, then outwards, each once", () => {
    const done = new Uint8Array(tiles.length);
    const view = [150, 150, 250, 250]; // across the 4 middle tiles
    const order = [];
    for (let i = nearest(tiles, done, view); i >= 0; i = nearest(tiles, done, view)) {
      order.push(i);
      done[i] = 1;
    }
    assert.equal(order.length, 16);
    assert.equal(new Set(order).size, 16);
    assert.deepEqual(order.slice(0, 4).sort((a, b) => a - b), [5, 6, 9, 10]);
    // how far each tile is from the view (by its nearest pixel) never decreases along the order
    const gap = (i) => {
      const [x0, y0, x1, y1] = tiles[i];
      return Math.hypot(Math.max(0, view[0] - x1, x0 - view[2]), Math.max(0, view[1] - y1, y0 - view[3]));
    };
    for (let k = 1; k < order.length; k += 1) assert.ok(gap(order[k]) >= gap(order[k - 1]), `${order}`);
    // the four corners, farthest, come last
    assert.deepEqual(order.slice(-4).sort((a, b) => a - b), [0, 3, 12, 15]);
  });

  it("prefers, among tiles the view meets, the one whose centre is nearest the view's", () => {
    const view = [10, 10, 120, 30]; // meets tiles 0 and 1, mostly 0
    assert.equal(nearest(tiles, new Uint8Array(16), view), 0);
    const [cx, cy] = centre(tiles[nearest(tiles, Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? 1 : 0)), view)]);
    assert.deepEqual([cx, cy], [150, 50]);
  });

  it("is -1 once every tile is done", () => {
    assert.equal(nearest(tiles, new Uint8Array(16).fill(1), [0, 0, 1, 1]), -1);
  });
});

describe("holds and grown", () => {
  it("holds a box inside, edges included, and nothing sticking out", () => {
    assert.ok(holds([0, 0, 100, 100], [0, 0, 100, 100]));
    assert.ok(holds([0, 0, 100, 100], [10, 20, 30, 40]));
    assert.ok(!holds([0, 0, 100, 100], [10, 20, 101, 40]));
    assert.ok(!holds([0, 0, 100, 100], [-1, 20, 30, 40]));
  });
  it("grows a box by a share of its own size on each side", () => {
    assert.deepEqual(grown([100, 200, 300, 300], 0.5), [0, 150, 400, 350]);
    assert.deepEqual(grown([100, 200, 300, 300], 0), [100, 200, 300, 300]);
  });
});

describe("nearest, with a box to take first", () => {
  it("takes every tile touching that box before any other, each group nearest first", () => {
    const tiles = tileGrid(1000, 1000, 100, 100); // 10 × 10
    const view = [400, 400, 600, 500]; // wide and short
    const first = grown(view, 0.5); // [300, 350, 700, 550]: reaches further sideways than up and down
    const done = new Uint8Array(tiles.length);
    const order = [];
    for (let i = nearest(tiles, done, view, first); i >= 0; i = nearest(tiles, done, view, first)) {
      order.push(i);
      done[i] = 1;
    }
    const inFirst = order.map((i) => tiles[i][0] <= first[2] && first[0] <= tiles[i][2] && tiles[i][1] <= first[3] && first[1] <= tiles[i][3]);
    const k = inFirst.indexOf(false);
    assert.equal(k, 6 * 3); // the columns from x 200 to 800 touch 300..700, the rows from y 300 to 600 touch 350..550
    assert.ok(inFirst.slice(k).every((x) => !x));
  });
});

describe("aligned", () => {
  it("grows a box to the edges of the tiles it meets, within the bitmap", () => {
    assert.deepEqual(aligned([300, 10, 700, 260], 256, 256, 1000, 600), [256, 0, 768, 512]);
    assert.deepEqual(aligned([900, 500, 1000, 600], 256, 256, 1000, 600), [768, 256, 1000, 600]);
    assert.deepEqual(aligned([256, 256, 512, 512], 256, 256, 1000, 600), [256, 256, 512, 512]);
  });
  it("gives a box that tileGrid's tiles fill exactly", () => {
    const box = aligned([123, 77, 611, 333], 100, 50, 1000, 1000);
    const inside = tileGrid(1000, 1000, 100, 50).filter((t) => holds(box, t));
    const area = inside.reduce((a, [x0, y0, x1, y1]) => a + (x1 - x0) * (y1 - y0), 0);
    assert.equal(area, (box[2] - box[0]) * (box[3] - box[1]));
  });
});
