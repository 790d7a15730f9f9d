// The edge painter's first pass over a large picture (edge-paint.js) is at a quarter of its
// resolution or less, where a curve's stroke is a hairline and its cost is its length: its
// edges are then drawn as short polylines, one path for all those of a style, which costs about
// 30 % less than a curve and a stroke each. Pure, so that it can be tested.

/** Width steps (viewBox units) within which edges share a path (a hairline's width is its alpha). */
const WIDTH_STEP = 0.1;

/**
 * The edges (items: { colour, width, dash }) grouped by style: [{ colour, width, dash, list }],
 * `list` their indices in `items`, `width` the group's (its members' within WIDTH_STEP / 2).
 */
export function byStyle(items) {
  const groups = new Map();
  items.forEach((it, i) => {
    const step = Math.round(it.width / WIDTH_STEP);
    const key = `${it.colour} ${step} ${it.dash ? 1 : 0}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { colour: it.colour, width: step * WIDTH_STEP || WIDTH_STEP, dash: it.dash, list: [] }));
    g.list.push(i);
  });
  return [...groups.values()];
}

/**
 * Trace an edge's numbers (4: a line, 8: a cubic) onto a path as a polyline of `segs` parts,
 * whose corners lie on the curve (at equal steps of its parameter).
 */
export function traceFlat(ctx, n, segs) {
  ctx.moveTo(n[0], n[1]);
  if (n.length !== 8) return ctx.lineTo(n[2], n[3]);
  for (let j = 1; j <= segs; j += 1) {
    const t = j / segs;
    const u = 1 - t;
    const [a, b, c, d] = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
    ctx.lineTo(a * n[0] + b * n[2] + c * n[4] + d * n[6], a * n[1] + b * n[3] + c * n[5] + d * n[7]);
  }
}
