// Twin runs: the training panel's network (A) and its twin (B), trained in lockstep by one stream
// (POST /api/train/twins/stream): same seed, same data, same batch order; they differ in the one
// setting chosen here. Both loss curves share one chart; the two decision boundaries sit side by
// side on the same axes; Stop stops both and shows both as they were; the hand-off opens each
// twin in the step-through view at the same cursor.

import { catalog } from '../catalog.js';
import { DEFAULTS as VIEW_DEFAULTS } from '../store.js';
import { encodeHash } from '../url-state.js';
import { api, messagesOf } from '../api.js';
import { el as html } from '../dom.js';
import { formatSignificant as fmt } from '../format.js';
import { text } from '../svg.js';
import { legend, lineChart } from './charts.js';
import { drawBoundary, drawKey } from './heatmap.js';
import { handOffPlan, trainedPlan } from './handoff.js';
import { arrows } from './hidden.js';
import { DATASET_LR, STOP_REASONS } from './train.js';

export const SETTINGS = {
  learning_rate: 'Learning rate η',
  init: 'Initialisation',
  activation: 'Activation',
  optimizer: 'Optimizer',
  batch_size: 'Batch size',
};

const SCHEMES = ['normal', 'xavier', 'he', 'uniform'];

const optimizers = () => catalog().optimizers || [];
const optimizerOf = (name) => optimizers().find((o) => o.name === name);
const activationTitle = (name) => (catalog().activations || []).find((a) => a.name === name)?.title ?? name;
const plural = (n, word) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;

/** An optimizer's name and the hyperparameters that differ from PyTorch's defaults. */
export function describeOptimizer(opt) {
  const spec = optimizerOf(opt?.name ?? 'sgd');
  if (!spec) return opt?.name ?? 'SGD';
  const changed = spec.fields
    .filter((f) => opt && opt[f.name] !== undefined && JSON.stringify(opt[f.name]) !== JSON.stringify(f.default))
    .map((f) => {
      const v = opt[f.name];
      if (f.kind === 'bool') return v ? f.name : `no ${f.name}`;
      if (f.kind === 'pair') return `${f.symbol || f.name} ${v.map((x) => fmt(x, 4)).join(', ')}`;
      return `${f.symbol || f.name} = ${fmt(v, 4)}`;
    });
  return changed.length ? `${spec.title} (${changed.join(', ')})` : spec.title;
}

function describeInit(init) {
  const scale = init.scheme === 'normal' || init.scheme === 'uniform' ? `, scale ${fmt(init.scale ?? 0.5, 4)}` : '';
  return `${init.scheme} init, seed ${init.seed ?? 0}${scale}`;
}

/** The value of `setting` in a run: what the twin's title and the colour key name it by. */
export function describeSetting(setting, { scenario, train }, layer = null) {
  switch (setting) {
    case 'learning_rate':
      return `η = ${fmt(scenario.learning_rate, 6)}`;
    case 'init':
      return scenario.init ? describeInit(scenario.init) : 'the given weights';
    case 'activation': {
      const acts = scenario.activations;
      if (layer) return `${activationTitle(acts[layer - 1])} in layer ${layer}`;
      const hidden = [...new Set(acts.slice(0, -1))];
      return `${hidden.map(activationTitle).join(' / ')} hidden`;
    }
    case 'optimizer': // with its η: each optimizer's step is on its own scale (typical_lr)
      return `${describeOptimizer(scenario.optimizer)}, η = ${fmt(scenario.learning_rate, 6)}`;
    case 'batch_size':
      return train.batch_size ? `batch size ${train.batch_size}` : 'full batch';
    default:
      return setting;
  }
}

/** The twin's run: A's scenario and training fields with the one setting changed (as the server
 *  makes it: app/api/twins.py), for titles and for rebuilding a stopped twin. */
