// The worksheet and the export menu as panels of the step-through page, through its panel API.
//
//   import { installWorksheetPanels } from "/static/js/worksheet/panel.js";
//   installWorksheetPanels();            // or load /static/js/worksheet/install.js as a module
//
// The worksheet follows the lesson shown (onLesson); a slip and the numbers that inherited it are
// marked on the graph (classes ws-slip / ws-inherited on the node's and parameter's SVG groups).
// An imported lesson file is opened through the URL hash, exactly like a shared link.

import { addPanel, onLesson } from "../panels.js";
import { DEFAULTS } from "../store.js";
import { encodeHash } from "../url-state.js";
import { mountExportMenu } from "./export-menu.js";
import { mountWorksheet } from "./worksheet.js";

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

export function openScenario(scenario) {
  location.hash = encodeHash({ ...DEFAULTS, presetId: null, scenario, cursor: 0 });
}

export function installWorksheetPanels({ loadScenario = openScenario } = {}) {
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
  const sheet = mountWorksheet(sheetPanel.body, null, getState, { onResult: mark });
  const exportPanel = addPanel({ id: "export-code", title: "Export as code or a file", where: "below" });
  mountExportMenu(exportPanel.body, null, getState, { onImport: loadScenario });

  onLesson((ctx) => {
    current = ctx;
    const key = JSON.stringify([ctx.scenario, getState().expand]);
    if (key !== shownKey) {
      shownKey = key;
      clearMarks();
      sheet.refresh();
    }
  });
  return { sheet };
}
