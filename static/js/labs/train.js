// The training panel: dataset and network form, live loss curve over SSE, progress, Stop,
// decision boundary, per-neuron maps, fitted curve, and the hand-off to the step-through view.

import { catalog } from '../catalog.js';
import { DEFAULTS as VIEW_DEFAULTS } from '../store.js';
import { encodeHash } from '../url-state.js';
import { api, messagesOf } from '../api.js';
import { el as html } from '../dom.js';
import { formatSignificant as fmt } from '../format.js';
import { el, text } from '../svg.js';
import { legend, lineChart } from './charts.js';
import { drawBoundary, drawKey, drawNeurons } from './heatmap.js';
import { handOffPlan, trainedPlan } from './handoff.js';
import { HiddenLayersError, arrows, describeHidden, parseHidden } from './hidden.js';
import { createLabsLedger } from './ledger.js';
import { createLrGuide } from '../lr-guide.js';

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

/** Each data set's own η (for plain SGD): the twins' SGD starts there when A runs Adam's scale. */
export const DATASET_LR = Object.fromEntries(Object.entries(DEFAULTS).map(([k, d]) => [k, d.lr]));

/** Why a run ended, in words (the API's `stopped`); the twins' panel says it too. */
const upperFirst = (s) => s.charAt(0).toUpperCase() + s.slice(1);

export const STOP_REASONS = {
  epochs: 'all epochs done',
  target_loss: 'target loss reached',
  time: 'time budget used up',
  diverged: 'diverged',
  cancelled: 'stopped',
};

/**
 * The training panel in `root`. `currentNetwork()` resolves to the network it holds now, for the
 * labs that examine one; `onTrained()` is called after each training run that finishes.
 */
