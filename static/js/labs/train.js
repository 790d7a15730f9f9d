// The training panel: dataset and network form, live loss curve over SSE, progress, Stop,
// decision boundary, per-neuron maps, fitted curve, and the hand-off to the step-through view.

import { catalog } from '../catalog.js';
import { DEFAULTS as VIEW_DEFAULTS } from '../store.js';
import { encodeHash } from '../url-state.js';
import { ApiError, postJson, streamTraining } from './api.js';
import { drawBoundary, drawNeurons } from './heatmap.js';
import { HiddenLayersError, arrows, describeHidden, parseHidden } from './hidden.js';
import { el, fmt, legend, lineChart, text } from './svg.js';

/** The initialisation the registry gives an activation (he for the ReLU family, else xavier). */
function initFor(act) {
  const found = (catalog().activations || []).find((a) => a.name === act);
  return found ? found.init : 'xavier';
}

// Sensible starting points per dataset; xor is the tutorial's program exactly.
const DEFAULTS = {
  xor: { hidden: '4', act: 'sigmoid', lr: 2.0, epochs: 5000, noise: 0, samples: 4, init: 'tutorial' },
  and: { hidden: '2', act: 'sigmoid', lr: 2.0, epochs: 2000, noise: 0, samples: 4 },
  or: { hidden: '2', act: 'sigmoid', lr: 2.0, epochs: 2000, noise: 0, samples: 4 },
  circle: { hidden: '8', act: 'tanh', lr: 1.0, epochs: 1500, noise: 0.05, samples: 200 },
  spirals: { hidden: '16, 16', act: 'tanh', lr: 0.5, epochs: 4000, noise: 0.02, samples: 200 },
  moons: { hidden: '8', act: 'tanh', lr: 1.0, epochs: 1500, noise: 0.1, samples: 200 },
  clusters2: { hidden: '4', act: 'tanh', lr: 1.0, epochs: 500, noise: 0.1, samples: 200 },
  clusters3: { hidden: '6', act: 'tanh', lr: 0.5, epochs: 800, noise: 0.1, samples: 210 },
  sine: { hidden: '16', act: 'tanh', lr: 0.1, epochs: 3000, noise: 0.1, samples: 100 },
  custom: { hidden: '4', act: 'tanh', lr: 0.5, epochs: 1000, noise: 0, samples: 4 },
};

const STOP_REASONS = {
  epochs: 'all epochs done',
  target_loss: 'target loss reached',
  time: 'time budget used up',
  diverged: 'diverged',
  cancelled: 'stopped',
};

