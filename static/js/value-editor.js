// Click (or Enter on) a weight, bias, input or target to type a new value; bad text changes nothing.

import { catalog } from "./catalog.js";
import { parseNumber } from "./format.js";

/** What an editable graph element stands for, and its value in the scenario (before any update). */
export function editTarget(graph, scenario, sample, id) {
  const p = graph.parameters.find((q) => q.id === id);
  const frozen = (t) => (scenario.frozen || []).includes(t);
  if (p && scenario.kind === "expression") {
    return { id, kind: "variable", name: p.label.text, value: scenario.values?.[p.tensor] ?? p.value, variable: p.tensor, tensor: p.tensor, frozen: frozen(p.tensor) };
  }
  if (scenario.kind === "expression") return null; // constants are part of the expression's text
  if (p) {
    const l = Number(p.tensor.slice(1)) - 1;
    const isW = p.tensor.startsWith("W");
    const value = isW ? scenario.weights?.[l]?.[p.index[0]]?.[p.index[1]] ?? p.value : scenario.biases?.[l]?.[p.index[0]] ?? p.value;
    return { id, kind: isW ? "weight" : "bias", name: p.label.text, value, layer: l, index: p.index, tensor: p.tensor, frozen: frozen(p.tensor) };
  }
  const n = graph.nodes.find((q) => q.id === id);
  // the id holds the index ("x1", "y0"); a node's row is only a drawing hint in the expanded view
  const i = n && /^[xy](\d+)$/.test(n.id) ? Number(n.id.slice(1)) : n?.row;
  if (n && n.kind === "input") return { id, kind: "input", name: n.label.text, value: scenario.inputs[sample][i], index: [sample, i] };
  if (n && n.kind === "target") return { id, kind: "target", name: n.label.text, value: scenario.targets[sample][i], index: [sample, i] };
  return null;
}

/** The scenario with one value changed; weights drawn by `init` are written out first. */
/** The graph's parameters written into `scenario` (in place) as its weights and biases, in
 *  place of an `init` scheme: the network exactly as the graph holds it. */
export function writeParameters(scenario, graph) {
  scenario.weights = scenario.layers.slice(1).map((rows, l) => Array.from({ length: rows }, () => Array(scenario.layers[l]).fill(0)));
  scenario.biases = scenario.layers.slice(1).map((rows) => Array(rows).fill(0));
  for (const p of graph.parameters) {
    const l = Number(p.tensor.slice(1)) - 1;
    if (p.tensor.startsWith("W")) scenario.weights[l][p.index[0]][p.index[1]] = p.value;
    else scenario.biases[l][p.index[0]] = p.value;
  }
  delete scenario.init;
  return scenario;
}

export function withValue(graph, scenario, target, value) {
  const next = structuredClone(scenario);
  if (target.kind === "variable") {
    next.values = { ...next.values, [target.variable]: value };
    return next;
  }
  if (target.kind === "weight" || target.kind === "bias") {
    if (!next.weights) writeParameters(next, graph);
    if (!next.biases) next.biases = next.layers.slice(1).map((rows) => Array(rows).fill(0));
    if (target.kind === "weight") next.weights[target.layer][target.index[0]][target.index[1]] = value;
    else next.biases[target.layer][target.index[0]] = value;
  } else if (target.kind === "input") {
    next.inputs[target.index[0]][target.index[1]] = value;
  } else {
    next.targets[target.index[0]][target.index[1]] = value;
  }
  return next;
}

/** The scenario with tensor (or an expression's variable) `tensor` frozen, or no longer frozen. */
export function withFrozen(scenario, tensor, on) {
  const next = structuredClone(scenario);
  const rest = (next.frozen || []).filter((t) => t !== tensor);
  next.frozen = on ? [...rest, tensor] : rest;
  if (!next.frozen.length) delete next.frozen;
  return next;
}

/** What the lock button says: a weight locks its whole matrix W1, a bias its vector b1. */
export function lockText(target) {
  const what = target.kind === "variable" ? target.name : target.tensor;
  const whole = target.kind === "variable" ? "" : target.kind === "weight" ? " (the whole matrix)" : " (the whole vector)";
  return target.frozen ? `Locked in the update: unlock ${what}` : `Lock ${what}${whole} in the update`;
}