export function createTrainPanel(root, { onTrained = () => {} } = {}) {
  const form = root.querySelector('#train-form');
  const q = (sel) => root.querySelector(sel);
  const labsLedger = createLabsLedger(q('#handoff-box'), q('#boundary'));
  const field = (id) => form.elements.namedItem(id);
  let controller = null;
  let history = { train: [], test: [] };
  // η follows the optimizer menu while it is the data set's own (lr-guide.js, as the step page's)
  const optimizerEntry = () => (catalog().optimizers || []).find((o) => o.name === (field('optimizer')?.value ?? 'sgd')) ?? null;
  const lrGuide = q('#lr-note')
    ? createLrGuide({ input: field('lr'), note: q('#lr-note'), text: q('#lr-note-text'), button: q('#lr-back'), whose: 'the data set’s' })
    : null;
  let data = null;
  let epochs = null;
  let trained = null; // the trained scenario, with the form's settings it was trained with
  let trainedKey = null;
  let trainedLabel = '';
  let trainedUpdates = 0; // updates the trained network had: the step page continues from there
  let pending = null; // the latest progress event, drawn in the next frame
  let last = null; // the latest progress event: the run so far, its weights for a small network
  let request = null; // the running request: its scenario and test set rebuild a stopped run
  let frame = null;

  function applyDefaults() {
    const name = field('dataset').value;
    const d = DEFAULTS[name];
    field('hidden').value = d.hidden;
    field('activation').value = d.act;
    field('lr').value = d.lr;
    if (field('optimizer')) field('optimizer').value = 'sgd'; // the tutorial's update
    lrGuide?.fill({ learning_rate: d.lr }, optimizerEntry());
    field('epochs').value = d.epochs;
    field('noise').value = d.noise;
    field('samples').value = d.samples;
    q('#csv-row').hidden = name !== 'custom';
    showHidden();
    showTutorialNote();
  }

  /** Whether the form holds the tutorial's XOR program, which the note under it promises: its
   *  network, η and plain full-batch SGD on all four samples (the epochs only say how long). */
  function tutorialProgram() {
    if (field('dataset').value !== 'xor') return false;
    const d = DEFAULTS.xor;
    const blank = (id) => field(id).value.trim() === '';
    let hidden;
    try {
      hidden = hiddenSizes();
    } catch {
      return false;
    }
    return hidden.length === 1 && String(hidden[0]) === d.hidden && field('activation').value === d.act
      && Number(field('lr').value) === d.lr && (field('optimizer')?.value ?? 'sgd') === 'sgd'
      && blank('batch_size') && blank('clip_norm') && Number(field('test_fraction').value || 0) === 0
      && !field('accumulate').checked;
  }
  const showTutorialNote = () => {
    q('#tutorial-note').hidden = !tutorialProgram();
  };

  /** The neurons per hidden layer typed in the field, within the API's limits. */
  function hiddenSizes() {
    const { width, hidden_layers: hiddenLayers } = catalog().limits;
    return parseHidden(field('hidden').value, { maxWidth: width, maxLayers: hiddenLayers });
  }

  /** Says under the field what it means: "2 hidden layers of 8 neurons each: inputs → 8 → 8 → output". */
  function showHidden() {
    const out = q('#hidden-readout');
    try {
      const sizes = hiddenSizes();
      out.textContent = `${describeHidden(sizes)}: ${arrows(['inputs', ...sizes, 'output'])}`;
      out.className = 'hint';
      field('hidden').removeAttribute('aria-invalid');
    } catch (err) {
      if (!(err instanceof HiddenLayersError)) throw err;
      out.textContent = err.message;
      out.className = 'hint error';
      field('hidden').setAttribute('aria-invalid', 'true');
    }
  }

  function number(id, fallback = null) {
    const raw = field(id).value.trim();
    if (raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new Error(`${field(id).dataset.label ?? id}: “${raw}” is not a number`);
    return v;
  }

  function datasetRequest() {
    const name = field('dataset').value;
    const common = { seed: number('seed', 0), test_fraction: number('test_fraction', 0) };
    if (name === 'custom') return { csv: field('csv').value, task: field('task').value, ...common };
    return { name, samples: number('samples', null), noise: number('noise', 0), ...common };
  }

  function scenarioFor(d) {
    const hidden = hiddenSizes();
    const act = field('activation').value;
    const multi = d.outputs > 1;
    const out = d.task === 'regression' ? 'linear' : multi ? 'softmax' : 'sigmoid';
    const tutorial = DEFAULTS[field('dataset').value].init === 'tutorial' && hidden.length === 1;
    return {
      layers: [d.features, ...hidden, d.outputs],
      activations: [...hidden.map(() => act), out],
      loss: multi ? 'cross_entropy' : 'mse',
      init: tutorial ? { scheme: 'normal', seed: 42, scale: 0.5 } : { scheme: initFor(act), seed: number('seed', 0) },
      inputs: d.inputs,
      targets: d.targets,
      learning_rate: number('lr'),
      // the optimizer with PyTorch's defaults (the step page's Network panel sets its fields)
      ...(field('optimizer') && field('optimizer').value !== 'sgd' ? { optimizer: { name: field('optimizer').value } } : {}),
    };
  }

  /** What Train would send now, with its data, for the twin runs (static/js/labs/twins.js):
   *  { data, scenario, train: the training fields, dataset: the dataset's title }. */
  async function trainRequest(signal) {
    hiddenSizes(); // a typing slip is refused before any request
    const d = await api.datasets(datasetRequest(), signal);
    const train = {
      epochs: number('epochs'),
      batch_size: number('batch_size'),
      clip_norm: number('clip_norm'),
      target_loss: number('target_loss'),
      accumulate_grads: field('accumulate').checked,
    };
    return { data: d, scenario: scenarioFor(d), train, dataset: field('dataset').selectedOptions[0].textContent };
  }

  /** Every setting of the form: training is only "your network" while they stay the same. */
  const formKey = () => JSON.stringify([...new FormData(form)]);

  /** "2 → 8 → 8 → 1 (tanh hidden layers, sigmoid output, mse loss) on Two moons, 200 training samples" */
  function describe(scenario) {
    const dataset = field('dataset').selectedOptions[0].textContent;
    const n = scenario.inputs.length;
    const acts = scenario.activations;
    const hidden = acts.length > 1 ? `${acts[0]} hidden layer${acts.length > 2 ? 's' : ''}, ` : '';
    return `${arrows(scenario.layers)} (${hidden}${acts[acts.length - 1]} output, ${scenario.loss} loss) ` +
      `on ${dataset}, ${n.toLocaleString()} training sample${n === 1 ? '' : 's'}`;
  }

  /** The network the training panel holds now, for the labs that examine one: the trained one
   *  while the form is as it was trained, else the form's network at its initial weights. */
  async function currentNetwork() {
    if (trained && trainedKey === formKey()) return { scenario: trained, label: trainedLabel };
    hiddenSizes(); // a typing slip is refused before any request
    const scenario = scenarioFor(await api.datasets(datasetRequest()));
    const init = `${scenario.init.scheme} initialisation, seed ${scenario.init.seed}`;
    return { scenario, label: `your network ${describe(scenario)}, before training (weights from ${init})` };
  }

  function setBusy(busy) {
    q('#train').disabled = busy;
    q('#stop').disabled = !busy;
    root.classList.toggle('busy', busy);
  }

  function status(msg, cls = '') {
    const s = q('#train-status');
    s.textContent = msg;
    s.className = `status ${cls}`;
  }

  async function start() {
    if (controller) return;
    controller = new AbortController();
    clearTimeout(previewTimer); // a data preview still under way must not draw over this run
    previewing?.abort();
    runs += 1;
    setBusy(true);
    trained = null;
    trainedKey = formKey();
    last = null;
    request = null;
    // nothing of an earlier run stays on screen: its predictions, neurons and hand-off go
    q('#handoff-box').hidden = true;
    labsLedger.hide();
    q('#predictions').replaceChildren();
    q('#neurons').replaceChildren();
    q('#scenario-json').hidden = true;
    history = { train: [], test: [] };
    q('#progress').value = 0;
    q('#epoch-readout').textContent = 'not started';
    try {
      hiddenSizes(); // a typing slip is refused before any request
      status('Generating data…');
      data = await api.datasets(datasetRequest(), controller.signal);
      const scenario = scenarioFor(data);
      epochs = number('epochs');
      drawData(null, null);
      const req = {
        scenario,
        epochs,
        batch_size: number('batch_size'),
        clip_norm: number('clip_norm'),
        target_loss: number('target_loss'),
        accumulate_grads: field('accumulate').checked,
        time_budget: 60,
        report_every: Math.max(1, Math.round(epochs / 50)),
        grid: data.features === 2 ? 36 : 0,
      };
      if (data.test_inputs.length) {
        req.test_inputs = data.test_inputs;
        req.test_targets = data.test_targets;
      }
      status(`Training ${arrows(scenario.layers)}…`);
      request = req;
      await api.train(req, onEvent, controller.signal);
    } catch (err) {
      if (err.name === 'AbortError') {
        await stopped();
      } else {
        status(messagesOf(err).join(' · '), 'error');
      }
    } finally {
      controller = null;
      setBusy(false);
    }
  }

  const stop = () => controller && controller.abort();

  /** After Stop: the run as the last progress event left it, in every panel. The event carries
   *  the weights and biases of a network up to catalog().limits.streamed_parameters; the server,
   *  which kept nothing, answers that network's predictions and maps (POST /api/labs/predict). */
  async function stopped() {
    const ev = last;
    const n = ev ? ev.epoch : 0;
    const epochsRun = `${n.toLocaleString()} epoch${n === 1 ? '' : 's'}`;
    const said = `Stopped by you after ${epochsRun}`;
    if (!ev || !request) {
      status(`${said}, before the first progress report: nothing trained to show.`, 'warn');
      drawData(null, null);
      return;
    }
    if (!ev.weights) {
      const count = request.scenario.layers.slice(1).reduce((s, k, i) => s + k * (request.scenario.layers[i] + 1), 0);
      const limit = catalog().limits.streamed_parameters;
      status(`${said}. The loss curve and the plane show the run as it was then, but its predictions and the step-through ` +
        `hand-off cannot be shown: the network has ${count.toLocaleString()} parameters, and progress reports carry the weights ` +
        `only of networks with at most ${limit.toLocaleString()}, to keep the stream light. Let a run this large finish to step through it.`, 'warn');
      return;
    }
    const scenario = { ...request.scenario, weights: ev.weights, biases: ev.biases };
    delete scenario.init;
    const body = { scenario, grid: request.grid };
    if (request.test_inputs) Object.assign(body, { test_inputs: request.test_inputs, test_targets: request.test_targets });
    status(`${said}: working out its predictions…`, 'warn');
    let res;
    try {
      res = await api.post('/api/labs/predict', body);
    } catch (err) {
      status(`${said}; its predictions could not be worked out: ${messagesOf(err).join(' · ')}`, 'error');
      return;
    }
    drawLoss();
    drawData(res.grid, res.curve);
    // the loss of the weights it stopped at, not the last epoch's (the readout's and the curve's:
    // measured in that epoch, before its update)
    const parts = [`${said} (${ev.updates.toLocaleString()} updates)`, `loss with the weights it stopped at ${fmt(res.loss, 6)}`];
    if (res.test_loss !== null) parts.push(`test loss ${fmt(res.test_loss, 6)}`);
    if (res.accuracy !== null) parts.push(`accuracy ${(100 * res.accuracy).toFixed(1)} %`);
    if (res.test_accuracy !== null) parts.push(`test accuracy ${(100 * res.test_accuracy).toFixed(1)} %`);
    status(parts.join(' · '), 'warn');
    showPredictions(res);
    if (res.scenario) showTrained(res.scenario, `after ${epochsRun} of training (stopped)`, ev.updates);
    onTrained();
  }

  // The data is plotted as soon as it is chosen, before any training: what will the network see?
  let previewTimer = 0;
  let previewing = null;
  let runs = 0; // training runs started: a preview asked for before one is stale
  function preview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(async () => {
      if (controller) return;
      previewing?.abort();
      previewing = new AbortController();
      const asked = runs;
      try {
        const d = await api.datasets(datasetRequest(), previewing.signal);
        if (controller || asked !== runs) return;
        data = d;
        history = { train: [], test: [] };
        drawLoss();
        drawData(null, null);
        q('#predictions').replaceChildren();
        labsLedger.hide(); // new data: the last run's ledger and ring no longer fit the plot
        status(`${d.inputs.length.toLocaleString()} training samples${d.test_inputs.length ? `, ${d.test_inputs.length.toLocaleString()} for testing` : ''}. Press Train.`);
      } catch (err) {
        if (err.name === 'AbortError') return;
        status(messagesOf(err).join(' · '), 'error');
      }
    }, 250);
  }

  /** A CSV file, chosen or dropped on the data panel, goes into the text box and is read. */
  async function readCsv(file) {
    if (!file) return;
    if (file.size > catalog().limits.csv_chars * 4) {
      status(`${file.name} is ${file.size.toLocaleString()} bytes: too large for a dataset here`, 'error');
      return;
    }
    field('dataset').value = 'custom';
    applyDefaults();
    field('csv').value = await file.text();
    status(`Read ${file.name}.`);
    preview();
  }

  function onEvent(name, ev) {
    if (name === 'progress') {
      last = ev;
      history.train.push(...ev.train_loss);
      if (ev.test_loss) history.test.push(...ev.test_loss);
      q('#progress').value = ev.epoch / ev.epochs;
      const loss = ev.train_loss[ev.train_loss.length - 1];
      q('#epoch-readout').textContent = `epoch ${ev.epoch.toLocaleString()} of ${ev.epochs.toLocaleString()} · loss ${fmt(loss, 5)}`;
      scheduleDraw(ev);
    } else if (name === 'done') {
      finish(ev);
    }
  }

  function scheduleDraw(ev) {
    pending = ev;
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = null;
      drawLoss();
      drawData(pending.grid, pending.curve);
    });
  }

  function finish(res) {
    history.train = res.train_loss;
    history.test = res.test_loss ?? [];
    drawLoss(res.diverged);
    drawData(res.grid, res.curve);
    q('#progress').value = res.epochs_run / epochs;
    const parts = [
      // "All 5,000 epochs done (…)", "Target loss reached after 812 epochs (…)": a sentence's start
      (res.stopped === 'epochs'
        ? (res.epochs_run === 1 ? 'The one epoch done' : `All ${res.epochs_run.toLocaleString()} epochs done`)
        : `${upperFirst(STOP_REASONS[res.stopped])} after ${res.epochs_run.toLocaleString()} epoch${res.epochs_run === 1 ? '' : 's'}`) +
        ` (${res.updates.toLocaleString()} updates, ${res.seconds.toFixed(2)} s)`,
      `loss with the final weights ${fmt(res.final_train_loss, 6)}`, // not the last epoch's (before its update)
    ];
    if (res.final_test_loss !== null) parts.push(`test loss ${fmt(res.final_test_loss, 6)}`);
    if (res.train_accuracy !== null) parts.push(`accuracy ${(100 * res.train_accuracy).toFixed(1)} %`);
    if (res.test_accuracy !== null) parts.push(`test accuracy ${(100 * res.test_accuracy).toFixed(1)} %`);
    if (res.clipped_updates) parts.push(`${res.clipped_updates} updates clipped`);
    status(parts.join(' · '), res.diverged ? 'error' : 'ok');
    if (res.diverged) status(`${res.diverged.message}`, 'error');
    showPredictions(res);
    if (res.scenario) {
      const n = `${res.epochs_run.toLocaleString()} epoch${res.epochs_run === 1 ? '' : 's'}`;
      showTrained(res.scenario, `after ${n} of training`, res.updates);
    }
    onTrained();
  }

  /** The trained (or stopped) network becomes "your network" and the hand-off's lesson. */
  function showTrained(scenario, when, updates = 0) {
    trained = scenario;
    trainedUpdates = updates;
    trainedLabel = `your network ${describe(scenario)}, ${when}`;
    const pick = q('#handoff-sample');
    pick.replaceChildren(new Option('the whole batch', 'batch'));
    scenario.inputs.slice(0, 50).forEach((x, i) => {
      pick.appendChild(new Option(`sample ${i + 1}: (${x.map((v) => fmt(v, 3)).join(', ')})`, String(i)));
    });
    q('#handoff-box').hidden = false;
    handOff();
    labsLedger.show(scenario, data);
  }

  function showPredictions(res) {
    const box = q('#predictions');
    box.replaceChildren();
    if (res.predictions.length > 8) return;
    const row = (tag, cells) => html('tr', {}, cells.map((c) => html(tag, { text: c })));
    const rows = res.predictions.map((p, i) => row('td', [
      `(${res.scenario ? res.scenario.inputs[i].join(', ') : data.inputs[i].join(', ')})`,
      data.targets[i].join(', '),
      p.map((v) => fmt(v, 6)).join(', '),
      p.map((v) => (v === null ? '—' : v.toFixed(2))).join(', '),
    ]));
    const head = html('thead', {}, [row('th', ['input', 'target', 'prediction', 'rounded'])]);
    box.appendChild(html('table', {}, [head, html('tbody', {}, rows)]));
  }

  function drawLoss(diverged = null) {
    const series = [{ name: 'train', cls: 'train', points: history.train.map((v, i) => [i, v]) }];
    if (history.test.length) series.push({ name: 'test', cls: 'test', points: history.test.map((v, i) => [i, v]) });
    const marks = diverged ? [{ x: diverged.step, label: `non-finite after update ${diverged.step}`, cls: 'bad' }] : [];
    lineChart(q('#loss-chart'), series, {
      logY: true,
      xDomain: [0, Math.max(epochs ?? 1, 1)],
      xLabel: 'epoch',
      label: 'loss per epoch',
      marks,
      height: 320,
    });
    legend(q('#loss-legend'), [
      { cls: 'train', label: 'training loss' },
      ...(history.test.length ? [{ cls: 'test', label: 'test loss' }] : []),
    ]);
  }

  function drawData(grid, curve) {
    if (!data) return;
    const plane = q('#boundary');
    plane.hidden = data.features !== 2;
    q('#curve').hidden = data.features !== 1;
    q('#neurons-box').hidden = data.features !== 2 || !grid;
    q('#boundary-key').hidden = data.features !== 2;
    if (data.features === 2) {
      drawBoundary(plane, grid, data);
      drawKey(q('#boundary-key'), data, grid);
      drawNeurons(q('#neurons'), grid);
    } else if (data.features === 1) {
      drawCurve(curve);
    }
  }

  function drawCurve(curve) {
    const pts = (xs, ys) => xs.map((x, i) => [x[0], ys[i][0]]);
    const series = curve ? [{ name: 'fit', cls: 'fit', points: curve.x.map((x, i) => [x, curve.y[i][0]]) }] : [];
    const ys = [...data.targets, ...data.test_targets].map((t) => t[0]);
    const { svg, sx, sy } = lineChart(q('#curve'), series, {
      xDomain: [data.extent[0], data.extent[1]],
      yDomain: [Math.min(...ys) - 0.3, Math.max(...ys) + 0.3],
      xLabel: 'x',
      label: 'fitted curve',
      width: 480,
      height: 440,
    });
    for (const [x, y] of pts(data.inputs, data.targets)) el('circle', { cx: sx(x), cy: sy(y), r: 5, class: 'pt train' }, svg);
    for (const [x, y] of pts(data.test_inputs, data.test_targets)) el('circle', { cx: sx(x), cy: sy(y), r: 5, class: 'pt test' }, svg);
    if (!curve) text({ x: 120, y: 40, class: 'tick', 'text-anchor': 'start' }, 'data only — train to see the fit', svg);
  }

  /** The hand-off is a plain link: the lesson rides in the URL hash, as the page's own links do.
   *  It continues the run (handoff.js): the initial scenario at the next iteration when the
   *  server can recompute it, else the trained weights, with a note on what is lost. */
  let handing = 0;
  async function handOff() {
    if (!trained || !request) return;
    const asked = (handing += 1);
    const link = q('#handoff');
    const pick = q('#handoff-sample').value;
    const href = (p) => `/${encodeHash({ ...VIEW_DEFAULTS, presetId: null, scenario: p.scenario, cursor: 0, iteration: p.iteration })}`;
    link.href = href(trainedPlan(trained, pick)); // at once; the run's own next iteration when it can be
    const plan = await handOffPlan({ request, trained, updates: trainedUpdates, pick });
    if (asked !== handing || !trained) return; // a later choice, or a new run, is on its way
    link.href = href(plan);
    let note = q('#handoff-note');
    if (!note) {
      note = html('p', { attrs: { id: 'handoff-note', class: 'handoff-note' } });
      link.before(note);
    }
    note.textContent = plan.note;
  }

  async function copyScenario() {
    if (!trained) return;
    const json = JSON.stringify(trained, null, 1);
    q('#scenario-json').value = json;
    q('#scenario-json').hidden = false;
    try {
      await navigator.clipboard.writeText(json);
      q('#copy-scenario').textContent = 'Copied';
    } catch {
      q('#scenario-json').select();
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    start();
  });
  q('#stop').addEventListener('click', stop);
  q('#dataset').addEventListener('change', () => {
    applyDefaults();
    preview();
  });
  for (const name of ['samples', 'noise', 'seed', 'test_fraction', 'csv', 'task']) {
    field(name).addEventListener('input', preview);
    field(name).addEventListener('change', preview);
  }
  q('#csv-file').addEventListener('change', (e) => readCsv(e.target.files[0]));
  const drop = q('#data-panel');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('dropping');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dropping'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('dropping');
    readCsv(e.dataTransfer.files[0]);
  });
  field('hidden').addEventListener('input', showHidden);
  // the note stays true: it goes when a setting leaves the tutorial's program (Adam, another η…)
  form.addEventListener('input', showTutorialNote);
  form.addEventListener('change', showTutorialNote);
  field('optimizer')?.addEventListener('change', () => lrGuide?.changed(optimizerEntry()));
  q('#handoff-sample').addEventListener('change', handOff);
  q('#copy-scenario').addEventListener('click', copyScenario);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && controller) stop();
  });
  applyDefaults();
  drawLoss();
  preview();

  return { root, currentNetwork, start, stop, trainRequest, form };
}
