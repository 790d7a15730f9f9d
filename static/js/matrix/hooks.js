// What main.js needs of the matrix view and the batch ledger, behind a few calls: the view
// toggle (button and key V, `view=matrix` in the URL), availability (networks only, not
// expanded), and the ledger panel opened by a parameter clicked in either view.

import { later } from "../later.js";
import { addPanel } from "../panels.js";
import { createLedger } from "./ledger.js";
import { createPlane } from "./plane.js";
import { createMatrixView } from "./view.js";

export function createMatrixHooks({ store, go, toast, stage, graphWrap, toggle, summaryBody, isExpression }) {
  let reason = null; // why the matrix view cannot be shown now
  let graph = null; // the lesson's graph, for the ledger made after it came
  // The ledger panel and the matrix view are made once the first picture is on screen (later.js),
  // or at once when asked for before then (a parameter clicked, `view=matrix` in the URL).
  const ledgerPart = later(() => {
    const panel = addPanel({ id: "ledger", title: "Batch ledger", where: "side" });
    panel.section.hidden = true;
    const ledger = createLedger(panel.body, {
      store,
      onSample: (sample) => store.set({ sample }),
      onGo: (cursor) => go(cursor),
    });
    const plane = createPlane(panel.body, { store, onSample: (sample) => store.set({ sample }) });
    const part = { panel, ledger, plane };
    if (graph) showGraph(part, store.get());
    return part;
  });
  const viewPart = later(() => createMatrixView({ host: stage, graphWrap, store, onParam: openLedger }));
  const shown = () => Boolean(viewPart.made?.shown());

  function showGraph({ panel, ledger, plane }, s) {
    ledger.setGraph(graph, !isExpression(s.scenario));
    panel.section.hidden = panel.section.hidden || Boolean(reason);
    plane.update(graph, !panel.section.hidden); // its samples (a batch's rows), its plane if shown
  }

  function openLedger(id) {
    if (reason) return;
    const { panel, ledger, plane } = ledgerPart.now();
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
      const view = viewPart.now();
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
    setGraph(g) {
      graph = g;
      const s = store.get();
      apply(s);
      if (ledgerPart.made) showGraph(ledgerPart.made, s);
    },
    /** A step was drawn in the graph view: the same cursor in the matrices and the ledger. */
    step() {
      if (shown()) viewPart.made.refresh();
      const part = ledgerPart.made;
      if (!part) return; // made later, from the state of the moment
      if (part.ledger.param()) part.ledger.refresh();
      if (!part.panel.section.hidden) part.plane.update(); // a new iteration: its network's boundary
    },
    changed(s, changed) {
      if (changed.has("view") || changed.has("expand") || changed.has("scenario")) apply(s);
      if (changed.has("convention") && shown()) viewPart.made.refresh();
      if (changed.has("sample") && ledgerPart.made) {
        ledgerPart.made.ledger.setSample(s.sample);
        ledgerPart.made.plane.setSample(s.sample);
      }
      if (changed.has("precision") && shown()) viewPart.made.refresh();
    },
  };
}
