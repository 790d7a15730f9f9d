// The equation panel: formula, numbers filled in, result (MathML from the API), and the sentence.

import { askedAnnouncement, askedMathml, askedSentence, askedText } from "../predict.js";

const PHASE_TITLES = { start: "Ready", forward: "Forward", backward: "Backward", update: "Update", done: "Done" };

const MATHML = "http://www.w3.org/1998/Math/MathML";
const source = new WeakMap(); // node → the MathML it shows, to lay it out afresh on a resize
const parser = document.createElement("template");

/**
 * Show `mathml` in `node`. The next step's equation is mostly the last one's with other numbers
 * and subscripts: its elements are reused, only the texts and attributes that differ written
 * (built anew, the 10 × 64 network's three equations cost each step about 100 new layout
 * objects, their style and a layout of each: the most of the step's frame). The same MathML
 * again (the formula of a run of steps, or of a step back): nothing is written.
 */
function setMath(node, mathml) {
  mathml = mathml || "";
  if (source.get(node) === mathml) return;
  source.set(node, mathml);
  // MathML produced and escaped by our own engine; no scripts can ride along (strict CSP).
  if (node.classList.contains("is-wrapped")) {
    node.classList.remove("is-wrapped"); // split into terms (wrapTerms): the shapes differ
    node.innerHTML = mathml;
    return;
  }
  parser.innerHTML = mathml;
  morph(node, parser.content);
}

/** `into`'s children made to be `from`'s, reusing those of the same kind (from's are taken). */
function morph(into, from) {
  const [had, want] = [[...into.childNodes], [...from.childNodes]];
  if (had.length !== want.length) return into.replaceChildren(...want);
  for (let i = 0; i < want.length; i += 1) {
    const [a, b] = [had[i], want[i]];
    if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName || a.namespaceURI !== b.namespaceURI) a.replaceWith(b);
    else if (a.nodeType === Node.TEXT_NODE) {
      if (a.data !== b.data) a.data = b.data;
    } else if (a.nodeType === Node.ELEMENT_NODE) {
      for (const { name, value } of b.attributes) if (a.getAttribute(name) !== value) a.setAttribute(name, value);
      // a formula's terms (data-ref) are given tabindex by term-links.js, which takes it back
      // when there are many
      const term = b.hasAttribute("data-ref");
      for (const { name } of [...a.attributes]) if (!b.hasAttribute(name) && !(term && name === "tabindex")) a.removeAttribute(name);
      morph(a, b);
    } else a.replaceWith(b);
  }
}

/** An operator's form where it stands in its row (MathML Core's rule: first of several children
 * prefix, last postfix, else infix), unless it says its own. */
function formOf(el) {
  const own = el.getAttribute("form");
  if (own) return own;
  const row = el.parentElement.children;
  if (row.length < 2) return "infix";
  return el === row[0] ? "prefix" : el === row[row.length - 1] ? "postfix" : "infix";
}

/**
 * One inline <math> per term and operator of the top-level row, so a line can break between.
 * Each operator keeps the form it had in the row (alone in its own <math> a prefix minus would
 * be spaced as a binary one), and a prefix one (a sign, an opening bracket) stays on the line of
 * what follows it, a postfix one (a closing bracket) on the line of what precedes it.
 */
function wrapTerms(node) {
  const math = node.querySelector("math");
  if (!math) return;
  const items = [];
  const walk = (el) => {
    for (const c of [...el.children]) {
      // a long row lends its terms; a short one, such as "(−0.0079)", stays whole, as do
      // fractions and scripts
      if (c.localName === "mrow" && c.textContent.length > 12) walk(c);
      else {
        const form = c.localName === "mo" ? formOf(c) : "";
        if (form) c.setAttribute("form", form);
        items.push({ c, form });
      }
    }
  };
  walk(math);
  const groups = [];
  let glue = false; // the last item was a prefix operator: this one joins it
  for (const { c, form } of items) {
    if (groups.length && (glue || form === "postfix")) groups[groups.length - 1].push(c);
    else groups.push([c]);
    glue = form === "prefix";
  }
  node.replaceChildren(
    ...groups.map((group) => {
      const m = document.createElementNS(MATHML, "math");
      m.append(...group);
      return m;
    }),
  );
  node.classList.add("is-wrapped");
}

