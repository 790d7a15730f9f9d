// Data flow: scenario → graph, (scenario, cursor, …) → step. Only the latest answer is shown.

import { ApiError, api } from "./api.js";
import { fetchContributions } from "./contributions.js";

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
    const req = { scenario: s.scenario, cursor, granularity: s.granularity, sample: s.sample, precision: s.precision };
    if (s.expand && s.scenario.kind !== "expression") req.expand = true;
    return req;
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
   * scenario is rejected (the page then keeps showing the previous lesson). A preset (`trusted`)
   * cannot be rejected: its graph and first step are asked for together, to draw it sooner.
   */
  async function load(scenario, patch = {}, { trusted = false } = {}) {
    abort(graphCtl);
    abort(stepCtl);
    const ctl = new AbortController();
    graphCtl = ctl;
    const s = { ...store.get(), ...patch, scenario };
    const seq = ++stepSeq;
    try {
      // the graph first: a rejected scenario costs one failed request, not two
      const expand = Boolean(s.expand) && scenario.kind !== "expression";
      const early = trusted ? api.step(stepRequest(s), ctl.signal).catch((err) => err) : null;
      const g = await api.graph(scenario, ctl.signal, expand);
      if (seq !== stepSeq) return null;
      const total = g.plan.granularities[s.granularity].total;
      let resp = early && (await early);
      if (seq !== stepSeq) return null;
      if (!resp || resp instanceof Error || s.cursor > total || s.sample >= g.plan.samples) {
        // the cursor or sample may not fit this scenario: start again from the top
        if (resp instanceof Error && resp.name === "AbortError") throw resp;
        s.cursor = Math.min(s.cursor, total);
        if (s.sample >= g.plan.samples) s.sample = 0;
        resp = await api.step(stepRequest(s), ctl.signal);
        if (seq !== stepSeq) return null;
      }
      graph = g;
      step = null;
      store.set({ ...patch, scenario, cursor: resp.cursor, sample: s.sample, expand: Boolean(s.expand) });
      handlers.onGraph(g);
      step = resp;
      handlers.onStep(resp, null, g);
      if (scenario.kind === "expression") {
        fetchContributions(stepRequest(s), g, ctl.signal)
          .then((parts) => seq === stepSeq && handlers.onContributions(parts))
          .catch((err) => err.name !== "AbortError" && handlers.onError(err.messages || [String(err)], "step"));
      }
      return null;
    } catch (err) {
      if (err.name === "AbortError") return null;
      const messages = err instanceof ApiError ? err.messages : [String(err)];
      handlers.onError(messages, "graph");
      return messages;
    }
  }

  return { load, fetchStep, graph: () => graph, step: () => step };
}
