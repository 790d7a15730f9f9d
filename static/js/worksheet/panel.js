// The worksheet and the export menu as panels of the step-through page.
//
//   import { createWorksheetPanels } from "/static/js/worksheet/panel.js";
//   const worksheet = createWorksheetPanels({ loadScenario: (sc) => lesson.load(sc) });
//   worksheet.show({ scenario, graph, state });   // after every step shown (main.js does)
//
// The worksheet follows the lesson shown; a slip and the numbers that inherited it are marked on
// the graph (classes ws-slip / ws-inherited on the node's and parameter's SVG groups).

import { afterFirstPaint, whenIdle } from "../idle.js";
import { addPanel } from "../panels.js";
import { createExportMenu } from "./export-menu.js";
import { createWorksheet } from "./worksheet.js";

const MARKS = ["ws-slip", "ws-inherited"]; // a correct entry is not marked on the graph

function clearMarks() {
  for (const cls of MARKS) for (const node of document.querySelectorAll(`.${cls}`)) node.classList.remove(cls);
  legend(false);
}

/** The legend names the marks while the graph shows some (its room is kept: the graph stays put). */
function legend(shown) {
  const entry = document.getElementById("legend-worksheet");
  if (!entry) return;
  entry.classList.toggle("is-idle", !shown);
  entry.setAttribute("aria-hidden", String(!shown));
}

function mark(result) {
  clearMarks();
  if (!result) return;
  for (const e of result.entries) {
    for (const id of [`n-${e.target}`, `p-${e.target}`]) {
      const node = document.getElementById(id);
      if (node && e.status !== "correct") node.classList.add(`ws-${e.status}`);
    }
  }
  legend(result.entries.some((e) => e.status !== "correct"));
}

export function createWorksheetPanels({ loadScenario }) {
  let current = null;
  let shownKey = "";
  const getState = () => ({
    scenario: current ? current.scenario : null,
    sample: current && current.state ? current.state.sample || 0 : 0,
    // the expanded view checks each product and sum too; an expression is primitive already
    expand: Boolean(current && current.state && current.state.expand && current.scenario.kind !== "expression"),
    name: (current && current.state && current.state.presetId) || "lesson",
    graph: current ? current.graph : null,
    convention: (current && current.state && current.state.convention) || "columns",
    iteration: (current && current.iteration) || 1, // the server rebuilds iteration k (and its batch)
  });

  // one line until a student asks for it: nineteen empty boxes would fill the side column. Its
  // quantities are asked for when it opens, or once the page is idle after the first picture
  // (so that opening it is instant): never before the first picture, which does not show them.
  let stale = false;
  const refresh = () => {
    if (!stale) return;
    stale = false;
    sheet.refresh();
  };
  const sheetPanel = addPanel({ id: "worksheet", title: "Check my working", where: "side", collapsed: true, onOpen: refresh });
  let marked = null; // the last check's result, marked again on a graph drawn afresh
  const sheet = createWorksheet(sheetPanel.body, getState, {
    onResult: (result) => {
      marked = result;
      mark(result);
    },
  });
  const exportPanel = addPanel({ id: "export-code", title: "Export as code or a file", where: "below" });
  createExportMenu(exportPanel.body, getState, { onImport: loadScenario });

  /** The lesson shown: { scenario, graph, state }. A new scenario (or view) gets a new worksheet. */
  function show(lesson) {
    current = lesson;
    const key = JSON.stringify([lesson.scenario, getState().expand, getState().iteration]);
    if (key === shownKey) return mark(marked); // a redraw (a new frame size) drew the nodes anew
    shownKey = key;
    marked = null;
    clearMarks();
    stale = true;
    if (!sheetPanel.body.hidden) refresh();
    else afterFirstPaint(() => whenIdle(refresh, 2000));
  }

  return { sheet, show };
}
