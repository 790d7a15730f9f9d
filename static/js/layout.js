// Positions for every drawn thing, from the graph's layer/row hints and the drawing area's size.

import { nodeById } from "./graph-index.js";

const CHAR = 0.7; // advance of a bold digit, in ems (DejaVu Sans Bold is the widest we meet)

/**
 * Sizes in CSS pixels; projector mode draws everything larger. Widths follow the precision.
 * `compact` (a tall or wide network): every line at the smallest size, set closer together.
 * `compact === "tight"` (a column too tall for its frame even so): the lines closer still, each
 * bias pill just above its neuron and the rows nearer each other.
 */
export function metricsFor(projector, precision, k = 1, compact = false) {
  const base = projector
    ? { label: 26, value: 30, grad: 26, edgeLabel: 26, stroke: 1.8 }
    : { label: 15, value: 18, grad: 15, edgeLabel: 15, stroke: 1 };
  if (compact) base.value = base.label;
  const tight = compact === "tight";
  const f = Object.fromEntries(Object.entries(base).map(([key, v]) => [key, v * k]));
  // where each line of a box sits, in ems of its own size below the line before
  const lines = tight ? { label: 0.95, value: 1.05, grad: 1.1, foot: 0.32 } : compact ? { label: 1.0, value: 1.1, grad: 1.15, foot: 0.4 } : { label: 1.05, value: 1.2, grad: 1.3, foot: 0.55 };
  const numChars = precision + 3; // sign, a digit, the point
  const halfW = Math.ceil(Math.max(f.value * CHAR * numChars, f.grad * CHAR * (numChars + 1.2)) + f.grad * (compact ? 0.6 : 0.8));
  const nodeH = Math.ceil(f.label * (lines.label + (tight ? 0.1 : 0.15)) + f.value * lines.value + f.grad * lines.grad + f.grad * lines.foot);
  return {
    ...f,
    compact,
    lines,
    labelCols: 1,
    halfW,
    nodeH,
    dataH: Math.ceil(f.label * (lines.label + 0.15) + f.value * lines.value + f.value * lines.foot),
    dataW: Math.ceil(f.value * CHAR * numChars + f.value * 0.9),
    lossW: Math.ceil(f.value * CHAR * numChars + f.value * 0.9),
    biasW: Math.ceil(f.edgeLabel * CHAR * (numChars + 3) + f.edgeLabel * 0.9),
    biasH: Math.ceil(f.edgeLabel * (tight ? 1.4 : compact ? 1.55 : 1.75)),
    edgeLabelW: Math.ceil(f.edgeLabel * CHAR * (numChars + 4) + f.edgeLabel * 0.8),
    edgeLabelH: Math.ceil(f.edgeLabel * (compact ? 2.3 : 2.4)),
    // a dense layer's label, shown on demand: its value and gradient only (the name is in the matrix)
    tagW: Math.ceil(f.edgeLabel * CHAR * (numChars + 1.2) + f.edgeLabel * 0.6),
    gap: Math.round(f.grad * (tight ? 0.15 : compact ? 0.35 : 0.7)),
    padX: Math.round(f.value * 0.6),
    padY: Math.round(f.value * (tight ? 0.3 : 0.6)),
    rowSpace: Math.round(f.value * (tight ? 0.3 : compact ? 0.55 : 1.2)),
  };
}

/** The smallest text a drawing with these metrics writes (CSS px at zoom 1). */
export const minFont = (m) => Math.min(m.label, m.value, m.grad, m.edgeLabel);

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
  return m.dataH;
}

/** Room between two columns for one layer's weight labels: one column of labels, or more. */
function labelRoom(m, sources, targets, tensor) {
  // labels on demand only: room for the edges to fan out
  // (`tagRoom`: room for a lit tag beside the edges' ends, clear of the boxes around)
  if (!m.labelCols || m.onDemand?.has(tensor)) return m.tagRoom ? m.tagW * 1.25 : m.tagW * 0.38;
  // `steep`: edges that fan out (many to one, one to many) cross the gap steeply once the rows
  // spread over the frame's height, and their labels sit where they are steep, above and below
  // each other: the gap need not hold a label's whole width (the placement checks that they fit)
  if (m.steep && Math.max(sources, targets) > 1 && m.labelCols === 1) return m.edgeLabelW * STEEP_ROOM;
  return m.edgeLabelW * (Math.min(m.labelCols, Math.max(1, targets, sources)) + 0.12);
}

const reads = new WeakMap(); // graph → what its layouts read of it, whatever their metrics

/**
 * What every layout of a graph reads of it (chooseLayout lays one graph out twice or more; the
 * 10 × 64 network has 43,009 nodes and 83,328 edges): its columns, how many nodes each node
 * feeds, nodes by id, the weight tensor arriving at each column, the layers whose activation
 * reads several z (softmax: its cross edges arc below), the edges a drawing can have. Nothing
 * changes a graph once made.
 */
function readOf(graph) {
  let r = reads.get(graph);
  if (r) return r;
  const cols = groupByColumn(graph);
  // how many nodes each neuron's z and a feed (all a layout asks): counted for those alone, not
  // for every source (the 10 × 64 network's weights are 40,960 sources of one edge each)
  // (the other nodes of the columns are counted too: `drawable`)
  const feeds = new Map();
  const arcLayers = new Set(); // (every activation is in a column: found there, not among all the nodes)
  for (const c of cols) {
    for (const n of c.data) feeds.set(n.id, 0);
    for (const n of c.biases.values()) feeds.set(n.id, 0);
    for (const pair of c.neurons.values()) {
      if (pair.z) feeds.set(pair.z.id, 0);
      if (pair.a) feeds.set(pair.a.id, 0);
      if (pair.a && pair.a.inputs.length > 1) arcLayers.add(pair.a.layer);
    }
  }
  // the edges that leave a node of a column, in the graph's order: only these can be drawn (a
  // node has a box only if it is in a column; a weight is drawn as the edge it labels), and the
  // layouts go through these alone (half of the 10 × 64 network's 83,328 edges)
  const drawable = [];
  for (const e of graph.edges) {
    const k = feeds.get(e.source);
    if (k === undefined) continue;
    feeds.set(e.source, k + 1);
    drawable.push(e);
  }
  const byNode = nodeById(graph);
  const tensorOf = new Map(); // column → the weight tensor whose edges arrive there
  let last = null; // a neuron's weights come one after another: its column is looked up once
  for (const p of graph.parameters) {
    if (!p.edge || (last !== null && p.node === last.node && p.tensor === last.tensor)) continue;
    if (byNode.has(p.node)) tensorOf.set(byNode.get(p.node).layer, p.tensor);
    last = p;
  }
  r = { cols, feeds, byNode, tensorOf, arcLayers, drawable };
  reads.set(graph, r);
  return r;
}

