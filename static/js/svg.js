// Tiny helpers for building SVG without innerHTML.

export const SVG_NS = "http://www.w3.org/2000/svg";

export function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  }
  if (parent) parent.appendChild(node);
  return node;
}

export function text(attrs, content, parent) {
  const t = el("text", attrs, parent);
  t.textContent = content;
  return t;
}
