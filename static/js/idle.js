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
let painted = false; // what waits runs at once from now on
let drawn = false; // firstPainted was called
let fallback = 0;
const FALLBACK_MS = 3000;

/** Run `fn` once the first picture is drawn (at once when it is already). */
export function afterFirstPaint(fn) {
  if (painted) return fn();
  waiting.push(fn);
  if (!fallback) fallback = setTimeout(firstPainted, FALLBACK_MS);
}

/** The first picture is drawn (main.js, in its frame's animation callback): what waited for it
 * runs once that frame is on screen. A task queued now would run before the frame is handed to
 * the compositor and hold the picture back by its length (48 ms of waiting work measured in a
 * Chromium trace); the next frame's callback comes only after that hand-over. */
export function firstPainted() {
  if (drawn) return;
  drawn = true;
  clearTimeout(fallback);
  const run = () => {
    painted = true;
    for (const fn of waiting.splice(0)) setTimeout(fn, 0);
  };
  if (document.visibilityState !== "visible") return run(); // a hidden page gets no frames
  // Handed over is not yet shown: the frame is rastered on the other threads after that, and on
  // 2 cores the waiting work (≈ 50 ms) took their time and held the picture back. The browser
  // reports the first contentful paint once that frame is on screen: the work starts then. A
  // page painted before (unbundled modules do not block rendering; a large network's page shows
  // before its answers), or whose report does not come, starts it after the hand-over.
  // Either way it starts in the frame after that (`after`): started at once, its 100–200 ms (a
  // large network's page, on a loaded machine) held back that next frame, the one in which the
  // browser benchmark counts the first step as shown; a frame later it delays nothing on screen.
  const after = () => requestAnimationFrame(() => setTimeout(run, 0));
  const painting = PerformanceObserver.supportedEntryTypes?.includes("paint");
  if (!painting || performance.getEntriesByName("first-contentful-paint").length) {
    requestAnimationFrame(after);
    return;
  }
  let shown = false;
  const once = () => {
    if (shown) return;
    shown = true;
    seen.disconnect();
    clearTimeout(late);
    after();
  };
  const seen = new PerformanceObserver(once);
  seen.observe({ type: "paint" });
  const late = setTimeout(once, SHOWN_MS);
}
const SHOWN_MS = 400; // the first paint's report waited for at most this long