/**
 * Lay out a graph in `width × height` (the viewBox grows if the graph needs more room).
 * Returns boxes by node id, neuron boxes by row key, and edge geometry by edge id.
 */
export function layoutGraph(graph, width, height, m) {
  const { cols, feeds, byNode, tensorOf, arcLayers } = readOf(graph);
  const ncols = cols.length;
  // a neuron whose gradient arrives in parts (it feeds several) says "part 1 of 3" under its box
  // (render-shapes.js partsText): under a column's last row, room for that line
  const inParts = (n) => n && n.requires_grad && (feeds.get(n.id) || 0) > 1;
  const footOf = (c) => ([...c.neurons.values()].some((p) => inParts(p.z) || inParts(p.a)) ? Math.ceil(m.grad * 1.5) : 0);
  const heights = cols.map((c, i) => {
    if (i === 0) return c.data.length * dataSlot(m) + (c.data.length - 1) * m.rowSpace;
    if (i === ncols - 1) return (c.data.length - 1) * (dataSlot(m) + m.rowSpace) + m.rowSpace + m.nodeH;
    // a softmax's cross edges arc below its neurons: room for them under the last
    const arcs = arcLayers.has(i) ? m.nodeH * 0.8 : 0;
    return c.neurons.size * neuronSlot(m) + (c.neurons.size - 1) * m.rowSpace + arcs;
  });
  // each gap holds the halves of its two columns and, between weight layers, the weight labels
  const halfOf = (i) => (i === 0 ? m.dataW / 2 : i === ncols - 1 ? Math.max(m.lossW, m.dataW) / 2 : m.halfW);
  const needGap = cols.slice(1).map((_, i) => halfOf(i) + halfOf(i + 1) + (i + 1 < ncols - 1 ? labelRoom(m, i === 0 ? cols[0].data.length : cols[i].neurons.size, cols[i + 1].neurons.size, tensorOf.get(i + 1)) : m.edgeLabelW * 0.2));
  const needW = 2 * m.padX + halfOf(0) + halfOf(ncols - 1) + needGap.reduce((a, b) => a + b, 0);
  const W = Math.max(width, needW);
  const H = Math.max(height, Math.max(...heights) + 2 * m.padY);
  // only its size asked for (chooseLayout): no box placed, no edge drawn, no label placed
  if (m.sizeOnly) return { width: W, height: H, boxes: new Map(), neurons: [], edges: new Map(), labels: new Map(), denseLayers: new Set(), tags: new Map(), matrixSlots: new Map() };
  const extra = (W - needW) / needGap.length;
  const colX = [m.padX + halfOf(0) + extra / 4];
  needGap.forEach((g, i) => colX.push(colX[i] + g + (i === needGap.length - 1 ? extra / 2 : extra)));
  const boxes = new Map(); // node id → {x, y, w, h, shape}
  const neurons = []; // {key, x, y, w, h, z, a}
  // a column of inputs or neurons spreads over the height there is (up to a limit): its edges
  // fan out wider, which is the room their weight labels need
  // (`foot`: room kept under the last row, from what the spread would otherwise take)
  const spreadOut = (i, n, slot, foot = 0) => {
    const pitch = slot + m.rowSpace;
    const room = n > 1 ? (H - 2 * m.padY - slot - foot) / (n - 1) : pitch;
    const p = Math.max(pitch, Math.min(pitch * (m.steep ? STEEP_SPREAD : SPREAD), room));
    const total = (n - 1) * p + slot;
    return { p, y: (H - total) / 2 - Math.min(foot, Math.max(0, H - 2 * m.padY - total)) / 2 };
  };
  cols.forEach((col, i) => {
    let y = (H - heights[i]) / 2;
    if (i === 0) {
      const at = spreadOut(i, col.data.length, dataSlot(m));
      y = at.y;
      for (const n of col.data) {
        boxes.set(n.id, { x: colX[i], y: y + m.dataH / 2, w: m.dataW, h: m.dataH, shape: "data" });
        y += at.p;
      }
      return;
    }
    if (i === ncols - 1) {
      const targets = col.data.filter((n) => n.kind === "target");
      const loss = col.data.find((n) => n.role === "loss");
      for (const n of targets) {
        boxes.set(n.id, { x: colX[i], y: y + m.dataH / 2, w: m.dataW, h: m.dataH, shape: "data" });
        y += dataSlot(m) + m.rowSpace;
      }
      if (loss) boxes.set(loss.id, { x: colX[i], y: y + m.nodeH / 2, w: m.lossW, h: m.nodeH, shape: "loss" });
      return;
    }
    const at = spreadOut(i, col.neurons.size, neuronSlot(m), footOf(col));
    const sides = []; // [an a half's box, the baseline beside its bias pill]
    y = at.y;
    for (const [row, pair] of [...col.neurons.entries()].sort((a, b) => a[0] - b[0])) {
      const cy = y + m.biasH + m.gap * 1.5 + m.nodeH / 2;
      const cx = colX[i];
      const neuron = { key: `${i}_${row}`, x: cx, y: cy, w: 2 * m.halfW, h: m.nodeH, z: pair.z, a: pair.a };
      neurons.push(neuron);
      if (pair.z) boxes.set(pair.z.id, { x: cx - m.halfW / 2, y: cy, w: m.halfW, h: m.nodeH, shape: "z" });
      if (pair.a) boxes.set(pair.a.id, { x: cx + m.halfW / 2, y: cy, w: m.halfW, h: m.nodeH, shape: "a" });
      const bias = col.biases.get(row);
      if (bias) boxes.set(bias.id, { x: cx - m.halfW / 2, y: y + m.biasH / 2, w: m.biasW, h: m.biasH, shape: "bias" });
      if (bias && pair.a && inParts(pair.a)) sides.push([boxes.get(pair.a.id), y + m.biasH / 2 + m.grad * 0.35]);
      y += at.p;
    }
    // no room under the last row for its a half's "part k of n" (a column laid out tight): each
    // a half's note goes beside its own bias pill (where the bias's gradient is written only
    // once every part has arrived), so the one under a row does not meet the next row's
    const last = sides.at(-1);
    if (last && last[0].y + m.nodeH / 2 + m.grad * 1.4 > H) for (const [b, noteY] of sides) b.noteY = noteY;
  });
  const edges = edgeGeometry(graph, boxes, m, H);
  // a neuron half's "part k of n" under its box, where no weight label may go
  const notes = [];
  for (const nr of neurons) for (const n of [nr.z, nr.a]) if (inParts(n)) notes.push(partsRect(boxes.get(n.id), m, feeds.get(n.id)));
  const labels = placeWeightLabels(graph, edges, boxes, neurons, W, H, m, notes, colX);
  return { width: W, height: H, boxes, neurons, edges, labels: labels.at, denseLayers: labels.dense, tags: labels.tags || new Map(), matrixSlots: labels.slots || new Map() };
}

