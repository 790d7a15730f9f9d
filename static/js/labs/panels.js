// One panel per lab: a Run button, the engine's numbers, and a chart that makes the point.

import { api, messagesOf } from '../api.js';
import { el as html } from '../dom.js';
import { formatSignificant as fmt } from '../format.js';
import { el } from '../svg.js';
import { barChart, legend, lineChart } from './charts.js';

/** rows: lists of cells, or { cells, cls } for a row with a class. */
function table(headers, rows, cls = '') {
  const row = (cells, tag, rowCls = '') => html('tr', { cls: rowCls }, cells.map((c) => html(tag, { text: c })));
  return html('table', { cls }, [
    html('thead', {}, [row(headers, 'th')]),
    html('tbody', {}, rows.map((r) => row(r.cells ?? r, 'td', r.cls))),
  ]);
}

const para = (str, cls = 'finding') => html('p', { cls, text: str });
const box = (parent, cls) => parent.appendChild(html('div', { cls }));

// A long list stays readable: the panels show at most this many parameters, the ones that matter.
const MAX_SHOWN = 24;

// Backprop and the central difference agree: to 6 digits, or, for a gradient so small that the
// difference's rounding error (~1e-16·L/ε) dominates, to 1e-8 absolute.
const REL_AGREES = 1e-6;
const agrees = (p) => p.rel_error < REL_AGREES || p.abs_error < 1e-8;

const TUTORIAL_XOR = {
  layers: [2, 4, 1],
  activations: ['sigmoid', 'sigmoid'],
  loss: 'mse',
  init: { scheme: 'normal', seed: 42, scale: 0.5 },
  inputs: [[0, 0], [0, 1], [1, 0], [1, 1]],
  targets: [[0], [1], [1], [0]],
  learning_rate: 2.0,
};

const TUTORIAL_ONE = {
  layers: [2, 1, 1],
  activations: ['sigmoid', 'sigmoid'],
  loss: 'mse',
  weights: [[[0.4, 0.6]], [[0.9]]],
  biases: [[0.1], [0.1]],
  inputs: [[0.5, 0.8]],
  targets: [[1.0]],
  learning_rate: 0.5,
};

