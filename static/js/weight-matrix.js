// A dense layer's whole weight matrix, beside the graph: where one layer's labels are too many to
// show on their edges (layout.js), its weights are read here, the step's own entries marked.
// It is drawn in the graph, in the free place the layout keeps for it (layout.matrixSlot): at the
// graph's own size, so its text is never smaller than the graph's, and in one place for the whole
// lesson. A drawing without such a place (or one that scrolls) shows it in the explanation instead.

import { formatSigned } from "./format.js";
import { nodeById } from "./graph-index.js";
import { MATRIX_SIDE_MAX, matrixMetrics } from "./layout.js";
import { paramState } from "./render.js";
import { el, text } from "./svg.js";

export function createWeightMatrix(host, before = null) {
  const box = document.createElement("section");
  box.className = "weight-matrix";
  box.id = "weight-matrix";
  box.setAttribute("aria-label", "Weights of the layer this step uses");
  box.hidden = true;
  host.insertBefore(box, before);
  let tensors = new Map(); // tensor → {rows, cols, params} of each dense layer small enough
  let inGraph = null; // {g, slots, m}: drawn in the graph, in the places its layout keeps
  let measuring = 0; // the frame that checks the projected column's room
  let last = null; // the step shown last: a new drawing shows it again
  let shown = 0; // which show() drew the matrix: a morph that ends later writes only into its own
  let layerOf = () => undefined; // node id → its layer

  /** A new drawing: which layers are dense, and where their matrix goes (stage.js onLayout). */
  function setLayout(graph, layout, { m = null, scrolls = false, svg = null } = {}) {
    tensors = new Map();
    inGraph = null;
    const byNode = nodeById(graph); // shared with the layout and the drawing (graph-index.js)
    layerOf = (id) => byNode.get(id)?.layer;
    let over = null; // a tensor found too large to show: its other weights (they come one after another) are passed over
    for (const p of graph.parameters) {
      if (p.tensor === over || !p.edge || !layout.denseLayers.has(p.tensor)) continue;
      if (!tensors.has(p.tensor)) tensors.set(p.tensor, { rows: 0, cols: 0, params: [] });
      const t = tensors.get(p.tensor);
      t.rows = Math.max(t.rows, p.index[0] + 1);
      t.cols = Math.max(t.cols, p.index[1] + 1);
      if (t.rows > MATRIX_SIDE_MAX || t.cols > MATRIX_SIDE_MAX) over = p.tensor; // dropped below
    }
    for (const [name, t] of tensors) if (t.rows > MATRIX_SIDE_MAX || t.cols > MATRIX_SIDE_MAX) tensors.delete(name);
    // the weights of the matrices kept, listed once their sizes are known (none of a large
    // network's: its 40,960 weights are not gone through twice)
    if (tensors.size) {
      for (const p of graph.parameters) {
        const t = p.edge ? tensors.get(p.tensor) : undefined;
        if (!t) continue;
        t.params.push(p);
        t.layer = layerOf(p.node);
      }
    }
    // the explanation keeps one width for the lesson's widest matrix (projector.css)
    box.style.setProperty("--wm-cols", String(Math.max(1, ...[...tensors.values()].map((t) => t.cols))));
    const slots = layout.matrixSlots || new Map();
    if (tensors.size && m && svg && !scrolls && [...tensors.keys()].some((n) => slots.has(n))) {
      const g = el("g", { class: "wmatrix", id: "wmatrix", role: "group", "aria-label": "Weights of the layer this step uses" }, svg);
      inGraph = { g, slots, m };
    }
    if (!tensors.size || (inGraph && [...tensors.keys()].every((n) => slots.has(n)))) {
      box.hidden = true;
      box.replaceChildren();
      host.removeAttribute("tabindex");
    }
    // the same step in the new drawing, once it is styled (its marked labels say which layer)
    if (last && tensors.size) requestAnimationFrame(() => last && show(...last));
  }

  /** The matrix the step shows: the dense layer it uses (marked in the graph), else the first. */
  function current(svg, resp) {
    const marked = new Set([...svg.querySelectorAll(".wlabel.dense.lit, .wlabel.dense.active, .wlabel.dense.written")].map((g) => g.dataset.id));
    // a step that uses none of them: the weights of its node's layer (a neuron's z, a, δ)
    const s = resp.steps?.[0];
    const layer = s && (layerOf(s.target) ?? layerOf(s.node)); // a gradient's target, a value's node
    let name = [...tensors.keys()][0];
    for (const [n, t] of tensors) if (layer !== undefined && t.layer === layer) name = n;
    for (const [n, t] of tensors) if (t.params.some((p) => marked.has(p.id))) name = n;
    const t = tensors.get(name);
    const cells = Array.from({ length: t.rows }, () => Array(t.cols).fill(null));
    for (const p of t.params) cells[p.index[0]][p.index[1]] = p;
    return { name, t, cells, marked, caption: `${t.params[0].label.text} … ${t.params.at(-1).label.text}` };
  }

  /** The step shown: its layer's matrix, its own entries marked. */
  function show(svg, resp, precision, landed = () => null) {
    last = [svg, resp, precision, landed];
    const token = (shown += 1);
    // a weight the step updates keeps its old value until its morph on the graph ends (§2)
    const waiting = new Map();
    for (const st of resp.steps) {
      const done = st.phase === "update" ? landed(st.target) : null;
      if (done) waiting.set(st.target, done);
    }
    const valueOf = (ps) => (waiting.has(ps.id) ? ps.old : ps.value);
    if (!tensors.size) return;
    const { name, cells, marked, caption } = current(svg, resp);
    if (inGraph?.slots.has(name)) {
      box.hidden = true;
      return drawInGraph(name, cells, marked, caption, resp, precision, valueOf, waiting, token);
    }
    inGraph?.g.replaceChildren();
    const table = document.createElement("table");
    const title = table.createCaption();
    const body = table.createTBody();
    const tds = [];
    for (const row of cells) {
      const tr = body.insertRow();
      for (const p of row) {
        const td = tr.insertCell();
        if (!p) continue;
        const ps = paramState(resp, p.id);
        td.dataset.id = p.id;
        if (ps && ps.value !== null) td.classList.add(ps.value < 0 ? "neg" : "pos");
        if (marked.has(p.id)) td.classList.add("is-active");
        tds.push([td, p, ps]);
      }
    }
    // each cell at the page's decimals, or fewer (at least 2) when the row is wider than the column:
    // a cut-off matrix hides its last columns, and its title keeps every digit
    let decimals = precision;
    const write = (d) => {
      decimals = d;
      title.textContent = d < precision ? `${caption} (${d} decimals)` : caption;
      for (const [td, p, ps] of tds) {
        td.textContent = ps ? formatSigned(valueOf(ps), d) : "";
        td.title = ps ? `${p.label.text} = ${formatSigned(valueOf(ps), precision)}` : p.label.text;
      }
    };
    write(precision);
    for (const [id, done] of waiting) {
      done.then(() => {
        waiting.delete(id);
        if (token === shown) write(decimals); // still this step's matrix: its new values now
      });
    }
    box.replaceChildren(table);
    box.hidden = false;
    box.classList.remove("tight");
    // projected beside the graph, it shows only where the column has room for it at this step:
    // the column keeps one height for the lesson, and a scroll there would hide the equations
    box.classList.remove("no-room");
    cancelAnimationFrame(measuring);
    measuring = requestAnimationFrame(() => {
      if (getComputedStyle(box).display === "none") return;
      const wide = () => table.getBoundingClientRect().width > box.clientWidth + 0.5;
      if (wide()) box.classList.add("tight");
      for (let d = precision - 1; d >= 2 && wide(); d--) write(d);
      // no room: the column would scroll (the table's row is its own height, projector.css:
      // it lies over nothing)
      if (host.scrollHeight > host.clientHeight + 1) box.classList.add("no-room");
    });
    // the column may now scroll: a keyboard reaches it (axe: scrollable-region-focusable)
    host.tabIndex = 0;
  }

  /** In the graph's place for it: a caption, then a cell for each weight (its value, signed). */
  function drawInGraph(name, cells, marked, caption, resp, precision, valueOf, waiting, token) {
    const { g, slots, m } = inGraph;
    if (!g.isConnected) return; // a new drawing replaced it: its own setLayout follows
    const slot = slots.get(name);
    const mm = matrixMetrics(m, slot.rows, slot.cols, slot.list);
    // a row too long for its place is listed: one entry a row, its name before it
    if (slot.list) cells = cells[0].map((p) => [p]);
    const [rows, cols] = [cells.length, cells[0].length];
    const [x0, y0] = slot.r;
    const frag = document.createDocumentFragment();
    el("rect", { class: "wmatrix-bg", x: x0, y: y0, width: Math.max(mm.nameW + cols * mm.cellW, mm.f * 9.5) + 2 * mm.pad, height: mm.captionH + rows * mm.rowH + 2 * mm.pad, rx: mm.f * 0.3 }, frag);
    text({ class: "wmatrix-caption", x: x0 + mm.pad, y: y0 + mm.pad + mm.captionH * 0.72, "font-size": mm.f }, caption, frag);
    const top = y0 + mm.pad + mm.captionH;
    cells.forEach((row, i) => row.forEach((p, j) => {
      if (!p) return;
      if (slot.list) text({ class: "wmatrix-name", x: x0 + mm.pad, y: top + i * mm.rowH + mm.rowH * 0.7, "font-size": mm.f }, p.label.text, frag);
      const ps = paramState(resp, p.id);
      const sign = ps && ps.value !== null ? (ps.value < 0 ? "neg" : "pos") : "";
      const cell = el("g", { class: ["wmatrix-cell", sign, marked.has(p.id) ? "is-active" : ""].join(" ").trim(), "data-id": p.id }, frag);
      const [x, y] = [x0 + mm.pad + mm.nameW + j * mm.cellW, top + i * mm.rowH];
      el("rect", { x, y, width: mm.cellW, height: mm.rowH }, cell);
      const t = text({ x: x + mm.cellW - mm.f * 0.35, y: y + mm.rowH * 0.7, "font-size": mm.f }, ps ? formatSigned(valueOf(ps), precision) : "", cell);
      const done = ps && waiting.get(ps.id);
      if (done) done.then(() => token === shown && (t.textContent = formatSigned(ps.value, precision)));
      el("title", {}, cell).textContent = p.label.text;
    }));
    g.replaceChildren(frag);
  }

  return { setLayout, show };
}