export function applyTwin(run, twin) {
  const scenario = { ...run.scenario };
  const train = { ...run.train };
  if (twin.setting === 'learning_rate') scenario.learning_rate = twin.learning_rate;
  if (twin.setting === 'init') {
    scenario.init = twin.init;
    delete scenario.weights;
    delete scenario.biases;
  }
  if (twin.setting === 'activation') {
    const acts = [...scenario.activations];
    if (twin.layer) acts[twin.layer - 1] = twin.activation;
    else acts.fill(twin.activation, 0, acts.length - 1);
    scenario.activations = acts;
  }
  if (twin.setting === 'optimizer') {
    if (twin.optimizer) scenario.optimizer = twin.optimizer;
    else delete scenario.optimizer;
    if (twin.learning_rate != null) scenario.learning_rate = twin.learning_rate; // its own η
  }
  if (twin.setting === 'batch_size') train.batch_size = twin.batch_size;
  return { scenario, train };
}

/** The twin panel in `root`, reading its shared settings from the training panel. */
export function createTwinPanel(root, training) {
  const form = root.querySelector('#twin-form');
  const q = (sel) => root.querySelector(sel);
  const field = (name) => form.elements.namedItem(name);
  const trainField = (name) => training.form.elements.namedItem(name);
  let controller = null;
  let runs = null; // { a, b }: each { scenario, train } as sent
  let twinSpec = null;
  let data = null;
  let epochs = 1;
  let history = { a: [], b: [] };
  let last = null; // the latest progress event
  let pending = null;
  let frame = null;
  let titles = { a: 'A', b: 'B' };
  let lrTyped = false; // the twin optimizer's η was typed: kept as it is
  let trained = { a: null, b: null }; // trained scenarios, for the hand-off
  let trainedUpdates = { a: 0, b: 0 };

  // ── the form: what differs, and the twin's value ─────────────────────────────

  const input = (name, label, value, attrs = {}) =>
    html('label', {}, [label, html('input', { attrs: { name, value: String(value ?? ''), autocomplete: 'off', spellcheck: 'false', ...attrs } })]);
  const select = (name, label, options, value) => {
    const s = html('select', { attrs: { name } }, options.map(([v, t]) => new Option(t, v)));
    s.value = value;
    return html('label', {}, [label, s]);
  };

  /** A's settings as the training form holds them now (no data needed). */
  function formBase() {
    const hidden = trainField('hidden').value.split(/[\s,]+/).filter(Boolean).length;
    return {
      lr: Number(trainField('lr').value),
      act: trainField('activation').value,
      hidden,
      optimizer: trainField('optimizer')?.value ?? 'sgd',
      batch: trainField('batch_size').value.trim(),
      seed: Number(trainField('seed').value) || 0,
    };
  }

  function optimizerFields(name) {
    const spec = optimizerOf(name);
    const box = html('div', { cls: 'row twin-hypers' });
    for (const f of spec?.fields ?? []) {
      const label = `${f.symbol ? `${f.symbol} ` : ''}${f.name.replace('_', ' ')}`;
      if (f.kind === 'bool') {
        const cb = html('input', { attrs: { type: 'checkbox', name: `h_${f.name}` } });
        cb.checked = Boolean(f.default);
        box.append(html('label', { cls: 'check' }, [cb, ` ${f.name}`]));
      } else if (f.kind === 'pair') {
        // a pair's symbol names both ("β₁,β₂"): each box gets its own
        const names = (f.symbol || '').split(',').map((x) => x.trim());
        f.default.forEach((v, i) => box.append(input(`h_${f.name}_${i}`, names[i] || `${f.name}[${i}]`, v, { inputmode: 'decimal' })));
      } else {
        box.append(input(`h_${f.name}`, label, f.default, { inputmode: 'decimal', title: f.description }));
      }
    }
    return box;
  }

  const layerOptions = (hidden) => [['all', 'every hidden layer'], ...Array.from({ length: hidden }, (_, i) => [String(i + 1), `layer ${i + 1} only`])];

  /** The training panel's hidden layers changed: the layer menu follows, keeping its choice. */
  function refreshLayers() {
    const pick = field('twin_layer');
    if (pick) {
      const keep = pick.value;
      pick.replaceChildren(...layerOptions(formBase().hidden).map(([v, t]) => new Option(t, v)));
      pick.value = [...pick.options].some((o) => o.value === keep) ? keep : 'all';
    }
    showReadout();
  }

  /** The value fields for the chosen setting, starting at a value worth comparing with A's. */
  function showValueFields() {
    const box = q('#twin-value');
    const base = formBase();
    const what = field('what').value;
    box.replaceChildren();
    if (what === 'learning_rate') {
      const lr = Number.isFinite(base.lr) && base.lr > 0 ? (base.lr >= 1 ? base.lr / 10 : base.lr * 10) : 0.1;
      box.append(input('twin_lr', 'Twin’s η', +lr.toPrecision(6), { inputmode: 'decimal' }));
    } else if (what === 'init') {
      box.append(html('div', { cls: 'row' }, [
        select('twin_scheme', 'Twin’s scheme', SCHEMES.map((s) => [s, s]), 'xavier'),
        input('twin_init_seed', 'seed', base.seed + 1, { inputmode: 'numeric' }),
        input('twin_scale', 'scale', 0.5, { inputmode: 'decimal' }),
      ]));
    } else if (what === 'activation') {
      const acts = (catalog().activations || []).filter((a) => a.hidden);
      box.append(html('div', { cls: 'row' }, [
        select('twin_act', 'Twin’s activation', acts.map((a) => [a.name, a.title]), base.act === 'relu' ? 'tanh' : 'relu'),
        select('twin_layer', 'in', layerOptions(base.hidden), 'all'),
      ]));
    } else if (what === 'optimizer') {
      const pick = select('twin_opt', 'Twin’s optimizer', optimizers().map((o) => [o.name, o.title]), base.optimizer === 'adam' ? 'sgd' : 'adam');
      const name = pick.querySelector('select').value;
      const lr = input('twin_opt_lr', 'its η', usualLr(name), { inputmode: 'decimal', title: 'The twin’s learning rate: each optimizer has its own usual scale' });
      lrTyped = false;
      lr.querySelector('input').addEventListener('input', () => (lrTyped = true));
      box.append(pick, lr, optimizerFields(name));
      pick.querySelector('select').addEventListener('change', (e) => {
        box.querySelector('.twin-hypers').replaceWith(optimizerFields(e.target.value));
        showReadout();
      });
    } else if (what === 'batch_size') {
      box.append(input('twin_batch', 'Twin’s batch size', base.batch ? '' : 16, { inputmode: 'numeric', placeholder: 'full batch' }));
    }
    showReadout();
  }

  /** The η a twin optimizer starts at: its usual scale (the catalog's typical_lr; Adam's 0.05),
   *  else, for SGD, A's η when A is SGD too, or the data set's own (A's may be Adam's 0.05). */
  function usualLr(name) {
    const typical = optimizerOf(name)?.typical_lr;
    if (typical != null) return typical;
    const base = formBase();
    const sgdLike = optimizerOf(base.optimizer)?.typical_lr == null;
    return sgdLike && Number.isFinite(base.lr) && base.lr > 0 ? base.lr : DATASET_LR[trainField('dataset').value] ?? 0.5;
  }

  function number(name, label, { optional = false } = {}) {
    const raw = String(field(name)?.value ?? '').trim();
    if (raw === '' && optional) return null;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) throw new Error(`${label}: “${raw}” is not a number`);
    return v;
  }

  /** The `twin` of the request, read from the form (a typing slip is an Error naming its field). */
  function readTwin() {
    const what = field('what').value;
    if (what === 'learning_rate') return { setting: what, learning_rate: number('twin_lr', 'twin’s η') };
    if (what === 'init') {
      return { setting: what, init: { scheme: field('twin_scheme').value, seed: number('twin_init_seed', 'twin’s seed'), scale: number('twin_scale', 'twin’s scale') } };
    }
    if (what === 'activation') {
      const layer = field('twin_layer').value;
      return { setting: what, activation: field('twin_act').value, layer: layer === 'all' ? null : Number(layer) };
    }
    if (what === 'optimizer') {
      const name = field('twin_opt').value;
      const opt = { name };
      for (const f of optimizerOf(name)?.fields ?? []) {
        if (f.kind === 'bool') opt[f.name] = field(`h_${f.name}`).checked;
        else if (f.kind === 'pair') opt[f.name] = f.default.map((_, i) => number(`h_${f.name}_${i}`, `${f.name}[${i}]`));
        else opt[f.name] = number(`h_${f.name}`, f.name);
      }
      return { setting: what, optimizer: opt, learning_rate: number('twin_opt_lr', 'twin’s η') };
    }
    return { setting: what, batch_size: number('twin_batch', 'twin’s batch size', { optional: true }) };
  }

  /** "A: η = 1 (the training panel’s) · B: η = 0.1", and what both share, before any run. */
  function showReadout() {
    const out = q('#twin-readout');
    // the twin optimizer's η follows its menu and A's settings until a person types one
    const lrField = field('twin_opt_lr');
    if (lrField && !lrTyped) lrField.value = String(usualLr(field('twin_opt').value));
    try {
      const base = formBase();
      const twin = readTwin();
      const sc = {
        learning_rate: base.lr,
        activations: [...Array(base.hidden).fill(base.act), 'output'],
        optimizer: base.optimizer === 'sgd' ? undefined : { name: base.optimizer },
        init: null,
      };
      const a = { scenario: sc, train: { batch_size: base.batch ? Number(base.batch) : null } };
      const b = applyTwin(a, twin);
      const layer = twin.layer ?? null;
      // A's init as the training panel draws it (train.js): the tutorial's for XOR with one hidden
      // layer, else the activation's registered scheme, seeded by the data's seed
      const tutorial = trainField('dataset').value === 'xor' && base.hidden === 1;
      const scheme = (catalog().activations || []).find((x) => x.name === base.act)?.init ?? 'xavier';
      sc.init = tutorial ? { scheme: 'normal', seed: 42, scale: 0.5 } : { scheme, seed: base.seed };
      const aText = describeSetting(twin.setting, a, layer);
      out.textContent = `A: ${aText} (the training panel’s) · B: ${describeSetting(twin.setting, b, layer)}`;
      out.className = 'twin-readout';
    } catch (err) {
      out.textContent = err.message;
      out.className = 'twin-readout error';
    }
    showShared();
  }

  /** Everything the twins share, from the training panel, the differing setting left out. */
  function showShared() {
    const what = field('what').value;
    const t = (name) => trainField(name).value.trim();
    const ds = trainField('dataset').selectedOptions[0]?.textContent ?? '';
    const items = [
      ['data', `${ds}${t('samples') ? `, ${t('samples')} samples` : ''}${Number(t('noise')) ? `, noise ${t('noise')}` : ''}, seed ${t('seed') || 0}`],
      ['network', `${arrows(['inputs', ...t('hidden').split(/[\s,]+/).filter(Boolean), 'output'])}`],
      ['activation', what === 'activation' ? null : `${activationTitle(t('activation'))} hidden`],
      ['learning rate', what === 'learning_rate' || what === 'optimizer' ? null : `η = ${t('lr')}`],
      ['initialisation', what === 'init' ? null : 'the same initial weights'],
      ['optimizer', what === 'optimizer' ? null : (trainField('optimizer')?.selectedOptions[0]?.textContent ?? 'SGD')],
      ['batches', what === 'batch_size' ? 'same order (shuffle seed 0)' : `${t('batch_size') ? `batch size ${t('batch_size')}` : 'full batch'}, same order (shuffle seed 0)`],
      ['epochs', t('epochs')],
    ];
    if (t('clip_norm')) items.push(['clipping', `‖g‖ ≤ ${t('clip_norm')}`]);
    if (t('target_loss')) items.push(['stop at loss', t('target_loss')]);
    if (trainField('accumulate').checked) items.push(['zero_grad', 'forgotten']);
    q('#twin-shared').replaceChildren(
      ...items.filter(([, v]) => v !== null).map(([k, v]) => html('li', {}, [html('span', { cls: 'k', text: `${k}: ` }), v])),
    );
  }

  // ── a run ────────────────────────────────────────────────────────────────────

  function status(msg, cls = '') {
    const s = q('#twin-status');
    s.textContent = msg;
    s.className = `status ${cls}`;
  }

  function setBusy(busy) {
    q('#twin-train').disabled = busy;
    q('#twin-stop').disabled = !busy;
    root.classList.toggle('busy', busy);
  }

  function setTitles() {
    const layer = twinSpec.layer ?? null;
    titles = {
      a: describeSetting(twinSpec.setting, runs.a, layer),
      b: describeSetting(twinSpec.setting, runs.b, layer),
    };
    if (titles.a === titles.b) titles = { a: `${titles.a} (A)`, b: `${titles.b} (B)` };
    q('#twin-title-a').textContent = `A · ${titles.a}`;
    q('#twin-title-b').textContent = `B · ${titles.b}`;
  }

  async function start() {
    if (controller) return;
    controller = new AbortController();
    setBusy(true);
    last = null;
    linking += 1; // a hand-off still being worked out belongs to the last run
    trained = { a: null, b: null };
    history = { a: [], b: [] };
    q('#twin-handoff').hidden = true;
    q('#twin-progress').value = 0;
    results([['a', []], ['b', []]]);
    try {
      twinSpec = readTwin();
      status('Generating data…');
      const base = await training.trainRequest(controller.signal);
      data = base.data;
      runs = { a: { scenario: base.scenario, train: base.train }, b: null };
      runs.b = applyTwin(runs.a, twinSpec);
      epochs = base.train.epochs;
      setTitles();
      drawLoss();
      drawPlanes(null, null);
      const req = {
        scenario: base.scenario,
        ...base.train,
        twin: twinSpec,
        time_budget: 60, // for both twins together
        report_every: Math.max(1, Math.round(epochs / 50)),
        grid: data.features === 2 ? 36 : 0,
      };
      if (data.test_inputs.length) Object.assign(req, { test_inputs: data.test_inputs, test_targets: data.test_targets });
      runs.request = req;
      status(`Training the twins ${arrows(base.scenario.layers)} in lockstep…`);
      await api.train(req, onEvent, controller.signal, '/api/train/twins/stream');
    } catch (err) {
      if (err.name === 'AbortError') await stopped();
      else status(messagesOf(err).join(' · '), 'error');
    } finally {
      controller = null;
      setBusy(false);
    }
  }

  const stop = () => controller && controller.abort();

  function onEvent(name, ev) {
    if (name === 'progress') {
      last = ev;
      history.a.push(...ev.a.train_loss);
      history.b.push(...ev.b.train_loss);
      q('#twin-progress').value = ev.epoch / ev.epochs;
      const end = (h) => fmt(h[h.length - 1], 4);
      q('#twin-readout-epoch').textContent = `epoch ${ev.epoch.toLocaleString()} of ${ev.epochs.toLocaleString()} · loss A ${end(history.a)} · B ${end(history.b)}`;
      pending = ev;
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = null;
          drawLoss();
          drawPlanes(pending.a.grid, pending.b.grid);
        });
      }
    } else if (name === 'done') {
      finish(ev);
    }
  }

  /** Under each twin's plane: how it ended and its numbers. */
  function results(rows) {
    for (const [k, parts, cls] of rows) {
      const p = q(`#twin-result-${k}`);
      p.textContent = parts.join(' · ');
      p.className = `twin-result ${cls ?? ''}`;
    }
  }

  function finish(res) {
    history = { a: res.a.train_loss, b: res.b.train_loss };
    if (frame) cancelAnimationFrame(frame);
    frame = null;
    drawLoss(res);
    drawPlanes(res.a.grid, res.b.grid);
    const ran = Math.max(res.a.epochs_run, res.b.epochs_run);
    q('#twin-progress').value = ran / epochs;
    q('#twin-readout-epoch').textContent = `epoch ${ran.toLocaleString()} of ${epochs.toLocaleString()}`;
    const rows = ['a', 'b'].map((k) => {
      const r = res[k];
      const parts = [];
      if (r.diverged) parts.push(`diverged at epoch ${r.diverged.epoch.toLocaleString()}`);
      else parts.push(`loss ${fmt(r.final_train_loss, 4)}`);
      if (r.stopped !== 'epochs' && !r.diverged) parts.push(`${STOP_REASONS[r.stopped]} at epoch ${r.epochs_run.toLocaleString()}`);
      if (r.final_test_loss !== null && !r.diverged) parts.push(`test ${fmt(r.final_test_loss, 4)}`);
      if (r.train_accuracy !== null) parts.push(`accuracy ${(100 * r.train_accuracy).toFixed(1)} %`);
      if (r.test_accuracy !== null) parts.push(`test accuracy ${(100 * r.test_accuracy).toFixed(1)} %`);
      return [k, parts, r.diverged ? 'error' : ''];
    });
    results(rows);
    const seconds = Math.max(res.a.seconds, res.b.seconds);
    const did = (r) => `${plural(r.epochs_run, 'epoch')} (${plural(r.updates, 'update')})`;
    const same = res.a.epochs_run === res.b.epochs_run && res.a.updates === res.b.updates;
    status(`Trained in lockstep: ${same ? `${did(res.a)} each` : `A ${did(res.a)}, B ${did(res.b)}`}, ${seconds.toFixed(2)} s.`,
      res.a.diverged || res.b.diverged ? 'warn' : 'ok');
    showHandoff(res.a.scenario, res.b.scenario, 'trained', { a: res.a.updates, b: res.b.updates });
  }

  /** After Stop: both twins as the last progress event left them (it carries each one's weights
   *  up to catalog().limits.twin_streamed_parameters), their predictions asked of the server. */
  async function stopped() {
    const ev = last;
    const n = ev ? ev.epoch : 0;
    const said = `Stopped by you after ${plural(n, 'epoch')}`;
    if (!ev || !runs?.request) {
      status(`${said}, before the first progress report: nothing trained to show.`, 'warn');
      return;
    }
    if (frame) cancelAnimationFrame(frame);
    frame = null;
    drawLoss(null, n);
    drawPlanes(ev.a.grid, ev.b.grid);
    if (!ev.a.weights || !ev.b.weights) {
      const limit = catalog().limits.twin_streamed_parameters;
      status(`${said}. The curves and planes show both twins as they were then; their predictions and the step-through hand-off ` +
        `need their weights, which a twin run’s progress reports carry only for networks of at most ${limit.toLocaleString()} parameters.`, 'warn');
      return;
    }
    status(`${said}: working out both twins’ predictions…`, 'warn');
    const req = runs.request;
    const finite = (k) => [...ev[k].weights.flat(2), ...ev[k].biases.flat()].every((v) => v !== null);
    const predict = (k) => {
      if (!finite(k)) return Promise.resolve(null); // a diverged twin: nothing to ask for
      const scenario = { ...runs[k].scenario, weights: ev[k].weights, biases: ev[k].biases };
      delete scenario.init;
      const body = { scenario, grid: req.grid };
      if (req.test_inputs) Object.assign(body, { test_inputs: req.test_inputs, test_targets: req.test_targets });
      return api.post('/api/labs/predict', body);
    };
    // each twin on its own: one that diverged has no network to show, the other still has
    const [a, b] = (await Promise.allSettled([predict('a'), predict('b')])).map((r) => (r.status === 'fulfilled' ? r.value : null));
    if (!a && !b) {
      status(`${said}; their predictions could not be worked out.`, 'error');
      return;
    }
    drawPlanes(a ? a.grid : ev.a.grid, b ? b.grid : ev.b.grid);
    const rows = [['a', a, ev.a], ['b', b, ev.b]].map(([k, r, e]) => {
      if (!r) return [k, [`stopped at epoch ${e.epoch.toLocaleString()}`, 'its weights are not finite: no predictions'], 'error'];
      const parts = [`loss ${fmt(r.loss, 4)}`, `stopped at epoch ${e.epoch.toLocaleString()}`];
      if (r.test_loss !== null) parts.push(`test ${fmt(r.test_loss, 4)}`);
      if (r.accuracy !== null) parts.push(`accuracy ${(100 * r.accuracy).toFixed(1)} %`);
      if (r.test_accuracy !== null) parts.push(`test accuracy ${(100 * r.test_accuracy).toFixed(1)} %`);
      return [k, parts];
    });
    results(rows);
    status(`${said}: both twins as they were then (A ${plural(ev.a.updates, 'update')}, B ${plural(ev.b.updates, 'update')}).`, 'warn');
    showHandoff(a?.scenario ?? null, b?.scenario ?? null, 'stopped', { a: ev.a.updates, b: ev.b.updates });
  }

  // ── drawing ──────────────────────────────────────────────────────────────────

  function drawLoss(res = null, upTo = null) {
    const series = ['a', 'b'].map((k) => ({ name: titles[k], cls: `twin-${k}`, points: history[k].map((v, i) => [i, v]) }));
    const marks = [];
    for (const k of ['a', 'b']) {
      const d = res?.[k]?.diverged;
      if (d) marks.push({ x: d.epoch, label: `${k.toUpperCase()} non-finite`, cls: 'bad' });
    }
    const { svg, sx, sy } = lineChart(q('#twin-chart'), series, {
      logY: true,
      xDomain: [0, Math.max(upTo ?? epochs, 1)], // a stopped run: the epochs it ran, not those asked
      xLabel: 'epoch',
      label: `training loss per epoch of both twins: A (${titles.a}, solid) and B (${titles.b}, dashed)`,
      marks,
      width: 520,
      height: 440,
    });
    // each curve named at its end, so it reads without the key and without colour
    const ends = ['a', 'b'].map((k) => {
      const h = history[k];
      let i = h.length - 1;
      while (i >= 0 && !(Number.isFinite(h[i]) && h[i] > 0)) i -= 1;
      return i < 0 ? null : { k, x: sx(i), y: sy(h[i]) };
    }).filter(Boolean);
    if (ends.length === 2 && Math.abs(ends[0].y - ends[1].y) < 30) {
      const [hi, lo] = ends[0].y < ends[1].y ? ends : [ends[1], ends[0]];
      hi.y -= (30 - (lo.y - hi.y)) / 2;
      lo.y = hi.y + 30;
    }
    for (const e of ends) {
      const x = Math.min(e.x + 6, 480);
      text({ x, y: Math.max(e.y - 8, 18), class: `end-label twin-${e.k}`, 'text-anchor': e.x > 440 ? 'end' : 'start' }, e.k.toUpperCase(), svg);
    }
    legend(q('#twin-key'), [
      { cls: 'twin-a', label: `A · ${titles.a} (solid)` },
      { cls: 'twin-b', label: `B · ${titles.b} (dashed)` },
    ]);
  }

  function drawPlanes(gridA, gridB) {
    if (!data) return;
    const two = data.features === 2;
    root.querySelectorAll('.twin-plane canvas').forEach((c) => { c.hidden = !two; });
    q('#twin-class-key').hidden = !two;
    q('#twin-plane-note').hidden = two;
    if (!two) {
      q('#twin-plane-note').textContent = 'The decision boundaries are drawn for datasets with two inputs; compare the curves above.';
      return;
    }
    drawBoundary(q('#twin-boundary-a'), gridA, data);
    drawBoundary(q('#twin-boundary-b'), gridB, data);
    drawKey(q('#twin-class-key'), data, gridA || gridB);
  }

  // ── the hand-off: each twin at the same cursor of the step-through view ───────

  function showHandoff(scA, scB, when, updates) {
    trained = { a: scA, b: scB };
    trainedUpdates = updates;
    const box = q('#twin-handoff');
    if (!scA && !scB) {
      box.hidden = true;
      return;
    }
    const pick = q('#twin-handoff-sample');
    const keep = pick.value;
    const inputs = (scA || scB).inputs;
    pick.replaceChildren(new Option('the whole batch', 'batch'));
    inputs.slice(0, 50).forEach((x, i) => pick.appendChild(new Option(`sample ${i + 1}: (${x.map((v) => fmt(v, 3)).join(', ')})`, String(i))));
    if ([...pick.options].some((o) => o.value === keep)) pick.value = keep;
    q('#twin-handoff-when').textContent = when === 'stopped' ? 'as stopped' : 'as trained';
    box.hidden = false;
    links();
  }

  /** Each twin's single-run request, as handoff.js reads one (its batch settings, clipping…). */
  const requestOf = (k) => ({ ...runs.request, scenario: runs[k].scenario, batch_size: runs[k].train.batch_size });

  /** Both links at the same cursor: each twin's run carried on at its next iteration (its
   *  optimizer state and batch order too) when both have the same next iteration and the server
   *  can recompute it; else both twins' trained weights as new lessons, at iteration 1. */
  let linking = 0;
  async function links() {
    const asked = (linking += 1);
    const pick = q('#twin-handoff-sample').value;
    const href = (plan) => `/${encodeHash({ ...VIEW_DEFAULTS, presetId: null, scenario: plan.scenario, cursor: 0, iteration: plan.iteration })}`;
    const fresh = { a: trained.a && trainedPlan(trained.a, pick), b: trained.b && trainedPlan(trained.b, pick) };
    setLinks(fresh, href); // at once; the runs carried on when they can be
    const note = q('#twin-handoff-note');
    note.textContent = '';
    if (!trained.a || !trained.b) return;
    if (trainedUpdates.a !== trainedUpdates.b) {
      note.textContent = `Both open their trained weights as new lessons at iteration 1, cursor 0: the twins made ${trainedUpdates.a.toLocaleString()} and ` +
        `${trainedUpdates.b.toLocaleString()} updates, so no one iteration continues both (an optimizer’s state and the place in the batch order start afresh).`;
      return;
    }
    const plans = await Promise.all(['a', 'b'].map((k) => handOffPlan({ request: requestOf(k), trained: trained[k], updates: trainedUpdates[k], pick })));
    if (asked !== linking) return; // a later choice, or a new run, is on its way
    const same = plans[0].iteration === plans[1].iteration && plans[0].iteration > 1;
    setLinks(same ? { a: plans[0], b: plans[1] } : fresh, href);
    note.textContent = same
      ? `Both open at iteration ${plans[0].iteration.toLocaleString()}, cursor 0, recomputed from their initial weights: each one’s weights, optimizer state and batch order carry on where training stopped.`
      : `Both open their trained weights as new lessons at iteration 1, cursor 0 (${plans[0].note.replace(/^Opens the trained weights as a new lesson \(iteration 1\)[:;] ?/, '')})`;
  }

  function setLinks(plans, href) {
    for (const k of ['a', 'b']) {
      const a = q(`#twin-handoff-${k}`);
      a.textContent = `${k.toUpperCase()} · ${titles[k]}`;
      if (!plans[k]) {
        a.removeAttribute('href');
        a.setAttribute('aria-disabled', 'true');
        a.title = 'this twin diverged: it has no network to step through';
        continue;
      }
      a.removeAttribute('aria-disabled');
      a.removeAttribute('title');
      a.href = href(plans[k]);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    start();
  });
  q('#twin-stop').addEventListener('click', stop);
  field('what').addEventListener('change', showValueFields);
  form.addEventListener('input', showReadout);
  form.addEventListener('change', (e) => {
    if (e.target.name !== 'what') showReadout();
  });
  training.form.addEventListener('input', showReadout);
  // the twin's value stays as chosen while the shared settings change around it
  training.form.addEventListener('change', (e) => (e.target.name === 'hidden' || e.target.name === 'dataset' ? refreshLayers() : showReadout()));
  q('#twin-handoff-sample').addEventListener('change', links);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && controller) stop();
  });
  showValueFields();
  drawLoss();

  return { root, start, stop };
}
