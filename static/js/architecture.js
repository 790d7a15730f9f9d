// The architecture editor: layers, activations, loss, learning rate, initialisation.

import { catalog } from "./catalog.js";
import { parseNumber } from "./format.js";
import { createBatchFields } from "./batches.js";
import { createOptimizerFields } from "./optimizer-fields.js";
import { createLrGuide } from "./lr-guide.js";


export function parseLayers(text) {
  // the API's limits, from the page's catalog; without one, the API alone has the last word
  const { layers: maxLayers = Infinity, width: maxWidth = Infinity } = catalog().limits || {};
  const parts = String(text).split(/[\s,→>-]+/).filter(Boolean);
  if (parts.length < 2) return { error: "Give at least two layers, e.g. 2, 1, 1 (inputs first, outputs last)." };
  if (parts.length > maxLayers) return { error: `At most ${maxLayers} layers, the input layer included.` };
  const layers = parts.map(Number);
  const bad = layers.findIndex((n) => !Number.isInteger(n) || n < 1 || n > maxWidth);
  if (bad >= 0) return { error: `Layer ${bad + 1} is “${parts[bad]}”: each layer has 1 to ${maxWidth} neurons.` };
  return { layers };
}

/** Keep the data's rows, pad or cut columns to the new widths. */
function reshapeRows(rows, width, fill) {
  return rows.map((r) => Array.from({ length: width }, (_, i) => (i < r.length ? r[i] : fill(i))));
}

function oneHotTargets(rows, width) {
  return rows.map((r) => {
    const k = Math.max(0, r.indexOf(Math.max(...r)));
    return Array.from({ length: width }, (_, i) => (i === Math.min(k, width - 1) ? 1 : 0));
  });
}

/** The tensors of a network of `layers`, in the order the panel lists them: W1, b1, W2, b2, … */
export function tensorNames(layers) {
  return layers.slice(1).flatMap((_, l) => [`W${l + 1}`, `b${l + 1}`]);
}

