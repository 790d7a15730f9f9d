// A drawing's elements as plain records, painted on a 2D context: export.js reads them from the
// SVG, and the page (a small graph) or the edge painter's worker (a large one, off the page's
// thread) paints them. Records only: a worker has no DOM.

/** A record's outline: a path, line, circle or rounded rect in viewBox units. */
function outline(op) {
  if (op.d !== undefined) return new Path2D(op.d);
  const path = new Path2D();
  if (op.tag === "circle") path.arc(op.cx, op.cy, op.r, 0, 2 * Math.PI);
  else path.roundRect(op.x, op.y, op.width, op.height, op.rx);
  return path;
}

/**
 * Paint records `ops[from … to)` on `ctx` (its transform maps viewBox units to pixels), in order:
 * a later one over an earlier one, as in the SVG. The context's state carries over from one
 * record to the next, so a list painted in parts looks as it does painted in one go.
 */
export function paintOps(ctx, ops, from = 0, to = ops.length) {
  for (let i = from; i < to; i++) {
    const op = ops[i];
    ctx.globalAlpha = op.alpha;
    ctx.lineWidth = op.lineWidth;
    ctx.setLineDash(op.dash);
    if (op.tag === "text") {
      ctx.font = op.font;
      ctx.textAlign = op.align;
      ctx.textBaseline = "alphabetic";
      if (op.stroke && op.strokeFirst) {
        ctx.strokeStyle = op.stroke;
        ctx.lineJoin = "round";
        ctx.strokeText(op.text, op.x, op.y);
      }
      if (op.fill) {
        ctx.fillStyle = op.fill;
        ctx.fillText(op.text, op.x, op.y);
      }
      continue;
    }
    const path = outline(op);
    if (op.fill && op.tag !== "path" && op.tag !== "line") {
      ctx.fillStyle = op.fill;
      ctx.fill(path);
    }
    if (op.stroke && ctx.lineWidth > 0) {
      ctx.strokeStyle = op.stroke;
      ctx.stroke(path);
    }
  }
}
