// Load as <script type="module" src="/static/js/worksheet/install.js"> to add the panels.
import { installWorksheetPanels } from "./panel.js";

installWorksheetPanels();
