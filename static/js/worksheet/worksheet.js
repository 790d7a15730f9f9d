// Check my working: a worksheet of every number in the current lesson, checked by the engine.
//
//   import { createWorksheet } from "/static/js/worksheet/worksheet.js";
//   const sheet = createWorksheet(container, () => ({ scenario, expand, sample }), {
//     onResult: (result) => highlight(result),   // keys like "value:z1_0": node id after the colon
//   });
//   sheet.refresh();   // call again whenever the scenario (or expand) changes

import { catalog } from "../catalog.js";
import { api, messagesOf } from "../api.js";
import { el, uniqueId } from "../dom.js";

const GROUPS = { value: "Forward pass", grad: "Backward pass", new: "Update" };
const VERDICT = { correct: "✓ right", slip: "✗ slip", inherited: "↳ inherited" };

/** The number a student typed, and the decimals they worked to ("0.0550" → 4). */
export function readNumber(text) {
  const t = String(text).trim().replace(/\u2212/g, "-").replace(",", ".");
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const frac = /\.(\d*)/.exec(t.split(/[eE]/)[0]);
  const decimals = /[eE]/.test(t) ? null : frac ? frac[1].length : 0;
  // decimals past the API's limit (the page's catalog) are sent as the limit
  const most = catalog().limits?.precision ?? Infinity;
  return { value: Number(t), decimals: decimals === null ? null : Math.min(decimals, most) };
}

/**
 * How many numbers the worksheet of this graph lists, counted as the engine does: each op node's
 * value, each gradient that is passed on (every source of an edge that needs a gradient), and
 * each trainable parameter's new value when the plan has an update.
 */
export function worksheetSize(graph) {
  const values = graph.nodes.filter((n) => n.kind === "op").length;
  const grads = new Set(graph.edges.filter((e) => e.requires_grad).map((e) => e.source)).size;
  const update = "update" in graph.plan.granularities.pass.phase_starts;
  const updates = update ? graph.parameters.filter((p) => !p.frozen).length : 0;
  return values + grads + updates;
}

