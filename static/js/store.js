// The view's state in one place: set() merges a patch and tells subscribers what changed.

export const SPEEDS = { slow: 1600, normal: 900, fast: 400 };
export const THEMES = ["auto", "light", "dark"];

export const DEFAULTS = Object.freeze({
  presetId: "tutorial",
  scenario: null,
  cursor: 0,
  iteration: 1, // iterations.js: which iteration (1-based) the lesson is in
  granularity: "step",
  expand: false,
  sample: 0,
  precision: 4,
  speed: "normal",
  projector: false,
  theme: "auto",
  view: "graph", // or "matrix" (matrix/view.js)
  convention: "columns", // the matrix view's: columns or rows are samples
  predict: false,
});

export function createStore(initial) {
  let state = { ...DEFAULTS, ...initial };
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      const changed = Object.keys(patch).filter((k) => state[k] !== patch[k]);
      if (!changed.length) return;
      state = { ...state, ...patch };
      for (const fn of listeners) fn(state, new Set(changed));
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
