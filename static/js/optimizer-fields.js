// The optimizer menu and its hyperparameters, for the Network panel (and any form that wants
// them). The list, titles, defaults and bounds come from the page catalog (app/catalog.py, read
// from the engine's registry), never from a copy here.

import { catalog } from "./catalog.js";
import { parseNumber } from "./format.js";

function bounds(f) {
  const lo = f.ge !== undefined ? `≥ ${f.ge}` : f.gt !== undefined ? `> ${f.gt}` : "";
  const hi = f.le !== undefined ? `≤ ${f.le}` : f.lt !== undefined ? `< ${f.lt}` : "";
  return [lo, hi].filter(Boolean).join(" and ");
}

function inRange(f, v) {
  return (f.ge === undefined || v >= f.ge) && (f.gt === undefined || v > f.gt)
    && (f.le === undefined || v <= f.le) && (f.lt === undefined || v < f.lt);
}

/** Problems with one typed value (empty: none), for the field's label. */
export function checkValue(f, text, label = f.name) {
  const v = parseNumber(text);
  if (!Number.isFinite(v)) return [`${label} “${text}” must be a number.`];
  if (!inRange(f, v)) return [`${label} is ${text}: it must be ${bounds(f)}.`];
  return [];
}

/** The scenario's `optimizer` from the form's values: only what differs from the defaults. */
export function optimizerOf(entry, values) {
  if (!entry) return null;
  const out = { name: entry.name };
  for (const f of entry.fields) {
    const v = values[f.name];
    if (v === undefined) continue;
    const same = f.kind === "pair" ? v.every((x, i) => x === f.default[i]) : v === f.default;
    if (!same) out[f.name] = v;
  }
  const plain = entry.name === "sgd" && Object.keys(out).length === 1;
  return plain ? null : out;
}

/** createOptimizerFields(container, { onChange }): onChange(entry) when a person picks another
 * optimizer in the menu (not when a scenario fills it). */
export function createOptimizerFields(container, { onChange = () => {} } = {}) {
  const list = catalog().optimizers || [];
  const label = document.createElement("label");
  label.className = "field";
  label.htmlFor = "arch-optimizer";
  const span = document.createElement("span");
  span.textContent = "Optimizer";
  const select = document.createElement("select");
  select.id = "arch-optimizer";
  for (const o of list) select.append(new Option(o.title, o.name));
  label.append(span, select);
  const box = document.createElement("div");
  box.className = "arch-optimizer-fields";
  box.id = "arch-optimizer-fields";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Optimizer settings");
  container.replaceChildren(label, box);

  const entry = () => list.find((o) => o.name === select.value);

  function draw(given = {}) {
    const e = entry();
    if (!e) return box.replaceChildren();
    const nodes = [];
    for (const f of e.fields) {
      const id = `arch-opt-${f.name}`;
      const value = given[f.name] ?? f.default;
      if (f.kind === "bool") {
        const l = document.createElement("label");
        l.className = "field field-inline";
        l.htmlFor = id;
        const box_ = document.createElement("input");
        box_.type = "checkbox";
        box_.id = id;
        box_.checked = Boolean(value);
        box_.title = f.description;
        const s = document.createElement("span");
        s.textContent = f.name === "nesterov" ? "Nesterov" : f.name === "amsgrad" ? "AMSGrad" : f.name;
        l.append(box_, s);
        nodes.push(l);
        continue;
      }
      const parts = f.kind === "pair" ? [0, 1] : [null];
      const symbols = String(f.symbol).split(",");
      for (const k of parts) {
        const l = document.createElement("label");
        l.className = "field";
        const input = document.createElement("input");
        input.type = "text";
        input.inputMode = "decimal";
        input.autocomplete = "off";
        input.spellcheck = false;
        input.id = k === null ? id : `${id}-${k}`;
        input.value = String(k === null ? value : value[k]);
        input.title = f.description;
        l.htmlFor = input.id;
        const s = document.createElement("span");
        const sym = k === null ? symbols[0] : symbols[k];
        s.textContent = k === null ? `${f.name.replace("_", " ")} ${sym}`.trim() : `${f.name} ${sym}`;
        l.append(s, input);
        nodes.push(l);
      }
    }
    box.replaceChildren(...nodes);
  }

  select.addEventListener("change", () => {
    draw();
    onChange(entry());
  });

  /** Show a scenario's optimizer (null: plain SGD). */
  function fill(optimizer) {
    select.value = optimizer && list.some((o) => o.name === optimizer.name) ? optimizer.name : "sgd";
    draw(optimizer || {});
  }

  /** { optimizer (null for plain SGD), problems }. */
  function read() {
    const e = entry();
    if (!e) return { optimizer: null, problems: [] };
    const values = {};
    const problems = [];
    for (const f of e.fields) {
      const id = `arch-opt-${f.name}`;
      if (f.kind === "bool") {
        values[f.name] = box.querySelector(`#${id}`).checked;
      } else if (f.kind === "pair") {
        const texts = [0, 1].map((k) => box.querySelector(`#${id}-${k}`).value);
        texts.forEach((t, k) => problems.push(...checkValue(f, t, `${f.name} ${k + 1}`)));
        values[f.name] = texts.map(parseNumber);
      } else {
        const t = box.querySelector(`#${id}`).value;
        problems.push(...checkValue(f, t, f.name.replace("_", " ")));
        values[f.name] = parseNumber(t);
      }
    }
    return { optimizer: problems.length ? null : optimizerOf(e, values), problems };
  }

  return { fill, read, entry };
}
