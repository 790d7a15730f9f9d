// A graph much wider than its frame is tall (the tutorial's 2 → 1 → 1, a deep chain) is short of
// width and has height to spare: on a laptop's screen the side column and the margins give it
// some of theirs (layout.css, html[data-graph-wide]), and its text grows with it.
// Decided once per graph, from the shape of its drawing at its smallest (not from the frame it
// then gets), so the page settles at once and never moves between steps.

const WIDE = 2; // the drawing's width/height at least this many times the frame's

let decidedFor = null;

/** Called with each new drawing, before it is laid out (stage.js onShape): true when the graph's
 * frame changes size (the stage then measures it again). */
export function graphShape({ graph, natural, size }) {
  if (graph === decidedFor || !natural || !size?.h) return false;
  decidedFor = graph;
  const wide = natural.width / natural.height >= WIDE * (size.w / size.h);
  const root = document.documentElement;
  if (root.hasAttribute("data-graph-wide") === wide) return false;
  root.toggleAttribute("data-graph-wide", wide);
  return true;
}
