// A dense layer's whole weight matrix, beside the graph: where one layer's labels are too many to
// show on their edges (layout.js), its weights are read here, the step's own entries marked.

import { formatSigned } from "./format.js";
import { paramState } from "./render.js";

const MAX_SIDE = 12; // a larger matrix is no help to read: the labels on demand remain

export function createWeightMatrix(host, before = null) {
  const box = document.createElement("section");
  box.className = "weight-matrix";
  box.id = "weight-matrix";
  box.setAttribute("aria-label", "Weights of the layer this step uses");
  box.hidden = true;
  host.insertBefore(box, before);
  let tensors = new Map(); // tensor → {rows, cols, params} of each dense layer small enough
  let measuring = 0; // the frame that checks the projected column's room

  /** A new drawing: which layers are dense (stage.js onLayout). */
  function setLayout(graph, layout) {
    tensors = new Map();
    for (const p of graph.parameters) {
      if (!p.edge || !layout.denseLayers.has(p.tensor)) continue;
      if (!tensors.has(p.tensor)) tensors.set(p.tensor, { rows: 0, cols: 0, params: [] });
      const t = tensors.get(p.tensor);
      t.rows = Math.max(t.rows, p.index[0] + 1);
      t.cols = Math.max(t.cols, p.index[1] + 1);
      t.params.push(p);
    }
    for (const [name, t] of tensors) if (t.rows > MAX_SIDE || t.cols > MAX_SIDE) tensors.delete(name);
    if (!tensors.size) {
      box.hidden = true;
      host.removeAttribute("tabindex");
    }
  }

  /** The step shown: the matrix of the dense layer it uses (marked in the graph), else the first. */
  function show(svg, resp, precision) {
    if (!tensors.size) return;
    const marked = new Set([...svg.querySelectorAll(".wlabel.dense.lit, .wlabel.dense.active, .wlabel.dense.written")].map((g) => g.dataset.id));
    let name = [...tensors.keys()][0];
    for (const [n, t] of tensors) if (t.params.some((p) => marked.has(p.id))) name = n;
    const t = tensors.get(name);
    const cells = Array.from({ length: t.rows }, () => Array(t.cols).fill(null));
    for (const p of t.params) cells[p.index[0]][p.index[1]] = p;
    const table = document.createElement("table");
    const first = t.params[0].label.text;
    const last = t.params.at(-1).label.text;
    table.createCaption().textContent = `${first} … ${last}`;
    const body = table.createTBody();
    for (const row of cells) {
      const tr = body.insertRow();
      for (const p of row) {
        const td = tr.insertCell();
        if (!p) continue;
        const ps = paramState(resp, p.id);
        td.textContent = ps ? formatSigned(ps.value, precision) : "";
        td.title = p.label.text;
        td.dataset.id = p.id;
        if (ps && ps.value !== null) td.classList.add(ps.value < 0 ? "neg" : "pos");
        if (marked.has(p.id)) td.classList.add("is-active");
      }
    }
    box.replaceChildren(table);
    box.hidden = false;
    // projected beside the graph, it shows only where the column has room for it at this step:
    // the column keeps one height for the lesson, and a scroll there would hide the equations
    box.classList.remove("no-room");
    cancelAnimationFrame(measuring);
    measuring = requestAnimationFrame(() => {
      if (getComputedStyle(box).display !== "none" && host.scrollHeight > host.clientHeight + 1) box.classList.add("no-room");
    });
    // the column may now scroll: a keyboard reaches it (axe: scrollable-region-focusable)
    host.tabIndex = 0;
  }

  return { setLayout, show };
}
