// The batch ledger on /labs: after a run, the trained network's next full-batch gradient, sample
// by sample, for a parameter chosen here (the step page's ledger module, POST /api/ledger at the
// end of that iteration), linked to the decision-boundary plot: choosing a row rings the sample's
// point there, and clicking a point chooses its row.

import { api, messagesOf } from '../api.js';
import { el } from '../dom.js';
import { createLedger } from '../matrix/ledger.js';
import { drawRing, planePoint } from './heatmap.js';

const PICK = 22; // canvas pixels: how near a click must be to a point

export function createLabsLedger(after, plane) {
  const body = el('div', { cls: 'labs-ledger-body' });
  const note = el('p', { cls: 'note', text: 'Each training sample’s share of the next update’s gradient, ∂ℓₛ/∂θ: their mean is the ∂L/∂θ a full-batch step uses. Choose a row to ring that sample on the plot, or click a point on the plot.' });
  const section = el('section', { cls: 'labs-ledger', attrs: { id: 'labs-ledger', 'aria-labelledby': 'labs-ledger-title' } }, [
    el('h2', { cls: 'h3', text: 'Batch ledger of the trained network', attrs: { id: 'labs-ledger-title' } }),
    note,
    body,
  ]);
  section.hidden = true;
  after.after(section);
  const ring = el('canvas', { cls: 'labs-ring', attrs: { 'aria-hidden': 'true' } });
  plane.after(ring);
  new ResizeObserver(() => !section.hidden && mark()).observe(plane); // projector mode, a new width

  const state = { scenario: null, iteration: 1, cursor: 0, granularity: 'step', sample: 0, precision: 4 };
  const store = { get: () => state };
  const ledger = createLedger(body, { store, onSample: choose, onGo: () => {} });
  let data = null; // the plot's data (its extent)
  let rows = null; // a mini-batch lesson: its samples' rows of the data set (null: every row)
  const rowOf = (s) => (rows ? rows[s] : s);
  let ctl = null;

  function choose(s) {
    state.sample = s;
    ledger.setSample(s);
    mark();
  }

  plane.addEventListener('click', (ev) => {
    if (section.hidden || !data || !state.scenario) return;
    const box = plane.getBoundingClientRect();
    const cx = ((ev.clientX - box.left) / box.width) * plane.width;
    const cy = ((ev.clientY - box.top) / box.height) * plane.height;
    let best = -1;
    let dist = PICK * PICK;
    const n = rows ? rows.length : state.scenario.inputs.length; // the ledger's samples only
    for (let s = 0; s < n; s += 1) {
      const [px, py] = planePoint(plane, data.extent, state.scenario.inputs[rowOf(s)]);
      const d = (px - cx) ** 2 + (py - cy) ** 2;
      if (d <= dist) [best, dist] = [s, d];
    }
    if (best >= 0) choose(best);
  });

  /** Ring the chosen sample's point, on a canvas laid over the plot (the plot is not redrawn). */
  function mark() {
    ring.width = plane.width;
    ring.height = plane.height;
    ring.style.left = `${plane.offsetLeft}px`;
    ring.style.top = `${plane.offsetTop}px`;
    ring.style.width = `${plane.offsetWidth}px`;
    ring.style.height = `${plane.offsetHeight}px`;
    ring.hidden = section.hidden || plane.hidden || !data;
    if (ring.hidden) return;
    const [x, y] = planePoint(plane, data.extent, state.scenario.inputs[rowOf(state.sample)]);
    const ctx = ring.getContext('2d');
    ctx.clearRect(0, 0, ring.width, ring.height);
    drawRing(ctx, x, y);
    plane.dataset.sample = String(state.sample);
    plane.dataset.extent = JSON.stringify(data.extent); // where the points are: for tests and tools
  }

  return {
    /** A run ended with `scenario` (the trained network) on the plot of `plotData`. */
    async show(scenario, plotData) {
      if (ctl) ctl.abort();
      ctl = new AbortController();
      Object.assign(state, { scenario, sample: 0 });
      data = plotData && plotData.features === 2 ? plotData : null;
      try {
        const graph = await api.graph(scenario, ctl.signal);
        state.cursor = graph.plan.total_steps; // the iteration's end: every gradient complete
        rows = graph.batch ? graph.batch.indices : null;
        section.hidden = false;
        ledger.setGraph(graph, true);
        ledger.open(graph.parameters[0].id);
        mark();
      } catch (err) {
        if (err.name === 'AbortError') return;
        section.hidden = false;
        body.hidden = true;
        note.textContent = `No ledger for this network: ${messagesOf(err).join(' · ')}`;
      }
    },
    hide() {
      if (ctl) ctl.abort();
      section.hidden = true;
      body.hidden = false;
      ring.hidden = true;
      delete plane.dataset.sample;
    },
  };
}
