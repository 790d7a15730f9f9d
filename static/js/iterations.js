// Iterations: Step past the update starts the next iteration from the updated parameters, Back at
// its start returns to the end of the one before, Home at a start goes back to iteration 1. The
// iteration is part of every request (the server computes its parameters: k − 1 full-batch updates)
// and of the URL. After the update, the node values computed with the old weights are marked stale.

import { showBatch } from "./batches.js";
import { catalog } from "./catalog.js";
import { nodeById } from "./graph-index.js";
import { writeParameters } from "./value-editor.js";

const STALE = " (stale: computed with the old weights)";

/** Whether a lesson answer has an update phase to carry on from (networks, not expressions). */
export function continues(graph, scenario) {
  return Boolean(graph && scenario && scenario.kind !== "expression" && "update" in graph.plan.granularities.step.phase_starts);
}

/** Whether, at this answer, the node values were computed with weights the update has changed. */
export function isStale(resp, graph, scenario) {
  return continues(graph, scenario) && (resp.phase === "done" || resp.phase === "update");
}

/**
 * The scenario whose iteration 1 is this graph's iteration: its parameters written out as the
 * graph holds them (the parameters the iteration starts from). An edit made at iteration k starts
 * a new lesson from what the class sees, not from the parameters k − 1 updates ago.
 */
export function rebased(scenario, graph, iteration) {
  if (!graph || scenario.kind === "expression") return scenario;
  if (graph.batch) return asBatch(scenario, graph, iteration); // mini-batches: the batch shown
  if (iteration <= 1) return scenario;
  return writeParameters(structuredClone(scenario), graph);
}

/** A mini-batch lesson as the class sees it: this batch's samples, full batch, its parameters
 *  (so sample s, an edit or the worksheet mean the rows on screen). */
function asBatch(scenario, graph, iteration) {
  const next = structuredClone(scenario);
  next.inputs = graph.batch.indices.map((i) => next.inputs[i]);
  next.targets = graph.batch.indices.map((i) => next.targets[i]);
  delete next.batch_size;
  delete next.shuffle_seed;
  return iteration > 1 ? writeParameters(next, graph) : next;
}

/**
 * `load(patch)` shows the same scenario at another iteration (lesson.load); `total()` is the
 * units of the current granularity; `go(cursor)` moves within the iteration.
 */
export function createIterations({ store, lesson, total, go, load }) {
  const $ = (id) => document.getElementById(id);
  const counter = $("iteration-count");
  const note = $("stale-note");
  const legend = $("legend-stale");
  const max = () => catalog().limits?.iteration ?? Infinity;
  let staleShown = false;

  const can = () => continues(lesson.graph(), store.get().scenario);

  /** Move to `cursor`, crossing into the next or the previous iteration past either end. */
  function move(cursor) {
    const s = store.get();
    if (cursor > total() && can() && s.iteration < max()) {
      return void load({ iteration: s.iteration + 1, cursor: 0 });
    }
    if (cursor < 0 && s.iteration > 1) {
      return void load({ iteration: s.iteration - 1, cursor: total() });
    }
    go(cursor);
  }

  /** Home: the start of this iteration; at its start, the start of iteration 1. */
  function home() {
    const s = store.get();
    if (s.cursor === 0 && s.iteration > 1) return void load({ iteration: 1, cursor: 0 });
    go(0);
  }

  /** Reflect an answer: the counter, the transport's buttons, the stale mark. */
  function sync(resp) {
    const graph = lesson.graph();
    const s = store.get();
    const it = resp ? resp.iteration || 1 : s.iteration;
    const on = can();
    counter.hidden = !on;
    counter.title = it > 1 ? `Started from the parameters after ${it - 1} update${it > 2 ? "s" : ""}` : "The scenario's own parameters";
    counter.removeAttribute("aria-label");
    showBatch(counter, resp ? resp.batch : graph && graph.batch, it); // mini-batches: which batch
    if (resp) {
      $("btn-back").disabled = resp.cursor <= 0 && it <= 1;
      $("btn-reset").disabled = resp.cursor <= 0 && it <= 1;
      $("btn-step").disabled = resp.cursor >= resp.total && !(on && it < max());
      $("btn-step").title = resp.cursor >= resp.total && on ? `Start iteration ${it + 1} (→, Space or PageDown)` : "Next step (→, Space or PageDown)";
      markStale(resp && graph ? isStale(resp, graph, s.scenario) : false, graph, it);
    }
  }

  /** `ids`: only these nodes' labels (a large graph's run just drawn); null: every node's. */
  function markStale(on, graph, it, ids = null) {
    note.hidden = !on;
    legend.classList.toggle("is-idle", !on);
    legend.setAttribute("aria-hidden", String(!on));
    $("graph-wrap").dataset.stale = String(on); // iterations.css dims what the old weights computed
    if (on) note.textContent = `Node values are stale: computed with the old weights. Step ▶ starts iteration ${it + 1} from the new ones.`;
    if (!on && !staleShown) return;
    staleShown = on;
    for (const n of ids ? ids.map((id) => nodeById(graph).get(id)) : graph.nodes) {
      if (n?.kind !== "op") continue; // inputs, targets and parameters are not computed
      const g = document.getElementById(`n-${n.id}`);
      const label = g && g.getAttribute("aria-label");
      if (!label) continue;
      const bare = label.endsWith(STALE) ? label.slice(0, -STALE.length) : label;
      g.setAttribute("aria-label", on ? bare + STALE : bare);
    }
  }

  /** A graph drawn anew (a new frame size), or a large graph's runs drawn (`ids`), have their
   * nodes' own labels: mark them stale again. */
  function relabel(ids = null) {
    const graph = lesson.graph();
    if (staleShown && graph) markStale(true, graph, store.get().iteration, ids);
  }

  return { move, home, sync, relabel };
}