/**
 * The box of a neuron half's "part k of n" for a node that feeds n (render-shapes.js drawNode:
 * an a half's starts clear of the bias pill below, a z half's is centred).
 */
export function partsRect(b, m, n) {
  // DejaVu Sans Bold: "part  of " is 4.53 ems, a digit 0.7; k has no more digits than n
  const w = m.grad * (4.53 + CHAR * 2 * String(n).length + 0.2);
  const base = b.noteY ?? b.y + b.h / 2 + m.grad * 1.1; // (its baseline)
  const [y0, y1] = [base - m.grad * 0.9, base + m.grad * 0.3];
  if (b.shape === "a" && m.biasW) {
    const x = Math.max(b.x - b.w / 2, b.x - b.w + m.biasW / 2 + m.grad * 0.4);
    return [x, y0, x + w, y1];
  }
  return [b.x - w / 2, y0, b.x + w / 2, y1];
}

const SPREAD = 2.2; // rows of a column at most this much further apart than they need
const STEEP_SPREAD = 6; // ... in a layout whose fanning edges are steep (labelRoom)
const STEEP_ROOM = 0.6; // a steep gap's width, in labels' widths
const PLACED_MAX = 400; // more weights than this: every layer's labels are shown on demand only
const LAYER_MAX = 64; // a layer of more weights than this is not even tried

/** [x0, y0, x1, y1] of a box given by its centre and size. */
const rect = (b, pad = 0) => [b.x - b.w / 2 - pad, b.y - b.h / 2 - pad, b.x + b.w / 2 + pad, b.y + b.h / 2 + pad];
const overlap = (a, b) => Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
const hits = (a, b) => a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];
/**
 * Whether r overlaps any of `rects` by a positive area (as a sum of overlap() would be > 0):
 * min(right edges) > max(left edges), and the same for top and bottom, compared directly.
 */
function meets(rects, r) {
  for (let i = 0; i < rects.length; i += 1) {
    const o = rects[i];
    if (o[2] > o[0] && o[2] > r[0] && r[2] > o[0] && r[2] > r[0] && o[3] > o[1] && o[3] > r[1] && r[3] > o[1] && r[3] > r[1]) return true;
  }
  return false;
}

/** A point of a weight edge's curve (layout's cubic: horizontal at both ends). */
export function curveAt(bez, t) {
  const [x1, y1, x2, y2] = bez;
  const dx = (x2 - x1) / 2;
  const u = 1 - t;
  return {
    x: u ** 3 * x1 + 3 * u * u * t * (x1 + dx) + 3 * u * t * t * (x2 - dx) + t ** 3 * x2,
    y: u ** 3 * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y2,
  };
}

const SAMPLES = 32;
function polyline(bez) {
  return Array.from({ length: SAMPLES + 1 }, (_, i) => curveAt(bez, i / SAMPLES));
}

function distanceTo(line, p) {
  let best = Infinity;
  for (let i = 1; i < line.length; i += 1) {
    const a = line[i - 1];
    const b = line[i];
    const [vx, vy] = [b.x - a.x, b.y - a.y];
    const len = vx * vx + vy * vy || 1;
    const t = Math.max(0, Math.min(1, ((p.x - a.x) * vx + (p.y - a.y) * vy) / len));
    best = Math.min(best, Math.hypot(a.x + t * vx - p.x, a.y + t * vy - p.y));
  }
  return best;
}

/**
 * Each weight's label on its own edge, staggered along the curves: the place along the edge
 * starts from one that varies with the target neuron, and moves until the label's box clears
 * every node, bias, and label already placed, and no other edge of the layer passes through its
 * centre. A layer whose labels cannot all be placed so (the overlap measured, not guessed) is
 * dense: its labels are shown on demand (the current step's, the one under the pointer or focus)
 * at the best place found, and its whole matrix is shown beside the graph (weight-matrix.js).
 */