export function validate(text) {
  const v = parseNumber(text);
  if (String(text).trim() === "") return { error: "Type a number, e.g. 0.25 or −1.5." };
  if (Number.isNaN(v)) return { error: `“${String(text).trim()}” is not a number. Use digits, a point and an optional sign, e.g. −0.75.` };
  // the API's limit for inputs, targets, weights and biases, from the page's catalog
  const maxAbs = catalog().limits?.abs ?? Infinity;
  if (!Number.isFinite(v) || Math.abs(v) > maxAbs) {
    const shown = maxAbs.toExponential().replace("e+", "e"); // 1e6, as the API writes it
    return { error: `Keep it between −${shown} and ${shown} (the API's limit).` };
  }
  return { value: v };
}

export function createValueEditor({ form, wrap, onCommit, onFreeze }) {
  const input = form.querySelector("input");
  const label = form.querySelector("label");
  const msg = form.querySelector(".value-editor-msg");
  const lock = form.querySelector(".value-editor-lock");
  let current = null; // {target, anchor}

  function showLock(target) {
    lock.hidden = !target.tensor;
    if (!target.tensor) return;
    lock.setAttribute("aria-pressed", String(target.frozen));
    lock.textContent = lockText(target);
    lock.title = "A locked (frozen) tensor keeps its values in the update; its gradients are still shown.";
  }

  function open(target, anchor) {
    current = { target, anchor };
    label.textContent = target.kind === "variable" ? target.name : target.kind === "weight" || target.kind === "bias" ? `${target.name} (before the update)` : `${target.name} (sample ${target.index[0] + 1})`;
    input.value = String(target.value).replace("-", "−");
    msg.textContent = "";
    input.removeAttribute("aria-invalid");
    showLock(target);
    form.hidden = false;
    const a = anchor.getBoundingClientRect();
    const w = wrap.getBoundingClientRect();
    const left = Math.min(Math.max(0, a.left - w.left + a.width / 2 - form.offsetWidth / 2), Math.max(0, w.width - form.offsetWidth));
    // below the value if it fits in the drawing, else above it (room for the error message)
    const room = form.offsetHeight + 40;
    const below = a.bottom - w.top + 8;
    const top = below + room <= w.height ? below : Math.max(0, a.top - w.top - room);
    // the form scrolls with the drawing when a large graph scrolls inside its frame
    form.style.left = `${left + wrap.scrollLeft}px`;
    form.style.top = `${top + wrap.scrollTop}px`;
    input.focus();
    input.select();
  }

  function close(refocus = true) {
    if (!current) return;
    const anchor = current.anchor;
    current = null;
    form.hidden = true;
    if (refocus && anchor.isConnected) anchor.focus();
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!current) return;
    const r = validate(input.value);
    if (r.error) {
      msg.textContent = r.error;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    const { target } = current;
    const problems = await onCommit(target, r.value);
    if (problems) {
      msg.textContent = problems.join(" ");
      input.setAttribute("aria-invalid", "true");
      return;
    }
    const id = target.id;
    close(false);
    const again = wrap.querySelector(`[data-id="${CSS.escape(id)}"].editable`);
    if (again) again.focus();
  });
  lock.addEventListener("click", async () => {
    if (!current || !current.target.tensor) return;
    const target = { ...current.target, frozen: !current.target.frozen };
    const problems = await onFreeze(target, target.frozen);
    if (!current) return;
    if (problems) {
      msg.textContent = problems.join(" ");
      return;
    }
    current.target = target;
    // the graph was drawn anew: the element the editor belongs to is the new one
    const again = wrap.querySelector(`[data-id="${CSS.escape(target.id)}"].editable`);
    if (again) current.anchor = again;
    showLock(target);
  });
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && ev.target === lock) {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  form.addEventListener("focusout", (ev) => {
    if (current && !form.contains(ev.relatedTarget)) close(false);
  });

  return { open, close, isOpen: () => current !== null };
}
