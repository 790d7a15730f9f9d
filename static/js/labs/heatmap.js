// Canvas heat maps: the decision boundary behind the data points, and one small map per neuron.

import { el } from '../dom.js';

// Class colours (ColorBrewer PRGn/PiYG ends, told apart with every common colour-vision
// deficiency, and a grey): never near the step-through page's weight colours (blue +,
// vermillion −, and their dark-theme variants), so no colour means two things.
export const CLASS_RGB = [
  [77, 146, 33], // class 0: green
  [118, 42, 131], // class 1: purple
  [64, 64, 64], // class 2: grey
];
export const CLASS_NAMES = ['green', 'purple', 'grey'];
const PAPER = [248, 250, 252];

function mix(a, b, t) {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t));
}

// outputs: outputs × rows × cols (engine numbers); one output is P(class 1), several are softmax.
function outputColour(outputs, r, c) {
  if (outputs.length === 1) {
    const p = outputs[0][r][c];
    if (p === null) return [0, 0, 0];
    return p >= 0.5 ? mix(PAPER, CLASS_RGB[1], (p - 0.5) * 1.6) : mix(PAPER, CLASS_RGB[0], (0.5 - p) * 1.6);
  }
  let best = 0;
  for (let k = 1; k < outputs.length; k++) if (outputs[k][r][c] > outputs[best][r][c]) best = k;
  const p = outputs[best][r][c];
  const conf = (p - 1 / outputs.length) / (1 - 1 / outputs.length);
  return mix(PAPER, CLASS_RGB[best % 3], 0.15 + 0.65 * conf);
}

/** The grid, drawn onto a w × h area at the context's origin. */
function paintArea(ctx, w, h, rows, cols, colour) {
  const tmp = document.createElement('canvas');
  tmp.width = cols;
  tmp.height = rows;
  const img = tmp.getContext('2d').createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) img.data.set([...colour(r, c), 255], (r * cols + c) * 4);
  }
  tmp.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, w, h);
}

function paint(ctx, rows, cols, colour) {
  const img = ctx.createImageData(cols, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [R, G, B] = colour(r, c);
      const i = (r * cols + c) * 4;
      img.data.set([R, G, B, 255], i);
    }
  }
  const tmp = document.createElement('canvas');
  tmp.width = cols;
  tmp.height = rows;
  tmp.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

function classOf(target) {
  if (target.length === 1) return target[0] >= 0.5 ? 1 : 0;
  return target.indexOf(Math.max(...target));
}

const TICK_PX = 24;
const MARGIN = { l: 72, r: 14, t: 36, b: 62 }; // x₂'s name sits above its axis // room for the axes' ticks and names

/** Round tick values inside [lo, hi]: about n of them, 1, 2 or 5 × 10ᵏ apart (−1, −0.5, 0, 0.5),
 *  each with the decimals its step needs. */
export function ticks(lo, hi, n = 5) {
  const raw = (hi - lo) / Math.max(1, n - 1);
  if (!(raw > 0) || !Number.isFinite(raw)) return [{ v: lo, text: tickLabel(lo, 2) }];
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999) ?? 10 * mag;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const v = k * step;
    out.push({ v, text: tickLabel(v, decimals) });
  }
  return out;
}

const tickLabel = (v, decimals) => (Math.abs(v) < 1e-12 ? 0 : v).toFixed(decimals).replace('-', '−');

/** Where an input point (x₁, x₂) is drawn on a drawBoundary canvas of this extent, in its pixels. */
export function planePoint(canvasEl, extent, [x, y]) {
  const [xmin, xmax, ymin, ymax] = extent;
  const pw = canvasEl.width - MARGIN.l - MARGIN.r;
  const ph = canvasEl.height - MARGIN.t - MARGIN.b;
  return [MARGIN.l + ((x - xmin) / (xmax - xmin)) * pw, MARGIN.t + ((ymax - y) / (ymax - ymin)) * ph];
}

/** The selected sample's ring at (x, y): amber (no class colour, no weight colour) in a white
 * halo that keeps it apart from crowded points, edged in ink. */
export function drawRing(ctx, x, y) {
  const circle = (r, width, colour) => {
    ctx.lineWidth = width;
    ctx.strokeStyle = colour;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.stroke();
  };
  circle(15, 9, '#ffffff');
  circle(15, 5, '#f59e0b');
  circle(19.5, 2, '#0f172a');
}