function placeWeightLabels(graph, edges, boxes, neurons, W, H, m, notes = [], colX = []) {
  const at = new Map();
  const dense = new Set();
  const tags = new Map(); // a dense layer's tag → its box and whether it clears every box around it
  const many = graph.parameters.length > PLACED_MAX;
  if (many) {
    // every layer's labels on demand, each at its edge's middle: nothing to place (and no record
    // made per weight: the 10 × 64 network has 40,960)
    // (each label's place is its edge's middle, which the renderer reads from the edge itself)
    // (a tensor's weights come one after another: the rest of a tensor found dense is passed over)
    for (const p of graph.parameters) if (!dense.has(p.tensor) && p.edge && edges.has(p.edge)) dense.add(p.tensor);
    return { at, dense, tags, slots: new Map() };
  }
  const byTensor = new Map();
  for (const p of graph.parameters) {
    const geo = p.edge && edges.get(p.edge);
    if (!geo) continue;
    if (!byTensor.has(p.tensor)) byTensor.set(p.tensor, []);
    byTensor.get(p.tensor).push({ p, geo });
  }
  const obstacles = [];
  for (const b of boxes.values()) {
    const r = rect(b, 2);
    if (b.shape === "bias") r[2] += m.grad * 0.4 + m.edgeLabelW; // its gradient, written beside it
    obstacles.push(r);
  }
  for (const n of neurons) obstacles.push(rect(n, 2));
  obstacles.push(...notes);
  const placed = [];
  const [w, h] = [m.edgeLabelW, m.edgeLabelH];
  const clearance = h * 0.3; // another edge no nearer the label's centre than this
  for (const [tensor, items] of byTensor) {
    if (many || items.length > LAYER_MAX || items.some((it) => !it.geo.bez)) {
      dense.add(tensor);
      for (const { p, geo } of items) at.set(p.id, geo.mid);
      continue;
    }
    const targets = [...new Set(items.map((it) => it.geo.bez[3]))].sort((a, b) => a - b);
    const sources = [...new Set(items.map((it) => it.geo.bez[1]))].sort((a, b) => a - b);
    const lines = new Array(items.length); // each edge's, made when a label is first checked against it (placeLayer)
    const spread = (k, n, lo = 0.3, hi = 0.7) => (n === 1 ? 0.5 : lo + ((hi - lo) * k) / (n - 1));
    const ti = (it) => targets.indexOf(it.geo.bez[3]);
    const si = (it) => sources.indexOf(it.geo.bez[1]);
    // where along its edge each label starts looking: by target neuron, by source, or both
    const schemes = [
      (it) => (targets.length > 1 ? spread(ti(it), targets.length) : spread(si(it), sources.length)),
      (it) => spread(si(it), sources.length, 0.25, 0.75),
      (it) => spread(si(it) * targets.length + ti(it), items.length, 0.2, 0.8),
      (it) => spread(ti(it) * sources.length + si(it), items.length, 0.2, 0.8),
    ];
    let best = null;
    for (const pref of schemes) {
      const tried = placeLayer(items, lines, pref, { obstacles, placed, W, H, w, h, clearance, quit: true });
      if (!best || tried.missing < best.missing) best = tried;
      if (!best.missing) break;
    }
    if (best.missing) {
      // shown on demand as a smaller tag: where each covers the least of the boxes around it
      dense.add(tensor);
      best = placeLayer(items, lines, schemes[0], { obstacles, placed, W, H, w: m.tagW, h, clearance });
      const geoOf = new Map(items.map((it) => [it.p.id, it.geo]));
      for (const [id, c] of best.at) tags.set(id, { r: [c.x - m.tagW / 2, c.y - h / 2, c.x + m.tagW / 2, c.y + h / 2], clear: best.clear.has(id), geo: geoOf.get(id) });
    } else placed.push(...best.boxes);
    for (const [id, c] of best.at) at.set(id, c);
  }
  // the dense layers' whole matrix W⁽ˡ⁾ gets a place of its own in the drawing, where nothing is
  // drawn (weight-matrix.js writes it there): decided with the layout, it never moves
  const slots = dense.size && !m.sizeOnly && !m.noSlots ? matrixSlots(graph, dense, edges, [...obstacles, ...placed, ...[...tags.values()].map((t) => t.r)], W, H, m) : new Map();
  // a tag that cannot sit on its edge clear of the boxes gets a callout: a free place between its
  // edge's two columns, nearest the edge, joined to a point of it by a leader line that crosses
  // no box (render.js), so the step's weight is still labelled where it belongs
  // (a try of chooseLayout's, `noSlots`, has no matrix placed yet: its callouts, clear of the rest)
  if (tags.size <= CALLOUT_MAX && !m.noCallouts) {
    const blocks = [...obstacles, ...placed];
    for (const slot of slots.values()) blocks.push(slot.r);
    const xs = [...colX].sort((a, b) => a - b);
    for (const t of tags.values()) {
      if (t.clear || !t.geo?.bez) continue;
      const [x1, , x2] = t.geo.bez;
      // the band: from the middle of the column the edge leaves to the middle of the one it enters
      const band = [xs.filter((x) => x <= x1).pop() ?? x1, xs.find((x) => x >= x2) ?? x2];
      const spot = calloutSpot(t, band, blocks, W, H);
      if (spot) [t.callout, t.anchor] = spot;
    }
  }
  return { at, dense, tags, slots };
}

export const MATRIX_SIDE_MAX = 12; // a larger matrix is no help to read: the labels on demand remain

/**
 * The sizes of a dense layer's matrix drawn at the labels' size: a caption line, then its rows
 * of cells (each a signed number); `list`: one entry a row, its name before it. Shared with
 * weight-matrix.js, which draws it.
 */
export function matrixMetrics(m, rows, cols, list = false) {
  const f = m.edgeLabel;
  const cellW = Math.ceil(m.tagW * 0.9);
  const nameW = list ? Math.ceil(f * 3.6) : 0; // a listed entry's name before its value
  const rowH = Math.ceil(f * 1.45);
  const pad = Math.round(f * 0.35);
  const captionH = Math.ceil(f * 1.5);
  return { f, cellW, nameW, rowH, pad, captionH, w: Math.max(nameW + cols * cellW, f * 9.5) + 2 * pad, h: captionH + rows * rowH + 2 * pad };
}

/**
 * A free place for each dense layer's matrix, nearest a corner of the drawing (bottom right
 * first): clear of every box, label and tag, and of every edge. Only one is shown at a time (the
 * step's layer's), so they may share their place. Tensor → {r, rows, cols}; a matrix with no free
 * place has none.
 */
