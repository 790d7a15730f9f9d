// Predict, then reveal (key Q, `predict=1` in the URL): a step first shows what it computes as "?"
// with its equation's numbers filled in, so the class can call the value out; the next press
// reveals it with its pulse. Back, Home, End, the slider and the timeline go to revealed states.

const ASK = "?";

/** A short mark of a lesson (its scenario, expanded or not): FNV-1a over its JSON, base 36. */
export function lessonMark(s) {
  const text = JSON.stringify([s.scenario ?? null, Boolean(s.expand)]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/** What a unit writes, to be shown as "?": node and parameter values, gradients, contribution chips. */
export function maskOf(resp) {
  const mask = { values: new Set(), grads: new Set(), chips: new Set() };
  for (const st of resp.steps) {
    if (st.phase === "backward") mask.grads.add(st.target);
    else mask.values.add(st.target);
    mask.chips.add(st.index);
  }
  return mask;
}

/** "z₁ = 0.7800" → "z₁ = ?" (the last " = " starts the result). */
export function askedText(text) {
  const i = String(text).lastIndexOf(" = ");
  return i < 0 ? ASK : `${text.slice(0, i)} = ${ASK}`;
}

/** "z₁ = 0.7800" → "z₁": what the class is asked for. */
export function askedName(text) {
  const i = String(text).lastIndexOf(" = ");
  return i < 0 ? "the result" : text.slice(0, i);
}

/** The result's MathML with everything after its first top-level "=" replaced by "?". */
export function askedMathml(mathml) {
  const t = document.createElement("template");
  t.innerHTML = mathml || "";
  const math = t.content.querySelector("math");
  if (!math) return "";
  let row = math;
  while (row.children.length === 1 && row.firstElementChild.localName === "mrow") row = row.firstElementChild;
  const eq = [...row.children].find((c) => c.localName === "mo" && c.textContent.trim() === "=");
  const mark = document.createElementNS(math.namespaceURI, "mi");
  mark.setAttribute("mathvariant", "normal");
  mark.setAttribute("class", "eq-asked");
  mark.textContent = ASK;
  if (eq) {
    while (eq.nextSibling) eq.nextSibling.remove();
    eq.after(mark);
  } else row.replaceChildren(mark);
  return t.innerHTML;
}

/** The prompt in place of the sentence (which may state the answer) while a unit is asked for;
 * `held`: a live class's question, which only the presenter reveals. */
export function askedSentence(resp, held = false) {
  const name = askedName(resp.steps[0].explanation.result.text);
  const others = resp.steps.length + (resp.steps_omitted || 0) - 1;
  const and = others ? `, and the ${others} other value${others > 1 ? "s" : ""} of this ${resp.granularity} (listed below)` : "";
  const them = others ? "them" : "it";
  if (held) return `Your turn: work out ${name} from the numbers above${and}, send your prediction, and wait for the presenter to reveal ${them}.`;
  return `Your turn: work out ${name} from the numbers above${and}, then press Step (→) to reveal ${them}.`;
}

/** What the live region says while a value waits to be revealed. */
export function askedAnnouncement(resp, where, held = false) {
  const e = resp.steps[0].explanation;
  return `${where} Predict: ${e.substituted.text}. ${askedText(e.result.text)}. ${askedSentence(resp, held).replace(" (→)", "").replace(" (listed below)", "")}`;
}

/**
 * The stepping state: `next()` is the Step key (ask, then reveal), `asks(resp)` says whether a
 * step answer is to be shown as a question, `clear()` forgets a question (any other move).
 */
export function createPredict({ store, go, total, shown, reveal, button, live }) {
  let askAt = null; // the cursor whose values are shown as "?", until the next press
  let question = null; // the question told to the page (a live class collects answers: live/live.js)
  let held = null; // a follower: the cursor of the class's open question, revealed by the presenter only

  /** Tell the page a question opened, was answered ({ open: false, truth }) or is gone (null). */
  function publish(detail) {
    question = detail;
    document.dispatchEvent(new CustomEvent("backstep:predict", { detail: detail || { question: null } }));
  }

  /** A step was shown, asked or not: a question opens, or the one before is gone. */
  function tell(resp, ask) {
    if (ask) {
      const s = store.get();
      // the lesson's own (its network, numbers and view), its iteration, step and sample: a class
      // asked at the same step of another lesson, or of another sample, starts from no answers
      const at = `i${s.iteration ?? 1}-k${resp.cursor}${resp.granularity === "step" ? "" : `-${resp.granularity}`}${resp.sample ? `-s${resp.sample}` : ""}`;
      const id = `l${lessonMark(s)}-${at}`;
      publish({ question: id, open: true, label: askedName(resp.steps[0].explanation.result.text) });
    } else if (question || on()) publish(null); // in predict mode every step shown is told
  }

  function answer() {
    const resp = shown();
    reveal();
    if (question && question.open && resp && resp.steps.length) publish({ ...question, open: false, truth: resp.steps[0].value });
  }

  const on = () => store.get().predict;
  const canReveal = () => on() && askAt !== null && askAt === store.get().cursor;

  function next() {
    const s = store.get();
    if (canReveal() && held === askAt) {
      // the class is still answering it: the page says so (live.js), and nothing is revealed
      document.dispatchEvent(new CustomEvent("backstep:held"));
      return;
    }
    if (canReveal()) {
      askAt = null;
      const resp = shown();
      if (resp && resp.cursor === s.cursor) answer(); // else its answer, on its way, is shown as usual
      return;
    }
    go(s.cursor + 1); // clears askAt (and held)
    if (on() && s.cursor < total()) askAt = s.cursor + 1;
  }

  function toggle() {
    if (canReveal() && held === askAt) return document.dispatchEvent(new CustomEvent("backstep:held")); // as next()
    const turnOn = !on();
    const revealNow = !turnOn && canReveal();
    askAt = null;
    store.set({ predict: turnOn });
    if (revealNow) answer(); // announces the step: said after the mode
    const said = revealNow ? ` ${live.textContent}` : "";
    live.textContent = turnOn
      ? "Predict mode on: each step first shows its numbers with the result as a question mark; press Step again to reveal it."
      : `Predict mode off.${said}`;
  }

  /** The toggle's pressed state, from the store. */
  function sync(s) {
    button.setAttribute("aria-pressed", String(Boolean(s.predict)));
  }

  button.addEventListener("click", toggle);

  return {
    next,
    toggle,
    tell,
    sync,
    canReveal,
    asks: (resp) => on() && askAt !== null && resp.cursor === askAt && resp.steps.length > 0,
    /** Whether the question shown is a live class's, which this page may not reveal. */
    held: () => held !== null && held === askAt,
    clear: () => (askAt = held = null),
    /** A live follower: the presenter asks at cursor k, so this page asks there too, and only the
     * presenter's reveal shows its value (`release()` first). */
    follow: (k) => (askAt = held = k),
    release: () => (held = null),
  };
}
