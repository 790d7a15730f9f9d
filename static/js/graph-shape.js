// A graph much wider than its frame is tall (the tutorial's 2 → 1 → 1, a deep chain) is short of
// width and has height to spare: on a laptop's screen the side column and the margins give it
// some of theirs (layout.css, html[data-graph-wide]), and its text grows with it.
// Decided once per graph, from the shape of its drawing at its smallest (not from the frame it
// then gets), so the page settles at once and never moves between steps.

const WIDE = 2; // the drawing's width/height at least this many times the frame's
// where html[data-graph-wide] changes the layout (layout.css): elsewhere a change needs no new measure
const AFFECTS = "(min-width: 1101px) and (max-width: 1500px)";

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
  return !root.classList.contains("projector") && matchMedia(AFFECTS).matches;
}

/** Before the page's first layout, for a first lesson known to be wide (the tutorial): the page
 * is laid out once in the frame such a graph gets, and graphShape, judging its drawing in that
 * frame, keeps it (a second layout of the whole page before the first picture, ≈ 20 ms, saved).
 * Were the guess wrong, graphShape takes it back and the stage measures again, as without it. */
export function guessWide() {
  document.documentElement.toggleAttribute("data-graph-wide", true);
}