function matrixSlots(graph, dense, edges, blocks, W, H, m) {
  const sizes = new Map();
  for (const p of graph.parameters) {
    if (!p.edge || !dense.has(p.tensor) || !p.index) continue;
    const s = sizes.get(p.tensor) || [0, 0];
    sizes.set(p.tensor, [Math.max(s[0], p.index[0] + 1), Math.max(s[1], p.index[1] + 1)]);
  }
  const slots = new Map();
  const small = [...sizes].filter(([, [r, c]]) => r <= MATRIX_SIDE_MAX && c <= MATRIX_SIDE_MAX);
  // a network this large scrolls in its frame (its matrices are shown in the explanation)
  if (!small.length || graph.parameters.length > PLACED_MAX) return slots;
  const margin = m.edgeLabel * 0.4;
  const [x0, y0, x1, y1] = [m.padX * 0.5, m.padY * 0.5, W - m.padX * 0.5, H - m.padY * 0.5];
  // what is drawn, marked on a grid of cells (a prefix sum answers "is this box free?" at once)
  const g = Math.max(4, m.edgeLabel * 0.5);
  const [nx, ny] = [Math.ceil(W / g) + 1, Math.ceil(H / g) + 1];
  const used = new Uint8Array(nx * ny);
  const cell = (v, n) => Math.max(0, Math.min(n - 1, Math.floor(v / g)));
  const mark = (a, b, c, d) => {
    for (let j = cell(b, ny); j <= cell(d, ny); j += 1) used.fill(1, j * nx + cell(a, nx), j * nx + cell(c, nx) + 1);
  };
  for (const b of blocks) mark(b[0] - margin, b[1] - margin, b[2] + margin, b[3] + margin);
  // every edge as points along it, about a margin apart
  for (const geo of edges.values()) {
    const n = geo.bez ? null : (String(geo.d).match(/-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/gi) || []).map(Number);
    const at = geo.bez ? (t) => curveAt(geo.bez, t) : n.length === 8 ? (t) => cubicAt(n, t) : (t) => ({ x: n[0] + (n[2] - n[0]) * t, y: n[1] + (n[3] - n[1]) * t });
    const a = at(0);
    const b = at(1);
    const steps = Math.min(200, Math.max(8, Math.ceil((Math.abs(b.x - a.x) + Math.abs(b.y - a.y) + 2 * m.nodeH) / margin)));
    for (let i = 0; i <= steps; i += 1) {
      const p = at(i / steps);
      mark(p.x - margin, p.y - margin, p.x + margin, p.y + margin);
    }
  }
  const sum = new Uint32Array((nx + 1) * (ny + 1)); // sum[(j)(nx+1) + i]: cells used above and left of (i, j)
  for (let j = 0; j < ny; j += 1) {
    for (let i = 0; i < nx; i += 1) sum[(j + 1) * (nx + 1) + i + 1] = used[j * nx + i] + sum[j * (nx + 1) + i + 1] + sum[(j + 1) * (nx + 1) + i] - sum[j * (nx + 1) + i];
  }
  const free = (q) => {
    const [i0, j0, i1, j1] = [cell(q[0], nx), cell(q[1], ny), cell(q[2] - 0.01, nx) + 1, cell(q[3] - 0.01, ny) + 1];
    return sum[j1 * (nx + 1) + i1] - sum[j0 * (nx + 1) + i1] - sum[j1 * (nx + 1) + i0] + sum[j0 * (nx + 1) + i0] === 0;
  };
  const place = (rows, cols, list) => {
    const { w, h, rowH } = matrixMetrics(m, rows, cols, list);
    if (x1 - x0 < w || y1 - y0 < h) return null;
    // the drawing's corners first (bottom right, top right, bottom left, top left), then the free
    // place whose corner is nearest one of them
    const corners = [[x1 - w, y1 - h], [x1 - w, y0], [x0, y1 - h], [x0, y0]];
    const found = corners.map(([x, y]) => [x, y, x + w, y + h]).find(free) || null;
    let [best, far] = [found, found ? 0 : Infinity];
    const step = Math.max(g, rowH / 2);
    for (let y = y0; !best && y + h <= y1 + 0.01; y += step) {
      for (let x = x0; x + w <= x1 + 0.01; x += step) {
        let d = Infinity;
        for (const [cx, cy] of corners) d = Math.min(d, Math.hypot(x - cx, y - cy));
        if (d >= far || !free([x, y, x + w, y + h])) continue;
        [best, far] = [[x, y, x + w, y + h], d];
      }
    }
    return best;
  };
  for (const [tensor, [rows, cols]] of small) {
    const r = place(rows, cols, false);
    // a single row too long for any free place: its entries one under another, each named
    const list = !r && rows === 1 && cols > 1 ? place(cols, 1, true) : null;
    if (r) slots.set(tensor, { r, rows, cols, list: false });
    else if (list) slots.set(tensor, { r: list, rows: cols, cols: 1, list: true });
  }
  return slots;
}

function cubicAt(n, t) {
  const u = 1 - t;
  const [a, b, c, d] = [u ** 3, 3 * u * u * t, 3 * u * t * t, t ** 3];
  return { x: a * n[0] + b * n[2] + c * n[4] + d * n[6], y: a * n[1] + b * n[3] + c * n[5] + d * n[7] };
}

const CALLOUT_MAX = 128; // tags given a callout place; a larger layer's show their matrix only

/** Whether the segment p → q passes through the box o (the slab test). */
function crosses(p, q, o) {
  let [t0, t1] = [0, 1];
  for (const [a, d, lo, hi] of [[p.x, q.x - p.x, o[0], o[2]], [p.y, q.y - p.y, o[1], o[3]]]) {
    if (Math.abs(d) < 1e-9) {
      if (a <= lo || a >= hi) return false;
      continue;
    }
    let [u, v] = [(lo - a) / d, (hi - a) / d];
    if (u > v) [u, v] = [v, u];
    t0 = Math.max(t0, u);
    t1 = Math.min(t1, v);
    if (t0 >= t1) return false;
  }
  return true;
}

/**
 * Whether a point of `line` (polyline) lies nearer `p` than `r`: distanceTo(line, p) < r, its
 * segments measured only when the line's bounds (kept on it) are that near.
 */
function nearLine(line, p, r) {
  let b = line.bounds;
  if (!b) {
    b = line.bounds = [Infinity, Infinity, -Infinity, -Infinity];
    for (const c of line) [b[0], b[1], b[2], b[3]] = [Math.min(b[0], c.x), Math.min(b[1], c.y), Math.max(b[2], c.x), Math.max(b[3], c.y)];
  }
  if (Math.hypot(Math.max(b[0] - p.x, p.x - b[2], 0), Math.max(b[1] - p.y, p.y - b[3], 0)) >= r + 1e-9) return false;
  // distanceTo's measure, segment by segment, until one is nearer than r (a segment lies in its
  // ends' bounds: one whose bounds are r or more away is passed over)
  for (let i = 1; i < line.length; i += 1) {
    const a = line[i - 1];
    const c = line[i];
    if (Math.max(Math.min(a.x, c.x) - p.x, p.x - Math.max(a.x, c.x), Math.min(a.y, c.y) - p.y, p.y - Math.max(a.y, c.y)) >= r + 1e-9) continue;
    const [vx, vy] = [c.x - a.x, c.y - a.y];
    const len = vx * vx + vy * vy || 1;
    const t = Math.max(0, Math.min(1, ((p.x - a.x) * vx + (p.y - a.y) * vy) / len));
    if (Math.hypot(a.x + t * vx - p.x, a.y + t * vy - p.y) < r) return true;
  }
  return false;
}

