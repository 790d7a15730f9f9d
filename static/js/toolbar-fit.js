// The toolbar in one row at any width from a small laptop up: the controls least used in class go,
// in order, into a "More" menu until the rest fit beside the title (a long preset name, projector
// mode's larger type, a live session's code all take room). Each keeps its id, label and handlers
// (it is moved, not copied), and its place in the row for when there is room again. A control
// moved while it has the focus keeps it, or hands it to More (focus-keep.js).

import { refocus } from "./focus-keep.js";

// first folded first: the links away from the lesson, then Matrices (it has its key, V) and the
// theme; the exports late, and together (one group to a person: never SVG in More and PNG in
// the row); Projector (its key, M) when a long name leaves no other room, below 800 px or for the
// longest names (in projector mode the row has room for it: the editing controls are gone); Go
// live last: once live, its "● Live CODE" tells the teacher the class is following
const FOLD = [["docs-link"], ["labs-link"], ["copy-link"], ["view-toggle"], ["theme-toggle"], ["export-svg", "export-png"], ["projector-toggle"], ["live-toggle"]];
const ROW = "(min-width: 601px)"; // narrower (a phone), the toolbar wraps (phone.css)

/**
 * `toolbar`: the .toolbar; `more`: its More button's box (a button and the menu it opens, hidden
 * while everything fits). `fit(cause)` lays it out again: call it when a control's size may
 * change; `cause`, the control that changed it, takes the focus if More had it and goes.
 */
export function createToolbarFit(toolbar, more) {
  const button = more.querySelector("button");
  const menu = more.querySelector("[role=group]");
  const places = new Map(); // a folded control → the comment standing in its place in the row
  // the control whose focus More holds: the one last used from its menu, or one folded with the
  // focus; it takes the focus back when More goes (cleared once the focus is anywhere but More)
  let held = null;
  document.addEventListener("focusin", (ev) => ev.target !== button && (held = null));
  const wide = matchMedia(ROW);

  const open = (on) => {
    menu.hidden = !on;
    button.setAttribute("aria-expanded", String(on));
  };
  button.addEventListener("click", () => open(menu.hidden));
  more.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape" || menu.hidden) return;
    ev.stopPropagation(); // the menu closes, the lesson's keys are untouched
    open(false);
    button.focus();
  });
  // a control used from the menu closes it; the focus waits on the More button (not for a click
  // made by a key, L say, with the menu closed: the focus stays where the lesson's keys work)
  menu.addEventListener("click", (ev) => {
    if (menu.hidden || !ev.target.closest("button")) return;
    open(false);
    button.focus();
    held = ev.target.closest("button");
  });
  more.addEventListener("focusout", (ev) => !more.contains(ev.relatedTarget) && ev.relatedTarget && open(false));
  document.addEventListener("pointerdown", (ev) => !more.contains(ev.target) && open(false));

  function unfold(el) {
    places.get(el).replaceWith(el);
    places.delete(el);
  }
  function fold(el) {
    const place = document.createComment(el.id);
    el.replaceWith(place);
    places.set(el, place);
    // the menu lists its controls in the row's order
    const after = [...menu.children].find((m) => place.compareDocumentPosition(places.get(m)) & Node.DOCUMENT_POSITION_FOLLOWING);
    menu.insertBefore(el, after || null);
  }
  // the row's shown controls, and whether they stand in one row inside the toolbar's box
  const shown = () => [...toolbar.children].filter((c) => c.getClientRects().length);
  const oneRow = () => {
    const kids = shown();
    const box = toolbar.getBoundingClientRect();
    const tops = new Set(kids.map((c) => Math.round(c.getBoundingClientRect().top)));
    return tops.size <= 1 && kids.every((c) => c.getBoundingClientRect().right <= box.right + 0.5);
  };

  const foldable = (el) => el && el.parentElement === toolbar && el.getClientRects().length;

  function layOut(cause) {
    // all in the row and one row: nothing to write (a read only, which the first frame's layout
    // answers when nothing has changed since: no layout of its own before the first picture)
    const help = document.getElementById("help-open");
    const inPlace = !help || help.parentElement !== toolbar || more.nextElementSibling === help;
    if (!places.size && more.hidden && inPlace && (!wide.matches || oneRow())) return;
    const focused = document.activeElement;
    const wasFolded = [...menu.children];
    for (const el of [...places.keys()]) unfold(el);
    if (help && help.parentElement === toolbar && more.nextElementSibling !== help) help.before(more); // live.js adds Go live before help
    more.hidden = true;
    if (wide.matches && !oneRow()) {
      more.hidden = false;
      for (const step of FOLD) {
        const els = step.map((id) => document.getElementById(id)).filter(foldable);
        if (!els.length) continue;
        els.forEach(fold);
        if (oneRow()) break;
      }
    }
    if (!places.size) {
      more.hidden = true;
      open(false);
    }
    if (focused !== button && places.has(focused)) held = focused; // More takes its focus, below
    // the control folded or unfolded where it is now, or More (its menu closed) in its stead. More
    // gone with the focus: the change's control, else the one whose focus More held, else the
    // first button out of the menu (a link last: Enter there would leave the lesson)
    const link = (el) => el.matches("a[href]");
    refocus(focused, cause, held, ...wasFolded.filter((el) => !link(el)), ...wasFolded.filter(link));
  }

  wide.addEventListener("change", () => fit());
  addEventListener("resize", () => fit());
  // a label that changes on its own (Dark/Light, "● Live ABC DEF · 12"): fitted before the frame
  // that would show it (a mutation's answer comes before the next frame), once the first picture
  // is up (watch(): before it, the lesson's drawing fits the toolbar in the layout it measures)
  const labels = new MutationObserver(() => fit());
  function fit(cause = null) {
    try {
      layOut(cause);
    } finally {
      labels.takeRecords(); // its own moves are no label's change
    }
  }
  const watch = () => labels.observe(toolbar, { subtree: true, childList: true, characterData: true });
  // anything else that changes the row's width (late fonts, say): laid out again in the next frame
  // (at once would ask the observer for another answer in this one)
  let later = 0;
  let observed = false; // the observer's first answer is the size fit() was called for
  new ResizeObserver(() => {
    if (!observed) return void (observed = true);
    cancelAnimationFrame(later);
    later = requestAnimationFrame(() => fit());
  }).observe(toolbar);
  return { fit, watch };
}