export function createArchitectureEditor({ form, getScenario, onApply, onFreeze }) {
  const layersInput = form.querySelector("#arch-layers");
  const layersHint = form.querySelector("#arch-layers-hint");
  const actsBox = form.querySelector("#arch-activations");
  const loss = form.querySelector("#arch-loss");
  const lr = form.querySelector("#arch-lr");
  const init = form.querySelector("#arch-init");
  const seed = form.querySelector("#arch-seed");
  const scale = form.querySelector("#arch-scale");
  const errors = form.querySelector("#arch-errors");
  const locks = form.querySelector("#arch-locks-list");

  /** One lock per tensor; a change applies at once (the rest of the form waits for Apply). */
  function lockBoxes(sc) {
    const frozen = new Set(sc.frozen || []);
    locks.replaceChildren(
      ...tensorNames(sc.layers).map((t) => {
        const label = document.createElement("label");
        label.className = "lock";
        const box = document.createElement("input");
        box.type = "checkbox";
        box.id = `arch-lock-${t}`;
        box.value = t;
        box.checked = frozen.has(t);
        label.htmlFor = box.id;
        label.title = t.startsWith("W") ? `Keep every weight of ${t} as it is in the update` : `Keep every bias of ${t} as it is in the update`;
        label.append(box, ` ${t}`);
        return label;
      }),
    );
  }

  locks.addEventListener("change", async (ev) => {
    const box = ev.target;
    const messages = await onFreeze(box.value, box.checked);
    if (messages) {
      box.checked = !box.checked;
      showErrors(["The lock was not changed:", ...messages]);
    }
  });
  const slot = form.querySelector("#arch-optimizer-slot");
  const noteBox = form.querySelector("#arch-lr-note");
  const guide = noteBox
    ? createLrGuide({ input: lr, note: noteBox, text: form.querySelector("#arch-lr-note-text"), button: form.querySelector("#arch-lr-back") })
    : null; // η follows the optimizer menu while it is the lesson's own (lr-guide.js)
  const optimizer = slot ? createOptimizerFields(slot, { onChange: (entry) => guide?.changed(entry) }) : null;
  const batches = createBatchFields(form); // batches.js: batch size and shuffle seed

  function activationSelects(count, chosen) {
    const nodes = [];
    for (let l = 0; l < count; l += 1) {
      const label = document.createElement("label");
      label.className = "field";
      const span = document.createElement("span");
      span.textContent = l === count - 1 ? `Layer ${l + 1} (output)` : `Layer ${l + 1}`;
      const select = document.createElement("select");
      select.id = `arch-act-${l}`;
      label.htmlFor = select.id;
      const output = l === count - 1;
      for (const a of catalog().activations.filter((x) => output || x.hidden)) {
        const o = document.createElement("option");
        o.value = a.name;
        o.textContent = a.title;
        select.append(o);
      }
      select.value = chosen[l] || chosen[chosen.length - 1] || "sigmoid";
      label.append(span, select);
      nodes.push(label);
    }
    actsBox.replaceChildren(...nodes);
  }

  function fill(sc) {
    layersInput.value = sc.layers.join(", ");
    activationSelects(sc.layers.length - 1, sc.activations);
    loss.value = sc.loss || "mse";
    lr.value = String(sc.learning_rate ?? 0.5);
    init.value = sc.weights ? "keep" : (sc.init && sc.init.scheme) || "normal";
    seed.value = String((sc.init && sc.init.seed) ?? 0);
    scale.value = String((sc.init && sc.init.scale) ?? 0.5);
    layersHint.textContent = "e.g. 2, 4, 1 — one activation per layer after the inputs.";
    lockBoxes(sc);
    if (optimizer) optimizer.fill(sc.optimizer || null);
    if (guide) guide.fill(sc, optimizer ? optimizer.entry() : null);
    if (batches) batches.fill(sc);
    showErrors([]);
  }

  // which field an API message (or a check here) is about: its message is shown beside it
  const FIELDS = [
    [/^scenario → layers\b|^Give at least|^At most \d+ layers|^Layer \d+ is/, layersInput],
    [/^scenario → activations\b/, actsBox],
    [/^scenario → loss\b/, loss],
    [/^scenario → learning_rate\b|^Learning rate/, lr],
    [/^scenario → init → seed\b|^Seed/, seed],
    [/^scenario → init → scale\b|^Scale/, scale],
    ...(batches ? [[/^scenario → batch_size\b|^Batch size|batch_size is/, batches.size], [/^scenario → shuffle_seed\b|^Shuffle seed/, batches.seed]] : []),
  ];

  function fieldErrors(messages) {
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    for (const f of form.querySelectorAll("[aria-invalid]")) f.removeAttribute("aria-invalid");
    for (const [, field] of FIELDS) {
      const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && !x.endsWith("-error"));
      if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
      else field.removeAttribute("aria-describedby");
    }
    for (const m of messages) {
      const field = FIELDS.find(([re]) => re.test(m))?.[1];
      if (!field) continue;
      const control = field.matches("input, select");
      const id = `${field.id}-error`;
      let p = document.getElementById(id);
      if (!p) {
        p = document.createElement("p");
        p.className = "field-error";
        p.id = id;
        (field.closest("label") || field).append(p);
        const was = field.getAttribute("aria-describedby");
        if (control) field.setAttribute("aria-describedby", was ? `${was} ${id}` : id);
      }
      p.textContent = (p.textContent ? `${p.textContent} ` : "") + m.replace(/^scenario → /, "");
      if (control) field.setAttribute("aria-invalid", "true");
    }
  }

  function showErrors(messages) {
    fieldErrors(messages);
    errors.hidden = messages.length === 0;
    errors.replaceChildren(
      ...messages.map((m) => {
        const p = document.createElement("p");
        p.textContent = m;
        return p;
      }),
    );
  }

  layersInput.addEventListener("input", () => {
    const r = parseLayers(layersInput.value);
    if (r.layers) {
      const current = [...actsBox.querySelectorAll("select")].map((s) => s.value);
      if (current.length !== r.layers.length - 1) activationSelects(r.layers.length - 1, current);
      layersHint.textContent = `${r.layers.length - 1} weight layers.`;
    } else layersHint.textContent = r.error;
  });

  /** The new scenario, or the reasons there is none (checked here first, then by the API). */
  function build() {
    const old = getScenario();
    const problems = [];
    const r = parseLayers(layersInput.value);
    if (r.error) problems.push(r.error);
    const rate = parseNumber(lr.value);
    if (!Number.isFinite(rate) || rate < 0) problems.push(`Learning rate “${lr.value}” must be a number ≥ 0.`);
    const opt = optimizer ? optimizer.read() : { optimizer: null, problems: [] };
    problems.push(...opt.problems);
    const batch = batches ? batches.read(old.inputs.length) : { batch_size: null, shuffle_seed: 0, problems: [] };
    problems.push(...batch.problems);
    const s = Number(seed.value.trim());
    if (init.value !== "keep" && (!Number.isInteger(s) || s < 0 || s > 2 ** 32 - 1)) problems.push(`Seed “${seed.value}” must be a whole number from 0 to 4294967295.`);
    const sc = parseNumber(scale.value);
    if (init.value !== "keep" && !(sc > 0)) problems.push(`Scale “${scale.value}” must be a number > 0.`);
    if (problems.length) return { problems };
    const layers = r.layers;
    const activations = [...actsBox.querySelectorAll("select")].map((x) => x.value);
    const sameShape = layers.length === old.layers.length && layers.every((n, i) => n === old.layers[i]);
    const next = {
      layers,
      activations,
      loss: loss.value,
      inputs: reshapeRows(old.inputs, layers[0], () => 0),
      targets: loss.value === "cross_entropy" ? oneHotTargets(old.targets, layers.at(-1)) : reshapeRows(old.targets, layers.at(-1), () => 0),
      learning_rate: rate,
    };
    if (init.value === "keep" && sameShape) {
      if (old.weights) next.weights = structuredClone(old.weights);
      if (old.biases) next.biases = structuredClone(old.biases);
      if (old.init) next.init = structuredClone(old.init);
    } else {
      next.init = { scheme: init.value === "keep" ? "normal" : init.value, seed: Number.isInteger(s) ? s : 0, scale: sc > 0 ? sc : 0.5 };
    }
    if (old.frozen && sameShape) next.frozen = [...old.frozen];
    if (old.leaky_slope !== undefined) next.leaky_slope = old.leaky_slope;
    if (opt.optimizer) next.optimizer = opt.optimizer;
    if (batch.batch_size) next.batch_size = batch.batch_size;
    if (batch.batch_size || batch.shuffle_seed) next.shuffle_seed = batch.shuffle_seed;
    return { scenario: next };
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const b = build();
    if (b.problems) {
      showErrors(b.problems);
      return;
    }
    showErrors([]);
    guide?.applying(b.scenario.learning_rate, b.scenario.optimizer?.name);
    const messages = await onApply(b.scenario);
    if (messages) showErrors(["The network was not changed:", ...messages]);
  });
  form.querySelector("#arch-revert").addEventListener("click", () => fill(getScenario()));

  return { fill, showErrors };
}
