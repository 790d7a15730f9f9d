// What the server says about itself (operations, limits, granularities), embedded in the page
// as one JSON block by app/catalog.py. Pages read it here instead of keeping hand copies.
let cached = null;

export function catalog() {
  if (cached) return cached;
  const el = typeof document !== "undefined" && document.getElementById("catalog-data");
  cached = el ? JSON.parse(el.textContent) : {};
  return cached;
}
