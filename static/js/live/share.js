// What a live class shares: the lesson in the URL hash, less what each screen keeps to itself.

/** Hash parameters each screen keeps: projector mode and the theme suit its own display. */
export const OWN = ["projector", "theme"];

/** The presenter's hash without the screen's own parameters (the state followers apply). */
export function shared(hash) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  for (const k of OWN) params.delete(k);
  return `#${params.toString()}`;
}

/** The presenter's shared hash, with this screen's own parameters kept from `mine`. */
export function merged(presenterHash, mine) {
  const params = new URLSearchParams(String(presenterHash || "").replace(/^#/, ""));
  const own = new URLSearchParams(String(mine || "").replace(/^#/, ""));
  for (const k of OWN) {
    params.delete(k);
    if (own.has(k)) params.set(k, own.get(k));
  }
  return `#${params.toString()}`;
}

/** Bins for a histogram of predicted numbers, the true value (if known) inside the range. */
export function bins(numbers, truth = null, count = 9) {
  const xs = truth == null ? numbers : [...numbers, truth];
  if (!xs.length) return { lo: 0, hi: 0, width: 0, counts: [] };
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 0.5;
    lo -= pad;
    hi += pad;
  }
  const width = (hi - lo) / count;
  const counts = new Array(count).fill(0);
  for (const x of numbers) counts[Math.min(count - 1, Math.floor((x - lo) / width))] += 1;
  return { lo, hi, width, counts };
}
