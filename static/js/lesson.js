// Data flow: scenario → graph, (scenario, cursor, …) → step. Only the latest answer is shown.

import { ApiError, api } from "./api.js";

export function createLesson(store, handlers) {
  let graphCtl = null;
  let stepCtl = null;
  let graph = null;
  let step = null;
  let stepSeq = 0;

  function abort(ctl) {
    if (ctl) ctl.abort();
  }

  function stepRequest(s, cursor = s.cursor) {
    return { scenario: s.scenario, cursor, granularity: s.granularity, sample: s.sample, precision: s.precision };
  }

  /** Ask for the step at the store's cursor; an older request still in flight is abandoned. */
  async function fetchStep() {
    const s = store.get();
    if (!s.scenario || !graph) return;
    abort(stepCtl);
    const ctl = new AbortController();
    stepCtl = ctl;
    const seq = ++stepSeq;
    try {
      const resp = await api.step(stepRequest(s), ctl.signal);
      if (seq !== stepSeq) return;
      const previous = step;
      step = resp;
      handlers.onStep(resp, previous, graph);
    } catch (err) {
      if (err.name === "AbortError" || seq !== stepSeq) return;
      handlers.onError(err instanceof ApiError ? err.messages : [String(err)], "step");
    }
  }

  /**
   * Show a new scenario. Resolves to null when it is drawn, or to the API's messages when the
   * scenario is rejected (the page then keeps showing the previous lesson).
   */
  async function load(scenario, patch = {}) {
    abort(graphCtl);
    abort(stepCtl);
    const ctl = new AbortController();
    graphCtl = ctl;
    const s = { ...store.get(), ...patch, scenario };
    const seq = ++stepSeq;
    try {
      const [g, first] = await Promise.all([
        api.graph(scenario, ctl.signal),
        api.step(stepRequest(s, Math.max(0, s.cursor)), ctl.signal).catch((err) => err),
      ]);
      if (seq !== stepSeq) return null;
      const total = g.plan.granularities[s.granularity].total;
      let resp = first;
      if (resp instanceof Error || s.sample >= g.plan.samples) {
        // the cursor or sample no longer fits this scenario: start again from the top
        s.cursor = Math.min(s.cursor, total);
        s.sample = s.sample < g.plan.samples ? s.sample : 0;
        resp = await api.step(stepRequest(s), ctl.signal);
      }
      graph = g;
      step = null;
      store.set({ ...patch, scenario, cursor: resp.cursor, sample: s.sample });
      handlers.onGraph(g);
      step = resp;
      handlers.onStep(resp, null, g);
      return null;
    } catch (err) {
      if (err.name === "AbortError") return null;
      const messages = err instanceof ApiError ? err.messages : [String(err)];
      handlers.onError(messages, "graph");
      return messages;
    }
  }

  /** The cursor at another granularity that has done at most `fine` fine steps (binary search). */
  async function unitAt(granularity, fine) {
    const s = store.get();
    const total = graph.plan.granularities[granularity].total;
    if (granularity === "step") return fine;
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const r = await api.step({ ...stepRequest(s, mid), granularity, max_explained: 1 });
      if (r.fine_cursor <= fine) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  return { load, fetchStep, unitAt, graph: () => graph, step: () => step };
}
