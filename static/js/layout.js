// Positions for every drawn thing, from the graph's layer/row hints and the drawing area's size.

const CHAR = 0.7; // advance of a bold digit, in ems (DejaVu Sans Bold is the widest we meet)

/** Sizes in CSS pixels; projector mode draws everything larger. Widths follow the precision. */
export function metricsFor(projector, precision, k = 1) {
  const base = projector
    ? { label: 26, value: 30, grad: 26, edgeLabel: 26, stroke: 1.8 }
    : { label: 15, value: 18, grad: 15, edgeLabel: 15, stroke: 1 };
  const f = Object.fromEntries(Object.entries(base).map(([key, v]) => [key, v * k]));
  const numChars = precision + 3; // sign, a digit, the point
  const halfW = Math.ceil(Math.max(f.value * CHAR * numChars, f.grad * CHAR * (numChars + 1.2)) + f.grad * 0.8);
  const nodeH = Math.ceil(f.label * 1.2 + f.value * 1.2 + f.grad * 1.3 + f.grad * 0.55);
  return {
    ...f,
    halfW,
    nodeH,
    dataW: Math.ceil(f.value * CHAR * numChars + f.value * 0.9),
    lossW: Math.ceil(f.value * CHAR * numChars + f.value * 0.9),
    biasW: Math.ceil(f.edgeLabel * CHAR * (numChars + 3) + f.edgeLabel * 0.9),
    biasH: Math.ceil(f.edgeLabel * 1.75),
    edgeLabelW: Math.ceil(f.edgeLabel * CHAR * (numChars + 4) + f.edgeLabel * 0.8),
    edgeLabelH: Math.ceil(f.edgeLabel * 2.65),
    gap: Math.round(f.grad * 0.7),
    padX: Math.round(f.value * 0.6),
    padY: Math.round(f.value * 0.6),
    rowSpace: Math.round(f.value * 1.2),
  };
}

function groupByColumn(graph) {
  const depth = graph.plan.layers - 1; // weight layers; the loss sits in column depth + 1
  const cols = Array.from({ length: depth + 2 }, () => ({ data: [], neurons: new Map(), biases: new Map() }));
  for (const n of graph.nodes) {
    if (n.kind === "input") cols[0].data.push(n);
    else if (n.kind === "target" || n.role === "loss") cols[depth + 1].data.push(n);
    else if (n.role === "z" || n.role === "a") {
      const pair = cols[n.layer].neurons.get(n.row) || {};
      pair[n.role] = n;
      cols[n.layer].neurons.set(n.row, pair);
    } else if (n.role === "b") cols[n.layer].biases.set(n.row, n);
  }
  return cols;
}

/** Height one neuron needs: its bias above, then the two halves. */
function neuronSlot(m) {
  return m.biasH + m.gap * 1.5 + m.nodeH;
}

function dataSlot(m) {
  return m.nodeH;
}

/**
 * Lay out a graph in `width × height` (the viewBox grows if the graph needs more room).
 * Returns boxes by node id, neuron boxes by row key, and edge geometry by edge id.
 */
