// The class's predictions as bars (SVG), the true value marked once it is revealed.

import { bins } from "./share.js";

const NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs = {}, text = "") => {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text) n.textContent = text;
  return n;
};

const fmt = (x) => (Math.abs(x) >= 1000 || (Math.abs(x) < 0.001 && x !== 0) ? x.toExponential(2) : x.toFixed(4)).replace("-", "−");

/** Draws into `svg` (viewBox units; CSS sizes it): number bars, or sign bars when none. */
export function drawHistogram(svg, tally, truth = null) {
  const W = 480;
  const H = 90; // wide and low, drawn 1:1 in a projector at 1920 × 1080 (live.css)
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const numbers = tally.numbers || [];
  const signBars = [
    ["+", tally.signs?.["+"] || 0],
    ["−", tally.signs?.["-"] || 0],
    ["0", tally.signs?.["0"] || 0],
  ];
  const useSigns = numbers.length === 0;
  const base = H - 30;
  const top = 22; // room for a count above the tallest bar
  if (useSigns) {
    const max = Math.max(1, ...signBars.map(([, n]) => n));
    const bw = W / 3;
    signBars.forEach(([label, n], i) => {
      const h = ((base - top) * n) / max;
      const correct = truth != null && label === (truth > 0 ? "+" : truth < 0 ? "−" : "0");
      svg.append(
        svgEl("rect", { x: i * bw + 12, y: base - h, width: bw - 24, height: h, class: correct ? "bar bar-true" : "bar" }),
        svgEl("text", { x: i * bw + bw / 2, y: H - 8, "text-anchor": "middle", class: "hist-label" }, label),
        svgEl("text", { x: i * bw + bw / 2, y: base - h - 4, "text-anchor": "middle", class: "hist-count" }, n ? String(n) : ""),
      );
    });
    svg.setAttribute("aria-label", `Predicted signs: ${signBars.map(([l, n]) => `${n} said ${l}`).join(", ")}`);
    return;
  }
  const { lo, hi, width, counts } = bins(numbers, truth);
  const max = Math.max(1, ...counts);
  const bw = W / counts.length;
  counts.forEach((n, i) => {
    const h = ((base - top) * n) / max;
    svg.append(svgEl("rect", { x: i * bw + 2, y: base - h, width: bw - 4, height: h, class: "bar" }));
    if (n) svg.append(svgEl("text", { x: i * bw + bw / 2, y: base - h - 4, "text-anchor": "middle", class: "hist-count" }, String(n)));
  });
  svg.append(
    svgEl("text", { x: 2, y: H - 8, class: "hist-label" }, fmt(lo)),
    svgEl("text", { x: W - 2, y: H - 8, "text-anchor": "end", class: "hist-label" }, fmt(hi)),
  );
  if (truth != null) {
    const x = ((truth - lo) / (hi - lo)) * W;
    svg.append(svgEl("line", { x1: x, x2: x, y1: 4, y2: base, class: "hist-truth" }));
  }
  svg.setAttribute(
    "aria-label",
    `${numbers.length} predictions from ${fmt(lo)} to ${fmt(hi)}${truth != null ? `; the value is ${fmt(truth)}` : ""}`,
  );
  void width;
}
