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
 * One request: the whole backward pass at pass granularity; a contribution is the running sum's
 * increase (the API reports the sum after each step).
 */
export async function fetchContributions(request, graph, signal) {
  const reused = reusedSources(graph);
  const out = new Map();
  const pass = graph.plan.granularities.pass;
  if (!reused.size || !("backward" in pass.phase_starts)) return out;
  const cursor = pass.phase_starts.backward + 1;
  const resp = await api.step({ ...request, cursor, granularity: "pass", max_explained: catalog().limits.explained }, signal);
  const sums = new Map();
  for (const st of resp.steps) {
    if (st.phase !== "backward" || !reused.has(st.target) || !st.edge || st.value === null) continue;
    const before = sums.get(st.target) || 0;
    sums.set(st.target, st.value);
    const [k, n] = st.contribution || [1, 1];
    out.set(st.edge, { index: st.index, value: k === 1 ? st.value : st.value - before, k, n, target: st.target });
  }
  return out;
}
