// The stage's "Fit" button: a graph too big for its frame scrolls at a readable size; Fit shows
// it whole (smaller text), and pressed again puts it back at full size.

import { refocus } from "./focus-keep.js";

/** `frame`: the graph's frame, which takes the focus if Fit goes with it (a wider window). */
export function createFitControl(button, stage, frame) {
  let fitted = false;
  button.addEventListener("click", () => {
    fitted = !fitted;
    stage.setFitted(fitted);
  });
  /** After every drawing (stage.js onLayout): shown only while the graph is too big for its frame. */
  function update({ tooBig, fitted: now }) {
    const had = document.activeElement === button; // no layout read unless Fit has the focus
    fitted = now;
    button.hidden = !tooBig;
    button.setAttribute("aria-pressed", String(now));
    button.textContent = now ? "100%" : "Fit";
    button.title = now ? "Back at full size: the graph scrolls in its frame" : "Show the whole graph in the frame (smaller text)";
    // hidden with the focus (the graph fits the window now): the focus goes to the graph's frame,
    // never <body> (focus-keep.js); Space there steps the lesson
    if (had && !tooBig) refocus(button, frame);
  }
  return { update };
}
