// A titled panel beside or below the graph, for the step page's editing furniture (the worksheet,
// the export menu, the expression editor). main.js creates each panel and tells it what to show.
//
//   import { addPanel } from "/static/js/panels.js";
//   const { section, body } = addPanel({ id: "worksheet", title: "Check my working", where: "side" });

import { el } from "./dom.js";

/**
 * Add a titled panel: `where` is "side" (under the equation, beside the graph) or "below".
 * Panels are editing furniture: projector mode hides them unless `projector: true`.
 */
export function addPanel({ id, title, where = "below", projector = false }) {
  const host = document.getElementById(where === "side" ? "explain" : "extra-panels");
  const h = el("h2", { text: title, attrs: { id: `panel-${id}-title` } });
  const body = el("div", { cls: "panel-body" });
  const cls = `panel extra-panel${projector ? "" : " edit-only"}`;
  const section = el("section", { cls, attrs: { id: `panel-${id}`, "aria-labelledby": h.id } }, [h, body]);
  host.append(section);
  return { section, body };
}
