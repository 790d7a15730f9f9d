// The stage's "Fit" button: a graph too big for its frame scrolls at a readable size; Fit shows
// it whole (smaller text), and pressed again puts it back at full size.

export function createFitControl(button, stage) {
  let fitted = false;
  button.addEventListener("click", () => {
    fitted = !fitted;
    stage.setFitted(fitted);
  });
  /** After every drawing (stage.js onLayout): shown only while the graph is too big for its frame. */
  function update({ tooBig, fitted: now }) {
    fitted = now;
    button.hidden = !tooBig;
    button.setAttribute("aria-pressed", String(now));
    button.textContent = now ? "100%" : "Fit";
    button.title = now ? "Back at full size: the graph scrolls in its frame" : "Show the whole graph in the frame (smaller text)";
  }
  return { update };
}
