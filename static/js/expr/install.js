// Load as <script type="module" src="/static/js/expr/install.js"> to add the expression panel:
// type an expression (or pick a textbook example) and step its graph of primitive operations.
import { addPanel } from "../panels.js";
import { mountExpressionEditor } from "./editor.js";
import { mountExpressionStepper } from "./stepper-view.js";

export function installExpressionPanel() {
  const { body } = addPanel({ id: "expressions", title: "Expression graphs", where: "below" });
  const editorBox = document.createElement("div");
  const stepperBox = document.createElement("div");
  body.append(editorBox, stepperBox);
  const stepper = mountExpressionStepper(stepperBox);
  const editor = mountExpressionEditor(editorBox, { onScenario: (sc) => stepper.load(sc) });
  return { editor, stepper };
}

installExpressionPanel();
