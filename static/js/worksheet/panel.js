// The worksheet and the export menu as panels of the step-through page.
//
//   import { createWorksheetPanels } from "/static/js/worksheet/panel.js";
//   const worksheet = createWorksheetPanels({ loadScenario: (sc) => lesson.load(sc) });
//   worksheet.show({ scenario, graph, state });   // after every step shown (main.js does)
//
// The worksheet follows the lesson shown; a slip and the numbers that inherited it are marked on
// the graph (classes ws-slip / ws-inherited on the node's and parameter's SVG groups).

import { addPanel } from "../panels.js";
import { createExportMenu } from "./export-menu.js";
import { createWorksheet } from "./worksheet.js";

const MARKS = ["ws-slip", "ws-inherited", "ws-correct"];

function clearMarks() {
  for (const cls of MARKS) for (const node of document.querySelectorAll(`.${cls}`)) node.classList.remove(cls);
}

function mark(result) {
  clearMarks();
  if (!result) return;
  for (const e of result.entries) {
    for (const id of [`n-${e.target}`, `p-${e.target}`]) {
      const node = document.getElementById(id);
      if (node) node.classList.add(`ws-${e.status}`);
    }
  }
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
  });

  const sheetPanel = addPanel({ id: "worksheet", title: "Check my working", where: "side" });
  const sheet = createWorksheet(sheetPanel.body, getState, { onResult: mark });
  const exportPanel = addPanel({ id: "export-code", title: "Export as code or a file", where: "below" });
  createExportMenu(exportPanel.body, getState, { onImport: loadScenario });

  /** The lesson shown: { scenario, graph, state }. A new scenario (or view) gets a new worksheet. */
  function show(lesson) {
    current = lesson;
    const key = JSON.stringify([lesson.scenario, getState().expand]);
    if (key === shownKey) return;
    shownKey = key;
    clearMarks();
    sheet.refresh();
  }

  return { sheet, show };
}