const SHRINK = 0.92; // one step down the ladder of sizes a long equation tries
const overflows = (node) => node.scrollWidth > node.clientWidth;

/**
 * Shrink each long equation until it fits its row, but never below the readable minimum (nor
 * below 80% of its size); one still too long wraps onto more lines instead of being cut off.
 *
 * The equations are fitted together, in the frame that shows them (main.js), and are final in
 * that frame: one read of the layout, which the frame needs anyway, gives how far each overflows,
 * and its size is worked out from that (its width is proportional to its font size). Only when
 * one is shrunk or wrapped, a second read checks what was worked out (text does not scale
 * exactly: rarely a step smaller) and gives the wrapped terms' widths; nothing is left to change
 * what is seen after that frame. (Measured one size at a time, the 10 × 64 network's page spent
 * about 15 ms of every step laying itself out here.)
 *
 * An equation fitted already, with the same MathML at the same width and mode, keeps its size
 * and is not measured (`all`: the row's width changed, every one is fitted again); nor is the
 * size of one that fits at its own size written again.
 */
const fitted = new WeakMap(); // node → what it was fitted for (its MathML, the mode, the layout)

export function fit(nodes, all = false) {
  const root = document.documentElement;
  // the mode, and where the explanation sits (beside or below the graph; the matrix view): what
  // sets a row's width or type size without a resize (main.js calls refit(true) on a resize)
  const projector = root.classList.contains("projector");
  const mode = `${projector}|${root.dataset.explain || ""}|${root.dataset.view || ""}`;
  const key = (node) => `${mode}|${source.get(node) || ""}`;
  nodes = nodes.filter((node) => all || fitted.get(node) !== key(node));
  if (!nodes.length) return;
  for (const node of nodes) {
    fitted.set(node, key(node));
    if (node.style.fontSize) node.style.fontSize = "";
    if (node.classList.contains("is-wrapped")) {
      node.classList.remove("is-wrapped");
      node.innerHTML = source.get(node) || "";
    }
  }
  const rootSize = parseFloat(getComputedStyle(root).fontSize);
  const todo = [];
  for (const node of nodes) {
    if (!overflows(node)) continue; // the first read lays the page out once for all of them
    const base = parseFloat(getComputedStyle(node).fontSize);
    // projector: subscripts render at ~0.71 of the base, and must stay at 24px or more
    const min = Math.max(0.8 * base, projector ? 1.42 * rootSize : 13);
    todo.push({ node, base, min, wide: node.scrollWidth / Math.max(1, node.clientWidth) });
  }
  for (const t of todo) {
    // the largest size on the ladder at which the overflow measured says it fits (or the
    // smallest the minimum allows); none at all: it wraps, at full size (reads best)
    let k = 1;
    while (t.wide * SHRINK ** k > 1 && t.base * SHRINK ** (k + 1) >= t.min) k += 1;
    t.size = t.base * SHRINK ** k;
    t.wrapped = t.size < t.min || t.wide * SHRINK ** k > 1;
    if (t.wrapped) wrapTerms(t.node);
    else t.node.style.fontSize = `${t.size}px`;
  }
  const scrolls = todo.length ? settle(todo) : new Set();
  for (const node of nodes) {
    // still too long: it scrolls, so keyboard users must be able to reach it
    if (scrolls.has(node)) node.setAttribute("tabindex", "0");
    else if (node.hasAttribute("tabindex")) node.removeAttribute("tabindex");
  }
}

// A wrapped equation of a few lines, set a little smaller (down to the readable minimum) where
// that takes it a line fewer: a last line of one short term costs a row a line's height, and
// beside the graph the column holds its equations' tallest height (main.js holdSide), so one
// such step pushed the sentence down (XOR's 4-line numbers, iteration 2: 24 px).
const FEW = 5; // no wider than this many rows' width, unwrapped (a long sum gains little)
const FINER = 0.99; // the sizes tried, each 1 % smaller

