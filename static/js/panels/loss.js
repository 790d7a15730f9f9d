// Loss before → after the update, with the relative change, all from the engine's numbers.

import { formatNumber, formatPercent } from "../format.js";

export function createLossPanel(root) {
  const before = root.querySelector("#loss-before");
  const after = root.querySelector("#loss-after");
  const change = root.querySelector("#loss-change");
  const title = root.querySelector("#loss-title");
  const diverged = document.getElementById("diverged");

  /** `expression`: the card shows the output f, not a loss. */
  function show(resp, precision, expression = false) {
    const l = resp.loss;
    const symbol = expression ? "f" : "L";
    before.textContent = l.before === null ? "not computed yet" : `${symbol} = ${formatNumber(l.before, precision)}`;
    title.textContent = expression ? "Output" : resp.samples > 1 ? `Loss · mean over ${resp.samples} samples` : "Loss";
    before.classList.toggle("is-empty", l.before === null);
    after.textContent = l.after === null ? "after the update" : formatNumber(l.after, precision);
    after.classList.toggle("is-empty", l.after === null);
    // an expression without a learning rate has no update: no "after" to wait for
    const noAfter = l.before === null || (expression && l.after === null);
    after.hidden = noAfter;
    root.querySelector(".loss-arrow").hidden = noAfter;
    change.textContent = l.relative_change === null ? "" : formatPercent(l.relative_change);
    change.dataset.sign = l.relative_change === null ? "" : l.relative_change < 0 ? "down" : "up";
    diverged.hidden = !resp.diverged;
    diverged.textContent = resp.diverged ? resp.diverged.message : "";
  }

  return { show };
}