/**
 * A tag's callout: the box of its size whose middle lies in `band` (between its edge's two
 * columns), inside W × H, meeting none of `blocks`, with a point of its edge that a straight
 * leader joins to the box through none of them; of those, the one nearest its edge.
 * [box, that point], or null: none.
 */
function calloutSpot(t, band, blocks, W, H) {
  const r = t.r;
  const [w, h] = [r[2] - r[0], r[3] - r[1]];
  const line = polyline(t.geo.bez).slice(2, -2); // (not its very ends: they are in the boxes)
  // the places: a grid over the band's width and the drawing's height, `step` apart; of two as
  // near, the one first in rows from the top, then from the left (its index, iy × columns + ix)
  const step = Math.max(4, h / 4);
  const ys = [];
  for (let y = 0; y + h <= H; y += step) ys.push(y);
  const xs = [];
  for (let x = Math.max(0, band[0] - w / 2); x <= Math.min(W - w, band[1] - w / 2) + 0.01; x += step) xs.push(x);
  // The line's bounds: no point of it is nearer a place than they are. A place's distance from
  // them (across `dx`, down `dy`) is a bound, so the places are tried rows nearest first and, in a
  // row, columns nearest first; once the bound passes the nearest place found, the rest of the
  // row, or every row left, is passed over unmeasured. (Any order finds the same place.)
  let [lx0, ly0, lx1, ly1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const c of line) [lx0, ly0, lx1, ly1] = [Math.min(lx0, c.x), Math.min(ly0, c.y), Math.max(lx1, c.x), Math.max(ly1, c.y)];
  const dxs = xs.map((x) => Math.max(lx0 - (x + w), x - lx1, 0));
  const dys = ys.map((y) => Math.max(ly0 - (y + h), y - ly1, 0));
  const byDx = xs.map((_, i) => i).sort((a, b) => dxs[a] - dxs[b] || a - b);
  const byDy = ys.map((_, i) => i).sort((a, b) => dys[a] - dys[b] || a - b);
  // a leader runs from the line to a place, both within these bounds: a block outside is never crossed
  const [bx0, bx1] = [Math.min(lx0, xs[0] ?? lx0), Math.max(lx1, (xs[xs.length - 1] ?? lx1) + w)];
  const across = blocks.filter((o) => o[2] >= bx0 && o[0] <= bx1);
  // a point of the line inside a block can anchor no leader, wherever the box is
  const buried = line.map((c) => across.some((o) => c.x > o[0] && c.x < o[2] && c.y > o[1] && c.y < o[3]));
  const d = new Float64Array(line.length);
  const [ex, ey] = [new Float64Array(line.length), new Float64Array(line.length)];
  let best = null;
  let at = -1; // its index
  let far = Infinity;
  for (const iy of byDy) {
    if (dys[iy] > far) break;
    const y = ys[iy];
    const row = blocks.filter((o) => o[1] < y + h && o[3] > y); // those a place of this row can meet
    for (const ix of byDx) {
      const k = iy * xs.length + ix;
      const lo = Math.hypot(dxs[ix], dys[iy]);
      if (lo > far) break;
      if (lo === far && k > at) continue;
      const x = xs[ix];
      const q = [x, y, x + w, y + h];
      if (row.some((o) => o[0] < q[2] && o[2] > q[0])) continue;
      // the edge's points nearer the box than the nearest so far (as near, for a place before it),
      // nearest first (in the line's order between equals); the first whose leader is clear
      const near = [];
      for (let i = 0; i < line.length; i += 1) {
        const c = line[i];
        [ex[i], ey[i]] = [Math.min(Math.max(c.x, q[0]), q[2]), Math.min(Math.max(c.y, q[1]), q[3])];
        d[i] = Math.hypot(c.x - ex[i], c.y - ey[i]);
        if (!buried[i] && (d[i] < far || (d[i] === far && k < at))) near.push(i);
      }
      near.sort((a, b) => d[a] - d[b] || a - b);
      for (const i of near) {
        const e = { x: ex[i], y: ey[i] };
        if (across.some((o) => crosses(line[i], e, o))) continue;
        [best, far, at] = [[q, line[i]], d[i], k];
        break;
      }
    }
  }
  return best;
}

const ALONG = []; // where along an edge a label may sit
for (let t = 0.08; t <= 0.921; t += 0.02) ALONG.push(t);
const orders = new Map(); // start → the indices of ALONG, nearest it first
function nearest(start) {
  if (!orders.has(start)) orders.set(start, ALONG.map((_, k) => k).sort((a, b) => Math.abs(ALONG[a] - start) - Math.abs(ALONG[b] - start)));
  return orders.get(start);
}