/**
 * The sizes worked out, made final in the same frame. One read of the layout (the second of
 * the frame) gives which shrunk ones still overflow, and each wrapped one's terms where they
 * stand. From there every equation goes down one ladder, each rung `step` smaller, never below
 * its minimum (down()), asking its own question: a shrunk one that overflows, whether it fits
 * now (measured; at the minimum still too long, it wraps); a wrapped one with a term wider than
 * its row, whether that fits now (measured); a wrapped one of a few lines, whether a smaller size
 * saves a line (worked out from the terms' widths, nothing read). Returns the ones that scroll.
 */
function settle(todo) {
  const over = todo.filter((t) => !t.wrapped && overflows(t.node));
  for (const t of todo) if (t.wrapped) t.terms = termsOf(t.node); // null: one is wider than the row
  for (const t of over) {
    const size = down(t, SHRINK, (s) => fits(t.node, s), t.size);
    if (size) continue;
    t.node.style.fontSize = "";
    wrapTerms(t.node); // its terms are not read: a line saved is for the ones wrapped at once
    t.wrapped = true;
    t.terms = overflows(t.node) ? null : undefined;
  }
  const scrolls = new Set();
  for (const t of todo) {
    if (!t.wrapped) continue;
    if (t.terms === null) {
      // wrapped, and a term of it (a fraction) still too wide: the lines smaller, down to the
      // readable minimum; at the minimum, it scrolls
      if (!down(t, SHRINK, (s) => fits(t.node, s))) scrolls.add(t.node);
    } else if (t.terms && t.wide < FEW) {
      const at = linesAt(t.terms, 1);
      // the row not filled as worked out here: left as it is; else the largest size tried at
      // which the terms take a line fewer, with 1 % to spare (text does not scale exactly)
      if (at !== t.terms.lines || at < 2) continue;
      const size = down(t, FINER, (s) => linesAt(t.terms, (s / t.base) * 1.01) < at);
      if (size) t.node.style.fontSize = `${size}px`;
    }
  }
  return scrolls;
}

/** Down the ladder from `from` (the equation's own size), a rung of `step` at a time, not below
 * its minimum: the first size at which `enough(size)`, or null (`enough` may set the size). */
function down({ base, min }, step, enough, from = base) {
  for (let size = from * step; size >= min; size *= step) if (enough(size)) return size;
  return null;
}

/** `node` at `size`: does it fit its row now (a layout)? */
function fits(node, size) {
  node.style.fontSize = `${size}px`;
  return !overflows(node);
}

/** The wrapped terms' widths, their gap and the row's width, and the lines they take as laid
 * out (a line begins where a term stands left of the one before); null if one is wider than the
 * row. */
function termsOf(node) {
  if (node.scrollWidth > node.clientWidth) return null;
  const boxes = [...node.children].map((m) => m.getBoundingClientRect());
  let lines = 1;
  for (let i = 1; i < boxes.length; i += 1) if (boxes[i].left < boxes[i - 1].left) lines += 1;
  const style = getComputedStyle(node);
  const room = node.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return { widths: boxes.map((b) => b.width), gap: parseFloat(style.columnGap) || 0, room, lines };
}

