// Buttons, selects, play/pause (player.js) and the keyboard (presentation clickers send PageDown/PageUp).

import { createPlayer } from "./player.js";
import { SPEEDS } from "./store.js";

const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);

export function createControls({ store, total, go, drawn, changeGranularity, toggleProjector, toggleFullscreen, help }) {
  const $ = (id) => document.getElementById(id);
  const playBtn = $("btn-play");

  const next = () => go(store.get().cursor + 1);
  const back = () => go(store.get().cursor - 1);

  const player = createPlayer({
    advance: () => {
      next();
      return drawn();
    },
    atEnd: () => store.get().cursor >= total(),
    delay: () => SPEEDS[store.get().speed] || SPEEDS.normal,
    onChange(on) {
      playBtn.setAttribute("aria-pressed", on ? "true" : "false");
      playBtn.textContent = on ? "Pause" : "Play";
    },
  });

  function togglePlay() {
    if (player.playing()) return player.stop();
    if (store.get().cursor >= total()) go(0);
    player.start();
  }
  const manual = (fn) => () => {
    player.stop();
    fn();
  };

  $("btn-step").addEventListener("click", manual(next));
  $("btn-back").addEventListener("click", manual(back));
  $("btn-reset").addEventListener("click", manual(() => go(0)));
  playBtn.addEventListener("click", togglePlay);
  $("speed-select").addEventListener("change", (e) => store.set({ speed: e.target.value }));
  $("granularity-select").addEventListener("change", (e) => changeGranularity(e.target.value));
  $("sample-select").addEventListener("change", (e) => store.set({ sample: Number(e.target.value) }));
  $("precision-select").addEventListener("change", (e) => store.set({ precision: Number(e.target.value) }));

  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target;
    if (TYPING.has(t.tagName) || t.isContentEditable) return;
    if (help.isOpen()) return; // the dialog handles its own keys (Esc closes it)
    const onButton = t.tagName === "BUTTON" || t.tagName === "SUMMARY" || t.getAttribute?.("role") === "button";
    const actions = {
      ArrowRight: manual(next),
      PageDown: manual(next),
      " ": onButton ? null : manual(next),
      ArrowLeft: manual(back),
      PageUp: manual(back),
      Home: manual(() => go(0)),
      End: manual(() => go(total())),
      p: togglePlay,
      P: togglePlay,
      f: toggleFullscreen,
      F: toggleFullscreen,
      m: toggleProjector,
      M: toggleProjector,
      "?": help.open,
    };
    const action = actions[ev.key];
    if (!action) return;
    ev.preventDefault();
    action();
  });

  /** Reflect the state in the controls (after loads, URL changes and steps). */
  function sync(s, resp, graph) {
    $("speed-select").value = s.speed;
    $("granularity-select").value = s.granularity;
    $("precision-select").value = String(s.precision);
    const sampleSel = $("sample-select");
    const n = graph ? graph.plan.samples : 1;
    if (sampleSel.options.length !== Math.min(n, 100)) {
      sampleSel.replaceChildren(
        ...Array.from({ length: Math.min(n, 100) }, (_, i) => {
          const o = document.createElement("option");
          o.value = String(i);
          o.textContent = `${i + 1} of ${n}`;
          return o;
        }),
      );
    }
    sampleSel.value = String(s.sample);
    sampleSel.disabled = n < 2;
    if (resp) {
      $("btn-back").disabled = resp.cursor <= 0;
      $("btn-reset").disabled = resp.cursor <= 0;
      $("btn-step").disabled = resp.cursor >= resp.total;
    }
  }

  return { sync, stop: player.stop, playing: player.playing };
}
