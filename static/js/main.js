// Wires the modules together: state ⇄ URL, lesson data flow, stage, panels and controls.

import { createAnimator } from "./animate.js";
import { createArchitectureEditor } from "./architecture.js";
import { createControls } from "./controls.js";
import { exportPng, exportSvg } from "./export.js";
import { createLesson } from "./lesson.js";
import { publishLesson } from "./panels.js";
import { createEquationPanel } from "./panels/equation.js";
import { createLossPanel } from "./panels/loss.js";
import { createSummary } from "./panels/summary.js";
import { createTimeline } from "./panels/timeline.js";
import { createStage } from "./stage.js";
import { createStore, DEFAULTS } from "./store.js";
import { decodeHash, encodeHash } from "./url-state.js";
import { createValueEditor, editTarget, withValue } from "./value-editor.js";

const $ = (id) => document.getElementById(id);
const presets = JSON.parse($("presets-data").textContent);
const presetById = new Map(presets.map((p) => [p.id, p]));

function initialState() {
  const fromHash = decodeHash(location.hash);
  const presetId = fromHash.presetId !== undefined ? fromHash.presetId : DEFAULTS.presetId;
  const state = { ...fromHash };
  if (!fromHash.scenario) {
    const preset = presetById.get(presetId) || presetById.get("tutorial");
    state.presetId = preset.id;
    state.scenario = structuredClone(preset.scenario);
  }
  delete state.error;
  return { state, error: fromHash.error };
}

const { state: init, error: hashError } = initialState();
const store = createStore(init);
const animator = createAnimator();
const stage = createStage({ svg: $("graph"), wrap: $("graph-wrap"), animator, store });
const equation = createEquationPanel($("explain"));
const loss = createLossPanel($("explain"));
const summary = createSummary($("summary-body"));
const toast = createToast($("toast"));
const graphError = $("graph-error");

const lesson = createLesson(store, {
  onGraph(graph) {
    stage.showGraph(graph);
    summary.setGraph(graph);
    timeline.setPlan(graph, store.get().granularity);
    architecture.fill(store.get().scenario);
    syncPresetMenu();
    graphError.hidden = true;
  },
  onStep(resp, previous, graph) {
    const s = store.get();
    if (resp.cursor !== s.cursor) store.set({ cursor: resp.cursor });
    stage.showStep(resp, previous);
    equation.show(resp);
    loss.show(resp, s.precision);
    summary.show(resp, s.precision);
    timeline.show(resp);
    controls.sync(store.get(), resp, graph);
    graphError.hidden = true;
    document.documentElement.dataset.cursor = String(resp.cursor);
    if (document.documentElement.dataset.ready !== "true") {
      performance.mark("backstep:first-graph");
      document.documentElement.dataset.ready = "true";
    }
    publishLesson({ scenario: s.scenario, graph, step: resp, state: store.get() });
  },
  onError(messages, where) {
    graphError.hidden = false;
    graphError.textContent = `${where === "graph" ? "This network cannot be shown" : "That step failed"}: ${messages.join(" · ")}`;
  },
});

const total = () => {
  const g = lesson.graph();
  return g ? g.plan.granularities[store.get().granularity].total : 0;
};

function go(cursor) {
  const c = Math.max(0, Math.min(total(), cursor));
  store.set({ cursor: c });
}

const timeline = createTimeline($("timeline"), $("cursor-range"), go);

const help = {
  dialog: $("help"),
  isOpen: () => $("help").open,
  open: () => {
    if (!$("help").open) $("help").showModal();
  },
};
$("help-open").addEventListener("click", help.open);

function applyView(s) {
  const root = document.documentElement;
  root.classList.toggle("projector", s.projector);
  if (s.theme === "auto") delete root.dataset.theme;
  else root.dataset.theme = s.theme;
  $("projector-toggle").setAttribute("aria-pressed", String(s.projector));
  const dark = effectiveTheme(s) === "dark";
  $("theme-toggle").setAttribute("aria-pressed", String(dark));
  $("theme-toggle").textContent = dark ? "Light" : "Dark";
  $("theme-toggle").title = dark ? "Switch to the light theme" : "Switch to the dark theme";
}

