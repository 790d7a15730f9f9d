// The tutorial's "Complete Gradient Summary", filled in live as the steps happen. A long table
// (a large network has tens of thousands of parameters) scrolls in its own box and draws only the
// rows in view.

import { formatNumber, formatSigned } from "../format.js";
import { paramState } from "../render.js";

const ARROWS = { up: "↑ up", down: "↓ down", none: "– none" };
const KEYS = ["old", "grad", "update", "new", "direction"];
const ALL_ROWS = 200; // up to this many parameters every row is drawn
const OVERSCAN = 8; // rows drawn above and below the visible ones

export function createSummary(tbody) {
  const scroller = tbody.closest(".table-scroll");
  const table = tbody.closest("table");
  let params = []; // the graph's parameters, in table order
  let rows = new Map(); // id → { tr, th, cells }: the rows drawn
  let shown = null; // { step, precision }
  let currentIds = new Set(); // rows of the parameters this step wrote
  let long = null; // { rowH, first, pool, before, after } when only the rows in view are drawn
  let frame = 0;

  function makeRow() {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    tr.append(th);
    const cells = {};
    for (const key of KEYS) {
      const td = document.createElement("td");
      td.className = `num col-${key}`;
      tr.append(td);
      cells[key] = td;
    }
    return { tr, th, cells };
  }

  function name(p) {
    return p.frozen ? `${p.label.text} (frozen)` : p.label.text;
  }

  function setGraph(graph) {
    params = graph.parameters;
    rows = new Map();
    shown = null;
    currentIds = new Set();
    long = null;
    scroller.classList.toggle("is-long", params.length > ALL_ROWS);
    if (params.length > ALL_ROWS) {
      table.setAttribute("aria-rowcount", String(params.length + 1));
      const spacer = () => {
        const tr = document.createElement("tr");
        tr.className = "spacer";
        tr.setAttribute("aria-hidden", "true");
        const td = document.createElement("td");
        td.colSpan = KEYS.length + 1;
        tr.append(td);
        return tr;
      };
      long = { rowH: 0, first: -1, count: 0, pool: [], before: spacer(), after: spacer() };
      tbody.replaceChildren(long.before, long.after);
      scroller.scrollTop = 0;
      drawWindow();
      return;
    }
    table.removeAttribute("aria-rowcount");
    tbody.replaceChildren(
      ...params.map((p) => {
        const row = makeRow();
        row.tr.dataset.id = p.id;
        row.th.textContent = name(p);
        rows.set(p.id, row);
        return row.tr;
      }),
    );
  }

  function fill(row, ps, precision) {
    const c = row.cells;
    put(c.old, formatSigned(ps.old, precision));
    put(c.grad, formatNumber(ps.grad, precision));
    put(c.update, formatSigned(ps.update, precision));
    put(c.new, formatSigned(ps.new, precision));
    put(c.direction, ps.direction ? ARROWS[ps.direction] : "");
    c.direction.dataset.dir = ps.direction || "";
  }

  /** The rows in view of a long table, from the step shown (rows are reused as it scrolls). */
  function drawWindow() {
    if (!long) return;
    if (!long.rowH) {
      // one row measured once: every row has the same height (one line, no wrapping)
      const probe = makeRow();
      probe.th.textContent = name(params[0]);
      tbody.insertBefore(probe.tr, long.after);
      long.rowH = probe.tr.getBoundingClientRect().height || 32;
      probe.tr.remove();
    }
    const view = Math.max(1, Math.ceil(scroller.clientHeight / long.rowH));
    const first = Math.max(0, Math.floor(scroller.scrollTop / long.rowH) - OVERSCAN);
    const count = Math.min(params.length - first, view + 2 * OVERSCAN);
    if (first === long.first && count === long.count) return;
    long.first = first;
    long.count = count;
    while (long.pool.length < count) long.pool.push(makeRow());
    rows = new Map();
    const trs = [];
    for (let i = 0; i < count; i += 1) {
      const p = params[first + i];
      const row = long.pool[i];
      row.tr.dataset.id = p.id;
      row.tr.setAttribute("aria-rowindex", String(first + i + 2));
      put(row.th, name(p));
      const ps = shown && paramState(shown.step, p.id);
      if (ps) fill(row, ps, shown.precision);
      else for (const key of KEYS) put(row.cells[key], "");
      row.tr.classList.toggle("is-current", currentIds.has(p.id));
      rows.set(p.id, row);
      trs.push(row.tr);
    }
    long.before.firstChild.style.height = `${first * long.rowH}px`;
    long.after.firstChild.style.height = `${(params.length - first - count) * long.rowH}px`;
    tbody.replaceChildren(long.before, ...trs, long.after);
  }

  if (scroller) {
    scroller.addEventListener("scroll", () => {
      if (!long || frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        drawWindow();
      });
    });
  }

  /** Show a step; `changed` (null: all) lists the parameters that differ from the step shown. */
  function show(resp, precision, changed = null) {
    shown = { step: resp, precision };
    const list = changed ? changed.parameters : resp.parameters;
    for (const ps of list) {
      const row = rows.get(ps.id);
      if (row) fill(row, ps, precision);
    }
    const now = new Set(resp.steps.map((s) => s.target));
    for (const id of currentIds) if (!now.has(id)) rows.get(id)?.tr.classList.remove("is-current");
    for (const id of now) rows.get(id)?.tr.classList.add("is-current");
    currentIds = now;
  }

  return { setGraph, show };
}

function put(td, s) {
  if (td.textContent !== s) td.textContent = s;
}