export class TrainPanel {
  constructor(root) {
    this.root = root;
    this.form = root.querySelector('#train-form');
    this.q = (sel) => root.querySelector(sel);
    this.controller = null;
    this.history = { train: [], test: [] };
    this.data = null;
    this.trained = null;
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.start();
    });
    this.q('#stop').addEventListener('click', () => this.stop());
    this.q('#dataset').addEventListener('change', () => this.applyDefaults());
    this.field('hidden').addEventListener('input', () => this.showHidden());
    this.q('#handoff-sample').addEventListener('change', () => this.handOff());
    this.q('#copy-scenario').addEventListener('click', () => this.copyScenario());
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.controller) this.stop();
    });
    this.applyDefaults();
    this.drawLoss();
  }

  field(id) {
    return this.form.elements.namedItem(id);
  }

  applyDefaults() {
    const name = this.field('dataset').value;
    const d = DEFAULTS[name];
    this.field('hidden').value = d.hidden;
    this.field('activation').value = d.act;
    this.field('lr').value = d.lr;
    this.field('epochs').value = d.epochs;
    this.field('noise').value = d.noise;
    this.field('samples').value = d.samples;
    this.q('#csv-row').hidden = name !== 'custom';
    this.q('#tutorial-note').hidden = name !== 'xor';
    this.showHidden();
  }

  /** The neurons per hidden layer typed in the field, within the API's limits. */
  hiddenSizes() {
    const input = this.field('hidden');
    const { width, hidden_layers: hiddenLayers } = catalog().limits;
    return parseHidden(input.value, { maxWidth: width, maxLayers: hiddenLayers });
  }

  /** Says under the field what it means: "2 hidden layers of 8 neurons each: inputs → 8 → 8 → output". */
  showHidden() {
    const out = this.q('#hidden-readout');
    try {
      const sizes = this.hiddenSizes();
      out.textContent = `${describeHidden(sizes)}: ${arrows(['inputs', ...sizes, 'output'])}`;
      out.className = 'hint';
      this.field('hidden').removeAttribute('aria-invalid');
    } catch (err) {
      if (!(err instanceof HiddenLayersError)) throw err;
      out.textContent = err.message;
      out.className = 'hint error';
      this.field('hidden').setAttribute('aria-invalid', 'true');
    }
  }

  number(id, fallback = null) {
    const raw = this.field(id).value.trim();
    if (raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new Error(`${this.field(id).dataset.label ?? id}: “${raw}” is not a number`);
    return v;
  }

  datasetRequest() {
    const name = this.field('dataset').value;
    const common = { seed: this.number('seed', 0), test_fraction: this.number('test_fraction', 0) };
    if (name === 'custom') {
      return { csv: this.field('csv').value, task: this.field('task').value, ...common };
    }
    return { name, samples: this.number('samples', null), noise: this.number('noise', 0), ...common };
  }

  scenarioFor(data) {
    const hidden = this.hiddenSizes();
    const act = this.field('activation').value;
    const regression = data.task === 'regression';
    const multi = data.outputs > 1;
    const out = regression ? 'linear' : multi ? 'softmax' : 'sigmoid';
    const tutorial = DEFAULTS[this.field('dataset').value].init === 'tutorial' && hidden.length === 1;
    return {
      layers: [data.features, ...hidden, data.outputs],
      activations: [...hidden.map(() => act), out],
      loss: multi ? 'cross_entropy' : 'mse',
      init: tutorial
        ? { scheme: 'normal', seed: 42, scale: 0.5 }
        : { scheme: initFor(act), seed: this.number('seed', 0) },
      inputs: data.inputs,
      targets: data.targets,
      learning_rate: this.number('lr'),
    };
  }

  /** Every setting of the form: training is only "your network" while they stay the same. */
  formKey() {
    return JSON.stringify([...new FormData(this.form)]);
  }

  /** "2 → 8 → 8 → 1 (tanh hidden layers, sigmoid output, mse loss) on Two moons, 200 training samples" */
  describe(scenario) {
    const dataset = this.field('dataset').selectedOptions[0].textContent;
    const n = scenario.inputs.length;
    const acts = scenario.activations;
    const hidden = acts.length > 1 ? `${acts[0]} hidden layer${acts.length > 2 ? 's' : ''}, ` : '';
    return `${arrows(scenario.layers)} (${hidden}${acts[acts.length - 1]} output, ${scenario.loss} loss) ` +
      `on ${dataset}, ${n.toLocaleString()} training sample${n === 1 ? '' : 's'}`;
  }

  /** The network the training panel holds now, for the labs that examine one: the trained one
   *  while the form is as it was trained, else the form's network at its initial weights. */
  async currentNetwork() {
    if (this.trained && this.trainedKey === this.formKey()) {
      return { scenario: this.trained, label: this.trainedLabel };
    }
    this.hiddenSizes(); // a typing slip is refused before any request
    const scenario = this.scenarioFor(await postJson('/api/datasets', this.datasetRequest()));
    const init = `${scenario.init.scheme} initialisation, seed ${scenario.init.seed}`;
    return { scenario, label: `your network ${this.describe(scenario)}, before training (weights from ${init})` };
  }

  setBusy(busy) {
    this.q('#train').disabled = busy;
    this.q('#stop').disabled = !busy;
    this.root.classList.toggle('busy', busy);
  }

  status(msg, cls = '') {
    const s = this.q('#train-status');
    s.textContent = msg;
    s.className = `status ${cls}`;
  }

  async start() {
    if (this.controller) return;
    this.controller = new AbortController();
    this.setBusy(true);
    this.trained = null;
    this.trainedKey = this.formKey();
    this.q('#handoff-box').hidden = true;
    this.history = { train: [], test: [] };
    this.q('#progress').value = 0;
    try {
      this.hiddenSizes(); // a typing slip is refused before any request
      this.status('Generating data…');
      const data = await postJson('/api/datasets', this.datasetRequest(), this.controller.signal);
      this.data = data;
      const scenario = this.scenarioFor(data);
      this.epochs = this.number('epochs');
      this.drawData(null, null);
      const req = {
        scenario,
        epochs: this.epochs,
        batch_size: this.number('batch_size'),
        clip_norm: this.number('clip_norm'),
        target_loss: this.number('target_loss'),
        accumulate_grads: this.field('accumulate').checked,
        time_budget: 60,
        report_every: Math.max(1, Math.round(this.epochs / 50)),
        grid: data.features === 2 ? 36 : 0,
      };
      if (data.test_inputs.length) {
        req.test_inputs = data.test_inputs;
        req.test_targets = data.test_targets;
      }
      this.status(`Training ${arrows(scenario.layers)}…`);
      await streamTraining(req, (name, ev) => this.onEvent(name, ev, scenario), this.controller.signal);
    } catch (err) {
      if (err.name === 'AbortError') {
        const n = this.history.train.length;
        this.status(`Stopped by you after ${n.toLocaleString()} epochs.`, 'warn');
      } else {
        this.status(err instanceof ApiError ? err.messages.join(' · ') : err.message, 'error');
      }
    } finally {
      this.controller = null;
      this.setBusy(false);
    }
  }

  stop() {
    if (this.controller) this.controller.abort();
  }

  onEvent(name, ev, scenario) {
    if (name === 'progress') {
      this.history.train.push(...ev.train_loss);
      if (ev.test_loss) this.history.test.push(...ev.test_loss);
      this.q('#progress').value = ev.epoch / ev.epochs;
      const last = ev.train_loss[ev.train_loss.length - 1];
      this.q('#epoch-readout').textContent = `epoch ${ev.epoch.toLocaleString()} of ${ev.epochs.toLocaleString()} · loss ${fmt(last, 5)}`;
      this.scheduleDraw(ev);
    } else if (name === 'done') {
      this.finish(ev, scenario);
    }
  }

  scheduleDraw(ev) {
    this.pending = ev;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.drawLoss();
      this.drawData(this.pending.grid, this.pending.curve);
    });
  }

  finish(res, scenario) {
    this.history.train = res.train_loss;
    this.history.test = res.test_loss ?? [];
    this.drawLoss(res.diverged);
    this.drawData(res.grid, res.curve);
    this.q('#progress').value = res.epochs_run / this.epochs;
    const parts = [
      `${STOP_REASONS[res.stopped]} after ${res.epochs_run.toLocaleString()} epochs (${res.updates.toLocaleString()} updates, ${res.seconds.toFixed(2)} s)`,
      `final loss ${fmt(res.final_train_loss, 6)}`,
    ];
    if (res.final_test_loss !== null) parts.push(`test loss ${fmt(res.final_test_loss, 6)}`);
    if (res.train_accuracy !== null) parts.push(`accuracy ${(100 * res.train_accuracy).toFixed(1)} %`);
    if (res.test_accuracy !== null) parts.push(`test accuracy ${(100 * res.test_accuracy).toFixed(1)} %`);
    if (res.clipped_updates) parts.push(`${res.clipped_updates} updates clipped`);
    this.status(parts.join(' · '), res.diverged ? 'error' : 'ok');
    if (res.diverged) this.status(`${res.diverged.message}`, 'error');
    this.showPredictions(res);
    if (res.scenario) {
      this.trained = res.scenario;
      const epochs = `${res.epochs_run.toLocaleString()} epoch${res.epochs_run === 1 ? '' : 's'}`;
      this.trainedLabel = `your network ${this.describe(res.scenario)}, after ${epochs} of training`;
      const pick = this.q('#handoff-sample');
      pick.replaceChildren(new Option('the whole batch', 'batch'));
      res.scenario.inputs.slice(0, 50).forEach((x, i) => {
        pick.appendChild(new Option(`sample ${i + 1}: (${x.map((v) => fmt(v, 3)).join(', ')})`, String(i)));
      });
      this.q('#handoff-box').hidden = false;
      this.handOff();
    }
    void scenario;
    this.root.dispatchEvent(new CustomEvent('trained'));
  }

  showPredictions(res) {
    const box = this.q('#predictions');
    box.replaceChildren();
    if (res.predictions.length > 8) return;
    const table = document.createElement('table');
    table.innerHTML = '<thead><tr><th>input</th><th>target</th><th>prediction</th><th>rounded</th></tr></thead>';
    const body = document.createElement('tbody');
    res.predictions.forEach((p, i) => {
      const tr = document.createElement('tr');
      const cells = [
        `(${res.scenario ? res.scenario.inputs[i].join(', ') : this.data.inputs[i].join(', ')})`,
        this.data.targets[i].join(', '),
        p.map((v) => fmt(v, 6)).join(', '),
        p.map((v) => (v === null ? '—' : v.toFixed(2))).join(', '),
      ];
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    });
    table.appendChild(body);
    box.appendChild(table);
  }

  drawLoss(diverged = null) {
    const series = [{ name: 'train', cls: 'train', points: this.history.train.map((v, i) => [i, v]) }];
    if (this.history.test.length) {
      series.push({ name: 'test', cls: 'test', points: this.history.test.map((v, i) => [i, v]) });
    }
    const marks = diverged ? [{ x: diverged.step, label: `non-finite after update ${diverged.step}`, cls: 'bad' }] : [];
    lineChart(this.q('#loss-chart'), series, {
      logY: true,
      xDomain: [0, Math.max(this.epochs ?? 1, 1)],
      xLabel: 'epoch',
      label: 'loss per epoch',
      marks,
      height: 320,
    });
    legend(this.q('#loss-legend'), [
      { cls: 'train', label: 'training loss' },
      ...(this.history.test.length ? [{ cls: 'test', label: 'test loss' }] : []),
    ]);
  }

  drawData(grid, curve) {
    const data = this.data;
    if (!data) return;
    const plane = this.q('#boundary');
    const curveBox = this.q('#curve');
    plane.hidden = data.features !== 2;
    curveBox.hidden = data.features !== 1;
    this.q('#neurons-box').hidden = data.features !== 2;
    if (data.features === 2) {
      drawBoundary(plane, grid, data);
      drawNeurons(this.q('#neurons'), grid);
    } else if (data.features === 1) {
      this.drawCurve(curve);
    }
  }

  drawCurve(curve) {
    const data = this.data;
    const pts = (xs, ys) => xs.map((x, i) => [x[0], ys[i][0]]);
    const series = curve ? [{ name: 'fit', cls: 'fit', points: curve.x.map((x, i) => [x, curve.y[i][0]]) }] : [];
    const ys = [...data.targets, ...data.test_targets].map((t) => t[0]);
    const { svg, sx, sy } = lineChart(this.q('#curve'), series, {
      xDomain: [data.extent[0], data.extent[1]],
      yDomain: [Math.min(...ys) - 0.3, Math.max(...ys) + 0.3],
      xLabel: 'x',
      label: 'fitted curve',
      width: 480,
      height: 440,
    });
    for (const [x, y] of pts(data.inputs, data.targets)) el('circle', { cx: sx(x), cy: sy(y), r: 5, class: 'pt train' }, svg);
    for (const [x, y] of pts(data.test_inputs, data.test_targets)) el('circle', { cx: sx(x), cy: sy(y), r: 5, class: 'pt test' }, svg);
    if (!curve) text(svg, 120, 40, 'data only — train to see the fit', 'tick');
  }

  /** The hand-off is a plain link: the lesson rides in the URL hash, as the page's own links do. */
  handOff() {
    if (!this.trained) return;
    const pick = this.q('#handoff-sample').value;
    const sc = { ...this.trained };
    if (pick !== 'batch') {
      // one chosen sample: the next iteration's gradient is that sample's alone
      sc.inputs = [sc.inputs[Number(pick)]];
      sc.targets = [sc.targets[Number(pick)]];
    }
    this.q('#handoff').href = `/${encodeHash({ ...VIEW_DEFAULTS, presetId: null, scenario: sc, cursor: 0 })}`;
  }

  async copyScenario() {
    if (!this.trained) return;
    const json = JSON.stringify(this.trained, null, 1);
    this.q('#scenario-json').value = json;
    this.q('#scenario-json').hidden = false;
    try {
      await navigator.clipboard.writeText(json);
      this.q('#copy-scenario').textContent = 'Copied';
    } catch {
      this.q('#scenario-json').select();
    }
  }
}
