// Painting a large graph's edges (tens of thousands of curves) on a 2D canvas: the painter behind
// edge-canvas.js. It runs in a worker (edge-worker.js), so that the seconds a first paint takes
// on a large bitmap never block the page; where workers cannot draw, on the page itself. Either
// way the part in view is shown first, and the whole picture once every edge is painted, in slices
// between which it reads the messages that came meanwhile.

import { meets, tracePath } from "../svg.js";
import { byStyle, traceFlat } from "./edge-low.js";
import { aligned, grown, holds, nearest, tileGrid, touches } from "./edge-tiles.js";
import { paintOps } from "../paint-ops.js";

const COLOURS = ["line", "pos", "neg"]; // an edge's colour: the index of its name here
const TWO_PASS_INK = 12e6; // a picture of more device px of curves (0.3 s or more) is painted first at a lower resolution, then in tiles
const LOW_PIXELS = 1.2e6; // that first pass's bitmap: about this many pixels (a 10 × 64 network's, 1/15 of its own)
const LOW_SEGMENTS = 8; // its curves: polylines of this many parts (at 1/4 of the resolution, within a pixel or two)
const LOW_RUN = 256; // its edges, in their order, in runs of this many, each a path per style
const TILE = [256, 256]; // the second pass's tiles, in device px: 10-20 ms each
const NEAR = 0.25; // the tiles within this many screens of the view are painted first, ...
const NEAR_QUIET_MS = 200; // ... once no step came for this long; the rest ...
const QUIET_MS = 1500; // ... once no step and no scroll came for this long;
const BATCH = 8; // this many tiles at a time (about 0.2 s),
const POLL_MS = 250; // this often

/**
 * Stroke `list` (edges: { pts, colour, width, dash }) on `ctx`, whose transform maps viewBox units
 * to pixels; `palette`: CSS colours by name (line, pos, neg). Lines are "M x y L x y" (4 numbers),
 * curves "M x y C x y x y x y" (8); a dashed edge is a cross edge (.edge-cross: 3 4).
 */
export function strokeEdges(ctx, list, palette) {
  ctx.lineCap = "round";
  let colour = null;
  let width = null;
  let dashed = false;
  ctx.setLineDash([]);
  for (const { pts, colour: c, width: w, dash } of list) {
    const css = palette[COLOURS[c]];
    if (css !== colour) ctx.strokeStyle = colour = css;
    if (w !== width) ctx.lineWidth = width = w;
    if (dash !== dashed) ctx.setLineDash((dashed = dash) ? [3, 4] : []);
    tracePath(ctx, pts);
    ctx.stroke();
  }
}

export const colourIndex = (sign) => (sign === "pos" ? 1 : sign === "neg" ? 2 : 0);

/** A cubic stays inside the hull of its control points: its box, grown by `margin`. */
function bounds(pts, margin) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < pts.length; i += 2) {
    x0 = Math.min(x0, pts[i]);
    x1 = Math.max(x1, pts[i]);
    y0 = Math.min(y0, pts[i + 1]);
    y1 = Math.max(y1, pts[i + 1]);
  }
  return [x0 - margin, y0 - margin, x1 + margin, y1 + margin];
}

/** A canvas out of sight: an OffscreenCanvas (in a worker, the only kind), else an element. */
const makeCanvas = (width, height) =>
  typeof OffscreenCanvas === "function" ? new OffscreenCanvas(width, height) : Object.assign(document.createElement("canvas"), { width, height });

/** `list` cut into runs of `n`. */
const chunks = (list, n) => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));

