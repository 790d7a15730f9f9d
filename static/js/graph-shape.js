// A graph much wider than its frame is tall (the tutorial's 2 → 1 → 1, a deep chain) is short of
// width and has height to spare: on a laptop's screen the side column and the margins give it
// some of theirs (layout.css, html[data-graph-wide]), and its text grows with it.
// Decided once per graph and screen (its size, projected or not), from the shape of its drawing
// at its smallest in the frame the page gives any graph (not the wider one it may then get), so
// the page settles at once, never moves between steps, and is the same whichever lesson, screen
// size or mode came before.

const WIDE = 2; // the drawing's width/height at least this many times the frame's
// where html[data-graph-wide] changes the layout (layout.css): elsewhere a change needs no new measure
const AFFECTS = "(min-width: 1101px) and (max-width: 1500px)";

let decidedFor = null; // the graph and the screen of the last decision
let guessed = false; // the first lesson's frame was guessed wide (guessWide): judged in it

/** Called with each new drawing, before it is laid out (stage.js onShape): true when the graph's
 * frame changes size (the stage then measures it again, and asks again with the new frame). */
export function graphShape({ graph, natural, size }) {
  const root = document.documentElement;
  const projector = root.classList.contains("projector");
  const screen = `${innerWidth}x${innerHeight}|${projector}`;
  if ((decidedFor?.graph === graph && decidedFor.screen === screen) || !natural || !size?.h) return false;
  const affects = !projector && matchMedia(AFFECTS).matches;
  const was = root.hasAttribute("data-graph-wide");
  if (projector) {
    // projected, the layout has no wide form: nothing to decide (the desk decides afresh)
    decidedFor = { graph, screen };
    root.removeAttribute("data-graph-wide");
    return false;
  }
  if (was && affects && !guessed) {
    // measured in the wider frame a graph before this one was given: judged in the page's own
    root.removeAttribute("data-graph-wide");
    return true;
  }
  guessed = false;
  decidedFor = { graph, screen };
  const wide = natural.width / natural.height >= WIDE * (size.w / size.h);
  if (root.hasAttribute("data-graph-wide") === wide) return false;
  root.toggleAttribute("data-graph-wide", wide);
  return affects;
}

/** Before the page's first layout, for a first lesson known to be wide (the tutorial): the page
 * is laid out once in the frame such a graph gets, and graphShape, judging its drawing in that
 * frame, keeps it (a second layout of the whole page before the first picture, ≈ 20 ms, saved).
 * Were the guess wrong, graphShape takes it back and the stage measures again, as without it. */
export function guessWide() {
  document.documentElement.toggleAttribute("data-graph-wide", true);
  guessed = true;
}