// Decision boundary: grid from the engine, data points on top (test points hollow), with axes.
export function drawBoundary(canvasEl, grid, data) {
  const ctx = canvasEl.getContext('2d');
  const W = canvasEl.width;
  const H = canvasEl.height;
  const pw = W - MARGIN.l - MARGIN.r;
  const ph = H - MARGIN.t - MARGIN.b;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const [xmin, xmax, ymin, ymax] = data.extent;
  ctx.save();
  ctx.translate(MARGIN.l, MARGIN.t);
  if (grid) {
    const rows = grid.outputs[0].length;
    const cols = grid.outputs[0][0].length;
    paintArea(ctx, pw, ph, rows, cols, (r, c) => outputColour(grid.outputs, r, c));
  } else {
    ctx.fillStyle = 'rgb(248,250,252)';
    ctx.fillRect(0, 0, pw, ph);
  }
  const px = (x) => ((x - xmin) / (xmax - xmin)) * pw;
  const py = (y) => ((ymax - y) / (ymax - ymin)) * ph;
  const radius = Math.max(6, Math.round(pw / 60));
  const draw = (inputs, targets, hollow) => {
    inputs.forEach((x, i) => {
      const k = classOf(targets[i]);
      ctx.beginPath();
      ctx.arc(px(x[0]), py(x[1]), radius, 0, 2 * Math.PI);
      ctx.fillStyle = hollow ? '#fff' : `rgb(${CLASS_RGB[k % 3]})`;
      ctx.fill();
      ctx.lineWidth = hollow ? 3 : 2;
      ctx.strokeStyle = hollow ? `rgb(${CLASS_RGB[k % 3]})` : '#0f172a';
      ctx.stroke();
    });
  };
  draw(data.inputs, data.targets, false);
  draw(data.test_inputs, data.test_targets, true);
  ctx.restore();
  // axes: frame, ticks with values, and the two inputs' names
  ctx.strokeStyle = '#475569';
  ctx.lineWidth = 1;
  ctx.strokeRect(MARGIN.l + 0.5, MARGIN.t + 0.5, pw, ph);
  ctx.fillStyle = '#0f172a';
  // 24 canvas px: the plane is drawn 520 wide and shown at 540–590 px in projector mode (two
  // twins side by side), so its tick values read at ≥ 24 px there; tests read data-tick-px
  ctx.font = `${TICK_PX}px system-ui, sans-serif`;
  canvasEl.dataset.tickPx = String(TICK_PX);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const { v, text } of ticks(xmin, xmax)) {
    const x = MARGIN.l + px(v);
    ctx.beginPath();
    ctx.moveTo(x, MARGIN.t + ph);
    ctx.lineTo(x, MARGIN.t + ph + 5);
    ctx.stroke();
    ctx.fillText(text, Math.min(Math.max(x, MARGIN.l + 14), W - 24), MARGIN.t + ph + 8);
  }
  ctx.fillText('x₁', MARGIN.l + pw / 2, H - 28);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const { v, text } of ticks(ymin, ymax)) {
    const y = MARGIN.t + py(v);
    ctx.beginPath();
    ctx.moveTo(MARGIN.l - 5, y);
    ctx.lineTo(MARGIN.l, y);
    ctx.stroke();
    ctx.fillText(text, MARGIN.l - 8, Math.min(Math.max(y, MARGIN.t + 10), MARGIN.t + ph - 10));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('x₂', MARGIN.l, MARGIN.t - 6); // above the axis: clear of its tick values
}

/** The colour key under the plot: one entry per class, test points, and what the shade means. */
export function drawKey(list, data, grid) {
  const classes = data.outputs > 1 ? data.outputs : 2;
  const item = (swatch, text) => el('li', {}, [swatch, text]);
  const dot = (k, hollow = false) => el('span', { cls: `class-dot${hollow ? ' hollow' : ''}`, attrs: { 'aria-hidden': 'true' } });
  const entries = [];
  for (let k = 0; k < classes; k++) {
    const d = dot(k);
    d.dataset.class = String(k);
    entries.push(item(d, `class ${k} (${CLASS_NAMES[k % 3]})`));
  }
  if (data.test_inputs.length) {
    const d = dot(0, true);
    entries.push(item(d, 'hollow: test points'));
  }
  entries.push(
    item(
      el('span', { cls: 'shade-swatch', attrs: { 'aria-hidden': 'true' } }),
      grid
        ? classes > 2
          ? 'shade: the class the network picks, darker where it is surer'
          : 'shade: the network’s P(class 1), purple above ½, green below'
        : 'the data; train to see what the network says',
    ),
  );
  list.replaceChildren(...entries);
}

// One small canvas per hidden neuron, coloured by its activation (green < 0 < purple).
export function drawNeurons(container, grid) {
  container.replaceChildren();
  if (!grid) return;
  container.classList.toggle('many', grid.neurons.length > 12);
  for (const n of grid.neurons) {
    const cv = el('canvas', { attrs: { width: 96, height: 96 } });
    const flat = n.values.flat().filter((v) => v !== null);
    const scale = Math.max(...flat.map(Math.abs), 1e-12);
    const rows = n.values.length;
    const cols = n.values[0].length;
    paint(cv.getContext('2d'), rows, cols, (r, c) => {
      const v = n.values[r][c];
      if (v === null) return [0, 0, 0];
      return v >= 0 ? mix(PAPER, CLASS_RGB[1], v / scale) : mix(PAPER, CLASS_RGB[0], -v / scale);
    });
    const caption = n.label; // the page's notation, from the API: a⁽¹⁾₃
    container.appendChild(el('figure', { cls: 'neuron', attrs: { 'data-neuron': n.id } }, [cv, el('figcaption', { text: caption })]));
  }
}
