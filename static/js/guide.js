// The help dialog: how to read the page (the first-visit guide) and the keys. It opens by itself
// once, on a first visit (not after an Esc pressed before it came up); "?" (the button or the key)
// opens it again. Esc, "Got it" or a click outside it closes it, and focus goes back where it was
// (from <body>, to "?": in sight, focus-keep.js). A clicker's key closes the first-visit guide and
// steps the lesson: a presenter's press is never spent on a guide they did not ask for.

import { place, whereNow } from "./focus-keep.js";

const SEEN = "backstep.guide"; // localStorage: "seen" once the guide has been closed
const CLICKER = new Set(["PageDown", "PageUp", "ArrowRight", "ArrowLeft", " "]); // the lesson's (controls.js)

function seen() {
  try {
    return localStorage.getItem(SEEN) === "seen";
  } catch {
    return true; // no storage (a locked-down browser): never show it unasked
  }
}

function remember() {
  try {
    localStorage.setItem(SEEN, "seen");
  } catch {
    /* nothing to remember it in */
  }
}

export function createGuide(dialog) {
  let returnTo = null;
  let unasked = false; // opened by itself (a first visit), not by "?"
  let waived = false; // an Esc before the first-visit guide came up: it does not come up

  function open() {
    if (dialog.open) return;
    unasked = false;
    returnTo = document.activeElement;
    dialog.showModal(); // modal: the page behind is inert, so focus stays inside
    dialog.querySelector("[autofocus]")?.focus({ preventScroll: true });
    dialog.scrollTop = 0; // a tall guide (projector type) is read from its title down
  }

  dialog.addEventListener("close", () => {
    remember();
    const back = returnTo;
    returnTo = null;
    // as the page's move: the control it came from keeps what it had (controls.js); from <body>,
    // "?" (or More, where it is folded), where Space steps the lesson as on <body>
    const was = back && back !== document.body && back !== document.documentElement ? whereNow(back) : null;
    const to = was || whereNow(document.getElementById("help-open"));
    if (to) place(to, to === back);
  });
  dialog.addEventListener("keydown", (ev) => {
    if (!unasked || !CLICKER.has(ev.key) || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    dialog.close(); // and the key goes on to the lesson (controls.js)
  });
  const early = (ev) => {
    if (ev.key === "Escape" && !dialog.open) waived = true;
  };
  document.addEventListener("keydown", early);
  // Tab goes round inside it (a modal dialog alone would let it out to the browser's own bar)
  dialog.addEventListener("keydown", (ev) => {
    if (ev.key !== "Tab") return;
    const stops = [...dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])")].filter((e) => !e.disabled && e.getClientRects().length);
    if (!stops.length) return;
    const first = stops[0];
    const last = stops[stops.length - 1];
    if (ev.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  });
  // one click outside the dialog (on its backdrop) dismisses it
  dialog.addEventListener("click", (ev) => {
    if (ev.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    const inside = ev.clientX >= r.left && ev.clientX <= r.right && ev.clientY >= r.top && ev.clientY <= r.bottom;
    if (!inside) dialog.close();
  });

  return {
    dialog,
    open,
    isOpen: () => dialog.open,
    /** On a first visit (nothing remembered), open the guide once the page is drawn. */
    firstVisit() {
      document.removeEventListener("keydown", early);
      if (seen()) return;
      if (waived) return remember();
      open();
      unasked = true;
    },
  };
}
