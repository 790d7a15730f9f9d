// Buttons, selects, play/pause (player.js) and the keyboard (presentation clickers send PageDown/PageUp).

import { placedByPage } from "./focus-keep.js";
import { createPlayer } from "./player.js";
import { createSampleField } from "./sample-field.js";
import { SPEEDS } from "./store.js";

// Inputs that are not typed into: a clicker's keys step the lesson over them too.
const UNTYPED = new Set(["range", "checkbox", "radio", "button", "submit", "reset", "image", "color", "file"]);
const ASK_PAUSE = 3; // Play in predict mode: how many pauses a question stays before its answer
// Controls that Space operates: one the keyboard brought focus to keeps Space; one last clicked
// does not (there Space steps the lesson, like every other clicker key).
const PRESSABLE = "button, summary, select, input[type=checkbox], input[type=radio], [role=button]";

/** A text field being typed in keeps its keys (Escape hands them back to the lesson). */
function typesText(t) {
  if (t.isContentEditable || t.tagName === "TEXTAREA") return true;
  return t.tagName === "INPUT" && !UNTYPED.has(t.type);
}

export function createControls({ store, total, go, drawn, changeGranularity, toggleProjector, toggleFullscreen, help, predict, idle, toggleView = () => {}, move = go, home = () => go(0) }) {
  const $ = (id) => document.getElementById(id);
  const playBtn = $("btn-play");

  // predict mode (predict.js) makes Step ask first and reveal on the next press; past either end
  // of an iteration, `move` crosses into the next or previous one (iterations.js)
  const next = predict ? predict.next : () => move(store.get().cursor + 1);
  const back = () => move(store.get().cursor - 1);
  const atEnd = () => store.get().cursor >= total() && !predict?.canReveal();

  const player = createPlayer({
    // one step, drawn, and its pulses landed: the pause before the next is the class's to think
    advance: () => {
      next();
      return drawn().then((ok) => (ok && idle ? idle().then(() => ok) : ok));
    },
    atEnd,
    // a question shown in predict mode stays up longer: the class's time to work it out
    delay: () => (SPEEDS[store.get().speed] || SPEEDS.normal) * (predict?.canReveal() ? ASK_PAUSE : 1),
    onChange(on) {
      playBtn.setAttribute("aria-pressed", on ? "true" : "false");
      playBtn.textContent = on ? "Pause" : "Play";
    },
  });

  function togglePlay() {
    if (player.playing()) return player.stop();
    if (atEnd()) go(0);
    player.start();
  }
  const manual = (fn) => () => {
    player.stop();
    fn();
  };

  $("btn-step").addEventListener("click", manual(next));
  $("btn-back").addEventListener("click", manual(back));
  $("btn-reset").addEventListener("click", manual(home));
  playBtn.addEventListener("click", togglePlay);
  $("speed-select").addEventListener("change", (e) => store.set({ speed: e.target.value }));
  $("granularity-select").addEventListener("change", (e) => changeGranularity(e.target.value));
  $("sample-select").addEventListener("change", (e) => store.set({ sample: Number(e.target.value) }));
  const sampleField = createSampleField({ select: $("sample-select"), store });
  $("precision-select").addEventListener("change", (e) => store.set({ precision: Number(e.target.value) }));

  // Which control a pointer (not the keyboard) put the focus on.
  let pointing = false;
  let clicked = null;
  document.addEventListener("pointerdown", (ev) => {
    pointing = true;
    if (ev.target.closest?.(PRESSABLE) === document.activeElement) clicked = document.activeElement;
  }, true);
  document.addEventListener("keydown", () => (pointing = false), true);
  // the page moving the focus (focus-keep.js) to another control is not the person choosing it:
  // Space steps there, as it did on <body>; back on the same control, it keeps what it had
  document.addEventListener("focusin", (ev) => {
    const placed = placedByPage(ev.target);
    // into the help dialog and back out of it (guide.js): the control it opened from keeps what it had
    if (!placed && (help.dialog?.contains(ev.target) || help.dialog?.contains(ev.relatedTarget))) return;
    if (placed !== "again") clicked = pointing || placed === "moved" ? ev.target : null;
  });

  // The stepping keys step the lesson whatever control was clicked last: a menu or the slider
  // just changed does not keep PageDown (it would pick the next preset, or move the slider).
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target;
    if (typesText(t)) {
      if (ev.key === "Escape" && !t.closest("dialog")) t.blur(); // the keys are the lesson's again
      return;
    }
    if (help.isOpen()) return; // the dialog handles its own keys (Esc closes it)
    // the focused control: the first-visit guide closed by this very key (guide.js) moved it
    const at = document.activeElement || t;
    const keyboardPressable = at !== clicked && at.matches?.(PRESSABLE);
    const actions = {
      ArrowRight: manual(next),
      PageDown: manual(next),
      " ": keyboardPressable ? null : manual(next),
      ArrowLeft: manual(back),
      PageUp: manual(back),
      Home: manual(home),
      End: manual(() => go(total())),
      p: togglePlay,
      P: togglePlay,
      f: toggleFullscreen,
      F: toggleFullscreen,
      m: toggleProjector,
      M: toggleProjector,
      v: toggleView,
      V: toggleView,
      "?": help.open,
      ...(predict ? { q: predict.toggle, Q: predict.toggle } : {}),
    };
    const action = actions[ev.key];
    if (!action) return;
    ev.preventDefault(); // also the key's own meaning in a menu or on the slider
    action();
  });

  /** Reflect the state in the controls (after loads, URL changes and steps). */
  function sync(s, resp, graph) {
    $("speed-select").value = s.speed;
    $("granularity-select").value = s.granularity;
    $("precision-select").value = String(s.precision);
    sampleField.sync(graph, s.sample);
    if (resp) {
      $("btn-back").disabled = resp.cursor <= 0;
      $("btn-reset").disabled = resp.cursor <= 0;
      $("btn-step").disabled = resp.cursor >= resp.total && !predict?.canReveal();
    }
  }

  return { sync, stop: player.stop, playing: player.playing };
}
