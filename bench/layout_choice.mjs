// Times layout.js's choice of drawing (chooseLayout, then the chosen layout: what a redraw lays
// out on a resize, a preset, Projector or Decimals) for graphs given as /api/graph answers.
// Run by bench/layout_bench.py: node bench/layout_choice.mjs graphs.json → one JSON line.
import { readFileSync } from "node:fs";

import { chooseLayout, layoutGraph } from "../static/js/layout.js";

// (the graph's frames the page gives, measured in it)
const FRAMES = {
  desk: [[880, 520], [1326, 857], [1300, 600], [640, 430]], // 1366 × 768, 1920 × 1080, a short wide window, a small one
  projector: [[1200, 700], [1831, 407], [1800, 640], [900, 520]], // 1920 × 1080 beside, under and mid; 1024 × 768
};
// CPU time of this process (a shared machine's other work does not stretch it, as it does a clock)
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const ROUNDS = 5;

const graphs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = {};
for (const [id, graph] of Object.entries(graphs)) {
  out[id] = {};
  for (const [view, frames] of Object.entries(FRAMES)) {
    const projector = view === "projector";
    const times = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [w, h] of frames) {
        for (const precision of [2, 4, 6]) {
          const t0 = cpu();
          const c = chooseLayout(graph, layoutGraph, { w, h }, { projector, precision, k: 1, floorPx: projector ? 24.12 : 12.06, maxZoom: 1.6 });
          layoutGraph(graph, w / c.zoom, h / c.zoom, c.m);
          if (round > 0) times.push(cpu() - t0); // the first round warms the JIT
        }
      }
    }
    times.sort((a, b) => a - b);
    out[id][view] = { median: times[times.length >> 1], max: times[times.length - 1], n: times.length };
  }
}
console.log(JSON.stringify(out));