/** The lines the terms take at `scale` of their size, filled as a wrapping flex row fills them. */
function linesAt({ widths, gap, room }, scale) {
  let lines = 1;
  let used = widths[0] * scale;
  for (const w of widths.slice(1)) {
    used += (gap + w) * scale;
    if (used > room) {
      lines += 1;
      used = w * scale;
    }
  }
  return lines;
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
  // an optimizer's state lines (velocity v; Adam's m, v, m̂, v̂), above the parameter's own
  const stateBox = document.createElement("div");
  stateBox.className = "eq-state";
  stateBox.id = "eq-state";
  stateBox.setAttribute("role", "group");
  stateBox.setAttribute("aria-label", "the optimizer's state, with numbers");
  stateBox.hidden = true;
  formula.closest(".equations")?.before(stateBox); // its own place in projector mode's grid

  function showState(lines) {
    stateBox.hidden = !lines || !lines.length;
    if (stateBox.hidden) return stateBox.replaceChildren();
    stateBox.replaceChildren(
      ...lines.map((line) => {
        const row = document.createElement("div");
        row.className = "eq-state-row";
        for (const [part, tag] of [["formula", "formula"], ["substituted", "numbers"], ["result", "result"]]) {
          const cell = document.createElement("div");
          cell.className = `eq-state-${tag}`;
          cell.setAttribute("aria-label", tag);
          setMath(cell, line[part].mathml); // MathML from our own engine (strict CSP)
          row.append(cell);
        }
        return row;
      }),
    );
  }

  /** The plain-text version the aria-live region reads out. */
  function announcement(resp) {
    const last = resp.steps[resp.steps.length - 1];
    const where = `${PHASE_TITLES[resp.phase]}, step ${resp.cursor} of ${resp.total}.`;
    if (!last) return `${where} Nothing computed yet.`;
    const e = last.explanation;
    const lines = (e.lines || []).map((l) => `${l.substituted.text}; ${l.result.text}.`).join(" ");
    return `${where} ${lines ? `${lines} ` : ""}${e.substituted.text}. ${e.result.text}. ${e.sentence}`;
  }

  /** `ask` (predict mode): the result reads "?" and the sentence asks, until the next press;
   * `held`: a live class's question, revealed by the presenter (the sentence says to wait). */
  function show(resp, { ask = false, held = false } = {}) {
    const last = resp.steps[resp.steps.length - 1];
    const phase = last ? last.phase : resp.phase;
    // the last phase there is, done: an expression without a learning rate ends on Backward
    badge.textContent = resp.phase === "done" ? `${PHASE_TITLES[phase]} · done` : PHASE_TITLES[phase];
    badge.dataset.phase = phase;
    const fine = resp.granularity === "step" ? "" : ` · fine step ${resp.fine_cursor} of ${resp.fine_total}`;
    count.textContent = `step ${resp.cursor} of ${resp.total}${fine}`;
    root.dataset.phase = phase;
    if (!last) {
      setMath(formula, "");
      setMath(substituted, "");
      setMath(result, "");
      sentence.textContent = "Nothing is computed yet. Press → (or Step) to compute the first value of the forward pass.";
      showState(null);
      root.classList.add("is-start");
    } else {
      root.classList.remove("is-start");
      // asked: a unit's first equation, whose numbers are all known (a later one's use the unit's own values)
      const e = (ask ? resp.steps[0] : last).explanation;
      setMath(formula, e.formula.mathml);
      setMath(substituted, e.substituted.mathml);
      setMath(result, ask ? askedMathml(e.result.mathml) : e.result.mathml);
      // the sentence may state the answer (a batch mean, softmax's shortcut): it comes with it
      sentence.textContent = ask ? askedSentence(resp, held) : e.sentence;
      showState(e.lines);
    }
    root.classList.toggle("is-asking", Boolean(ask && last));
    const many = resp.steps.length > 1;
    unit.hidden = !many;
    if (many) {
      unitSummary.textContent = `All ${resp.steps.length + resp.steps_omitted} steps of this ${resp.granularity}`;
      unitList.replaceChildren(
        ...resp.steps.map((s) => {
          const li = document.createElement("li");
          li.textContent = ask ? askedText(s.explanation.result.text) : s.explanation.result.text;
          return li;
        }),
      );
      if (resp.steps_omitted) {
        const li = document.createElement("li");
        li.textContent = `… and ${resp.steps_omitted} more, done but not listed.`;
        unitList.append(li);
      }
    }
    live.textContent = ask && last ? askedAnnouncement(resp, `${PHASE_TITLES[resp.phase]}, step ${resp.cursor} of ${resp.total}.`, held) : announcement(resp);
  }

  /** Fit the equations to their rows: after show() (main.js does it in the next frame), or all
   * of them again after a resize (`all`). */
  function refit(all = false) {
    // an optimizer's state lines too: shrunk or wrapped like the rows, never cut at the edge
    fit([formula, substituted, result, ...stateBox.querySelectorAll(".eq-state-row > *")], all);
  }

  return { show, refit };
}
