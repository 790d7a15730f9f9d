// Wires the modules together: state ⇄ URL, lesson data flow, stage, panels and controls.

import { afterFirstPaint, firstPainted } from "./idle.js";
import { createAnimator } from "./animate.js";
import { createArchitectureEditor } from "./architecture.js";
import { createControls } from "./controls.js";
import { exportButton, makePng, makeSvg, sizeText } from "./export.js";
import { createIterations, rebased } from "./iterations.js";
import { createLesson } from "./lesson.js";
import { createPredict } from "./predict.js";
import { addPanel } from "./panels.js";
import { createEquationPanel } from "./panels/equation.js";
import { createLossPanel } from "./panels/loss.js";
import { createLossChart } from "./panels/loss-chart.js";
import { createSummary } from "./panels/summary.js";
import { createTimeline } from "./panels/timeline.js";
import { createStage } from "./stage.js";
import { createToolbarFit } from "./toolbar-fit.js";
import { keepFocus } from "./focus-keep.js";
import { createFitControl } from "./fit-control.js";
import { createWeightMatrix } from "./weight-matrix.js";
import { graphShape, guessWide } from "./graph-shape.js";
import { createStore, DEFAULTS } from "./store.js";
import { createUrlWriter, decodeHash, isLessonHash } from "./url-state.js";
import { createValueEditor, editTarget, withFrozen, withValue } from "./value-editor.js";
import { createExpandToggle } from "./expr/expand-toggle.js";
import { createGuide } from "./guide.js";
import { createTermLinks } from "./term-links.js";
import { createExpressionEditor } from "./expr/editor.js";
import { api, columnar } from "./api.js";
import { warmPainter } from "./large/edge-canvas.js";
import { createToast, el } from "./dom.js";
import { createWorksheetPanels } from "./worksheet/panel.js";
import { createMatrixHooks } from "./matrix/hooks.js";
import { later } from "./later.js";
import { createLive } from "./live/live.js";

const $ = (id) => document.getElementById(id);
const presets = JSON.parse($("presets-data").textContent);
const presetById = new Map(presets.map((p) => [p.id, p]));
const EXPR = "expr:"; // expression presets' ids in the URL: "expr:sum-times-sum"
const exprScenarios = new Map(); // expression preset id → its scenario, once fetched

/** A preset's scenario: networks ride along with the page, expressions come from the API. */
async function presetScenario(id) {
  if (presetById.has(id)) return structuredClone(presetById.get(id).scenario);
  if (!String(id).startsWith(EXPR)) return null;
  const key = id.slice(EXPR.length);
  if (!exprScenarios.has(key)) exprScenarios.set(key, (await api.expressionPreset(key)).scenario);
  return structuredClone(exprScenarios.get(key));
}
const isExpression = (sc) => Boolean(sc && sc.kind === "expression");

function initialState() {
  const fromHash = decodeHash(location.hash);
  const presetId = fromHash.presetId !== undefined ? fromHash.presetId : DEFAULTS.presetId;
  const state = { ...fromHash };
  if (!fromHash.scenario && String(presetId).startsWith(EXPR)) {
    state.presetId = presetId; // fetched before the first load
  } else if (!fromHash.scenario) {
    const preset = presetById.get(presetId) || presetById.get("tutorial");
    state.presetId = preset.id;
    state.scenario = structuredClone(preset.scenario);
  }
  delete state.error;
  return { state, error: fromHash.error };
}

const { state: init, error: hashError } = initialState();
const store = createStore(init);
// the toolbar in one row: what has no room goes into its More menu (toolbar-fit.js), laid out
// again whenever a control's size may change (the preset chosen, projector mode, Go live)
const toolbarFit = createToolbarFit(document.querySelector(".toolbar"), $("toolbar-more"));
// the tutorial's drawing is wide and short (graph-shape.js): the page is first laid out as for it
if (init.presetId === "tutorial" && !init.projector) guessWide();
const animator = createAnimator();
let relabelStale = () => {}; // iterations.relabel, once the iterations exist (below)
const stage = createStage({ svg: $("graph"), wrap: $("graph-wrap"), animator, store,
  onShape: graphShape, // a wide, short graph gets more of a laptop's width (graph-shape.js)
  onLayout: (info) => {
    graphFit?.update(info);
    weightMatrix?.setLayout(info.graph, info.layout, { m: info.m, scrolls: info.tooBig && !info.fitted, svg: $("graph") });
  },
  onDrawn: (ids) => relabelStale(ids) });
