// A value used more than once gets its gradient in parts, one per path: which edge brought how much.

import { api } from "./api.js";
import { catalog } from "./catalog.js";

/** Ids of the values (nodes or parameters) whose gradient arrives along more than one edge. */
export function reusedSources(graph) {
  const count = new Map();
  for (const e of graph.edges) if (e.requires_grad) count.set(e.source, (count.get(e.source) || 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([id]) => id));
}

/**
 * Every contribution to a reused value: edge id → { index, value, k, n } where `index` is the
 * fine step that adds it, `value` what it adds, and [k, n] its place among the value's parts.
 * One request: the backward pass as one unit, each of its steps explained; a backward step says
 * what it adds (`added`, the engine's own upstream gradient × local derivative).
 */
export async function fetchContributions(request, graph, signal) {
  const reused = reusedSources(graph);
  const out = new Map();
  const { pass, step } = graph.plan.granularities;
  if (!reused.size || !("backward" in pass.phase_starts)) return out;
  const backwardSteps = (step.phase_starts.update ?? step.total) - step.phase_starts.backward;
  const explained = Math.min(backwardSteps, catalog().limits.explained);
  const resp = await api.step({ ...request, cursor: pass.phase_starts.backward + 1, granularity: "pass", max_explained: explained }, signal);
  for (const st of resp.steps) {
    if (st.phase !== "backward" || !reused.has(st.target) || !st.edge || st.added === null) continue;
    const [k, n] = st.contribution;
    out.set(st.edge, { index: st.index, value: st.added, k, n, target: st.target });
  }
  return out;
}
