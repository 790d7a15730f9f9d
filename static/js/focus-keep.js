// When the page itself hides or moves the control that has the focus (projector mode, the
// toolbar folding it into More, the matrix view, Go live), the focus goes to a place the person
// sees, never <body>: the control where it is now, else the button that opens what hides it (More),
// else the control that made the change. No layout is read while nothing has the focus.

let placing = null; // the control the page is moving the focus to, while it does
let again = false; // ... and whether it had the focus before (moved in the page, or hidden a moment)

/**
 * Whether `el` is getting the focus from the page rather than the person: "moved" (another control
 * than the one that had it: Space there steps the lesson as it did on <body>, controls.js, rather
 * than press a control nobody chose), "again" (the same control: it keeps what it had), or null.
 */
export const placedByPage = (el) => (el !== null && el === placing ? (again ? "again" : "moved") : null);

/** Focus `el` as the page's move (placedByPage); whether it took the focus. */
export function place(el, same = false) {
  placing = el;
  again = same;
  try {
    el.focus({ preventScroll: true });
  } finally {
    placing = null;
  }
  return document.activeElement === el;
}

// checkVisibility() needs Safari 17.4; before it, a box drawn is one with client rects
const seen = (el) =>
  el.isConnected && (el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0);

/**
 * Where the person finds `el` now: itself, shown; its new self (a drawing made again keeps its
 * id); or the shown button that opens the hidden box it is in (aria-expanded + aria-controls,
 * as More opens its menu). Null when none is shown.
 */
export function whereNow(el) {
  if (!el) return null;
  if (!el.isConnected) el = el.id ? document.getElementById(el.id) : null;
  if (!el) return null;
  if (seen(el)) return el;
  for (let a = el.parentElement; a; a = a.parentElement) {
    if (!a.id) continue;
    const opener = document.querySelector(`[aria-expanded][aria-controls="${CSS.escape(a.id)}"]`);
    if (opener && !a.contains(opener) && seen(opener)) return opener;
  }
  return null;
}

/**
 * After a change the page made: if `had` (the focus before it) lost the focus to nothing, or
 * stays focused but hidden, the focus goes to `had`'s place now, else to the first of `causes`
 * shown (or behind a shown opener).
 */
export function refocus(had, ...causes) {
  if (!had || had === document.body || had === document.documentElement) return;
  const now = document.activeElement;
  if (now && now !== had && now !== document.body) return; // the change put the focus somewhere
  if (now === had && seen(had)) return;
  for (const c of [had, ...causes]) {
    const to = whereNow(c);
    if (to && place(to, to === had || (had.id !== "" && to.id === had.id))) return;
  }
}

/** `change()`, then refocus: the focus is kept in sight through it. */
export function keepFocus(change, ...causes) {
  const had = document.activeElement;
  try {
    return change();
  } finally {
    refocus(had, ...causes);
  }
}
