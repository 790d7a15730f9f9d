// A small way for later features (lab panels, the worksheet) to add a panel beside the graph.
//
//   import { addPanel, onLesson } from "/static/js/panels.js";
//   const { body } = addPanel({ id: "worksheet", title: "Check my working", where: "side" });
//   onLesson(({ scenario, graph, step, state }) => { ... });   // after every graph and step

const listeners = new Set();
let latest = null;

/**
 * Add a titled panel: `where` is "side" (under the equation, beside the graph) or "below".
 * Panels are editing furniture: projector mode hides them unless `projector: true`.
 */
export function addPanel({ id, title, where = "below", projector = false }) {
  const host = document.getElementById(where === "side" ? "explain" : "extra-panels");
  const section = document.createElement("section");
  section.className = `panel extra-panel${projector ? "" : " edit-only"}`;
  section.id = `panel-${id}`;
  const h = document.createElement("h2");
  h.id = `panel-${id}-title`;
  h.textContent = title;
  section.setAttribute("aria-labelledby", h.id);
  const body = document.createElement("div");
  body.className = "panel-body";
  section.append(h, body);
  host.append(section);
  return { section, body };
}

/** Be told about every lesson update; called at once with the current one if there is one. */
export function onLesson(fn) {
  listeners.add(fn);
  if (latest) fn(latest);
  return () => listeners.delete(fn);
}

/** Called by main.js after each graph or step is shown. */
export function publishLesson(context) {
  latest = context;
  for (const fn of listeners) fn(context);
}
