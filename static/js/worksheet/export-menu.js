// Downloads of the current lesson (NumPy script, PyTorch script, JSON file) and opening a file.
//
//   import { createExportMenu } from "/static/js/worksheet/export-menu.js";
//   createExportMenu(container, () => ({ scenario, name: "tutorial" }), {
//     onImport: (scenario) => loadLesson(scenario),
//   });

import { api, messagesOf } from "../api.js";
import { el, uniqueId } from "../dom.js";
import { download } from "../export.js";

const FORMATS = [
  ["numpy", "NumPy script", "A self-contained script in the tutorial's style that prints every number"],
  ["pytorch", "PyTorch script", "The same with loss.backward(), as in the tutorial's PyTorch example"],
  ["json", "Lesson file (JSON)", "Keep this lesson as a file; open it again below"],
];

export function createExportMenu(container, getState, { onImport = () => {} } = {}) {
  const fileId = uniqueId("bs-import");
  const status = el("p", { cls: "bs-export-status", attrs: { role: "status", "aria-live": "polite" } });
  const buttons = FORMATS.map(([format, label, title]) => {
    const b = el("button", { cls: "btn bs-export-btn", text: label, attrs: { type: "button", title, "data-format": format } });
    b.addEventListener("click", () => save(format));
    return b;
  });
  const file = el("input", { cls: "bs-import-file", attrs: { id: fileId, type: "file", accept: ".json,application/json" } });
  const root = el("div", { cls: "bs-export", attrs: { role: "group", "aria-label": "Export and import" } }, [
    el("div", { cls: "bs-export-row" }, buttons),
    el("div", { cls: "bs-export-row" }, [el("label", { text: "Open a lesson file: ", attrs: { for: fileId } }), file]),
    status,
  ]);
  container.append(root);

  async function save(format) {
    const { scenario, name = "backstep", convention = "columns", iteration = 1 } = getState();
    const safe = String(name).replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 40) || "backstep";
    status.textContent = "";
    try {
      const { blob, filename } = await api.exportFile(scenario, format, safe, undefined, convention, iteration);
      download(blob, filename);
      status.textContent = `Saved ${filename}.`;
    } catch (err) {
      status.textContent = messagesOf(err).join("\n");
    }
  }

  async function open(text) {
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      status.textContent = "That file is not JSON: choose a lesson file saved from here.";
      return null;
    }
    try {
      const checked = await api.importFile(doc);
      onImport(checked.scenario, checked.iteration || 1); // a file saved at iteration k opens there
      status.textContent = "Lesson loaded.";
      return checked.scenario;
    } catch (err) {
      status.textContent = messagesOf(err).join("\n");
      return null;
    }
  }

  file.addEventListener("change", async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    if (chosen.size > 1_000_000) {
      status.textContent = "That file is larger than 1 MB: not a lesson file.";
      return;
    }
    await open(await chosen.text());
    file.value = "";
  });

  return { save, open, destroy: () => root.remove() };
}