export function layoutGraph(graph, width, height, m) {
  const cols = groupByColumn(graph);
  const ncols = cols.length;
  const heights = cols.map((c, i) => {
    if (i === 0 || i === ncols - 1) return c.data.length * dataSlot(m) + (c.data.length - 1) * m.rowSpace + (i === ncols - 1 ? m.rowSpace : 0);
    return c.neurons.size * neuronSlot(m) + (c.neurons.size - 1) * m.rowSpace;
  });
  // each gap holds the halves of its two columns and, between weight layers, a weight label
  const halfOf = (i) => (i === 0 ? m.dataW / 2 : i === ncols - 1 ? Math.max(m.lossW, m.dataW) / 2 : m.halfW);
  const needGap = cols.slice(1).map((_, i) => halfOf(i) + halfOf(i + 1) + (i + 1 < ncols - 1 ? m.edgeLabelW * 1.12 : m.edgeLabelW * 0.45));
  const needW = 2 * m.padX + halfOf(0) + halfOf(ncols - 1) + needGap.reduce((a, b) => a + b, 0);
  const W = Math.max(width, needW);
  const H = Math.max(height, Math.max(...heights) + 2 * m.padY);
  const extra = (W - needW) / needGap.length;
  const colX = [m.padX + halfOf(0) + extra / 4];
  needGap.forEach((g, i) => colX.push(colX[i] + g + (i === needGap.length - 1 ? extra / 2 : extra)));
  const boxes = new Map(); // node id → {x, y, w, h, shape}
  const neurons = []; // {key, x, y, w, h, z, a}
  cols.forEach((col, i) => {
    let y = (H - heights[i]) / 2;
    if (i === 0) {
      for (const n of col.data) {
        boxes.set(n.id, { x: colX[i], y: y + m.nodeH / 2, w: m.dataW, h: m.nodeH, shape: "data" });
        y += dataSlot(m) + m.rowSpace;
      }
      return;
    }
    if (i === ncols - 1) {
      const targets = col.data.filter((n) => n.kind === "target");
      const loss = col.data.find((n) => n.role === "loss");
      for (const n of targets) {
        boxes.set(n.id, { x: colX[i], y: y + m.nodeH / 2, w: m.dataW, h: m.nodeH, shape: "data" });
        y += dataSlot(m) + m.rowSpace;
      }
      if (loss) boxes.set(loss.id, { x: colX[i], y: y + m.rowSpace / 2 + m.nodeH / 2, w: m.lossW, h: m.nodeH, shape: "loss" });
      return;
    }
    for (const [row, pair] of [...col.neurons.entries()].sort((a, b) => a[0] - b[0])) {
      const cy = y + m.biasH + m.gap * 1.5 + m.nodeH / 2;
      const cx = colX[i];
      const neuron = { key: `${i}_${row}`, x: cx, y: cy, w: 2 * m.halfW, h: m.nodeH, z: pair.z, a: pair.a };
      neurons.push(neuron);
      if (pair.z) boxes.set(pair.z.id, { x: cx - m.halfW / 2, y: cy, w: m.halfW, h: m.nodeH, shape: "z" });
      if (pair.a) boxes.set(pair.a.id, { x: cx + m.halfW / 2, y: cy, w: m.halfW, h: m.nodeH, shape: "a" });
      const bias = col.biases.get(row);
      if (bias) boxes.set(bias.id, { x: cx - m.halfW / 2, y: y + m.biasH / 2, w: m.biasW, h: m.biasH, shape: "bias" });
      y += neuronSlot(m) + m.rowSpace;
    }
  });
  const edges = edgeGeometry(graph, boxes, m);
  const labels = placeWeightLabels(graph, edges, H, m);
  return { width: W, height: H, boxes, neurons, edges, labels: labels.at, denseLayers: labels.dense };
}

/**
 * Weight labels of one layer spread apart vertically, each sliding along its own edge to the
 * height it was given; a layer whose labels cannot all fit shows them only on demand.
 */
function placeWeightLabels(graph, edges, H, m) {
  const at = new Map();
  const dense = new Set();
  const byTensor = new Map();
  for (const p of graph.parameters) {
    const geo = p.edge && edges.get(p.edge);
    if (!geo) continue;
    if (!byTensor.has(p.tensor)) byTensor.set(p.tensor, []);
    byTensor.get(p.tensor).push({ p, geo });
  }
  const step = m.edgeLabelH + 3;
  for (const [tensor, items] of byTensor) {
    if (items.length > 6 || items.length * step > H - 2 * m.padY) {
      dense.add(tensor);
      for (const { p, geo } of items) at.set(p.id, geo.mid);
      continue;
    }
    items.sort((a, b) => a.geo.mid.y - b.geo.mid.y || a.geo.mid.x - b.geo.mid.x);
    const ys = items.map((it) => it.geo.mid.y);
    for (let i = 1; i < ys.length; i += 1) ys[i] = Math.max(ys[i], ys[i - 1] + step);
    const shift = (ys.reduce((a, b) => a + b, 0) - items.reduce((a, it) => a + it.geo.mid.y, 0)) / ys.length;
    const top = m.padY + step / 2;
    const lift = Math.max(0, ys[ys.length - 1] - shift - (H - top));
    items.forEach((it, i) => {
      const y = Math.max(top, ys[i] - shift - lift);
      at.set(it.p.id, pointAtY(it.geo, y));
    });
  }
  return { at, dense };
}

