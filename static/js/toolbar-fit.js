// The toolbar in one row at any width from a small laptop up: the controls least used in class go,
// in order, into a "More" menu until the rest fit beside the title (a long preset name, projector
// mode's larger type, a live session's code all take room). Each keeps its id, label and handlers
// (it is moved, not copied), and its place in the row for when there is room again. A control
// moved while it has the focus keeps it, or hands it to More (focus-keep.js).

import { refocus } from "./focus-keep.js";

const WORDLESS = "is-wordless"; // on the toolbar: a field's word shown to the ear only (folded)
const SHORT = "is-short"; // on the toolbar: the row one line, the menu's name cut to fit it

// first folded first: the links away from the lesson, then Matrices (it has its key, V) and the
// theme; the exports late, and together (one group to a person: never SVG in More and PNG in
// the row); then the word "Preset" (the name says what the menu is; its label still names it);
// Projector (its key, M) below 800 px or beside the longest names; Go live last, and never once
// live: its "● Live CODE" is what the students read. Still no room: the name gives way, cut short
// with an ellipsis (cut() below): one row down to 601 px
const FOLD = [["docs-link"], ["labs-link"], ["copy-link"], ["view-toggle"], ["theme-toggle"], ["export-svg", "export-png"], WORDLESS, ["projector-toggle"], ["live-toggle"]];
const ROW = "(min-width: 601px)"; // narrower (a phone), the toolbar wraps (phone.css)
// a tablet held upright, a small window: the word "Preset" for the ear only from the start (the
// row has no room for it at any of these widths: it folds there anyway, before the name is cut)
const NARROW = "(min-width: 601px) and (max-width: 800px)";

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
  const narrow = matchMedia(NARROW);
  // the word "Preset": hidden, it is read still (the menu's label), by the page's one rule for that
  // (.visually-hidden, base.css): below 800 px, or where the row has folded it (WORDLESS)
  const word = toolbar.querySelector("label[for=preset-select] > span");
  const hear = () => word?.classList.toggle("visually-hidden", narrow.matches || toolbar.classList.contains(WORDLESS));
  hear();

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

  // The menu's name cut short to the room the row leaves it, with an ellipsis: the shown label of
  // the option chosen (its text, the menu's value, stays whole), the longest start of the name that
  // a menu of the same type shows whole in that room (asked of the browser, as it sizes menus);
  // the whole name in the menu's title meanwhile (a tooltip, and its accessible description).
  const cuts = new Map(); // a menu cut short → its option whose label is cut
  function uncut() {
    for (const [select, opt] of cuts) {
      opt.removeAttribute("label");
      select.removeAttribute("title");
    }
    cuts.clear();
  }
  function cut(select) {
    const opt = select.options[select.selectedIndex];
    if (!opt) return;
    const name = opt.text;
    const room = select.getBoundingClientRect().width;
    const probe = document.createElement("select");
    probe.style.cssText = "position: absolute; visibility: hidden; width: auto; min-width: 0; max-width: none";
    const shown = new Option("");
    probe.append(shown);
    select.after(probe); // in the same field: the same type, padding and border
    const need = (k) => {
      shown.text = k < name.length ? `${name.slice(0, k).trimEnd()}…` : name;
      return probe.getBoundingClientRect().width;
    };
    let [lo, hi] = [0, name.length]; // the longest start that fits lies in lo..hi
    while (lo < hi) {
      const k = Math.ceil((lo + hi) / 2);
      if (need(k) <= room) lo = k;
      else hi = k - 1;
    }
    probe.remove();
    if (lo >= name.length) return;
    opt.label = `${name.slice(0, lo).trimEnd()}…`;
    select.title = name;
    cuts.set(select, opt);
  }
  // What the row's layout depends on, read in one layout: the room (the header's width, the
  // title's), the type (projector mode), the name chosen, each control's place and its width in the
  // row (a label that changes, "● Live ABC DEF · 12" each second, may keep its width) or its text
  // in More (no width there). The same as when the row was last laid out: nothing to do, nothing
  // more to measure (laying it out again costs a dozen layouts or more, a name cut short more still)
  const select = document.getElementById("preset-select");
  const brand = toolbar.parentElement.querySelector("h1");
  const room = () =>
    JSON.stringify([
      toolbar.parentElement.getBoundingClientRect().width,
      brand?.getBoundingClientRect().width,
      document.documentElement.className,
      select?.options[select.selectedIndex]?.text,
      [...toolbar.children].map((c) => [c.id || c.className, c.contains(select) ? 0 : c.getBoundingClientRect().width]),
      [...menu.children].map((c) => [c.id, c.className, c.textContent]),
    ]);
  let laidOut = ""; // room() when the row was last laid out

  const foldable = (el) => el && el.parentElement === toolbar && el.getClientRects().length && !el.classList.contains("is-live");

  function layOut(cause) {
    hear(); // (a write only when the width crossed 800 px)
    const now = room();
    if (now === laidOut) return;
    // all in the row and one row: nothing to write (a read only, which the first frame's layout
    // answers when nothing has changed since: no layout of its own before the first picture)
    const help = document.getElementById("help-open");
    const inPlace = !help || help.parentElement !== toolbar || more.nextElementSibling === help;
    const squeezed = toolbar.classList.contains(WORDLESS) || toolbar.classList.contains(SHORT);
    if (!places.size && !squeezed && more.hidden && inPlace && (!wide.matches || oneRow())) return void (laidOut = now);
    laidOut = ""; // (if what follows fails, the next fit tries again)
    const focused = document.activeElement;
    const wasFolded = [...menu.children];
    for (const el of [...places.keys()]) unfold(el);
    toolbar.classList.remove(WORDLESS, SHORT);
    hear();
    uncut();
    if (help && help.parentElement === toolbar && more.nextElementSibling !== help) help.before(more); // live.js adds Go live before help
    more.hidden = true;
    if (wide.matches && !oneRow()) {
      more.hidden = false;
      for (const step of FOLD) {
        if (step === WORDLESS) {
          toolbar.classList.add(WORDLESS);
          hear();
        } else {
          // a live session's button stays: its code is what the class reads
          const els = step.map((id) => document.getElementById(id)).filter(foldable);
          if (!els.length) continue;
          els.forEach(fold);
        }
        if (oneRow()) break;
      }
      if (!oneRow()) {
        toolbar.classList.add(SHORT); // the name gives way: one row by construction
        toolbar.querySelectorAll(".field-inline select").forEach(cut);
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
    laidOut = room(); // as it is left
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
  // a lesson the page does not carry (a link to another preset or step) is drawn a round trip
  // after the first frame: the row is laid out for that frame all the same, not shown in two
  // rows and then folded (drawn before it, the lesson's own fit has laid it out: nothing to do)
  requestAnimationFrame(() => laidOut || fit());
  return { fit, watch };
}
