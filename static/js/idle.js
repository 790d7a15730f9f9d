// Work for when the page is idle: requestIdleCallback, or a short timer where there is none (Safari).

/** Run `fn` once the page is idle, or after `timeout` ms at the latest; returns an id for cancelIdle. */
export function whenIdle(fn, timeout) {
  return window.requestIdleCallback ? requestIdleCallback(fn, { timeout }) : setTimeout(fn, Math.min(timeout, 50));
}

export function cancelIdle(id) {
  if (window.cancelIdleCallback) cancelIdleCallback(id);
  else clearTimeout(id);
}

// Work the first picture does not need (a panel's remembered state, the worksheet's request, the
// first-visit guide, …) waits until it is drawn: main.js calls firstPainted() in the frame the
// tutorial's first step is drawn, and each waiting task then runs in a task of its own, after
// that frame. A page that never draws (the API unreachable) runs them after FALLBACK_MS.
const waiting = [];
let painted = false;
let fallback = 0;
const FALLBACK_MS = 3000;

/** Run `fn` once the first picture is drawn (at once when it is already). */
export function afterFirstPaint(fn) {
  if (painted) return fn();
  waiting.push(fn);
  if (!fallback) fallback = setTimeout(firstPainted, FALLBACK_MS);
}

/** The first picture is drawn (main.js): what waited for it runs, after this frame. */
export function firstPainted() {
  if (painted) return;
  painted = true;
  clearTimeout(fallback);
  for (const fn of waiting.splice(0)) setTimeout(fn, 0);
}