/** One layer's labels placed greedily, each nearest the place `pref` gives it; how many could not be. */
function placeLayer(items, lines, pref, { obstacles, placed, W, H, w, h, clearance, quit = false }) {
  const at = new Map();
  const boxes = [];
  const clear = new Set(); // placed clear of every box (a tag: it may still meet another tag)
  let missing = 0;
  const byTarget = new Map();
  const sameTarget = (geo) => {
    if (!byTarget.has(geo.bez[3])) byTarget.set(geo.bez[3], []);
    return byTarget.get(geo.bez[3]);
  };
  const order = items.map((_, i) => i).sort((a, b) => pref(items[a]) - pref(items[b]) || items[a].geo.bez[1] - items[b].geo.bez[1]);
  for (const i of order) {
    const { p, geo } = items[i];
    const start = pref(items[i]);
    // the places along its edge (each computed once a layout, when first tried), nearest `start` first
    const points = (items[i].points ||= new Array(ALONG.length));
    let found = null;
    let fallback = null; // where it covers the least of the boxes, for when it is shown on demand
    // every place along the edge lies in its curve's bounds (the curve runs between its two ends,
    // level at both): only the boxes near those can meet a label there (the rest add 0 to a sum)
    const [x1, y1, x2, y2] = geo.bez;
    const reach = [Math.min(x1, x2) - w / 2 - 1, Math.min(y1, y2) - h / 2 - 1, Math.max(x1, x2) + w / 2 + 1, Math.max(y1, y2) + h / 2 + 1];
    const nearObstacles = obstacles.filter((o) => hits(o, reach));
    const nearPlaced = placed.filter((o) => hits(o, reach));
    for (const k of nearest(start)) {
      const c = (points[k] ||= curveAt(geo.bez, ALONG[k]));
      const r = [c.x - w / 2, c.y - h / 2, c.x + w / 2, c.y + h / 2];
      if (r[0] < 0 || r[1] < 0 || r[2] > W || r[3] > H) continue;
      if (quit) {
        // a label that cannot be placed ends the try (no fallback is kept): only whether this
        // place meets anything counts, so the first overlap found is enough
        if (meets(nearObstacles, r) || meets(nearPlaced, r) || meets(sameTarget(geo), r)) continue;
      } else {
        const onBoxes = nearObstacles.reduce((a, o) => a + overlap(o, r), 0) + nearPlaced.reduce((a, o) => a + overlap(o, r), 0);
        const covered = onBoxes + sameTarget(geo).reduce((a, o) => a + overlap(o, r), 0);
        // clear of the boxes first, then apart from the tags lit with it
        const worse = (f) => (f.onBoxes > 0) !== (onBoxes > 0) ? f.onBoxes > 0 : covered < f.covered - 1e-6;
        if (!fallback || worse(fallback)) fallback = { c, r, covered, onBoxes };
        if (covered > 0) continue;
      }
      if (nearPlaced.some((o) => hits(o, r)) || boxes.some((o) => hits(o, r))) continue;
      if (items.some((it, k) => k !== i && nearLine((lines[k] ||= polyline(it.geo.bez)), c, clearance))) continue;
      found = { c, r };
      break;
    }
    if (found) {
      boxes.push(found.r);
      at.set(p.id, found.c);
      clear.add(p.id);
    } else {
      missing += 1;
      if (quit) break; // one label that cannot be placed makes the layer dense: the rest is moot
      at.set(p.id, fallback ? fallback.c : curveAt(geo.bez, start));
      if (fallback && fallback.onBoxes === 0) clear.add(p.id);
    }
    if (fallback || found) sameTarget(geo).push((found || fallback).r); // lit together: apart if they can be
  }
  return { at, boxes, missing, clear };
}

/**
 * An edge's geometry: `pts`, the numbers of its path ("M x y L x y": 4, "M x y C x y x y x y": 8),
 * and `d`, that path, written out only when it is read (a large graph's 41,600 edges are painted
 * on a canvas from their numbers, and never need it).
 */
class Geo {
  constructor(pts, mid, kind, bez = undefined) {
    this.pts = pts;
    if (mid !== null) this.mid = mid; // (a Curve's is made when first read)
    this.kind = kind;
    if (bez) this.bez = bez;
  }

  get d() {
    const n = this.pts;
    return n.length === 8 ? `M${n[0]},${n[1]} C${n[2]},${n[3]} ${n[4]},${n[5]} ${n[6]},${n[7]}` : `M${n[0]},${n[1]} L${n[2]},${n[3]}`;
  }
}

/** A data edge's curve: its ends (`bez`) and middle made from its numbers when first read (a large
 *  graph's 40,960 weight edges are painted from their numbers; few ever need the rest). */
class Curve extends Geo {
  constructor(pts, kind) {
    super(pts, null, kind);
  }

  get bez() {
    const n = this.pts;
    return (this._bez ??= [n[0], n[1], n[6], n[7]]);
  }

  get mid() {
    const n = this.pts;
    return (this._mid ??= bezierMid(n[0], n[1], n[6], n[7]));
  }

  set mid(v) {
    this._mid = v;
  }
}

function curve(x1, y1, x2, y2, kind) {
  const dx = (x2 - x1) / 2;
  return new Curve([x1, y1, x1 + dx, y1, x2 - dx, y2, x2, y2], kind);
}

function bezierMid(x1, y1, x2, y2) {
  return { x: (x1 + x2) / 2, y: (y1 + y2) / 2 };
}

/** Geometry of every data edge that is drawn; weight edges reuse the data edge they label. */
function edgeGeometry(graph, boxes, m, H) {
  const out = new Map();
  const { byNode: byId, drawable } = readOf(graph);
  for (const e of drawable) {
    const s = boxes.get(e.source);
    if (!s) continue; // (weight parameters are drawn as the edge they label: not among `drawable`)
    const t = boxes.get(e.target);
    if (!t) continue;
    // the node drawn in a box shaped "a" is an activation: not looked up (41,600 of the 10 × 64
    // network's edges leave one)
    const src = s.shape === "a" ? null : byId.get(e.source);
    if (src !== null && src.role === "z" && byId.get(e.target).role === "a") {
      if (s.y === t.y && Math.abs(t.x - s.x - m.halfW) < 1) {
        out.set(e.id, new Geo([s.x, s.y, t.x, t.y], bezierMid(s.x, s.y, t.x, t.y), "internal"));
      } else {
        // softmax: every z feeds every output; arc below the neurons
        // the arc dips about ¾ of its bend below the boxes: never past the drawing's bottom
        const low = Math.max(s.y + s.h / 2, t.y + t.h / 2);
        const bend = Math.max(m.gap, Math.min(Math.max(m.nodeH, Math.abs(t.y - s.y) * 0.4), (H - 4 - low) / 0.75));
        const pts = [s.x, s.y + s.h / 2, s.x, s.y + s.h / 2 + bend, t.x, t.y + t.h / 2 + bend, t.x, t.y + t.h / 2];
        out.set(e.id, new Geo(pts, bezierMid(s.x, s.y, t.x, t.y), "cross"));
      }
      continue;
    }
    if (src !== null && src.role === "b") {
      const x = s.x;
      out.set(e.id, new Geo([x, s.y + s.h / 2, x, t.y - t.h / 2], { x, y: (s.y + t.y) / 2 }, "bias"));
      continue;
    }
    const x1 = s.x + s.w / 2; // leave from the right side (the a half of a neuron)
    const x2 = t.x - t.w / 2; // arrive at the left side (the z half of a neuron)
    let y2 = t.y;
    if (t.shape === "loss") {
      const outs = byId.get(e.target).inputs.length / 2; // ŷ₁…ŷₙ then y₁…yₙ
      y2 += ((e.position - (outs - 1) / 2) * t.h * 0.6) / Math.max(outs, 1);
    }
    if (src !== null && src.kind === "target") {
      // the target sits above the loss: come straight down into it
      out.set(e.id, new Geo([s.x, s.y + s.h / 2, s.x, t.y - t.h / 2], { x: s.x, y: (s.y + t.y) / 2 }, "target"));
      continue;
    }
    out.set(e.id, curve(x1, s.y, x2, y2, "data"));
  }
  return out;
}

