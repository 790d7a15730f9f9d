// The equation panel: formula, numbers filled in, result (MathML from the API), and the sentence.

const PHASE_TITLES = { start: "Ready", forward: "Forward", backward: "Backward", update: "Update", done: "Done" };

function setMath(node, mathml) {
  // MathML produced and escaped by our own engine; no scripts can ride along (strict CSP).
  node.innerHTML = mathml || "";
  fit(node);
}

/** Shrink a long equation until it fits its row, but never below the readable minimum. */
export function fit(node) {
  node.style.fontSize = "";
  const base = parseFloat(getComputedStyle(node).fontSize);
  // projector: subscripts render at ~0.71 of the base, and must stay at 24px or more
  const root = document.documentElement;
  const min = root.classList.contains("projector") ? 1.42 * parseFloat(getComputedStyle(root).fontSize) : 13;
  let size = base;
  while (node.scrollWidth > node.clientWidth && size * 0.92 >= min) {
    size *= 0.92;
    node.style.fontSize = `${size}px`;
  }
  // still too long: it scrolls, so keyboard users must be able to reach it
  if (node.scrollWidth > node.clientWidth) node.setAttribute("tabindex", "0");
  else node.removeAttribute("tabindex");
}

export function createEquationPanel(root) {
  const badge = root.querySelector("#explain-title");
  const count = root.querySelector("#step-count");
  const formula = root.querySelector("#eq-formula");
  const substituted = root.querySelector("#eq-substituted");
  const result = root.querySelector("#eq-result");
  const sentence = root.querySelector("#sentence");
  const unit = root.querySelector("#unit-steps");
  const unitSummary = root.querySelector("#unit-steps-summary");
  const unitList = root.querySelector("#unit-steps-list");
  const live = document.getElementById("live");

  /** The plain-text version the aria-live region reads out. */
  function announcement(resp) {
    const last = resp.steps[resp.steps.length - 1];
    const where = `${PHASE_TITLES[resp.phase]}, step ${resp.cursor} of ${resp.total}.`;
    if (!last) return `${where} Nothing computed yet.`;
    const e = last.explanation;
    return `${where} ${e.substituted.text}. ${e.result.text}. ${e.sentence}`;
  }

  function show(resp) {
    const last = resp.steps[resp.steps.length - 1];
    const phase = last ? last.phase : resp.phase;
    badge.textContent = resp.phase === "done" ? "Update · done" : PHASE_TITLES[phase];
    badge.dataset.phase = phase;
    const fine = resp.granularity === "step" ? "" : ` · fine step ${resp.fine_cursor} of ${resp.fine_total}`;
    count.textContent = `step ${resp.cursor} of ${resp.total}${fine}`;
    root.dataset.phase = phase;
    if (!last) {
      setMath(formula, "");
      setMath(substituted, "");
      setMath(result, "");
      sentence.textContent = "Nothing is computed yet. Press → (or Step) to compute the first value of the forward pass.";
      root.classList.add("is-start");
    } else {
      root.classList.remove("is-start");
      setMath(formula, last.explanation.formula.mathml);
      setMath(substituted, last.explanation.substituted.mathml);
      setMath(result, last.explanation.result.mathml);
      sentence.textContent = last.explanation.sentence;
    }
    const many = resp.steps.length > 1;
    unit.hidden = !many;
    if (many) {
      unitSummary.textContent = `All ${resp.steps.length + resp.steps_omitted} steps of this ${resp.granularity}`;
      unitList.replaceChildren(
        ...resp.steps.map((s) => {
          const li = document.createElement("li");
          li.textContent = s.explanation.result.text;
          return li;
        }),
      );
      if (resp.steps_omitted) {
        const li = document.createElement("li");
        li.textContent = `… and ${resp.steps_omitted} more, done but not listed.`;
        unitList.append(li);
      }
    }
    live.textContent = announcement(resp);
  }

  /** Refit after the panel changes size (projector mode, window resize). */
  function refit() {
    for (const node of [formula, substituted, result]) fit(node);
  }

  return { show, refit };
}