// Each lab: its endpoint, body() and render(). A lab with a `tutorial` network examines a network:
// the student's from the training panel, or that one, as its panel's select says.
export const LABS = {
  vanishing: {
    path: '/api/labs/vanishing',
    body: () => ({ depth: 10, width: 8 }),
    render(out, res) {
      const acts = res.runs.map((r) => r.activation);
      const groups = res.runs[0].grad_norms.map((_, l) => ({
        label: `${l + 1}`,
        bars: res.runs.map((r) => ({ value: r.grad_norms[l], cls: r.activation, title: `${r.activation}, layer ${l + 1}: ${fmt(r.grad_norms[l])}` })),
      }));
      const chart = box(out, 'chart');
      const { svg, sy, m, W, H } = barChart(chart, groups, { logY: true, xLabel: 'layer (1 = next to the input)', label: 'gradient norm per layer' });
      const gw = (W - m.l - m.r) / groups.length;
      const d = res.bound.map((b, i) => `${i ? 'L' : 'M'}${(m.l + gw * (i + 0.5)).toFixed(1)},${sy(Math.max(b, 1e-300)).toFixed(1)}`).join('');
      el('path', { d, class: 'series bound' }, svg);
      void H;
      legend(box(out, 'legend'), [...acts.map((a) => ({ cls: a, label: `${a} hidden layers` })), { cls: 'bound', label: '0.25ⁿ from the last layer' }]);
      const [sig, ...others] = res.runs;
      out.appendChild(para(
        `Sigmoid: layer 1 gets ${fmt(sig.first_over_last, 3)} × the last layer's gradient; ` +
        `0.25^${res.depth - 1} = ${fmt(res.bound_first_over_last, 3)}. ` +
        others.map((r) => `${r.activation}: ${fmt(r.first_over_last, 3)}×`).join(', ') + ' — same weights, no vanishing.',
      ));
      out.appendChild(table(['layer', ...acts.map((a) => `‖∂L/∂θ‖ ${a}`), '0.25ⁿ line'],
        res.bound.map((b, l) => [String(l + 1), ...res.runs.map((r) => fmt(r.grad_norms[l], 3)), fmt(b, 3)]), 'numbers compact'));
    },
  },
  exploding: {
    path: '/api/labs/exploding',
    body: () => ({}),
    render(out, res) {
      const p = res.plain;
      const c = res.clipped;
      const chart = box(out, 'chart');
      const marks = p.diverged ? [{ x: p.diverged.step, label: `non-finite after update ${p.diverged.step}`, cls: 'bad' }] : [];
      lineChart(chart, [
        { name: 'plain', cls: 'plain', points: p.train_loss.map((v, i) => [i, v]) },
        { name: 'clipped', cls: 'clipped', points: c.train_loss.map((v, i) => [i, v]) },
      ], { logY: true, xLabel: 'epoch', label: 'loss with and without clipping', marks, xDomain: [0, c.train_loss.length] });
      legend(box(out, 'legend'), [
        { cls: 'plain', label: 'no clipping' },
        { cls: 'clipped', label: `clipped to ‖g‖ ≤ ${c.clip_norm}` },
      ]);
      const grew = p.train_loss.filter((v) => v !== null);
      out.appendChild(para(p.diverged
        ? `Weights drawn as randn × ${res.scale}, η = ${res.learning_rate}: the loss went ${grew.map((v) => fmt(v, 3)).join(' → ')} → not finite. ` +
          `The engine found the first non-finite ${p.diverged.where} after update ${p.diverged.step} (epoch ${p.diverged.epoch}).`
        : 'This setting did not diverge.', 'finding bad'));
      out.appendChild(para(`With clipping: ${c.clipped_updates} of ${c.epochs} updates rescaled; final loss ${fmt(c.final_loss, 4)} (from ${fmt(c.train_loss[0], 4)}).`, 'finding good'));
    },
  },
  'dead-relu': {
    path: '/api/labs/dead-relu',
    body: () => ({}),
    render(out, res) {
      const row = box(out, 'neuron-compare');
      for (const [key, title] of [['relu', 'ReLU'], ['leaky_relu', `Leaky ReLU (slope ${res.slope})`]]) {
        const r = res[key];
        const col = box(row, 'neuron-col');
        col.appendChild(html('h3', { text: title }));
        for (const [when, list] of [['before', r.before], ['after', r.after]]) {
          const strip = box(col, 'neuron-strip');
          strip.appendChild(html('span', { cls: 'strip-label', text: `${when}: ${list.filter((n) => n.dead).length} dead` }));
          for (const n of list) {
            const title = `${n.label}: z > 0 for ${(100 * n.active).toFixed(0)} % of samples`;
            const mark = n.dead ? '✕' : `${Math.round(100 * n.active)}`;
            strip.appendChild(html('span', { cls: `dot ${n.dead ? 'dead' : 'alive'}`, text: mark, attrs: { title } }));
          }
        }
        const last = r.train_loss[r.train_loss.length - 1];
        col.appendChild(para(`loss ${fmt(r.train_loss[0], 4)} → ${fmt(last, 4)}`));
      }
      const stuck = res.relu.after.filter((n) => n.dead && n.weight_change === 0).length;
      out.appendChild(para(`Hidden biases start at ${res.bias}: ${res.relu.dead_before} of ${res.relu.before.length} ReLUs are negative for every sample. ` +
        `After ${res.relu.train_loss.length} epochs ${res.relu.dead_after} are dead, and ${stuck} of them never moved a single weight (gradient exactly 0). ` +
        `Leaky ReLU passes ${res.slope}× the gradient: ${res.leaky_relu.dead_before} → ${res.leaky_relu.dead_after} negative everywhere.`));
    },
  },
  'zero-grad': {
    path: '/api/labs/zero-grad',
    body: () => ({ iterations: 15 }),
    render(out, res) {
      const ok = res.correct;
      const acc = res.accumulated;
      const groups = acc.used_grad.map((_, i) => ({
        label: `${i + 1}`,
        bars: [
          { value: Math.abs(ok.used_grad[i]), cls: 'correct', title: `zero_grad: ${fmt(ok.used_grad[i])}` },
          { value: Math.abs(acc.used_grad[i]), cls: 'accumulated', title: `forgot: ${fmt(acc.used_grad[i])}` },
        ],
      }));
      barChart(box(out, 'chart'), groups, { xLabel: 'iteration', label: 'gradient used by each update', height: 300 });
      legend(box(out, 'legend'), [
        { cls: 'correct', label: `|∂L/∂${res.parameter_label}| used, with zero_grad` },
        { cls: 'accumulated', label: 'used, forgot zero_grad (running sum)' },
      ]);
      lineChart(box(out, 'chart'), [
        { name: 'correct', cls: 'clipped', points: ok.loss.map((v, i) => [i + 1, v]) },
        { name: 'forgot', cls: 'plain', points: acc.loss.map((v, i) => [i + 1, v]) },
      ], { xLabel: 'iteration', label: 'loss with and without zero_grad', height: 280, xDomain: [1, res.iterations] });
      legend(box(out, 'legend'), [
        { cls: 'clipped', label: 'loss with zero_grad' },
        { cls: 'plain', label: 'loss, forgot zero_grad' },
      ]);
      out.appendChild(table(['iteration', `this step’s ∂L/∂${res.parameter_label}`, 'used (forgot zero_grad)', 'loss (correct)', 'loss (forgot)'],
        acc.used_grad.map((u, i) => [String(i + 1), fmt(acc.fresh_grad[i], 4), fmt(u, 4), fmt(ok.loss[i], 4), fmt(acc.loss[i], 4)]), 'numbers compact'));
      const ups = acc.loss.filter((v, i) => i > 0 && v > acc.loss[i - 1]).length;
      out.appendChild(para(`Without zero_grad the second update uses ${fmt(acc.ratio[1], 3)}× the true gradient: each step adds every old gradient again. ` +
        `The loss goes up ${ups} times in ${res.iterations} iterations instead of falling steadily to ${fmt(ok.loss[ok.loss.length - 1], 4)}.`, 'finding bad'));
    },
  },
  gradcheck: {
    path: '/api/gradcheck',
    tutorial: { scenario: TUTORIAL_ONE, label: 'the tutorial’s 2 → 1 → 1 example (x = (0.5, 0.8), y = 1)' },
    done: 'Checked',
    body: (network) => ({ scenario: network.scenario }),
    render(out, res) {
      const n = res.parameters.length;
      // the worst first when not all fit; else the graph's order
      const shown = n > MAX_SHOWN ? [...res.parameters].sort((a, b) => b.rel_error - a.rel_error).slice(0, MAX_SHOWN) : res.parameters;
      const groups = shown.map((p) => ({ label: p.label, bars: [{ value: Math.max(p.rel_error, 1e-16), cls: 'correct', title: `${p.label}: ${fmt(p.rel_error, 2)}` }] }));
      const many = shown.length > 8; // labels turned, across the whole panel
      barChart(box(out, many ? 'chart wide' : 'chart'), groups, {
        logY: true, label: 'relative error per parameter', yDomain: [1e-16, 1],
        ...(many ? { width: 1100, height: 340, rotate: true } : { height: 260 }),
      });
      legend(box(out, 'legend'), [{ cls: 'correct', label: '|numeric − backprop| ÷ (|numeric| + |backprop|), log scale' }]);
      const cost = [
        { label: 'central differences', bars: [{ value: res.forward_passes_numeric, cls: 'accumulated', title: `${res.forward_passes_numeric} forward passes` }] },
        { label: 'backprop', bars: [{ value: res.passes_backprop.forward + res.passes_backprop.backward, cls: 'correct', title: '1 forward + 1 backward' }] },
      ];
      barChart(box(out, 'chart'), cost, { label: 'passes needed', height: 220, xLabel: 'passes through the network for every gradient' });
      out.appendChild(table(['parameter', 'backprop', 'central difference', 'relative error'],
        shown.map((p) => ({ cells: [p.label, fmt(p.backprop, 8), fmt(p.numeric, 8), fmt(p.rel_error, 2)], cls: agrees(p) ? 'good' : 'bad' })), 'numbers'));
      if (n > MAX_SHOWN) out.appendChild(para(`Shown: the ${MAX_SHOWN} of ${n} parameters with the largest relative error.`));
      const maxAbs = Math.max(...res.parameters.map((p) => p.abs_error));
      const all = res.parameters.every(agrees);
      const tiny = all && res.max_rel_error >= REL_AGREES
        ? ' The larger relative errors are on gradients so small that the central difference loses its last digits to rounding: every absolute error is below 10⁻⁸.'
        : '';
      out.appendChild(para(`Largest relative error ${fmt(res.max_rel_error, 2)}, largest absolute error ${fmt(maxAbs, 2)}, with ε = ${res.eps}.${tiny}`, all ? 'finding good' : 'finding bad'));
      out.appendChild(para(`Cost: the differences needed ${res.forward_passes_numeric} forward passes (2 per parameter, ${fmt(1000 * res.seconds_numeric, 3)} ms); ` +
        `backprop needed ${res.passes_backprop.forward} forward + ${res.passes_backprop.backward} backward pass (${fmt(1000 * res.seconds_backprop, 3)} ms) for all of them at once.`));
    },
  },
  blame: {
    path: '/api/labs/blame',
    tutorial: { scenario: TUTORIAL_XOR, label: 'the tutorial’s XOR network (2 → 4 → 1, seed 42) before its first step' },
    done: 'Blame shared out in',
    body: (network) => ({ scenario: network.scenario }),
    render(out, res) {
      const sorted = [...res.parameters].sort((a, b) => b.share - a.share);
      const groups = sorted.slice(0, MAX_SHOWN).map((p) => ({ label: p.label, bars: [{ value: p.share, cls: `layer${p.layer}`, title: `${p.label}: ${(100 * p.share).toFixed(2)} %` }] }));
      const chart = box(out, 'chart wide');
      barChart(chart, groups, { label: 'share of the total |gradient|', width: 1100, height: 400, rotate: true });
      legend(box(out, 'legend'), res.layers.map((l) => ({ cls: `layer${l.layer}`, label: `layer ${l.layer}: ${(100 * l.share).toFixed(1)} %` })));
      if (sorted.length > MAX_SHOWN) out.appendChild(para(`Bars: the ${MAX_SHOWN} largest shares of ${sorted.length} parameters.`));
      const top = sorted[0];
      out.appendChild(para(`Loss ${fmt(res.loss, 5)}. The biggest archer's correction: ${top.label} takes ${(100 * top.share).toFixed(1)} % of the blame and moves by ${fmt(top.update, 4)}; ` +
        `the smallest, ${sorted[sorted.length - 1].label}, ${(100 * sorted[sorted.length - 1].share).toFixed(2)} %.`));
    },
  },
  activations: {
    path: '/api/labs/activations',
    body: () => ({ lo: -6, hi: 6, points: 121 }),
    render(out, res) {
      // a probe: one x, its f(x) and f′(x) from the engine, marked on every curve
      const probeId = 'act-probe';
      const slider = html('input', { attrs: { type: 'range', min: '-6', max: '6', step: '0.05', value: '0.5', id: probeId, 'aria-describedby': 'act-probe-hint' } });
      const typed = html('input', { attrs: { type: 'text', inputmode: 'decimal', value: '0.5', 'aria-label': 'x, typed', size: '7', autocomplete: 'off' } });
      const hint = html('span', { cls: 'hint', attrs: { id: 'act-probe-hint', 'aria-live': 'polite' } });
      out.appendChild(html('div', { cls: 'act-probe' }, [html('label', { attrs: { for: probeId }, text: 'Probe at z =' }), slider, typed, hint]));
      const grid = box(out, 'act-grid');
      const cells = new Map();
      for (const a of res.activations) {
        const cell = box(grid, 'act-cell');
        cell.dataset.activation = a.name;
        cell.appendChild(html('h3', { text: a.name === 'softmax' ? 'Softmax p₁ for logits (z, 0)' : a.title }));
        const chart = box(cell, 'chart small');
        const drawn = lineChart(chart, [
          { name: 'f', cls: 'value', points: a.z.map((z, i) => [z, a.value[i]]) },
          { name: "f'", cls: 'derivative', points: a.z.map((z, i) => [z, a.derivative[i]]) },
        ], { width: 420, height: 260, xLabel: 'z', label: `${a.title} and its derivative`, yDomain: plotRange(a) });
        const readout = html('p', { cls: 'probe-readout' });
        cell.appendChild(readout);
        cell.appendChild(table([], [["range", a.range], ["f′ from", `${fmt(a.min_derivative, 3)} to ${fmt(a.max_derivative, 3)}`], ['gradient issue', a.issue], ['where defined', a.domain]], 'facts'));
        const marks = [el('line', { class: 'probe-line' }, drawn.svg), el('circle', { r: 7, class: 'probe value' }, drawn.svg), el('circle', { r: 7, class: 'probe derivative' }, drawn.svg)];
        cells.set(a.name, { drawn, readout, marks, range: plotRange(a) });
      }
      legend(box(out, 'legend'), [{ cls: 'value', label: 'f(z)' }, { cls: 'derivative', label: "f′(z)" }]);
      let asked = 0;
      const probe = async (z) => {
        const mine = ++asked;
        let r;
        try {
          r = await api.post('/api/labs/activations', { lo: z, hi: z + 1e-9, points: 2 });
        } catch (err) {
          hint.textContent = messagesOf(err).join(' · ');
          return;
        }
        if (mine !== asked) return; // a later probe is on its way
        hint.textContent = '';
        for (const a of r.activations) {
          const c = cells.get(a.name);
          if (!c) continue;
          const { sx, sy } = c.drawn;
          const [lo, hi] = c.range;
          const clampY = (v) => sy(Math.min(hi, Math.max(lo, v)));
          const [line, fv, dv] = c.marks;
          for (const [k, v] of [['x1', sx(z)], ['x2', sx(z)], ['y1', sy(lo)], ['y2', sy(hi)]]) line.setAttribute(k, v);
          fv.setAttribute('cx', sx(z));
          fv.setAttribute('cy', clampY(a.value[0]));
          dv.setAttribute('cx', sx(z));
          dv.setAttribute('cy', clampY(a.derivative[0]));
          c.readout.textContent = `f(${fmt(z, 3)}) = ${fmt(a.value[0], 5)} · f′(${fmt(z, 3)}) = ${fmt(a.derivative[0], 5)}`;
        }
      };
      slider.addEventListener('input', () => {
        typed.value = slider.value;
        typed.removeAttribute('aria-invalid');
        probe(Number(slider.value));
      });
      typed.addEventListener('change', () => {
        const z = Number(typed.value.trim().replace('−', '-'));
        if (typed.value.trim() === '' || !Number.isFinite(z) || z < -6 || z > 6) {
          typed.setAttribute('aria-invalid', 'true');
          hint.textContent = 'Type a number from −6 to 6 (the plotted range).';
          return;
        }
        typed.removeAttribute('aria-invalid');
        slider.value = String(z);
        probe(z);
      });
      probe(0.5);
    },
  },
};