/**
 * The drawing for a frame of `size` CSS px: of a few ways to draw the graph (roomy or compact
 * boxes; one or more columns of weight labels per gap), the one whose text is largest at the zoom
 * that fits the frame, with every weight label placed if any way places them and keeps the text
 * at `floorPx` or more. Returns its metrics, its natural size (`natural`: a layout of its width
 * and height only), that zoom and its smallest text.
 */
export function chooseLayout(graph, place, size, { projector, precision, k = 1, floorPx, maxZoom }) {
  // the weight tensors, by one loop and no list made (the 10 × 64 network has 40,960 weights)
  const weightTensors = new Set();
  for (const p of graph.parameters) if (p.edge) weightTensors.add(p.tensor);
  const network = weightTensors.size > 0;
  const tensors = weightTensors.size;
  const many = network && graph.parameters.length > PLACED_MAX;
  // (a small network, wide and short in its frame, may also lay its fanning edges steep: `steep`)
  const small = network && graph.parameters.length <= STEEP_MAX;
  const ways = graph.parameters.length > PLACED_MAX ? [[false, 1]] : network ? [[false, 1], [false, 2], [true, 1], [true, 2], [true, 0], ...(small ? [[false, 1, true], [true, 1, true]] : [])] : [[false, 1], [true, 1]];
  const all = [];
  const tries = ways.map(([compact, cols, steep]) => ({ compact, cols, steep, onDemand: null }));
  for (const { compact, cols, steep, onDemand, tagRoom } of tries) {
    const m = metricsFor(projector, precision, k, compact);
    m.steep = Boolean(steep);
    m.labelCols = cols;
    m.onDemand = onDemand;
    m.tagRoom = Boolean(tagRoom);
    const natural = place(graph, 0, 0, { ...m, sizeOnly: true });
    const zoom = Math.min(maxZoom, size.w / natural.width, size.h / natural.height);
    // its labels as placed in the frame (rows spread over the height it has; the matrix's place:
    // only the drawing's); with more weights than are ever placed, every layer's are on demand
    // and none has a tag: nothing to place
    // (no callouts placed: only the ways that could be chosen need theirs, counted below)
    const framed = many ? { denseLayers: { size: tensors }, tags: null } : place(graph, size.w / zoom, size.h / zoom, { ...m, noSlots: true, noCallouts: true });
    // a dense layer's tags that cannot be shown clear of the boxes around them (render.js leaves them out)
    const crowded = [...(framed.tags || new Map()).values()].filter((t) => !t.clear).length;
    const c = { m, natural, zoom, text: zoom * minFont(m), dense: framed.denseLayers.size, crowded, stray: crowded ? null : 0, framedIn: [size.w / zoom, size.h / zoom] };
    c.fits = c.text >= floorPx;
    all.push(c);
    // tags that cover a box: the same way with room beside the edges for them
    if (crowded && !tagRoom && !steep && graph.parameters.length <= PLACED_MAX) tries.push({ compact, cols, onDemand, tagRoom: true });
    // the layers too dense for their labels given only the room their edges need: the others
    // keep theirs, and the drawing gets larger
    if (cols && !onDemand && !steep && c.dense && c.dense < tensors) tries.push({ compact, cols, onDemand: framed.denseLayers });
    // none of the ways fits the frame at the floor: the rows set closer still (a tall column)
    if (all.length === tries.length && network && !all.some((a) => a.fits) && !tries.some((t) => t.compact === "tight")) {
      tries.push({ compact: "tight", cols: 1, onDemand: null }, { compact: "tight", cols: 0, onDemand: null });
    }
  }
  // every label on its edge, unless that leaves the text both a quarter smaller than it could be
  // and under a comfortable size (13 px at a desk, 26 px on a projector)
  const top = Math.max(...all.filter((c) => c.fits).map((c) => c.text));
  const enough = Math.max(floorPx, Math.min(top * 0.75, floorPx * COMFORT));
  // the tags with no place, on their edge or as a callout between their edge's columns (shown
  // nowhere): counted only for the ways that fit with the most text enough and the fewest dense
  // layers, the only ones between which better() asks (each of them beats every other way)
  const ahead = all.filter((c) => c.fits);
  const lead = (c) => [c.text >= enough ? 1 : 0, -c.dense];
  const first = ahead.map(lead).sort((a, b) => b[0] - a[0] || b[1] - a[1])[0];
  for (const c of ahead) {
    const [a, b] = lead(c);
    if (!first || a !== first[0] || b !== first[1] || many || !c.crowded) continue;
    const framed = place(graph, c.framedIn[0], c.framedIn[1], { ...c.m, noSlots: true });
    c.stray = [...framed.tags.values()].filter((t) => !t.clear && !t.callout).length;
  }
  let best = null;
  // rows set tight only to fit: a graph that scrolls anyway keeps room between its rows (a note
  // under a box, "part 2 of 3", then clears the bias below)
  for (const c of all) if ((c.fits || c.m.compact !== "tight") && (!best || better(c, best, enough))) best = c;
  return best;
}

const COMFORT = 13 / 12;
const STEEP_MAX = 24; // parameters: a network this small is tried with steep edges too

function better(a, b, enough) {
  if (a.fits && b.fits && (a.text >= enough) !== (b.text >= enough)) return a.text >= enough;
  if (a.fits !== b.fits) return a.fits;
  if (a.fits && a.dense !== b.dense) return a.dense < b.dense;
  // a tag with no place, on its edge or as a callout between its edge's columns, is hidden
  if (a.fits && a.stray !== b.stray) return a.stray < b.stray;
  if (a.fits && a.crowded !== b.crowded) return a.crowded < b.crowded;
  if (Math.abs(a.text - b.text) > 1e-6) return a.text > b.text; // the larger text; of two that scroll, the one that scrolls least
  return !a.fits && a.natural.width * a.natural.height < b.natural.width * b.natural.height; // ...then the smaller
}
