// The matrix view: the same lesson, on the same cursor, as the matrices a textbook writes.
// Every number comes from POST /api/matrices (the engine's stepped state); this module only lays
// the equations out, marks the cells the current step reads and writes, and hands a clicked
// parameter to the ledger.

import { api, messagesOf } from "../api.js";
import { el } from "../dom.js";
import { formatNumber } from "../format.js";

const PHASES = { forward: "Forward pass", loss: "Loss", backward: "Backward pass", update: "Update" };
const CONVENTIONS = [
  ["columns", "Columns are samples", "W · X, as the tutorial's program"],
  ["rows", "Rows are samples", "X · Wᵀ, as PyTorch"],
];

/**
 * createMatrixView({ host, store, onParam }): `host` is the stage section; the view sits beside
 * the graph's frame and replaces it while shown. `available(graph, scenario, expand)` says why
 * it cannot be shown (null when it can).
 */
export function createMatrixView({ host, graphWrap, store, onParam }) {
  const status = el("p", { cls: "matrix-status", attrs: { role: "status" } });
  const radios = CONVENTIONS.map(([value, text, hint]) => {
    const input = el("input", { attrs: { type: "radio", name: "matrix-convention", value, id: `matrix-conv-${value}` } });
    input.addEventListener("change", () => input.checked && store.set({ convention: value }));
    return el("label", { cls: "matrix-conv-option", attrs: { for: input.id } }, [input, el("span", { text }), el("small", { text: hint })]);
  });
  const conv = el("fieldset", { cls: "matrix-conv" }, [el("legend", { text: "Convention" }), ...radios]);
  const body = el("div", { cls: "matrix-body" });
  const root = el("div", { cls: "matrix-view", attrs: { id: "matrix-view", tabindex: "0", "aria-label": "The lesson as matrices" } }, [
    el("div", { cls: "matrix-head" }, [conv, status]),
    body,
  ]);
  root.hidden = true;
  graphWrap.after(root);

  let ctl = null;
  let shown = false;
  let last = null; // the last answer drawn
  let asked = null; // { scenario, key } of the last request: the same one is not sent twice

  body.addEventListener("click", (ev) => {
    const cell = ev.target.closest("td[data-param]");
    if (cell) onParam(cell.dataset.id);
  });
  // Keyboard: each matrix is one tab stop (a roving tabindex over its cells); the arrow keys move
  // within a grid the keyboard brought focus to, Enter opens a parameter's ledger, Escape hands
  // the keys back to the lesson. A cell focused by a click keeps no keys: the clicker still steps.
  const roving = new Map(); // table's place → [row, column] of its tab stop
  let byPointer = false;
  let gridKeys = false;
  let restoring = false;
  body.addEventListener("pointerdown", () => (byPointer = true), true);
  document.addEventListener("keydown", () => (byPointer = false), true); // Tab after a stray click
  body.addEventListener("focusin", (ev) => {
    const cell = ev.target.closest?.("td[data-cell]");
    if (!cell) return;
    if (!restoring) gridKeys = !byPointer; // the same cell again after a step: keys as they were
    byPointer = false;
    const table = cell.closest("table");
    rove(table, cell);
  });
  body.addEventListener("keydown", (ev) => {
    const cell = ev.target.closest?.("td[data-cell]");
    if (!cell || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.key === "Enter" && cell.hasAttribute("data-param")) {
      ev.preventDefault();
      onParam(cell.dataset.id);
      return;
    }
    if (ev.key === "Escape") {
      ev.preventDefault();
      root.focus({ preventScroll: true }); // the lesson's keys again
      return;
    }
    const move = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[ev.key];
    if (!move || !gridKeys) return;
    ev.preventDefault();
    ev.stopPropagation(); // the grid's own keys, not the lesson's
    const tr = cell.parentElement;
    const rows = [...tr.parentElement.rows];
    const i = Math.max(0, Math.min(rows.length - 1, rows.indexOf(tr) + move[0]));
    const j = Math.max(0, Math.min(rows[i].cells.length - 1, cell.cellIndex + move[1]));
    rows[i].cells[j].focus({ preventScroll: false });
  });

  /** The table's tab stop is `cell` (and remembered across redraws at the same place). */
  function rove(table, cell) {
    for (const td of table.querySelectorAll("td[tabindex='0']")) td.tabIndex = -1;
    cell.tabIndex = 0;
    roving.set(place(table), [cell.parentElement.sectionRowIndex, cell.cellIndex]);
  }

  function setShown(on) {
    shown = on;
    if (!on) asked = null;
    root.hidden = !on;
    graphWrap.hidden = on;
    host.classList.toggle("is-matrix", on);
  }

  /** Fetch and draw the matrices at the store's cursor (only while shown). */
  async function refresh() {
    if (!shown) return;
    const s = store.get();
    for (const input of conv.querySelectorAll("input")) input.checked = input.value === s.convention;
    const req = { scenario: s.scenario, iteration: s.iteration || 1, cursor: s.cursor, granularity: s.granularity, sample: s.sample, convention: s.convention };
    const key = [s.iteration || 1, s.cursor, s.granularity, s.sample, s.convention, s.precision];
    if (asked && asked.scenario === s.scenario && asked.key.join() === key.join()) return; // asked already
    if (ctl) ctl.abort();
    ctl = new AbortController();
    asked = { scenario: s.scenario, key };
    try {
      const resp = await api.matrices(req, ctl.signal);
      draw(resp, s.precision);
    } catch (err) {
      if (err.name === "AbortError") return;
      asked = null;
      status.textContent = `The matrices could not be shown: ${messagesOf(err).join(" · ")}`;
    }
  }

  function draw(resp, precision) {
    last = resp;
    const had = document.activeElement?.closest?.("#matrix-view td[data-cell]");
    const focusAt = had ? [place(had.closest("table")), had.parentElement.sectionRowIndex, had.cellIndex] : null;
    status.textContent = `${resp.samples} sample${resp.samples === 1 ? "" : "s"}, ${resp.convention === "rows" ? "one row" : "one column"} each; sample ${resp.sample + 1} is selected.`;
    const groups = new Map();
    for (const b of resp.blocks) {
      const key = b.phase === "loss" ? "forward" : b.phase;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(drawBlock(b, precision, resp));
    }
    body.replaceChildren(
      ...[...groups].map(([phase, blocks]) =>
        el("section", { cls: "matrix-phase", attrs: { "data-phase": phase, "aria-label": `${PHASES[phase]}, as matrices` } }, [el("h3", { text: PHASES[phase] }), ...blocks]),
      ),
    );
    for (const table of body.querySelectorAll("table.matrix[data-key]")) {
      const [i, j] = roving.get(place(table)) || [0, 0];
      const row = table.tBodies[0].rows[Math.min(i, table.tBodies[0].rows.length - 1)];
      const cell = row.cells[Math.min(j, row.cells.length - 1)];
      cell.tabIndex = 0;
      if (focusAt && focusAt[0] === place(table)) {
        restoring = true; // the same place, after a step
        cell.focus({ preventScroll: true });
        restoring = false;
      }
    }
    keepInView(body.querySelector(".matrix-block.is-active"));
    document.documentElement.dataset.matrixCursor = `${resp.cursor}:${resp.convention}`;
  }

  /** Scroll the view (only the view, never the page) so the step's equation is in sight. */
  function keepInView(block) {
    if (!block) return;
    const head = root.querySelector(".matrix-head").offsetHeight;
    const top = block.getBoundingClientRect().top - root.getBoundingClientRect().top + root.scrollTop;
    const room = root.clientHeight - head;
    if (top - head < root.scrollTop || top + Math.min(block.offsetHeight, room) > root.scrollTop + root.clientHeight) {
      root.scrollTop = Math.max(0, top - head - 4);
    }
  }

  return {
    setShown,
    refresh,
    shown: () => shown,
    last: () => last,
  };
}

