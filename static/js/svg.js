// Tiny helpers for building SVG without innerHTML.

export const SVG_NS = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  // for…in, no entries() array per element: a large graph's drawing makes some 14,000 of them
  // (setAttribute writes a number as String() does)
  for (const k in attrs) {
    const v = attrs[k];
    if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * How an SVG shows its viewBox in a box of w × h CSS px (the default "xMidYMid meet": scaled to
 * fit, centred): a viewBox point (x, y) is at (ox + x·k, oy + y·k).
 */
export function viewScale(svg, w, h) {
  const vb = svg.viewBox.baseVal;
  const k = vb.width > 0 && vb.height > 0 ? Math.min(w / vb.width, h / vb.height) : 1;
  return { k, ox: (w - vb.width * k) / 2, oy: (h - vb.height * k) / 2 };
}

/** The numbers of a path as layout.js draws it: "M x y L x y" (4) or "M x y C x y x y x y" (8). */
export function pathNumbers(d) {
  return (String(d || "").match(/-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/gi) || []).map(Number);
}

/** Trace those numbers (pathNumbers') as a new path on a 2D context, ready to stroke. */
export function tracePath(ctx, n) {
  ctx.beginPath();
  ctx.moveTo(n[0], n[1]);
  if (n.length === 8) ctx.bezierCurveTo(n[2], n[3], n[4], n[5], n[6], n[7]);
  else ctx.lineTo(n[2], n[3]);
}

/** Whether two boxes [x0, y0, x1, y1] overlap. */
export const meets = (a, b) => a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];

export function text(attrs, content, parent) {
  const t = el("text", attrs, parent);
  t.textContent = content;
  return t;
}