/** The point on an edge's curve nearest the height y (the edge's middle third only). */
function pointAtY(geo, y) {
  if (!geo.bez) return geo.mid;
  const [x1, y1, x2, y2] = geo.bez;
  const dx = (x2 - x1) / 2;
  let best = geo.mid;
  for (let i = 0; i <= 40; i += 1) {
    const t = 0.3 + (0.4 * i) / 40;
    const u = 1 - t;
    const px = u ** 3 * x1 + 3 * u * u * t * (x1 + dx) + 3 * u * t * t * (x2 - dx) + t ** 3 * x2;
    const py = u ** 3 * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y2;
    if (Math.abs(py - y) < Math.abs(best.y - y)) best = { x: px, y: py };
  }
  return Math.abs(best.y - y) < 1 ? best : { x: best.x, y };
}

function curve(x1, y1, x2, y2) {
  const dx = (x2 - x1) / 2;
  return { d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`, mid: bezierMid(x1, y1, x2, y2), bez: [x1, y1, x2, y2] };
}

function bezierMid(x1, y1, x2, y2) {
  return { x: (x1 + x2) / 2, y: (y1 + y2) / 2 };
}

/** Geometry of every data edge that is drawn; weight edges reuse the data edge they label. */
function edgeGeometry(graph, boxes, m) {
  const out = new Map();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const e of graph.edges) {
    const s = boxes.get(e.source);
    const t = boxes.get(e.target);
    const src = byId.get(e.source);
    const tgt = byId.get(e.target);
    if (!s || !t) continue; // weight parameters are drawn as the edge they label
    if (src.role === "z" && tgt.role === "a") {
      if (s.y === t.y && Math.abs(t.x - s.x - m.halfW) < 1) {
        out.set(e.id, { d: `M${s.x},${s.y} L${t.x},${t.y}`, mid: bezierMid(s.x, s.y, t.x, t.y), kind: "internal" });
      } else {
        // softmax: every z feeds every output; arc below the neurons
        const bend = Math.max(m.nodeH, Math.abs(t.y - s.y) * 0.4);
        const d = `M${s.x},${s.y + s.h / 2} C${s.x},${s.y + s.h / 2 + bend} ${t.x},${t.y + t.h / 2 + bend} ${t.x},${t.y + t.h / 2}`;
        out.set(e.id, { d, mid: bezierMid(s.x, s.y, t.x, t.y), kind: "cross" });
      }
      continue;
    }
    if (src.role === "b") {
      const x = s.x;
      out.set(e.id, { d: `M${x},${s.y + s.h / 2} L${x},${t.y - t.h / 2}`, mid: { x, y: (s.y + t.y) / 2 }, kind: "bias" });
      continue;
    }
    const x1 = s.x + s.w / 2; // leave from the right side (the a half of a neuron)
    const x2 = t.x - t.w / 2; // arrive at the left side (the z half of a neuron)
    let y2 = t.y;
    if (t.shape === "loss") {
      const outs = byId.get(e.target).inputs.length / 2; // ŷ₁…ŷₙ then y₁…yₙ
      y2 += ((e.position - (outs - 1) / 2) * t.h * 0.6) / Math.max(outs, 1);
    }
    if (src.kind === "target") {
      // the target sits above the loss: come straight down into it
      out.set(e.id, { d: `M${s.x},${s.y + s.h / 2} L${s.x},${t.y - t.h / 2}`, mid: { x: s.x, y: (s.y + t.y) / 2 }, kind: "target" });
      continue;
    }
    out.set(e.id, { ...curve(x1, s.y, x2, y2), kind: "data" });
  }
  return out;
}
