// A switch that shows each neuron as its multiplications, sum and activation.
//
//   import { createExpandToggle } from "/static/js/expr/expand-toggle.js";
//   createExpandToggle(container, { checked: state.expand, onChange: (expand) => reload({ expand }) });
//
// The host sends `expand: true` with the scenario to /api/graph, /api/step and /api/check.

import { el, uniqueId } from "../dom.js";

export function createExpandToggle(container, { checked = false, onChange = () => {} } = {}) {
  const id = uniqueId("bs-expand");
  const box = el("input", { attrs: { id, type: "checkbox", role: "switch" } });
  box.checked = checked;
  const root = el("div", { cls: "bs-expand" }, [
    box,
    el("label", { text: "Show each neuron as ×, + and its activation", attrs: { for: id } }),
  ]);
  box.addEventListener("change", () => onChange(box.checked));
  container.append(root);
  return {
    set: (value) => {
      box.checked = Boolean(value);
    },
    /** Networks only: hide the switch for an expression, which is primitive already. */
    setAvailable: (available) => root.classList.toggle("bs-hidden", !available),
    destroy: () => root.remove(),
  };
}
