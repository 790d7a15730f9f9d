// Loss before → after the update, with the relative change, all from the engine's numbers.

import { formatNumber, formatPercent } from "../format.js";

export function createLossPanel(root) {
  const before = root.querySelector("#loss-before");
  const after = root.querySelector("#loss-after");
  const change = root.querySelector("#loss-change");
  const title = root.querySelector("#loss-title");
  const diverged = document.getElementById("diverged");

  function show(resp, precision) {
    const l = resp.loss;
    before.textContent = l.before === null ? "not computed yet" : `L = ${formatNumber(l.before, precision)}`;
    title.textContent = resp.samples > 1 ? `Loss · mean over ${resp.samples} samples` : "Loss";
    before.classList.toggle("is-empty", l.before === null);
    after.textContent = l.after === null ? "after the update" : formatNumber(l.after, precision);
    after.classList.toggle("is-empty", l.after === null);
    after.hidden = l.before === null;
    root.querySelector(".loss-arrow").hidden = l.before === null;
    change.textContent = l.relative_change === null ? "" : formatPercent(l.relative_change);
    change.dataset.sign = l.relative_change === null ? "" : l.relative_change < 0 ? "down" : "up";
    diverged.hidden = !resp.diverged;
    diverged.textContent = resp.diverged ? resp.diverged.message : "";
  }

  return { show };
}
