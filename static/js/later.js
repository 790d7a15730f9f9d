// Parts of the page the first picture does not show (the editors below the fold): made once that
// picture is on screen (idle.js afterFirstPaint), or at once when someone acts on the page before
// then. A key, a pointer or a focus change anywhere first makes every part still waiting (in the
// capture phase, on window), then reaches them as it would have: a listener a part adds to the
// document or an element on the event's way is called for that same event.

import { afterFirstPaint } from "./idle.js";

const waiting = [];
const ACTS = ["keydown", "pointerdown", "mousedown", "focusin", "click"];
let listening = false;

function makeAll() {
  for (const part of waiting.slice()) {
    try {
      part.now();
    } catch (err) {
      reportError(err); // reported as uncaught, and the parts after it are still made
    }
  }
}

/** html[data-later]: "waiting" while a part is still to be made, then "made" (for tests and tools
 *  reading the page without acting on it). */
function mark() {
  const root = document.documentElement;
  if (root) root.dataset.later = waiting.length ? "waiting" : "made";
}

function stopListening() {
  if (listening) for (const type of ACTS) removeEventListener(type, makeAll, true);
  listening = false;
}

/**
 * A part made by `make()` later: `part.made` is it once made (null before: its caller leaves it
 * out, and `make` sets it up from the page's state of the moment), `part.now()` makes it at once.
 * Parts are made in the order they were declared, each in a task of its own.
 */
export function later(make) {
  const part = {
    made: null,
    now() {
      if (!part.made) {
        const i = waiting.indexOf(part);
        if (i >= 0) waiting.splice(i, 1);
        if (!waiting.length) stopListening();
        mark();
        part.made = make();
      }
      return part.made;
    },
  };
  waiting.push(part);
  mark();
  if (!listening) {
    listening = true;
    for (const type of ACTS) addEventListener(type, makeAll, true);
  }
  afterFirstPaint(part.now); // each in a task of its own, in order
  return part;
}
