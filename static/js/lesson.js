// Data flow: scenario → graph, (scenario, cursor, …) → step. At most one step request is in flight;
// meanwhile only the latest wish is remembered, and asked for when the answer is in. A step after
// the first asks only for what changed `since` the state held (step-state.js).

import { api, columnar, messagesOf } from "./api.js";
import { fetchContributions } from "./contributions.js";
import { createStepState } from "./step-state.js";

export function createLesson(store, handlers) {
  let loadCtl = null; // aborted only when another scenario is loaded
  let loadSeq = 0; // answers for an earlier scenario are dropped
  let generation = 0; // the load whose scenario is shown
  let graph = null;
  let step = null;
  let inflight = null; // the step request in flight, if any
  let shown = null; // which wish the step shown answers (see wish())
  let waiters = [];
  const state = createStepState();

  // what a held state is valid for; the cursor is what moves
  const viewKey = (s) => JSON.stringify([generation, s.granularity, s.sample, s.precision, Boolean(s.expand)]);
  const wish = (s) => `${viewKey(s)}|${s.cursor}`;

  function stepRequest(s, cursor = s.cursor) {
    const req = { scenario: s.scenario, cursor, granularity: s.granularity, sample: s.sample, precision: s.precision };
    if (s.expand && s.scenario.kind !== "expression") req.expand = true;
    if (s.iteration > 1) req.iteration = s.iteration; // iterations.js
    return req;
  }

  function settle(ok) {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve(ok);
  }

  /** Resolves true once the step the store asks for is drawn; false when it failed or was dropped. */
  function drawn() {
    if (!inflight) return Promise.resolve(shown === wish(store.get()));
    return new Promise((resolve) => waiters.push(resolve));
  }

  function show(view, latest) {
    const previous = step;
    step = view;
    handlers.onStep(view, previous, graph, latest);
  }

  /** Ask for the step the store wants, unless a request is in flight: its answer asks again. */
  function fetchStep() {
    if (!inflight) pump();
  }

  async function pump() {
    const s = store.get();
    if (!s.scenario || !graph) return settle(false);
    const want = wish(s);
    if (shown === want) return settle(true);
    const key = viewKey(s);
    const req = stepRequest(s);
    const since = state.sinceFor(key);
    if (since !== null) req.since = since;
    const seq = loadSeq;
    const mine = {};
    inflight = mine;
    let resp;
    try {
      resp = await api.step(req, loadCtl && loadCtl.signal);
    } catch (err) {
      if (inflight === mine) inflight = null;
      if (seq !== loadSeq) return; // another scenario took over; its load settles the waiters
      if (err.name !== "AbortError") handlers.onError(messagesOf(err), "step");
      return settle(false);
    }
    if (inflight === mine) inflight = null;
    if (seq !== loadSeq) return;
    let view;
    try {
      view = state.apply(key, resp);
    } catch {
      return pump(); // the state held was dropped: this asks for everything
    }
    const now = store.get();
    const latest = wish(now) === want;
    // an answer overtaken by a newer wish is still shown when only the cursor moved on
    if (latest || viewKey(now) === key) {
      shown = want;
      show(view, latest);
    }
    if (latest) settle(true);
    else pump();
  }

  /**
   * Show a new scenario. Resolves to null when it is drawn, or to the API's messages when the
   * scenario is rejected (the page then keeps showing the previous lesson). A preset (`trusted`)
   * cannot be rejected: its graph and first step are asked for together, to draw it sooner; so
   * are a large network's (the server writes both from the scenario, without building the
   * lesson: app/api/blocks.py, app/api/first_step.py).
   */
  async function load(scenario, patch = {}, { trusted = false } = {}) {
    // another scenario starts at iteration 1 unless told otherwise (the same one keeps its own)
    if (!("iteration" in patch) && scenario !== store.get().scenario) patch = { ...patch, iteration: 1 };
    if (loadCtl) loadCtl.abort();
    const ctl = new AbortController();
    loadCtl = ctl;
    const seq = ++loadSeq;
    inflight = null;
    const s = { ...store.get(), ...patch, scenario };
    try {
      // the graph first: a rejected scenario costs one failed request, not two (a large network's
      // costs two refusals, made before any work, for a first step drawn sooner)
      const expand = Boolean(s.expand) && scenario.kind !== "expression";
      const early = trusted || columnar(scenario) ? api.step(stepRequest(s), ctl.signal).catch((err) => err) : null;
      const g = await api.graph(scenario, ctl.signal, expand, s.iteration);
      if (seq !== loadSeq) return null;
      // a large network's first step takes the server a while longer: its graph is laid out
      // meanwhile, and drawn if no lesson is shown yet (the page's first)
      if (columnar(scenario)) handlers.onGraphAhead?.(g, graph === null);
      const total = g.plan.granularities[s.granularity].total;
      let resp = early && (await early);
      if (seq !== loadSeq) return null;
      if (!resp || resp instanceof Error || s.cursor > total || s.sample >= g.plan.samples) {
        // the cursor or sample may not fit this scenario: start again from the top
        if (resp instanceof Error && resp.name === "AbortError") throw resp;
        s.cursor = Math.min(s.cursor, total);
        if (s.sample >= g.plan.samples) s.sample = 0;
        resp = await api.step(stepRequest(s), ctl.signal);
        if (seq !== loadSeq) return null;
      }
      graph = g;
      step = null;
      generation = seq;
      state.forget();
      store.set({ ...patch, scenario, cursor: resp.cursor, sample: s.sample, expand: Boolean(s.expand), iteration: resp.iteration || 1 });
      const now = store.get();
      const view = state.apply(viewKey(now), resp);
      handlers.onGraph(g);
      shown = wish(now);
      show(view, true);
      settle(true);
      if (scenario.kind === "expression") {
        fetchContributions(stepRequest(s), g, ctl.signal)
          .then((parts) => seq === loadSeq && handlers.onContributions(parts))
          .catch((err) => err.name !== "AbortError" && handlers.onError(err.messages || [String(err)], "step"));
      }
      fetchStep(); // the store may have moved on while this loaded
      return null;
    } catch (err) {
      if (err.name === "AbortError") return null;
      const messages = messagesOf(err);
      handlers.onError(messages, "graph");
      if (seq === loadSeq) {
        settle(false);
        fetchStep(); // the lesson shown stays: a step of it may have been abandoned for this load
      }
      return messages;
    }
  }

  return { load, fetchStep, drawn, graph: () => graph, step: () => step };
}