/** The explorer's y range: ±1.05 for a squashing function, grown to what f and f′ reach. */
function plotRange(a) {
  const all = [...a.value, ...a.derivative].filter(Number.isFinite);
  return [Math.min(-1.05, ...all), Math.max(1.05, ...all)];
}

/** The network a lab that examines one is to use, and the words that say which it is. */
async function networkFor(section, lab, yourNetwork) {
  const choice = section.querySelector('select[name=network]').value;
  return choice === 'tutorial' ? lab.tutorial : yourNetwork();
}

/**
 * One lab panel; `yourNetwork()` resolves to the training panel's {scenario, label}. run() waits
 * for any run already going (the last one shown is the latest); `examinesNetwork` says whether
 * the lab looks at the student's network.
 */
export function createLab(section, yourNetwork) {
  const name = section.dataset.lab;
  const lab = LABS[name];
  const out = section.querySelector('.lab-out');
  const button = section.querySelector('.run-lab');
  const which = section.querySelector('.which');
  const once = async () => {
    button.disabled = true;
    section.classList.add('busy');
    section.classList.remove('ran');
    let network = null;
    try {
      if (lab.tutorial) {
        which.textContent = 'Setting up the network…';
        network = await networkFor(section, lab, yourNetwork);
        which.textContent = `Working on ${network.label}…`;
      }
      const res = await api.post(lab.path, lab.body(network));
      out.replaceChildren();
      lab.render(out, res);
      if (network) which.textContent = `${lab.done}: ${network.label}.`;
      section.classList.add('ran');
    } catch (err) {
      if (which) which.textContent = network ? `Refused: ${network.label}.` : 'Your network could not be set up:';
      out.replaceChildren(para(messagesOf(err).join(' · '), 'finding bad'));
    } finally {
      button.disabled = false;
      section.classList.remove('busy');
    }
  };
  let queue = Promise.resolve();
  const run = () => (queue = queue.then(once));
  button.addEventListener('click', run);
  const choice = section.querySelector('select[name=network]');
  choice?.addEventListener('change', run);
  return { run, examinesNetwork: Boolean(choice) };
}

