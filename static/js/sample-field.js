// The Sample control for a lesson of any stepping size. Up to MENU samples it is the menu
// (#sample-select); beyond, a number field (1 … n, as the ledger counts them) with a previous and
// a next button takes its place, so sample 5,000 of 10,000 is a few keys away, not a scroll.
// The store keeps the 0-based sample, the URL keeps it as `sample`, as before.

import { sampleOptions } from "./batches.js";
import { el } from "./dom.js";

export const MENU = 100; // samples the menu lists; more take the number field

export function createSampleField({ select, store }) {
  const label = select.closest("label");
  const input = el("input", {
    attrs: { id: "sample-number", type: "number", min: "1", step: "1", inputmode: "numeric", "aria-describedby": "sample-desc sample-count" },
  });
  const count = el("span", { cls: "sample-count", attrs: { id: "sample-count" } });
  const prev = el("button", { cls: "btn btn-icon", text: "‹", attrs: { type: "button", id: "sample-prev", "aria-label": "Previous sample", title: "Previous sample" } });
  const next = el("button", { cls: "btn btn-icon", text: "›", attrs: { type: "button", id: "sample-next", "aria-label": "Next sample", title: "Next sample" } });
  const group = el("span", { cls: "field field-inline sample-field", attrs: { id: "sample-field", role: "group", "aria-label": "Sample" } }, [
    el("label", { attrs: { for: "sample-number" }, text: "Sample" }),
    prev,
    input,
    count,
    next,
  ]);
  group.hidden = true;
  label.after(group);
  let n = 1;

  const choose = (s) => {
    const k = Math.max(0, Math.min(n - 1, Math.round(s)));
    input.value = String(k + 1);
    if (k !== store.get().sample) store.set({ sample: k });
  };
  input.addEventListener("change", () => {
    const v = Number(input.value);
    choose(Number.isFinite(v) && input.value !== "" ? v - 1 : store.get().sample);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") choose(Number(input.value) - 1);
  });
  prev.addEventListener("click", () => choose(store.get().sample - 1));
  next.addEventListener("click", () => choose(store.get().sample + 1));

  /** The lesson's samples (a mini-batch's, by their data rows) and the selected one `sample`. */
  function sync(graph, sample) {
    n = graph ? graph.plan.samples : 1;
    const batch = graph ? graph.batch : null;
    const field = n > MENU;
    label.hidden = field;
    group.hidden = !field;
    if (!field) {
      const entries = sampleOptions(graph, MENU); // batches.js: a mini-batch's samples by their data rows
      if (select.options.length !== entries.length || entries.some(([, t], i) => select.options[i].textContent !== t)) {
        select.replaceChildren(...entries.map(([v, t]) => new Option(t, v)));
      }
      select.value = String(sample);
      select.disabled = n < 2;
      return;
    }
    input.max = String(n);
    const where = batch && batch.indices[sample] !== undefined ? `, data row ${(batch.indices[sample] + 1).toLocaleString("en")}` : "";
    count.textContent = `of ${n.toLocaleString("en")}${batch ? ` in batch${where}` : ""}`;
    if (document.activeElement !== input) input.value = String(sample + 1);
    prev.disabled = sample <= 0;
    next.disabled = sample >= n - 1;
  }

  return { sync };
}
