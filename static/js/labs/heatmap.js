// Canvas heat maps: the decision boundary behind the data points, and one small map per neuron.

import { el } from '../dom.js';

const CLASS_RGB = [
  [37, 99, 235], // class 0: blue
  [234, 88, 12], // class 1: orange
  [22, 163, 74], // class 2: green
];
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

// Decision boundary: grid from the engine, data points on top (test points hollow).
export function drawBoundary(canvasEl, grid, data) {
  const ctx = canvasEl.getContext('2d');
  const W = canvasEl.width;
  const H = canvasEl.height;
  ctx.clearRect(0, 0, W, H);
  const [xmin, xmax, ymin, ymax] = data.extent;
  if (grid) {
    const rows = grid.outputs[0].length;
    const cols = grid.outputs[0][0].length;
    paint(ctx, rows, cols, (r, c) => outputColour(grid.outputs, r, c));
  } else {
    ctx.fillStyle = 'rgb(248,250,252)';
    ctx.fillRect(0, 0, W, H);
  }
  const px = (x) => ((x - xmin) / (xmax - xmin)) * W;
  const py = (y) => ((ymax - y) / (ymax - ymin)) * H;
  const radius = Math.max(6, Math.round(W / 60));
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
}

// One small canvas per hidden neuron, coloured by its activation (blue < 0 < orange).
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
