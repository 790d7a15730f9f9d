// The whole lesson in the URL hash, from one declarative property list, and its writer.

import { catalog } from "./catalog.js";
import { cancelIdle, whenIdle } from "./idle.js";
import { DEFAULTS, SPEEDS, THEMES } from "./store.js";

// What the server allows comes from the page's catalog, read when a hash is read, not at import.
const granularities = () => catalog().granularities;
const maxPrecision = () => catalog().limits.precision;

const int = (min, max) => ({
  parse: (s) => {
    const n = Number(s);
    const hi = typeof max === "function" ? max() : max;
    return Number.isInteger(n) && n >= min && n <= hi ? n : undefined;
  },
  show: String,
});
const oneOf = (values) => ({
  parse: (s) => ((typeof values === "function" ? values() : values).includes(s) ? s : undefined),
  show: String,
});
const flag = { parse: (s) => (s === "1" ? true : s === "0" ? false : undefined), show: (v) => (v ? "1" : "0") };

const FIELDS = [
  ["iteration", "iteration", int(1, () => catalog().limits?.iteration ?? 1e9)],
  ["cursor", "k", int(0, 1e9)],
  ["granularity", "g", oneOf(granularities)],
  ["expand", "x", flag],
  ["sample", "sample", int(0, 1e5)],
  ["precision", "dp", int(1, maxPrecision)],
  ["speed", "speed", oneOf(Object.keys(SPEEDS))],
  ["projector", "projector", flag],
  ["theme", "theme", oneOf(THEMES)],
  ["view", "view", oneOf(["graph", "matrix"])],
  ["convention", "conv", oneOf(["columns", "rows"])],
  ["predict", "predict", flag],
];

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** The hash for a state: a preset id while the scenario is untouched, else the scenario itself. */
export function encodeHash(state) {
  const params = new URLSearchParams();
  if (state.presetId) params.set("preset", state.presetId);
  else if (state.scenario) params.set("s", toBase64Url(JSON.stringify(state.scenario)));
  for (const [key, name, codec] of FIELDS) {
    if (key === "cursor" || state[key] !== DEFAULTS[key]) params.set(name, codec.show(state[key]));
  }
  return `#${params.toString()}`;
}

/**
 * Whether a hash is a lesson's (a link to a view), not a place on the page such as the skip
 * link's `#stage`: it names a lesson entry, or is empty (the lesson's defaults).
 */
export function isLessonHash(hash) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  const names = new Set(["s", "preset", ...FIELDS.map(([, name]) => name)]);
  return [...params.keys()].length === 0 || [...params.keys()].some((name) => names.has(name));
}

/** What a hash says; unknown or malformed entries are ignored, never fatal. */
export function decodeHash(hash) {
  const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  const out = {};
  if (params.has("s")) {
    try {
      const scenario = JSON.parse(fromBase64Url(params.get("s")));
      if (scenario && typeof scenario === "object") {
        out.scenario = scenario;
        out.presetId = null;
      }
    } catch {
      out.error = "The link's scenario could not be read; showing the tutorial instead.";
    }
  } else if (params.has("preset")) {
    out.presetId = params.get("preset");
  }
  for (const [key, name, codec] of FIELDS) {
    if (!params.has(name)) continue;
    const v = codec.parse(params.get(name));
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * State → URL. The URL holds the whole lesson, written once the changes pause (no change for
 * QUIET_MS), when the page is idle, rather than on every key: history.replaceState costs 1–10 ms
 * in Chromium, and each new URL has the browser fetch and decode the page's icon again (a task of
 * 2–3 ms on the page's thread, and more in the browser), all of it among the frames of the steps
 * that follow: → pressed on wrote it after every step. A link copied, or a page left or hidden,
 * takes the URL as it is now.
 */
export function createUrlWriter(getState) {
  let pending = 0; // the idle callback that writes
  let quiet = 0; // the timer after which it is asked for
  let first = 0; // when the oldest change not yet written came (performance.now), or 0
  let held = null; // a lesson being loaded from the hash: the state is not its yet (hold)
  let written = location.hash; // a hash that differs was set by someone else: hashchange adopts it
  const write = () => {
    pending = 0;
    if (held) return; // written once the state is the hash's (its changes ask again)
    first = 0;
    if (location.hash !== written) return;
    const hash = encodeHash(getState());
    if (hash !== location.hash) history.replaceState(null, "", hash);
    written = location.hash;
  };
  const drop = () => {
    clearTimeout(quiet);
    quiet = 0;
    if (pending) cancelIdle(pending);
    pending = 0;
  };
  return {
    /** The hash someone else set is the lesson now: a write still waiting is dropped. */
    adopt() {
      drop();
      first = 0;
      written = location.hash;
    },
    /** Until `settled` settles, the hash adopted is being loaded: nothing is written over it
     * (a blur, F5 or pagehide meanwhile would write the state it replaces). */
    hold(settled) {
      const mine = Promise.resolve(settled).catch(() => {}).finally(() => {
        if (held === mine) held = null;
      });
      held = mine;
    },
    /** The state changed: written once no change came for QUIET_MS, when the page is idle; while
     * it changes on and on (→ held), at least every MAX_WAIT_MS, so a reload or a link taken from
     * the address bar is never far behind. */
    later() {
      const t = performance.now();
      if (!first) first = t;
      if (t - first >= MAX_WAIT_MS) {
        if (quiet) {
          clearTimeout(quiet);
          quiet = 0;
        }
        if (!pending) pending = whenIdle(write, 250);
        return;
      }
      drop();
      quiet = setTimeout(() => {
        quiet = 0;
        pending = whenIdle(write, 250);
      }, QUIET_MS);
    },
    now() {
      drop();
      write();
    },
  };
}

const QUIET_MS = 300; // longer than the pause between steps while → is held or pressed on
const MAX_WAIT_MS = 1500; // the longest a change waits while changes keep coming