/** Where a table sits: its equation and its term (the same matrix can be in several). */
function place(table) {
  const block = table.closest("[data-block]");
  const tables = [...block.querySelectorAll("table.matrix[data-key]")];
  return `${block.dataset.block}/${tables.indexOf(table)}`;
}

function drawBlock(b, precision, resp) {
  const row = el("div", { cls: "matrix-row" });
  row.append(drawMatrix(b.result, precision, b.phase), el("span", { cls: "matrix-op", text: b.phase === "update" ? "=" : "=" }));
  b.terms.forEach((t, k) => {
    if (t.op) row.append(el("span", { cls: "matrix-op", text: t.op === "," ? "," : t.op }));
    if (t.coef) row.append(el("span", { cls: "matrix-coef", text: t.coef }));
    if (t.fn) row.append(el("span", { cls: "matrix-fn", text: `${t.fn}(` }));
    row.append(drawMatrix(t, precision, b.phase));
    if (t.broadcast && resp.samples > 1) row.append(ghost(t, precision, resp));
    if (t.fn && (k === b.terms.length - 1 || !b.terms[k + 1].fn)) row.append(el("span", { cls: "matrix-fn", text: ")" }));
  });
  // an optimizer's rule: its text after the last matrix, "+ ε)" (each term's op holds the text before it)
  if (b.tail) row.append(el("span", { cls: "matrix-op", text: b.tail }));
  const head = el("div", { cls: "matrix-eq" }, [
    el("h4", { cls: "matrix-equation", text: b.equation }),
    el("p", { cls: "matrix-shapes", text: b.shapes }),
  ]);
  const words = [b.why, b.note].filter(Boolean).map((t) => el("p", { cls: "matrix-why", text: t }));
  return el("article", { cls: `matrix-block${b.active ? " is-active" : ""}`, attrs: { "data-block": b.id, "data-phase": b.phase } }, [head, row, ...words]);
}