/** The smallest box holding both (either may be null). */
const union = (a, b) => (!a ? b : !b ? a : [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);

/**
 * A painter for one canvas, driven by messages (the worker's, or the page's own calls):
 * - { type: "init", canvas, pts: Float64Array (8 per edge), len: Uint8Array (4 or 8), dash: Uint8Array (1: dashed), margin }
 * - { type: "paint", seq, colour: Uint8Array, width: Float64Array (every edge's), size: [w, h], view: { k, ox, oy }, palette, focus: [x0, y0, x1, y1] }:
 *   everything afresh, the edges crossing `focus` (viewBox units, the part in view) first
 * - { type: "restyle", seq, changes: [[index, colour, width], ...] }: those edges' strip painted again
 * - { type: "focus", area, look }: the part now in view (`look` numbers these), painted before the
 *   rest if a paint is under way
 * - { type: "step" }: a step was shown (the tiles of a second pass wait for a quiet page)
 * `reply({ type: "painted", seq, size })` follows each, once its pixels are all on the canvas: every
 * edge, the part in view at the bitmap's resolution. A large picture (more than TWO_PASS_INK
 * device px of curves, the part in view a small part of it) has the rest painted first at a lower
 * resolution, in a fraction of the time, then tile by tile at its own, the tiles near the view
 * first: `reply({ type: "sharp", seq, look, all: false })` says those are (for the focus numbered
 * `look`), `{ ..., all: true }` that every tile is (`seq`: the paint's). Between slices of about
 * `sliceMs` it reads the messages that came meanwhile.
 */
export function createPainter(reply, sliceMs) {
  let canvas = null;
  let ctx = null;
  let items = [];
  let view = null;
  let palette = null;
  let generation = 0; // a newer full paint stops an older one between slices
  let painting = false;
  let strip = null; // restyled while a full paint was under way: painted again after it
  let absorbed = 0; // the last restyle's seq taken over by the full paint under way
  let seenArea = null; // the part in view (viewBox units), while a paint or its tiles are under way
  let crisp = []; // pixelsOf() boxes painted at full resolution while a paint is under way
  let tiles = null; // the second pass's tiles (device px), while it is under way
  let sharp = null; // Uint8Array: 1 where a tile is at full resolution
  let stepped = 0; // when the last step came (its restyle, or a step that changed no edge)
  let moved = 0; // when the view last moved (performance.now())
  let look = 0; // the last focus's number
  let wake = null; // ends sharpen()'s wait for a quiet page at once (the view moved)

  function init(msg) {
    canvas = msg.canvas;
    ctx = canvas.getContext("2d");
    items = [];
    for (let i = 0; i < msg.len.length; i += 1) {
      const pts = Array.from(msg.pts.subarray(8 * i, 8 * i + msg.len[i]));
      items.push({ pts, colour: 0, width: 1, dash: msg.dash[i] === 1, box: bounds(pts, msg.margin) });
    }
  }

  const pause = () => new Promise((resume) => setTimeout(resume, 0));
  /**
   * Until the next frame: what was painted is then shown. (A worker's canvas reaches the screen
   * only in a frame of its own, which a worker kept busy by pause() after pause() never gets.)
   */
  const nextFrame = () =>
    typeof requestAnimationFrame !== "function"
      ? pause()
      : new Promise((resume) => {
          const late = setTimeout(resume, 50); // no frame comes (a hidden page): on, all the same
          requestAnimationFrame(() => {
            clearTimeout(late);
            resume();
          });
        });

  async function paint(msg) {
    const mine = (generation += 1);
    painting = true;
    tiles = sharp = null; // a tile pass under way stops: this paint replaces its picture
    try {
      items.forEach((it, i) => {
        it.colour = msg.colour[i];
        it.width = msg.width[i];
      });
      // a new size starts blank; the same size keeps the old picture until the new one replaces it
      if (canvas.width !== msg.size[0] || canvas.height !== msg.size[1]) Object.assign(canvas, { width: msg.size[0], height: msg.size[1] });
      const [w, h] = [canvas.width, canvas.height];
      view = msg.view;
      palette = msg.palette;
      seenArea = msg.focus;
      look = msg.look ?? look;
      crisp = [];
      // the part in view first, as a strip, shown at once (unless it is most of the picture);
      // meanwhile every edge is painted, in its own order, on a canvas out of sight, which then
      // replaces the whole picture in one go: at the bitmap's resolution, or for a large bitmap at
      // a lower one (its tiles painted at their own afterwards)
      let seen = msg.focus && pixelsOf(msg.focus);
      const partial = seen && (seen.px[2] - seen.px[0]) * (seen.px[3] - seen.px[1]) < 0.5 * w * h;
      const s = partial && w * h > LOW_PIXELS && ink() > TWO_PASS_INK ? Math.sqrt(LOW_PIXELS / (w * h)) : 1;
      if (s < 1) seen = stripOf(aligned(seen.px, TILE[0], TILE[1], w, h)); // whole tiles: none painted twice
      if (partial) {
        paintStrip(seen);
        crisp.push(seen);
        await nextFrame();
        if (mine !== generation) return; // a newer paint took over
      }
      const buffer = makeCanvas(Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s)));
      const [sx, sy] = [buffer.width / w, buffer.height / h]; // exact, so that it scales back exactly
      const out = buffer.getContext("2d");
      out.setTransform(view.k * sx, 0, 0, view.k * sy, view.ox * sx, view.oy * sy);
      // at the bitmap's resolution edge by edge; at a lower one as polylines, a path per style
      // among each LOW_RUN edges in turn (the colours then overlap as they do edge by edge)
      const jobs = s === 1 ? chunks(items, 64) : chunks(items, LOW_RUN).flatMap((run, r) => byStyle(run).map((g) => ({ ...g, list: g.list.map((k) => r * LOW_RUN + k) })));
      out.lineCap = "round";
      let i = 0;
      while (i < jobs.length) {
        const t0 = performance.now();
        do {
          const job = jobs[i];
          if (s === 1) strokeEdges(out, job, palette);
          else {
            out.strokeStyle = palette[COLOURS[job.colour]];
            out.lineWidth = job.width;
            out.setLineDash(job.dash ? [3, 4] : []);
            out.beginPath();
            for (const k of job.list) traceFlat(out, items[k].pts, LOW_SEGMENTS);
            out.stroke();
          }
          i += 1;
        } while (i < jobs.length && performance.now() - t0 < sliceMs);
        if (i < jobs.length) {
          await pause(); // messages that came meanwhile are read
          if (mine !== generation) return;
        }
      }
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      if (s < 1) {
        // everything but the part in view painted first (already at the bitmap's resolution)
        ctx.beginPath();
        ctx.rect(0, 0, w, h);
        const [x0, y0, x1, y1] = seen.px;
        ctx.rect(x0, y0, x1 - x0, y1 - y0);
        ctx.clip("evenodd");
        ctx.imageSmoothingEnabled = true;
        ctx.imageSmoothingQuality = "low";
      }
      ctx.clearRect(0, 0, w, h);
      ctx.drawImage(buffer, 0, 0, w, h);
      ctx.restore();
      buffer.width = buffer.height = 1; // its memory back at once (a large graph's is 70 MB)
      painting = false;
      if (s < 1) {
        tiles = tileGrid(w, h, TILE[0], TILE[1]);
        sharp = new Uint8Array(tiles.length);
        for (const box of crisp) {
          if (box === seen) markSharp(box.px);
          else paintStrip(box); // the view moved meanwhile: that part too, over the first pass
        }
      }
      if (strip) {
        const area = pixelsOf(strip);
        strip = null;
        if (area) paintStrip(area);
      }
      if (s < 1) {
        // drawn at the frame's commit: said to be painted once it is on the screen (a frame on)
        await nextFrame();
        await nextFrame();
        if (mine !== generation) return;
      }
      reply({ type: "painted", seq: Math.max(msg.seq, absorbed), size: [w, h] });
      if (s < 1) sharpen(mine, msg.seq);
      else reply({ type: "sharp", seq: msg.seq, look, all: true });
    } catch (err) {
      if (mine === generation) reply({ type: "painted", seq: Math.max(msg.seq, absorbed), size: [canvas.width, canvas.height], error: String(err) });
    } finally {
      if (mine === generation) painting = false;
    }
  }

  /** About how many device px of curves a paint covers (a curve's length, at most its box's sides). */
  function ink() {
    let sum = 0;
    for (const { box } of items) sum += box[2] - box[0] + box[3] - box[1];
    return sum * view.k;
  }

  /** Until `ms` are up, or sooner if the view moves. */
  const idle = (ms) =>
    new Promise((resume) => {
      const done = () => {
        clearTimeout(timer);
        if (wake === done) wake = null;
        resume();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });

  /**
   * The second pass: tile by tile at the bitmap's resolution, the tiles nearest the view first,
   * BATCH at a time drawn in one frame (a frame of a large canvas costs a copy of all of it: a tile
   * a frame would take the machine from the page). The tiles within NEAR screens of the view at
   * once (while steps come, once none came for NEAR_QUIET_MS); the rest once no step and no move
   * of the view came for QUIET_MS: never while a teacher steps on.
   */
  async function sharpen(mine, seq) {
    let told = -1; // the focus whose tiles are said to be done
    moved = performance.now(); // the paint just shown: the tiles around the view come at once, the rest later
    let again = true; // the last batch was of tiles around the view: the next one comes a frame on
    for (;;) {
      if (!again) await idle(POLL_MS); // at once when the view moves
      if (mine !== generation || !tiles) return;
      const seen = (seenArea && pixelsOf(seenArea)?.px) || [0, 0, 0, 0];
      const near = grown(seen, NEAR);
      const batch = [];
      let kind = null; // the batch's tiles: "near" or "far"
      for (let i = nearest(tiles, sharp, seen, near); i >= 0; i = nearest(tiles, sharp, seen, near)) {
        const far = !touches(tiles[i], near);
        if (far && !kind && told !== look) reply({ type: "sharp", seq, look: (told = look), all: false });
        const calm = performance.now() - (far ? Math.max(stepped, moved) : stepped);
        if ((kind && kind !== (far ? "far" : "near")) || calm < (far ? QUIET_MS : NEAR_QUIET_MS)) break;
        kind = far ? "far" : "near";
        batch.push(i);
        sharp[i] = 1;
        if (batch.length >= (sliceMs >= 100 ? BATCH : 1)) break; // on the page itself, a tile a frame
      }
      for (const i of batch) {
        paintStrip(stripOf(tiles[i]));
      }
      again = kind === "near";
      if (batch.length) await nextFrame(); // shown (drawn at that frame's commit)
      if (mine !== generation || !tiles) return;
      if (sharp.every(Boolean)) {
        await nextFrame();
        if (mine !== generation || !tiles) return;
        tiles = sharp = null;
        reply({ type: "sharp", seq, look, all: true });
        return;
      }
    }
  }

  /** While a full paint is under way: the part of `area` in view, painted on the canvas before the rest. */
  function paintSeen(area, keep = false) {
    if (!seenArea || !view) return;
    const both = [Math.max(area[0], seenArea[0]), Math.max(area[1], seenArea[1]), Math.min(area[2], seenArea[2]), Math.min(area[3], seenArea[3])];
    const px = both[2] > both[0] && both[3] > both[1] && pixelsOf(both);
    if (!px) return;
    paintStrip(px);
    if (keep) crisp.push(px);
  }

  /** Device pixels `px` as pixelsOf() gives them: { px, area } (the area they cover, viewBox units). */
  const stripOf = (px) => ({ px, area: [(px[0] - view.ox) / view.k, (px[1] - view.oy) / view.k, (px[2] - view.ox) / view.k, (px[3] - view.oy) / view.k] });

  /** The whole device pixels `area` (viewBox units) covers: { px, area } (the area they cover), or null. */
  function pixelsOf(area) {
    const { k, ox, oy } = view;
    const px0 = Math.max(0, Math.floor(ox + area[0] * k));
    const py0 = Math.max(0, Math.floor(oy + area[1] * k));
    const px1 = Math.min(canvas.width, Math.ceil(ox + area[2] * k));
    const py1 = Math.min(canvas.height, Math.ceil(oy + area[3] * k));
    if (px1 <= px0 || py1 <= py0) return null;
    return { px: [px0, py0, px1, py1], area: [(px0 - ox) / k, (py0 - oy) / k, (px1 - ox) / k, (py1 - oy) / k] };
  }

  /**
   * Clear a strip (pixelsOf's), clipped to its pixels, and stroke every edge crossing it, at the
   * bitmap's resolution: the tiles it holds need no second pass.
   */
  function paintStrip({ px: [px0, py0, px1, py1], area }) {
    const { k, ox, oy } = view;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(px0, py0, px1 - px0, py1 - py0);
    ctx.beginPath();
    ctx.rect(px0, py0, px1 - px0, py1 - py0);
    ctx.clip();
    ctx.setTransform(k, 0, 0, k, ox, oy);
    strokeEdges(
      ctx,
      items.filter(({ box }) => meets(box, area)),
      palette,
    );
    ctx.restore();
    markSharp([px0, py0, px1, py1]);
  }

  /** The tiles that box (device px) holds are at the bitmap's resolution now. */
  function markSharp(box) {
    if (!tiles) return;
    tiles.forEach((tile, i) => {
      if (holds(box, tile)) sharp[i] = 1;
    });
  }

  const pictureOps = new Map(); // a picture's number → { ops (its records so far), end, cancel, wake }
  const over = new Set(); // the pictures done (or failed)
  const recordsOf = (id) => {
    if (!pictureOps.has(id)) pictureOps.set(id, { ops: [], end: false, cancel: false, wake: null });
    return pictureOps.get(id);
  };

  /**
   * A picture for the PNG export (edge-canvas.js picture()): every edge on a bitmap of its own, in
   * slices (or copied from the screen's: copyShown), then the records that came in
   * "picture-ops" (until one says `end`), encoded as a PNG; replied as { type: "picture", id,
   * blob, copied } (or `error`). The on-screen painting goes on between slices.
   */
  async function picture(msg) {
    const { id, size, scale, box, background } = msg;
    try {
      const out = makeCanvas(size[0], size[1]);
      const onPage = sliceMs < 100; // (a worker's painter slices at 250 ms)
      const c = out.getContext("2d", { willReadFrequently: onPage });
      c.scale(scale, scale);
      c.fillStyle = background;
      c.fillRect(0, 0, box[0], box[1]);
      // on the page, each few edges are rasterised at once (a pixel read back): else the canvas
      // keeps them as a list of calls and rasterises all of them, seconds, in the encoding's task
      const flush = onPage ? () => c.getImageData(0, 0, 1, 1) : () => {};
      const copied = copyShown(c, msg);
      const list = copied ? [] : items.map(({ pts, dash }, i) => ({ pts, colour: msg.colour[i], width: msg.width[i], dash }));
      for (let i = 0; i < list.length; ) {
        const t0 = performance.now();
        do {
          strokeEdges(c, list.slice(i, (i += 64)), msg.palette);
          flush();
        } while (i < list.length && performance.now() - t0 < sliceMs);
        if (i < list.length) await pause(); // the on-screen painting's messages are read
      }
      await finishPicture(out, c, id, flush, copied);
    } catch (err) {
      reply({ type: "picture", id, error: String(err) });
    } finally {
      pictureOps.delete(id);
      over.add(id);
    }
  }

  /**
   * The edges on screen, if they are the picture's: every one painted at the bitmap's resolution
   * (no paint, strip or tile pass under way), in the colours and widths asked for, on a bitmap
   * within a pixel of the picture's size and scale (the 10 × 64 network's, in a frame whose
   * bitmap is capped as the PNG is). Then they are copied onto `c`, not stroked again (seconds).
   */
  function copyShown(c, msg) {
    if (!canvas || !view || painting || tiles || strip || palette === null) return false;
    const [w, h] = msg.size;
    const k = msg.scale;
    if (Math.abs(canvas.width - w) > 1 || Math.abs(canvas.height - h) > 1 || Math.abs(view.k - k) > 1e-3 * k || Math.abs(view.ox) > 1 || Math.abs(view.oy) > 1) return false;
    if (["line", "pos", "neg"].some((n) => palette[n] !== msg.palette[n])) return false;
    for (let i = 0; i < items.length; i += 1) if (items[i].colour !== msg.colour[i] || items[i].width !== msg.width[i]) return false;
    c.save();
    c.setTransform(1, 0, 0, 1, 0, 0);
    // the bitmap's pixels where the picture's transform puts the viewBox area they show
    c.drawImage(canvas, (-view.ox / view.k) * k, (-view.oy / view.k) * k, (canvas.width / view.k) * k, (canvas.height / view.k) * k);
    c.restore();
    return true;
  }

  /** The records on the picture's edges (`c`, of canvas `out`), then the picture encoded and replied. */
  async function finishPicture(out, c, id, flush, copied) {
    c.setLineDash([]);
    c.lineCap = "butt";
    const records = recordsOf(id);
    if (!records.end) await new Promise((wake) => (records.wake = wake));
    if (records.cancel) return; // the page gave up (and knows)
    const { ops } = records;
    for (let i = 0; i < ops.length; ) {
      const t0 = performance.now();
      do {
        paintOps(c, ops, i, (i = Math.min(ops.length, i + 256)));
        flush();
      } while (i < ops.length && performance.now() - t0 < sliceMs);
      if (i < ops.length) await pause();
    }
    const blob = out.convertToBlob ? await out.convertToBlob({ type: "image/png" }) : await new Promise((done) => out.toBlob(done, "image/png"));
    out.width = out.height = 1; // its memory back at once
    reply({ type: "picture", id, blob, copied });
  }

  function pictureRecords({ id, ops, end, cancel }) {
    if (over.has(id)) return; // its painting failed already
    const records = recordsOf(id);
    if (ops) for (const op of ops) records.ops.push(op);
    if (!end) return;
    Object.assign(records, { end: true, cancel: Boolean(cancel) });
    records.wake?.();
  }

  function restyle(msg) {
    let area = null;
    for (const [i, colour, width] of msg.changes) {
      const it = items[i];
      if (!it) continue;
      it.colour = colour;
      it.width = width;
      area = union(area, it.box);
    }
    if (painting) {
      if (area) {
        strip = union(strip, area);
        paintSeen(area); // what is in view shows the change now; all of it once the paint is done
      }
      absorbed = msg.seq;
      return; // the full paint under way replies once it and the strip are done
    }
    const px = area && view && pixelsOf(area);
    if (px) paintStrip(px);
    reply({ type: "painted", seq: msg.seq, size: [canvas.width, canvas.height] });
  }

  return {
    handle(msg) {
      if (msg.type === "restyle" || msg.type === "step") stepped = performance.now();
      if (msg.type === "focus") moved = performance.now();
      if (msg.type === "init") init(msg);
      else if (msg.type === "paint") paint(msg);
      else if (msg.type === "restyle") restyle(msg);
      else if (msg.type === "picture") picture(msg);
      else if (msg.type === "picture-ops") pictureRecords(msg);
      else if (msg.type === "focus" && (painting || tiles)) {
        seenArea = msg.area; // the frame scrolled: what it shows now comes before the rest
        look = msg.look ?? look;
        wake?.();
        if (painting) paintSeen(msg.area, true);
      }
    },
    /** No more painting (the canvas is gone): a full paint under way stops at its next slice. */
    stop() {
      generation += 1;
      painting = false;
      tiles = sharp = null;
    },
  };
}