function effectiveTheme(s) {
  if (s.theme !== "auto") return s.theme;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

const toggleProjector = () => store.set({ projector: !store.get().projector });
const toggleFullscreen = () => {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else document.documentElement.requestFullscreen?.().catch(() => toast.show("Full screen is not available here."));
};

async function changeGranularity(granularity) {
  const resp = lesson.step();
  const g = lesson.graph();
  if (!resp || !g) return store.set({ granularity, cursor: 0 });
  const cursor = await lesson.unitAt(granularity, resp.fine_cursor);
  timeline.setPlan(g, granularity);
  store.set({ granularity, cursor });
}

const controls = createControls({ store, total, go, changeGranularity, toggleProjector, toggleFullscreen, help });

const valueEditor = createValueEditor({
  form: $("value-editor"),
  wrap: $("graph-wrap"),
  async onCommit(target, value) {
    const s = store.get();
    const next = withValue(lesson.graph(), s.scenario, target, value);
    return lesson.load(next, { presetId: null });
  },
});

function openEditorFor(node) {
  const s = store.get();
  if (s.projector) return;
  const target = editTarget(lesson.graph(), s.scenario, s.sample, node.dataset.id);
  if (target) valueEditor.open(target, node);
}
$("graph").addEventListener("click", (ev) => {
  const node = ev.target.closest(".editable");
  if (node) openEditorFor(node);
});
$("graph").addEventListener("keydown", (ev) => {
  const node = ev.target.closest?.(".editable");
  if (node && (ev.key === "Enter" || ev.key === " ")) {
    ev.preventDefault();
    ev.stopPropagation();
    openEditorFor(node);
  }
});

const architecture = createArchitectureEditor({
  form: $("arch-form"),
  getScenario: () => store.get().scenario,
  onApply: (scenario) => lesson.load(scenario, { presetId: null, cursor: 0 }),
});

function syncPresetMenu() {
  const select = $("preset-select");
  const id = store.get().presetId;
  if (!select.options.length) {
    const custom = document.createElement("option");
    custom.value = "";
    custom.textContent = "Your own network";
    select.append(custom, ...presets.map((p) => Object.assign(document.createElement("option"), { value: p.id, textContent: p.title })));
  }
  select.value = id || "";
  select.options[0].hidden = Boolean(id);
}
$("preset-select").addEventListener("change", (ev) => {
  const preset = presetById.get(ev.target.value);
  if (preset) lesson.load(structuredClone(preset.scenario), { presetId: preset.id, cursor: 0, sample: 0 });
});

$("copy-link").addEventListener("click", async () => {
  const link = location.href;
  try {
    await navigator.clipboard.writeText(link);
    toast.show("Link copied: it restores exactly this view.");
  } catch {
    toast.show(`Copy this link: ${link}`, 8000);
  }
});
$("theme-toggle").addEventListener("click", () => store.set({ theme: effectiveTheme(store.get()) === "dark" ? "light" : "dark" }));
$("projector-toggle").addEventListener("click", toggleProjector);
const exportName = () => `backstep-${store.get().presetId || "network"}-step-${store.get().cursor}`;
$("export-svg").addEventListener("click", () => exportSvg($("graph"), exportName()));
$("export-png").addEventListener("click", () => exportPng($("graph"), exportName()));

// State → URL, view and data; the URL always holds the whole lesson.
store.subscribe((s, changed) => {
  history.replaceState(null, "", encodeHash(s));
  if (changed.has("projector") || changed.has("theme")) applyView(s);
  if (changed.has("projector")) {
    valueEditor.close(false);
    requestAnimationFrame(() => stage.redraw()); // new sizes for the same area

  }
  if (changed.has("precision")) stage.redraw();
  if (changed.has("granularity") && lesson.graph()) timeline.setPlan(lesson.graph(), s.granularity);
  if (changed.has("scenario")) return; // lesson.load fetches what it needs
  if (["cursor", "granularity", "sample", "precision"].some((k) => changed.has(k))) lesson.fetchStep();
  controls.sync(s, lesson.step(), lesson.graph());
});

// URL → state, when someone edits the hash or follows a link to this page.
window.addEventListener("hashchange", () => {
  const next = decodeHash(location.hash);
  const s = store.get();
  const scenario = next.scenario || (next.presetId && presetById.get(next.presetId)?.scenario);
  const { scenario: _drop, error: _err, ...rest } = next;
  if (scenario && JSON.stringify(scenario) !== JSON.stringify(s.scenario)) {
    lesson.load(structuredClone(scenario), { ...rest, presetId: next.presetId ?? null });
  } else store.set(rest);
});

new ResizeObserver(() => requestAnimationFrame(() => stage.resize())).observe($("graph-wrap"));
new ResizeObserver(() => requestAnimationFrame(() => equation.refit())).observe($("equations"));
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyView(store.get()));

function createToast(node) {
  let timer = null;
  return {
    show(message, ms = 3000) {
      node.textContent = message;
      node.classList.add("is-shown");
      clearTimeout(timer);
      timer = setTimeout(() => node.classList.remove("is-shown"), ms);
    },
  };
}

applyView(store.get());
history.replaceState(null, "", encodeHash(store.get()));
lesson.load(store.get().scenario, { cursor: store.get().cursor }).then((problems) => {
  if (problems && !store.get().presetId) {
    // a shared link whose scenario the API rejects: say why, and show the tutorial instead
    toast.show(`The link's network was rejected: ${problems.join(" · ")}`, 10000);
    lesson.load(structuredClone(presetById.get("tutorial").scenario), { presetId: "tutorial", cursor: 0 });
  }
});
if (hashError) toast.show(hashError, 8000);
