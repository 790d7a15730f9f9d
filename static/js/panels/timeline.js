// Forward → Backward → Update, sized by their units, with progress and jump-to-phase buttons.

const PHASES = ["forward", "backward", "update"];

export function createTimeline(root, range, onJump) {
  const segs = new Map([...root.querySelectorAll(".phase-seg")].map((b) => [b.dataset.phase, b]));
  let bounds = null;

  for (const [phase, button] of segs) {
    button.addEventListener("click", () => {
      if (bounds && bounds[phase]) onJump(Math.min(bounds[phase].start + 1, bounds.total));
    });
  }
  range.addEventListener("input", () => onJump(Number(range.value)));

  function setPlan(graph, granularity) {
    const plan = graph.plan.granularities[granularity];
    const starts = plan.phase_starts;
    bounds = { total: plan.total };
    PHASES.forEach((phase, i) => {
      const button = segs.get(phase);
      const has = phase in starts;
      button.hidden = !has;
      if (button.previousElementSibling && button.previousElementSibling.classList.contains("phase-sep")) button.previousElementSibling.hidden = !has;
      if (!has) return;
      const next = PHASES.slice(i + 1).find((p) => p in starts);
      const end = next ? starts[next] : plan.total;
      bounds[phase] = { start: starts[phase], end };
      button.style.flexGrow = String(Math.max(1, end - starts[phase]));
    });
    range.max = String(plan.total);
  }

  function show(resp) {
    range.value = String(resp.cursor);
    range.setAttribute("aria-valuetext", `step ${resp.cursor} of ${resp.total}`);
    for (const phase of PHASES) {
      const b = bounds && bounds[phase];
      const button = segs.get(phase);
      if (!b) continue;
      const frac = Math.max(0, Math.min(1, (resp.cursor - b.start) / Math.max(1, b.end - b.start)));
      button.querySelector(".phase-fill").style.transform = `scaleX(${frac})`;
      const current = resp.cursor > b.start && resp.cursor <= b.end;
      button.classList.toggle("is-current", current);
      button.setAttribute("aria-current", current ? "step" : "false");
      const done = Math.round(frac * (b.end - b.start));
      button.setAttribute("aria-label", `${phase}: ${done} of ${b.end - b.start} done. Jump to its first step`);
    }
  }

  return { setPlan, show };
}