export function createWorksheet(container, getState, { onResult = () => {} } = {}) {
  const typed = new Map(); // key → text, kept across refreshes
  const rows = new Map(); // key → { row, input, verdict, note }
  const summaryId = uniqueId("bs-ws-summary");

  const summary = el("p", { cls: "bs-ws-summary", attrs: { id: summaryId, role: "status", "aria-live": "polite" } });
  const body = el("tbody");
  const table = el("table", { cls: "bs-ws-table", attrs: { "aria-describedby": summaryId } }, [
    el("thead", {}, [
      el("tr", {}, [
        el("th", { text: "Quantity", attrs: { scope: "col" } }),
        el("th", { text: "Your value", attrs: { scope: "col" } }),
        el("th", { text: "Verdict", attrs: { scope: "col" } }),
      ]),
    ]),
    body,
  ]);
  const checkBtn = el("button", { cls: "btn bs-ws-check", text: "Check my working", attrs: { type: "submit" } });
  const clearBtn = el("button", { cls: "btn bs-ws-clear", text: "Clear", attrs: { type: "button" } });
  const root = el("form", { cls: "bs-ws", attrs: { novalidate: "", "aria-label": "Check my working" } }, [
    el("p", {
      cls: "bs-ws-help",
      text: "Type the numbers you worked out by hand, to the decimals you used. Leave the rest empty.",
    }),
    el("div", { cls: "bs-ws-scroll" }, [table]),
    el("div", { cls: "bs-ws-actions" }, [checkBtn, clearBtn]),
    summary,
  ]);
  container.append(root);

  function resetVerdicts() {
    for (const r of rows.values()) {
      for (const tr of [r.row, r.noteRow]) tr.classList.remove("bs-ws-correct", "bs-ws-slip", "bs-ws-inherited", "bs-ws-first");
      r.verdict.textContent = "";
      r.note.textContent = "";
    }
    summary.textContent = "";
  }

  function render(quantities) {
    rows.clear();
    const out = [];
    let group = null;
    for (const q of quantities) {
      if (q.quantity !== group) {
        group = q.quantity;
        out.push(el("tr", { cls: "bs-ws-group" }, [el("th", { text: GROUPS[group], attrs: { colspan: "3", scope: "colgroup" } })]));
      }
      const id = uniqueId("bs-ws-in");
      const input = el("input", {
        cls: "bs-ws-input",
        attrs: { id, type: "text", inputmode: "decimal", autocomplete: "off", size: "9", "data-key": q.key },
      });
      input.value = typed.get(q.key) || "";
      input.addEventListener("input", () => {
        typed.set(q.key, input.value);
        input.removeAttribute("aria-invalid");
      });
      const verdict = el("span", { cls: "bs-ws-verdict" });
      const note = el("td", { cls: "bs-ws-note", attrs: { colspan: "3" } });
      const row = el("tr", { cls: "bs-ws-row", attrs: { "data-key": q.key } }, [
        el("th", { attrs: { scope: "row" } }, [el("label", { text: q.label.text, attrs: { for: id } })]),
        el("td", {}, [input]),
        el("td", {}, [verdict]),
      ]);
      // the explanation gets a full-width row of its own: panels beside the graph are narrow
      const noteRow = el("tr", { cls: "bs-ws-noterow", attrs: { "data-key": q.key } }, [note]);
      rows.set(q.key, { row, noteRow, input, verdict, note });
      out.push(row, noteRow);
    }
    body.replaceChildren(...out);
  }

  async function refresh() {
    const { scenario, expand = false, graph = null, iteration = 1 } = getState();
    resetVerdicts();
    const size = graph ? worksheetSize(graph) : 0;
    // the API refuses larger worksheets (app/limits.py, via the page's catalog)
    const maxQuantities = catalog().limits?.worksheet_quantities ?? Infinity;
    if (size > maxQuantities) {
      // the API would refuse it (422, which the browser logs as an error): say so without asking
      body.replaceChildren();
      rows.clear();
      summary.textContent = `This network has ${size.toLocaleString("en")} numbers to check, more than the ${maxQuantities.toLocaleString("en")} a worksheet lists: use a smaller network or fewer neurons.`;
      return;
    }
    try {
      render((await api.worksheet(scenario, expand, undefined, iteration)).quantities);
    } catch (err) {
      body.replaceChildren();
      summary.textContent = messagesOf(err).join("\n");
    }
  }

  async function check() {
    resetVerdicts();
    const entries = [];
    for (const [key, r] of rows) {
      if (!r.input.value.trim()) continue;
      const n = readNumber(r.input.value);
      if (!n) {
        r.input.setAttribute("aria-invalid", "true");
        summary.textContent = `“${r.input.value}” is not a number.`;
        r.input.focus();
        return null;
      }
      const [quantity, target] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
      const entry = { target, quantity, value: n.value };
      if (n.decimals !== null) entry.decimals = n.decimals;
      entries.push(entry);
    }
    if (!entries.length) {
      summary.textContent = "Type at least one number first.";
      return null;
    }
    const { scenario, expand = false, sample = 0, iteration = 1 } = getState();
    let result;
    try {
      result = await api.check({ scenario, expand, sample, entries, ...(iteration > 1 ? { iteration } : {}) });
    } catch (err) {
      summary.textContent = messagesOf(err).join("\n");
      return null;
    }
    for (const e of result.entries) {
      const r = rows.get(e.key);
      if (!r) continue;
      for (const tr of [r.row, r.noteRow]) {
        tr.classList.add(`bs-ws-${e.status}`);
        if (e.key === result.first_slip) tr.classList.add("bs-ws-first");
      }
      r.verdict.textContent = VERDICT[e.status];
      r.note.textContent = e.message;
    }
    summary.textContent = result.summary;
    const first = result.first_slip && rows.get(result.first_slip);
    if (first) first.row.scrollIntoView({ block: "nearest" });
    onResult(result);
    return result;
  }

  root.addEventListener("submit", (e) => {
    e.preventDefault();
    check();
  });
  clearBtn.addEventListener("click", () => {
    typed.clear();
    for (const r of rows.values()) r.input.value = "";
    resetVerdicts();
    onResult(null);
  });

  return { refresh, check, destroy: () => root.remove() };
}
