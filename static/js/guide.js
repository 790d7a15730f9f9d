// The help dialog: how to read the page (the first-visit guide) and the keys. It opens by itself
// once, on a first visit; "?" (the button or the key) opens it again. Esc, "Got it" or a click
// outside it closes it, and focus goes back where it was.

const SEEN = "backstep.guide"; // localStorage: "seen" once the guide has been closed

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

  function open() {
    if (dialog.open) return;
    returnTo = document.activeElement;
    dialog.showModal(); // modal: the page behind is inert, so focus stays inside
    dialog.querySelector("[autofocus]")?.focus({ preventScroll: true });
    dialog.scrollTop = 0; // a tall guide (projector type) is read from its title down
  }

  dialog.addEventListener("close", () => {
    remember();
    const back = returnTo;
    returnTo = null;
    if (back && back !== document.body && back.isConnected) back.focus();
  });
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
      if (!seen()) open();
    },
  };
}
