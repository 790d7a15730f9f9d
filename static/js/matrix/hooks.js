// What main.js needs of the matrix view and the batch ledger, behind a few calls: the view
// toggle (button and key V, `view=matrix` in the URL), availability (networks only, not
// expanded), and the ledger panel opened by a parameter clicked in either view.

import { addPanel } from "../panels.js";
import { createLedger } from "./ledger.js";
import { createPlane } from "./plane.js";
import { createMatrixView } from "./view.js";

export function createMatrixHooks({ store, go, toast, stage, graphWrap, toggle, summaryBody, isExpression }) {
  const panel = addPanel({ id: "ledger", title: "Batch ledger", where: "side" });
  panel.section.hidden = true;
  const ledger = createLedger(panel.body, {
    store,
    onSample: (sample) => store.set({ sample }),
    onGo: (cursor) => go(cursor),
  });
  const plane = createPlane(panel.body, { store, onSample: (sample) => store.set({ sample }) });
  // the matrix view (its fields, the radios, their listeners) is not in the graph view's picture:
  // made when it is first shown, not with the page
  let view = null;
  const shown = () => Boolean(view?.shown());
  let reason = null; // why the matrix view cannot be shown now

  function openLedger(id) {
    if (reason) return;
    panel.section.hidden = false;
    ledger.open(id);
    plane.update();
    if (!store.get().projector) panel.section.scrollIntoView({ block: "nearest" });
  }

  // the graph view's parameters: a row of the gradient summary opens its ledger
  summaryBody.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr[data-id]");
    if (tr) openLedger(tr.dataset.id);
  });

  function why(s) {
    if (isExpression(s.scenario)) return "An expression is not made of matrices: the matrix view shows networks.";
    if (s.expand) return "The matrix view shows whole layers: switch off “Show each neuron as ×, + and its activation” first.";
    return null;
  }

  function apply(s) {
    reason = why(s);
    const on = s.view === "matrix" && !reason;
    toggle.setAttribute("aria-pressed", String(on));
    toggle.setAttribute("aria-disabled", String(Boolean(reason)));
    toggle.title = reason || (on ? "Back to the graph (V)" : "Show the lesson as matrices (V)");
    toggle.textContent = on ? "Graph" : "Matrices";
    document.documentElement.dataset.view = on ? "matrix" : "graph";
    if (on !== shown()) {
      view ??= createMatrixView({ host: stage, graphWrap, store, onParam: openLedger });
      view.setShown(on);
      if (on) view.refresh();
    }
  }

  function flip() {
    const s = store.get();
    if (why(s)) return toast.show(why(s), 6000);
    store.set({ view: s.view === "matrix" ? "graph" : "matrix" });
  }
  toggle.addEventListener("click", flip);

  return {
    toggle: flip,
    setGraph(graph) {
      const s = store.get();
      apply(s);
      ledger.setGraph(graph, !isExpression(s.scenario));
      panel.section.hidden = panel.section.hidden || Boolean(reason);
      plane.update(graph, !panel.section.hidden); // its samples (a batch's rows), its plane if shown
    },
    /** A step was drawn in the graph view: the same cursor in the matrices and the ledger. */
    step() {
      if (shown()) view.refresh();
      if (ledger.param()) ledger.refresh();
      if (!panel.section.hidden) plane.update(); // a new iteration: its network's boundary
    },
    changed(s, changed) {
      if (changed.has("view") || changed.has("expand") || changed.has("scenario")) apply(s);
      if (changed.has("convention") && shown()) view.refresh();
      if (changed.has("sample")) {
        ledger.setSample(s.sample);
        plane.setSample(s.sample);
      }
      if (changed.has("precision") && shown()) view.refresh();
    },
  };
}