/** An optimizer's quantity (m̂, v̂: often 10⁻⁵) as the explanation writes it (optimizers.py Sig):
 * `precision` significant digits under 0.01, so the rule's arithmetic can be redone from it. */
function formatState(v, precision) {
  const a = Math.abs(v);
  if (!Number.isFinite(v) || a === 0 || a >= 0.01) return formatNumber(v, precision);
  const [mant, exp] = v.toExponential(Math.max(precision - 1, 1)).split("e");
  const e = Number(exp);
  return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`.replaceAll("-", "−");
}

/** One matrix as a table: its name and shape, the shown cells, … where an axis is elided. */
function drawMatrix(m, precision, phase) {
  const format = phase === "update" && m.kind === "derived" ? formatState : formatNumber;
  const read = new Set(m.read.map(([r, c]) => `${r},${c}`));
  const write = new Set(m.write.map(([r, c]) => `${r},${c}`));
  const param = m.kind === "param" || m.kind === "grad" || m.kind === "new";
  const table = el("table", { cls: `matrix kind-${m.kind}`, attrs: { "data-key": m.key, "data-kind": m.kind, role: "grid", "aria-readonly": "true" } });
  const name = (r, c) => `${m.name} row ${r + 1} column ${c + 1}`;
  table.append(el("caption", {}, [el("span", { cls: "matrix-name", text: m.name }), el("span", { cls: "matrix-dims", text: ` ${m.shape[0]} × ${m.shape[1]}` })]));
  const tbody = el("tbody");
  m.rows.forEach((r, i) => {
    const tr = el("tr");
    m.cols.forEach((c, j) => {
      if (r === null || c === null) {
        const what = r === null && c === null ? "rows and columns" : r === null ? "rows" : "columns";
        tr.append(el("td", { cls: "elided", text: r === null && c === null ? "⋱" : r === null ? "⋮" : "⋯", attrs: { "aria-label": `${m.name}: ${what} left out`, "data-cell": "", tabindex: "-1" } }));
        return;
      }
      const v = m.cells[i][j];
      const key = `${r},${c}`;
      const attrs = { "data-r": String(r), "data-c": String(c), "data-cell": "", tabindex: "-1" };
      const id = m.ids[i][j];
      if (id) attrs["data-id"] = id;
      if (m.sample_axis) attrs["data-sample"] = String(m.sample_axis === "rows" ? r : c);
      if (v !== null) attrs["data-value"] = String(v);
      attrs["aria-label"] = `${name(r, c)} = ${v === null ? "not computed yet" : format(v, precision)}`;
      if (param && id) {
        attrs["data-param"] = "";
        attrs.title = "Click (or Enter) for this parameter's batch ledger";
        attrs["aria-label"] += ", Enter for its batch ledger";
      }
      let cls = v === null ? "empty" : "";
      if (write.has(key)) cls += ` is-write is-${phase}`;
      else if (read.has(key)) cls += ` is-read is-${phase}`;
      const td = el("td", { cls: cls.trim(), text: v === null ? "·" : format(v, precision), attrs });
      tr.append(td);
    });
    tbody.append(tr);
  });
  table.append(tbody);
  return table;
}

/** A bias drawn again as it is added: one copy for every sample shown. */
function ghost(m, precision, resp) {
  const rows = resp.convention === "rows"; // a bias row, copied down the samples' rows
  const n = Math.min(resp.samples, 4);
  const table = el("table", { cls: "matrix ghost", attrs: { "aria-hidden": "true" } });
  table.append(el("caption", { text: `broadcast to ${resp.samples} samples` }));
  const tbody = el("tbody");
  const count = rows ? n : m.rows.length;
  for (let i = 0; i < count; i += 1) {
    const tr = el("tr");
    for (let j = 0; j < (rows ? m.cols.length : n); j += 1) {
      const v = rows ? m.cells[0][j] : m.cells[i][0];
      tr.append(el("td", { text: v === null ? "⋯" : formatNumber(v, precision) }));
    }
    if (!rows && resp.samples > n) tr.append(el("td", { text: "⋯" }));
    tbody.append(tr);
  }
  if (rows && resp.samples > n) {
    const tr = el("tr");
    tr.append(el("td", { text: "⋮", attrs: { colspan: String(m.cols.length) } }));
    tbody.append(tr);
  }
  table.append(tbody);
  return el("span", { cls: "matrix-broadcast" }, [el("span", { cls: "matrix-op", text: "⇒" }), table]);
}
