// The edge canvas's bitmap cut into tiles, for the painter's second pass (edge-paint.js): a large
// bitmap is first painted whole at a lower resolution, then tile by tile at its own, the tiles
// nearest the part in view first. Pure geometry, in device pixels: boxes are [x0, y0, x1, y1].

/** Tiles of at most `tw` × `th` covering a `width` × `height` bitmap, row by row. */
export function tileGrid(width, height, tw, th) {
  const tiles = [];
  for (let y = 0; y < height; y += th) {
    for (let x = 0; x < width; x += tw) tiles.push([x, y, Math.min(width, x + tw), Math.min(height, y + th)]);
  }
  return tiles;
}

/** Box `box` grown to the edges of the `tw` × `th` tiles it meets, within a `width` × `height` bitmap. */
export function aligned(box, tw, th, width, height) {
  const [x0, y0] = [Math.floor(box[0] / tw) * tw, Math.floor(box[1] / th) * th];
  return [Math.max(0, x0), Math.max(0, y0), Math.min(width, Math.ceil(box[2] / tw) * tw), Math.min(height, Math.ceil(box[3] / th) * th)];
}

/** Whether box `outer` holds all of box `inner`. */
export const holds = (outer, inner) => outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];

/** Box `box` grown on every side by `f` times its own width (left, right) and height (top, bottom). */
export function grown(box, f) {
  const [dx, dy] = [f * (box[2] - box[0]), f * (box[3] - box[1])];
  return [box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy];
}

/** How far apart two boxes are (0 when they meet), and then how far apart their centres are. */
function apart(a, b) {
  const dx = Math.max(0, a[0] - b[2], b[0] - a[2]);
  const dy = Math.max(0, a[1] - b[3], b[1] - a[3]);
  const cx = (a[0] + a[2] - b[0] - b[2]) / 2;
  const cy = (a[1] + a[3] - b[1] - b[3]) / 2;
  return [Math.hypot(dx, dy), Math.hypot(cx, cy)];
}

/** Whether two boxes meet or touch. */
export const touches = (a, b) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];

/**
 * Of the tiles not yet `done` (a Uint8Array, 1: done), the index of the one nearest box `near`
 * (those meeting it first, the nearest centre among equals), any meeting box `first` before any
 * other; -1 when every tile is done.
 */
export function nearest(tiles, done, near, first = null) {
  let best = -1;
  let key = null;
  for (let i = 0; i < tiles.length; i += 1) {
    if (done[i]) continue;
    const [gap, centres] = apart(tiles[i], near);
    const d = [first && !touches(tiles[i], first) ? 1 : 0, gap, centres];
    if (best < 0 || d[0] < key[0] || (d[0] === key[0] && (d[1] < key[1] || (d[1] === key[1] && d[2] < key[2])))) [best, key] = [i, d];
  }
  return best;
}
