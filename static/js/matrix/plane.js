// The data plane beside the batch ledger, for a lesson with two inputs (xor, the tutorial, a
// moons-like data set): every sample as a point, in the labs' colours and axes, over the network's
// decision boundary (POST /api/plane: its outputs with the parameters the iteration starts from).
// The selected sample is ringed; a click on a point selects its sample (and the ledger's row).

import { api, messagesOf } from "../api.js";
import { el } from "../dom.js";
import { CLASS_NAMES, drawBoundary, drawRing, planePoint } from "../labs/heatmap.js";

const SIZE = 480; // canvas pixels; the CSS shows it at the panel's width
const GRID = 36;
const PICK = 22; // canvas pixels: how near a click must be to a point

export function createPlane(container, { store, onSample }) {
  const canvas = el("canvas", {
    cls: "plane-canvas",
    attrs: {
      id: "ledger-plane",
      width: String(SIZE),
      height: String(SIZE),
      role: "img",
      "aria-label": "The lesson's samples on the data plane, over the network's decision boundary",
      "aria-describedby": "ledger-plane-key",
    },
  });
  const key = el("p", { cls: "plane-key", attrs: { id: "ledger-plane-key" } });
  const figure = el("figure", { cls: "ledger-plane" }, [el("figcaption", { cls: "plane-title", text: "The samples on the data plane" }), canvas, key]);
  figure.hidden = true;
  container.append(figure);

  let plane = null; // the API's answer for `asked`
  let asked = null; // [scenario, iteration] of the answer: the same lesson is not asked twice
  let ctl = null;
  let points = null; // { inputs, targets } of the scenario
  let rows = null; // a mini-batch lesson: its samples' rows of the data set (null: every row)
  const rowOf = (s) => (rows ? rows[s] : s);
  // asked for only once the panel is on screen: not on every page load, not before first paint
  let onScreen = false;
  let waiting = false;
  new IntersectionObserver((entries) => {
    onScreen = entries.some((e) => e.isIntersecting);
    if (onScreen && waiting) update();
  }).observe(container);

  canvas.addEventListener("click", (ev) => {
    if (!plane || !points) return;
    const box = canvas.getBoundingClientRect();
    const cx = ((ev.clientX - box.left) / box.width) * canvas.width;
    const cy = ((ev.clientY - box.top) / box.height) * canvas.height;
    let best = -1;
    let dist = PICK * PICK;
    const n = rows ? rows.length : points.inputs.length; // the lesson's samples: a batch's only
    for (let s = 0; s < n; s += 1) {
      const [px, py] = planePoint(canvas, plane.extent, points.inputs[rowOf(s)]);
      const d = (px - cx) ** 2 + (py - cy) ** 2;
      if (d <= dist) [best, dist] = [s, d]; // the nearest; a tie goes to the later (drawn on top)
    }
    if (best >= 0) onSample(best);
  });

  /** The lesson (or its iteration) changed, or the ledger opened: fetch the plane if it has one
   * and the ledger is shown. */
  async function update(graph, shown = true) {
    if (graph !== undefined) rows = graph && graph.batch ? graph.batch.indices : null;
    if (!shown) return; // fetched when the ledger opens, not on every page load
    const s = store.get();
    const sc = s.scenario;
    const two = sc && Array.isArray(sc.layers) && sc.layers[0] === 2 && Array.isArray(sc.inputs);
    figure.hidden = !two;
    if (!two) {
      plane = null;
      asked = null;
      return;
    }
    if (asked && asked[0] === sc && asked[1] === (s.iteration || 1)) return; // drawn already
    points = { inputs: sc.inputs, targets: sc.targets };
    describe(sc.layers.at(-1), s.iteration || 1);
    waiting = !onScreen;
    if (waiting) return;
    asked = [sc, s.iteration || 1];
    if (ctl) ctl.abort();
    ctl = new AbortController();
    try {
      plane = await api.plane({ scenario: sc, iteration: s.iteration || 1, grid: GRID }, ctl.signal);
      draw();
    } catch (err) {
      if (err.name === "AbortError") return;
      plane = null;
      asked = null;
      key.textContent = `The data plane could not be shown: ${messagesOf(err).join(" · ")}`;
    }
  }

  function draw() {
    if (!plane || !points) return;
    const grid = { outputs: plane.outputs };
    const data = { extent: plane.extent, inputs: points.inputs, targets: points.targets, test_inputs: [], test_targets: [] };
    drawBoundary(canvas, grid, data);
    mark(store.get().sample);
    describe(plane.outputs.length, plane.iteration);
  }

  /** The key under the plane: written before the plane comes, so its arrival moves nothing. */
  function describe(outputs, iteration) {
    const classes = outputs > 1 ? outputs : 2;
    const names = Array.from({ length: classes }, (_, k) => `class ${k} ${CLASS_NAMES[k % 3]}`).join(", ");
    const batch = rows ? ` Only this iteration's batch (${rows.length} of ${points.inputs.length} samples) can be chosen.` : "";
    const shade = classes > 2 ? "the class the network picks, darker where it is surer" : "the network’s output, purple above ½, green below";
    canvas.setAttribute("aria-label", `${points.inputs.length} samples on the plane of x₁ and x₂ over the network’s decision boundary at iteration ${iteration}`);
    key.replaceChildren(
      ...Array.from({ length: classes }, (_, k) => el("span", { cls: "plane-dot", attrs: { "data-class": String(k % 3), "aria-hidden": "true" } })),
      ` ${names}. Shade: ${shade}, with the parameters iteration ${iteration} starts from. The ringed point is the selected sample; click a point to select its sample.${batch}`,
    );
  }

  /** Ring the selected sample's point (over the drawn plane). */
  function mark(s) {
    const row = rowOf(s);
    if (!plane || !points || row === undefined || row >= points.inputs.length) return;
    const [x, y] = planePoint(canvas, plane.extent, points.inputs[row]);
    const ctx = canvas.getContext("2d");
    ctx.save();
    drawRing(ctx, x, y);
    ctx.restore();
    canvas.dataset.sample = String(s);
    canvas.dataset.mark = `${x.toFixed(1)},${y.toFixed(1)}`;
  }

  return {
    update,
    /** Another sample was selected: the ring moves (the plane is drawn again under it). */
    setSample: () => draw(),
  };
}