const weightMatrix = createWeightMatrix($("explain"), $("loss-card"));
const graphFit = createFitControl($("graph-fit"), stage, $("stage"));
const equation = createEquationPanel($("explain"));
const loss = createLossPanel($("explain"));
const lossChart = createLossChart($("loss-card"));
const summary = createSummary($("summary-body"));
const toast = createToast($("toast"));
const graphError = $("graph-error");

// What a step needs measured (equations fitted to their rows, a scrolling graph kept on the
// step) is done in the next frame, just before it is drawn: the layout it reads is then the
// frame's own, not extra ones forced while the step changes the page. Then the step counts as
// drawn (html[data-cursor], which tests and the browser benchmark wait for).
let settling = 0;
function settle(resp) {
  cancelAnimationFrame(settling);
  settling = requestAnimationFrame(() => {
    settling = 0;
    fitState();
    holdSide();
    fitUnder();
    stage.keepInView();
    const root = document.documentElement;
    root.dataset.cursor = String(resp.cursor);
    if (root.dataset.ready !== "true") {
      performance.mark("backstep:first-graph");
      root.dataset.ready = "true";
      firstPainted(); // what waited for the first picture runs after this frame (idle.js)
    }
  });
}

// Projected, an optimizer's state lines show each quantity's formula with its value
// (projector.css), two to a line where they fit so (a line too long for half the width has the
// line to itself). Where the explanation has not the room for them at this step (a formula wrapped
// or cut at its cell's edge, an equation cut, a part pushed onto another or out of the box): beside
// the graph, a layer's W⁽ˡ⁾ gives way first (the weight this step updates is on the graph, its
// old and new values in the equations); then the values alone, as before ("state-no-room": XOR's
// and softmax's Adam at 1024 × 768, AdamW's five lines). Nothing is cut or covered.
function fitState() {
  const root = document.documentElement;
  const box = $("explain");
  const state = $("eq-state");
  const had = box.classList.contains("state-no-room");
  box.classList.remove("state-no-room");
  const shown = root.classList.contains("projector") && !state.hidden;
  // each line's own width (its cells clip, so they report it), against half the state's width
  const pair = () => {
    const rows = [...state.children];
    for (const row of rows) row.classList.remove("is-long");
    const half = (state.clientWidth - (parseFloat(getComputedStyle(state).columnGap) || 0)) / 2;
    const width = (row) => [...row.children].reduce((w, c) => w + (getComputedStyle(c).display === "none" ? 0 : c.scrollWidth), 0);
    const need = rows.map((row) => width(row) + (parseFloat(getComputedStyle(row).columnGap) || 0));
    rows.forEach((row, i) => row.classList.toggle("is-long", need[i] > half));
  };
  if (shown) pair();
  equation.refit(had);
  if (!shown) return;
  const fits = () => {
    const cells = [...state.querySelectorAll(".eq-state-formula, .eq-state-result")];
    if (cells.some((c) => c.classList.contains("is-wrapped") || c.scrollWidth > c.clientWidth + 1)) return false;
    // the update's own equations, in the narrower column these steps leave them, not cut either
    if (["eq-formula", "eq-substituted", "eq-result"].some((id) => $(id).scrollWidth > $(id).clientWidth + 1)) return false;
    const parts = [...box.children].filter((c) => c.getBoundingClientRect().height > 0).map((c) => c.getBoundingClientRect());
    const bottom = box.getBoundingClientRect().bottom;
    if (box.scrollHeight > box.clientHeight + 1 || parts.some((r) => r.bottom > bottom + 0.5)) return false;
    return !parts.some((a, i) => parts.slice(i + 1).some((b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1));
  };
  if (fits()) return;
  const matrix = $("weight-matrix");
  if (root.dataset.explain === "side" && !matrix.hidden && !matrix.classList.contains("no-room")) {
    matrix.classList.add("no-room");
    if (fits()) return;
    matrix.classList.remove("no-room"); // it did not help: the values alone beside it
  }
  box.classList.add("state-no-room");
  equation.refit(true);
}

// Projected beside the graph, the explanation's column holds still from step to step: its
// equations and the loss card keep the tallest height this lesson
// has shown (projector.css sets a floor), so the sentence below them and the loss card at the
// column's foot never move. Let go for a new lesson, a new size or another layout.
const held = { key: "", eqs: 0, loss: 0 };
function holdSide() {
  const root = document.documentElement;
  const box = $("explain");
  if (!root.classList.contains("projector") || root.dataset.explain !== "side") {
    if (held.key) releaseSide();
    return;
  }
  const key = `${innerWidth}x${innerHeight}|${root.dataset.view || ""}`;
  if (held.key !== key) releaseSide();
  held.key = key;
  const h = (el) => Math.ceil(el.getBoundingClientRect().height);
  // with an optimizer's state lines shown, the equations' height is theirs (projector.css)
  const eqs = $("eq-state").hidden ? h(box.querySelector(".equations")) : 0;
  const now = { eqs, loss: h($("loss-card")) };
  for (const [name, px] of Object.entries(now)) {
    if (px <= held[name]) continue;
    held[name] = px;
    box.style.setProperty(`--${name}-hold`, `${px}px`);
  }
  // a dense layer's W⁽ˡ⁾ (its row the table's height) with no room under a long sentence: it
  // stays out at this step (weight-matrix.js), the column held
  const matrix = $("weight-matrix");
  if (box.scrollHeight > box.clientHeight + 1 && !matrix.hidden) matrix.classList.add("no-room");
  // the tallest of each, from different steps, more than the column holds (an optimizer's state
  // lines, a long sentence): let go rather than make the column scroll
  if (box.scrollHeight > box.clientHeight + 1) {
    releaseSide();
    held.key = key;
    box.dataset.unheld = ""; // the floor too (projector.css), until the next lesson or size
  }
}
// Projected under the graph, the explanation has one height for the lesson: a long sentence
// (three lines beside an optimizer's state and a loss chart) ran under the loss card. The state
// lines and the loss are set a step smaller, down to the projected floor (1rem), until the
// sentence clears the card; at the floor it scrolls in its own cell rather than lie under it.
const UNDER_STEP = 0.92;
const UNDER_LEAST = 1 / 1.45; // the state lines' size (projector.css) down to 1rem
function fitUnder() {
  const root = document.documentElement;
  const box = $("explain");
  const sentence = $("sentence");
  if (box.style.getPropertyValue("--under-fit")) box.style.removeProperty("--under-fit");
  if (box.classList.contains("sentence-scrolls")) {
    box.classList.remove("sentence-scrolls");
    sentence.removeAttribute("tabindex");
  }
  if (!root.classList.contains("projector") || root.dataset.explain === "side" || root.dataset.view === "matrix") return;
  const over = () => sentence.getBoundingClientRect().bottom > $("loss-card").getBoundingClientRect().top + 0.5;
  for (let f = UNDER_STEP; over() && f >= UNDER_LEAST * UNDER_STEP; f *= UNDER_STEP) box.style.setProperty("--under-fit", String(f));
  if (!over()) return;
  box.classList.add("sentence-scrolls");
  sentence.setAttribute("tabindex", "0"); // it scrolls: keyboard users reach it
}
function releaseSide() {
  Object.assign(held, { key: "", eqs: 0, loss: 0 });
  for (const name of ["eqs", "loss"]) $("explain").style.removeProperty(`--${name}-hold`);
  delete $("explain").dataset.unheld;
}

let fresh = null; // a new lesson's graph, until its first step is shown with it (onStep)
const lesson = createLesson(store, {
  // a large graph is laid out while its first step is on its way; the page's first, drawn
  onGraphAhead: (graph, first) => (first ? stage.showGraph(graph) : stage.prepare(graph)),
  onGraph(graph) {
    summary.setGraph(graph); // it measures a row: before the new graph needs a layout
    // drawn with its first step (onStep, at once after this), once the step's text is filled in:
    // the stage's measure of the frame then lays the page out once, text and all
    fresh = graph;
    releaseSide(); // a new lesson: its own heights
    timeline.setPlan(graph, store.get().granularity);
    const sc = store.get().scenario;
    const expression = isExpression(sc);
    if (!expression) architecture.made?.fill(sc); // made later, from the lesson of then (later.js)
    $("architecture").hidden = expression;
    if (expr.made) expr.made.show(sc);
    expandToggle.setAvailable(!expression);
    expandToggle.set(store.get().expand);
    document.documentElement.dataset.kind = expression ? "expression" : "network";
    matrix.setGraph(graph);
    // an expression's output is f (or another name when a variable is called f: the API's label)
    const top = expression ? graph.nodes.find((n) => n.id === "f")?.label.text || "f" : "L";
    $("summary-grad-head").textContent = `gradient ∂${top}/∂θ`;
    $("legend-grad").textContent = `gradient ∇ = ∂${top}/∂·`;
    syncPresetMenu(false); // the toolbar is fitted when the graph is drawn (onStep)
    graphError.hidden = true;
  },
  onStep(resp, previous, graph, latest) {
    const s = store.get();
    if (latest && resp.cursor !== s.cursor) store.set({ cursor: resp.cursor });
    settle(resp); // first: its frame comes before the one the step's pulses ask for
    const ask = predict.asks(resp); // predict mode: "?" until the next press (predict.js)
    document.documentElement.toggleAttribute("data-asking", ask);
    equation.show(resp, { ask, held: ask && predict.held() }); // held: a live class's question
    const draw = fresh; // a new lesson's graph: drawn after the text around it is filled in
    fresh = null;
    try {
      if (!draw) stage.showStep(resp, previous, { ask });
      predict.tell(resp, ask);
      if (ask) totalsBehind = true;
      else showTotals(resp, !draw);
      timeline.show(resp);
      controls.sync(store.get(), resp, graph);
      iterations.sync(resp);
      graphError.hidden = true;
    } finally {
      if (draw) { // whatever failed above, the new lesson's graph is not left undrawn
        // the first picture's toolbar fitted to the preset's name, in the layout the stage measures
        // next (every text around the graph is written by now: one layout before it, not two);
        // after it, syncPresetMenu fits the row at once
        if (!pictured) toolbarFit.fit();
        stage.showGraph(draw);
        sizeExplain();
        stage.showStep(resp, previous, { ask });
        iterations.relabel(); // the step wrote the new nodes' labels after sync marked them stale
        if (!ask) weightMatrix.show($("graph"), resp, store.get().precision, stage.landed); // beside the graph drawn
      }
    }
    // at iteration k the worksheet checks (and exports) the lesson the class sees: the server
    // rebuilds that iteration, its batch and the optimizer's state, as it does for the step
    worksheet.made?.show({ scenario: s.scenario, iteration: s.iteration, graph, state: store.get() });
    matrix.step();
  },
  onContributions(parts) {
    stage.setContributions(parts);
  },
  onError(messages, where) {
    graphError.hidden = false;
    graphError.textContent = `${where === "graph" ? "This network cannot be shown" : "That step failed"}: ${messages.join(" · ")}`;
  },
});

// The loss card and the summary wait while predict mode asks: they would give the answer away.
let totalsBehind = false; // they show a step before the one shown: draw them whole next time
function showTotals(resp, matrix = true) {
  const s = store.get();
  if (matrix) weightMatrix.show($("graph"), resp, s.precision, stage.landed); // a dense layer's W⁽ˡ⁾ beside the graph
  loss.show(resp, s.precision, isExpression(s.scenario));
  lossChart.show(resp, s.precision);
  summary.show(resp, s.precision, totalsBehind ? null : resp.changed);
  totalsBehind = false;
}

/** Predict mode's second press: the step shown as "?" is revealed, with its pulses. */
function revealStep() {
  const resp = lesson.step();
  if (!resp) return;
  document.documentElement.removeAttribute("data-asking");
  equation.show(resp);
  stage.reveal();
  showTotals(resp);
  settle(resp); // the equations are fitted again
  controls.sync(store.get(), resp, lesson.graph());
}

const total = () => {
  const g = lesson.graph();
  return g ? g.plan.granularities[store.get().granularity].total : 0;
};

function go(cursor) {
  predict.clear();
  const c = Math.max(0, Math.min(total(), cursor));
  store.set({ cursor: c });
}

// predict mode's Step crosses into the next iteration as Step does (iterations.js, made below)
const predict = createPredict({ store, go: (c) => iterations.move(c), total, shown: () => lesson.step(), reveal: revealStep, button: $("btn-predict"), live: $("live") });

const timeline = createTimeline($("timeline"), $("cursor-range"), go);
createTermLinks({ equations: $("equations"), svg: $("graph"), graph: () => lesson.graph() });

const help = createGuide($("help")); // the first-visit guide and the keys, reopened by "?"
$("help-open").addEventListener("click", help.open);

function applyView(s) {
  const root = document.documentElement;
  root.classList.toggle("projector", s.projector);
  root.dataset.theme = effectiveTheme(s); // "auto" too: tokens.css has one dark palette (theme.js)
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

/** The same position at another granularity: every step answer carries it (StepResponse.cursors). */
function changeGranularity(granularity) {
  predict.clear();
  const resp = lesson.step();
  const g = lesson.graph();
  if (!resp || !g) return store.set({ granularity, cursor: 0 });
  timeline.setPlan(g, granularity);
  store.set({ granularity, cursor: resp.cursors[granularity] });
}

const matrix = createMatrixHooks({ store, go, toast, stage: $("stage"), graphWrap: $("graph-wrap"), toggle: $("view-toggle"), summaryBody: $("summary-body"), isExpression });
// the same scenario at another iteration: its graph (the parameters it starts from) and its step
const atIteration = (patch) => lesson.load(store.get().scenario, patch, { trusted: true });
const iterations = createIterations({ store, lesson, total, go, load: atIteration });
relabelStale = iterations.relabel;
const controls = createControls({ store, total, go, drawn: () => lesson.drawn(), changeGranularity, toggleProjector, toggleFullscreen, help, predict, idle: stage.idle, toggleView: matrix.toggle, move: iterations.move, home: iterations.home });

const valueEditor = createValueEditor({
  form: $("value-editor"),
  wrap: $("graph-wrap"),
  async onCommit(target, value) {
    const s = store.get();
    // an edit at iteration k starts a new lesson from the parameters shown (iterations.js)
    const next = withValue(lesson.graph(), rebased(s.scenario, lesson.graph(), s.iteration), target, value);
    return lesson.load(next, { presetId: null, iteration: 1 });
  },
  // a lock freezes the parameter's tensor (or variable): scenario.frozen, so it is in the link
  onFreeze: (target, on) => lesson.load(withFrozen(store.get().scenario, target.tensor, on), { presetId: null }),
});

function openEditorFor(node) {
  const s = store.get();
  // a large lesson's graph is drawn before its first step arrives: nothing to edit until then
  if (s.projector || !lesson.graph()) return;
  const target = editTarget(lesson.graph(), rebased(s.scenario, lesson.graph(), s.iteration), s.sample, node.dataset.id);
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

// The editors below the fold are made once the first picture is shown, or at a first key, click
// or focus before that (later.js); each then shows the lesson of the moment.
const architecture = later(() => {
  const editor = createArchitectureEditor({
    form: $("arch-form"),
    getScenario: () => store.get().scenario,
    onApply: (scenario) => lesson.load(scenario, { presetId: null, cursor: 0 }),
    onFreeze: (tensor, on) => lesson.load(withFrozen(store.get().scenario, tensor, on), { presetId: null }),
  });
  if (lesson.graph() && !isExpression(store.get().scenario)) editor.fill(store.get().scenario);
  return editor;
});

const option = (value, text, title = "") => el("option", { text, attrs: { value, title } });
// the expressions' entries ride along with the page too (their scenarios come from the API): a
// link's name is in the menu from the first frame, and the row is fitted to it then (no re-fold)
const exprGroup = el("optgroup", { attrs: { label: "Expressions" } }, JSON.parse($("expression-presets-data").textContent).map((p) => option(EXPR + p.id, p.title, p.description)));

let pictured = false; // the first picture is up: a new preset's name is fitted at once (no frame of two rows)
function syncPresetMenu(refit = true) {
  const select = $("preset-select");
  const id = store.get().presetId;
  if (!select.options.length) {
    const networks = el("optgroup", { attrs: { label: "Networks" } });
    networks.append(...presets.map((p) => option(p.id, p.title)));
    select.append(option("", "Your own"), networks, exprGroup);
  }
  select.value = id || "";
  select.options[0].textContent = isExpression(store.get().scenario) ? "Your own expression" : "Your own network";
  select.options[0].hidden = Boolean(id);
  if (refit || pictured) toolbarFit.fit(); // the menu is as wide as the name chosen
}
syncPresetMenu(false); // the name chosen shown in the first frame, the lesson drawn or not
$("preset-select").addEventListener("change", async (ev) => {
  toolbarFit.fit(); // the menu took the new name's width as it was picked: no frame of two rows
  const id = ev.target.value;
  try {
    const scenario = await presetScenario(id);
    if (scenario) lesson.load(scenario, { presetId: id, cursor: 0, sample: 0 }, { trusted: true });
  } catch (err) {
    toast.show(`That preset could not be loaded: ${err.messages ? err.messages.join(" · ") : err}`, 8000);
  }
});

// Editing furniture beside and below the graph (panels.js); each is told what to show above.
const loadOwn = (scenario, iteration = 1) => lesson.load(scenario, { presetId: null, cursor: 0, sample: 0, iteration });
const expr = later(() => {
  const panel = addPanel({ id: "expression", title: "Your own expression", where: "below" });
  // the page's preset menu lists the textbook examples: the editor's own list would repeat it
  const editor = createExpressionEditor(panel.body, { presets: false, onScenario: loadOwn });
  panel.section.hidden = true;
  $("architecture").after(panel.section); // an expression has no Network panel: take its place
  const show = (sc) => {
    panel.section.hidden = !isExpression(sc);
    if (isExpression(sc)) editor.setScenario(sc);
  };
  if (lesson.graph()) show(store.get().scenario);
  return { show };
});
const worksheet = later(() => {
  const panels = createWorksheetPanels({ loadScenario: loadOwn });
  const s = store.get();
  if (lesson.step()) panels.show({ scenario: s.scenario, iteration: s.iteration, graph: lesson.graph(), state: s });
  return panels;
});

const expandToggle = createExpandToggle($("expand-slot"), {
  checked: store.get().expand,
  onChange: (expand) => lesson.load(store.get().scenario, { expand, cursor: 0 }),
});

$("copy-link").addEventListener("click", async () => {
  url.now();
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
const exportName = () => `backstep-${(store.get().presetId || "lesson").replace(/[^A-Za-z0-9_-]+/g, "-")}-step-${store.get().cursor}`;
/**
 * Before an export reads the drawing: Play stopped (it would step on while the file is made: every
 * export would fail), a step on its way drawn (its answer redraws the nodes), and its numbers
 * landed: the file is that step's. `changed()`: whether the lesson has moved on since.
 */
async function exportMoment() {
  controls.stop();
  await lesson.drawn();
  const name = exportName();
  animator.cancel();
  const at = store.get(); // a new object at every change (store.js): a large graph's file, made
  return { name, changed: () => store.get() !== at }; // over seconds, is of one state
}
const exportParts = (changed) => ({ edges: stage.edgeArt(), runs: stage.exportRuns(), whole: stage.whole, changed });
exportButton($("export-svg"), toast, "svg", async () => {
  const { name, changed } = await exportMoment();
  const blob = await makeSvg($("graph"), exportParts(changed));
  return { blob, name, size: sizeText(blob.size) };
});
exportButton($("export-png"), toast, "png", async () => {
  const { name, changed } = await exportMoment();
  const { blob, width, height } = await makePng($("graph"), exportParts(changed));
  return { blob, name, size: `${width} × ${height} px` };
});

const url = createUrlWriter(store.get); // state → URL, once the page is idle (url-state.js)
addEventListener("pagehide", url.now);
addEventListener("blur", url.now); // to the address bar, another window: the link there is current
// a reload starts from the URL as it is when the key is pressed: pagehide comes too late for it
addEventListener("keydown", (e) => (e.key === "F5" || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "r")) && url.now(), true);
document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && url.now());

// State → view and data. A control with the focus that a change hides or moves (projector mode's
// editing controls, the graph under the matrix view, a control folded into More) hands it on:
// its place now, More, else the change's own control (focus-keep.js), never <body>.
// (Only those changes: a step reads no style for it.)
store.subscribe((s, changed) => {
  const causes = [changed.has("projector") && $("projector-toggle"), changed.has("view") && $("view-toggle")].filter(Boolean);
  if (causes.length) keepFocus(() => showState(s, changed), ...causes);
  else showState(s, changed);
});
function showState(s, changed) {
  url.later();
  if (changed.has("projector") || changed.has("theme")) applyView(s);
  if (changed.has("projector")) toolbarFit.fit($("projector-toggle")); // its type grows, editing controls go: before the graph's redraw
  if (changed.has("predict")) predict.sync(s);
  if (changed.has("theme") && !changed.has("projector")) stage.repaintEdges(); // a projector change draws anew
  if (changed.has("projector")) {
    valueEditor.close(false);
    requestAnimationFrame(() => keepFocus(() => {
      stage.redraw(true); // new sizes, in the new mode's frame: a node with the focus is drawn anew
      sizeExplain();
    }, $("projector-toggle")));
  }
  if (changed.has("precision")) {
    stage.redraw();
    sizeExplain();
  }
  if (changed.has("granularity") && lesson.graph()) timeline.setPlan(lesson.graph(), s.granularity);
  matrix.changed(s, changed);
  if (changed.has("convention") && lesson.graph()) worksheet.made?.show({ scenario: s.scenario, iteration: s.iteration, graph: lesson.graph(), state: s }); // exports follow it
  if (changed.has("scenario") || changed.has("expand")) return; // lesson.load fetches what it needs
  if (["cursor", "granularity", "sample", "precision"].some((k) => changed.has(k))) lesson.fetchStep();
  controls.sync(s, lesson.step(), lesson.graph());
  iterations.sync(lesson.step());
}

// The skip link moves the focus to the graph and nothing else: followed, its #stage would take
// the lesson's place in the URL (and in the history).
document.querySelector(".skip-link").addEventListener("click", (e) => {
  e.preventDefault();
  $("stage").focus();
});

// URL → state, when someone edits the hash or follows a link to this page.
window.addEventListener("hashchange", () => {
  url.adopt();
  if (!isLessonHash(location.hash)) return url.now(); // a place on the page (#stage): the lesson stays, and its link
  const next = decodeHash(location.hash);
  const s = store.get();
  const { scenario: _drop, error: _err, ...rest } = next;
  const expandChanged = (next.expand ?? false) !== s.expand;
  const iteration = next.iteration ?? 1; // a link without one is at iteration 1
  rest.iteration = iteration;
  const resolve = next.scenario ? Promise.resolve(next.scenario) : next.presetId ? presetScenario(next.presetId) : Promise.resolve(null);
  const settled = resolve.then(
    (scenario) => {
      if ((scenario && JSON.stringify(scenario) !== JSON.stringify(s.scenario)) || expandChanged || iteration !== s.iteration) {
        return lesson.load(structuredClone(scenario || s.scenario), { ...rest, expand: next.expand ?? false, presetId: next.presetId ?? null });
      }
      store.set(rest);
    },
    () => toast.show("That link's preset could not be loaded.", 8000),
  );
  url.hold(settled);
});

new ResizeObserver(() => requestAnimationFrame(() => stage.resize())).observe($("graph-wrap"));
// Projector mode gives the explanation one height for the whole lesson (projector.css), so the
// graph above keeps its size and place from the first step to the last: under the graph, the
// compact explanation when the graph shows whole above it; beside it, when that is what lets it
// show whole (XOR, softmax); else under it, with room for long equations ("mid"), the graph scrolling.
// Decided from the lesson and the screen alone, never from the layout the page has now (the
// lesson before, projected beside its graph, kept the next one beside its own): measured in the
// layout a page opened on this lesson starts from (no data-explain), whatever came before.
function sizeExplain() {
  const root = document.documentElement;
  if (!store.get().projector) {
    delete root.dataset.explain; // at the desk it means nothing: the projector starts afresh
    return;
  }
  const was = root.dataset.explain;
  delete root.dataset.explain;
  const need = stage.needs(); // the drawing's need in that layout's frame, as a new page draws it first
  if (!need) {
    if (was) root.dataset.explain = was;
    return;
  }
  const css = getComputedStyle(root);
  const px = (name) => parseFloat(css.getPropertyValue(name)) * parseFloat(css.fontSize); // rem → px
  const wrap = $("graph-wrap");
  // what the two share (the frame's box, as the stage measures it: a scrollbar's room included,
  // whether the drawing there now scrolls or not)
  const box = wrap.getBoundingClientRect();
  const room = box.height + $("explain").offsetHeight;
  const fits = (name) => box.width >= need.w && room - px(name) >= need.h;
  // ... or in a way of drawing it that fits only a frame that tall (its rows closer: deep)
  const fitsDrawn = (name) => fits(name) || stage.fitsIn({ w: Math.floor(box.width), h: Math.floor(room - px(name)) });
  // beside the graph: the explanation's column and a gap leave the width, the height is all the graph's
  // (asked for that frame itself: a graph drawn for a wide, low frame spreads wider than one
  // drawn for the side's frame would)
  const side = { w: box.width - 30.5 * parseFloat(css.fontSize), h: room };
  const fitsSide = () => (side.w >= need.w && side.h >= need.h) || stage.fitsIn({ w: Math.floor(side.w), h: Math.floor(side.h) });
  // under it, the compact explanation (projector.css) leaves the graph the most room; a graph
  // that fits nowhere whole scrolls in a taller frame than the tall explanation leaves, above
  // an explanation with room for its long equations ("mid": more of the graph in view)
  root.dataset.explain = fitsDrawn("--explain-short") ? "short" : fitsSide() ? "side" : "mid";
  stage.resize(); // at once: the first step is drawn in its final frame
}
addEventListener("resize", () => requestAnimationFrame(() => {
  releaseSide();
  sizeExplain();
}));
let equationsWidth = 0; // the equations fit their width: a change of height (new content) needs no refit
new ResizeObserver(([entry]) => {
  const width = Math.round(entry.contentRect.width);
  if (width === equationsWidth) return;
  equationsWidth = width;
  requestAnimationFrame(() => equation.refit(true)); // every equation, at the new width
}).observe($("equations"));
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
  applyView(store.get());
  stage.repaintEdges(); // a large graph's canvases take their colours from the theme
});

applyView(store.get());
predict.sync(store.get());
// Go live (L), or follow a presenter at /join/CODE (app/live): its button in the row before the
// first frame, which may come before the lesson is drawn (toolbar-fit.js fits the row for it)
createLive({ store, toast, predict });
let superseded = false; // a newer link came while the first one's preset was fetched
if (!store.get().scenario) {
  // an expression preset named in the link: fetch it first (or fall back to the tutorial)
  const asked = location.hash;
  const scenario = await presetScenario(store.get().presetId).catch(() => null);
  // a follower's page may be handed the presenter's lesson meanwhile (live.js sets the hash):
  // its hashchange loads that one, and this older lesson must not be loaded over it
  superseded = location.hash !== asked;
  if (!superseded) {
    if (scenario) store.set({ scenario });
    else store.set({ presetId: "tutorial", scenario: structuredClone(presetById.get("tutorial").scenario), cursor: 0 });
  }
}
afterFirstPaint(url.now); // the link written out: not something the first picture waits for
if (!superseded && columnar(store.get().scenario)) warmPainter(); // a large network's edge painter starts while its lesson is built
(superseded ? Promise.resolve(null) : lesson.load(store.get().scenario, { cursor: store.get().cursor }, { trusted: Boolean(store.get().presetId) })).then((problems) => {
  afterFirstPaint(help.firstVisit); // over the drawn lesson, in a frame after it
  if (problems && !store.get().presetId) {
    // a shared link whose scenario the API rejects: say why, and show the tutorial instead
    toast.show(`The link's network was rejected: ${problems.join(" · ")}`, 10000);
    lesson.load(structuredClone(presetById.get("tutorial").scenario), { presetId: "tutorial", cursor: 0 });
  }
});
if (hashError) toast.show(hashError, 8000);
// the toolbar is fitted as the lesson's graph is drawn (onStep: its name, Go live in the row by
// then), in the layout the stage measures anyway; again after the first picture, for a lesson that
// failed to load (nothing to write otherwise: a read of a clean layout)
afterFirstPaint(() => {
  pictured = true;
  toolbarFit.fit();
  toolbarFit.watch(); // a label that changes (Dark, Go live's code and count) is fitted at once
});
