// The Network panel's learning rate as the optimizer menu changes: a lesson's η is chosen for
// plain SGD (XOR's 2), where a step is η·g; Adam's or RMSprop's step is about η whatever the
// gradient, so η = 2 moves every weight by about ±2 and the loss curve is noise. While the field
// still holds the lesson's own η (or a usual scale this set), another optimizer sets its usual
// scale (`typical_lr` in the catalog, from the engine's registry) and says so beside the field,
// with one button back. An η a person typed, or took back, is never overwritten: a note names
// the optimizer's scale when it is far off.

import { parseNumber } from "./format.js";

const FAR = 10; // this many times above or below the usual scale: far off

const show = (v) => String(Number(v));

/**
 * createLrGuide({ input, note, text, button, whose }): `input` is η's field, `note` the line under
 * it with its `text` and `button`; `whose` names where η came from ("the lesson’s"). The form
 * calls fill(scenario, entry) when it shows a lesson, changed(entry) when a person picks an
 * optimizer, applying() as it is applied.
 */
export function createLrGuide({ input, note, text, button, whose = "the lesson’s" }) {
  let own = null; // the lesson's own η (what it came with)
  let source = "lesson"; // what the field holds: "lesson", "typical" (set here) or "typed"
  let entry = null; // the optimizer chosen in the menu (its catalog entry; null: plain SGD)
  let carried = null; // what this guide knew when the form was applied: kept for its lesson
  let action = null; // what the button does

  function say(message, label, act, warn = false) {
    note.hidden = !message;
    note.classList.toggle("is-warn", warn);
    text.textContent = message;
    button.hidden = !act;
    button.textContent = label;
    action = act;
  }

  /** The line under the field, from what it holds now. */
  function tell() {
    const typical = entry?.typical_lr ?? null;
    if (source === "typical" && typical !== null) {
      say(`η set to ${show(typical)}, ${entry.title}’s usual scale; ${whose} was ${show(own)}.`, `Back to ${show(own)}`, back);
      button.setAttribute("aria-label", `Back to ${whose} η = ${show(own)}`);
      return;
    }
    button.removeAttribute("aria-label");
    const v = parseNumber(input.value);
    if (typical === null || !(v > 0) || (v <= typical * FAR && v >= typical / FAR)) return say("", "", null);
    const where = v > typical ? `${Math.round(v / typical)} × ${entry.title}’s usual scale (about ${show(typical)}): each step moves every weight by about ±${show(v)}, whatever its gradient` : `far below ${entry.title}’s usual scale (about ${show(typical)}): its steps are about η, so training barely moves`;
    say(`η = ${show(v)} is ${where}.`, `Use ${show(typical)}`, useTypical, true);
  }

  function back() {
    input.value = show(own);
    source = "typed"; // taken back on purpose: never overwritten again
    tell();
    input.focus(); // the button may be gone: the keyboard stays on η
  }

  function useTypical() {
    input.value = show(entry.typical_lr);
    source = "typical";
    tell();
    input.focus();
  }

  input.addEventListener("input", () => {
    source = "typed";
    tell();
  });
  button.addEventListener("click", () => action?.());

  return {
    /** A lesson shown: its own η, unless it is the one this guide's form just applied. */
    fill(sc, chosen) {
      entry = chosen;
      const same = carried && sc.learning_rate === carried.lr && (sc.optimizer?.name ?? "sgd") === carried.name;
      if (same) ({ own, source } = carried);
      else {
        carried = null;
        own = sc.learning_rate ?? 0.5;
        source = "lesson";
      }
      tell();
    },
    /** A person picked another optimizer: its usual η, if the field still holds no one's own. */
    changed(chosen) {
      entry = chosen;
      if (source !== "typed") {
        const typical = chosen?.typical_lr ?? null;
        input.value = show(typical ?? own);
        source = typical === null || typical === own ? "lesson" : "typical";
      }
      tell();
    },
    /** The form is applied with η `lr`: the lesson it makes keeps what this guide knows. */
    applying(lr, name) {
      carried = { lr, name: name ?? "sgd", own, source };
    },
  };
}
