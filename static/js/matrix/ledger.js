// The batch ledger: one parameter's gradient, sample by sample. Each row is a sample's
// contribution ∂ℓₛ/∂θ (from POST /api/ledger, as the backward step computed it); the summary
// (sum, mean = ∂L/∂θ, the update) stays in view above a list that draws only the rows in view,
// so 10,000 samples scroll as smoothly as 4. Choosing a row selects that sample on the page.

import { api, messagesOf } from "../api.js";
import { batchSamples, batchText, sampleNumber } from "../batches.js";
import { el } from "../dom.js";
import { formatNumber, formatSigned } from "../format.js";
import { cancelIdle, whenIdle } from "../idle.js";
import { layerSup } from "../graph-blocks.js";

const OVERSCAN = 6;
const EAGER_OPTIONS = 500; // parameters whose menu is made at once; more wait for idle moments
const FILL_SLICE = 2000; // at most this many options in one idle moment
// more parameters than this: the menu is made only when it is needed. Each slice appended to the
// shown menu costs a layout that measures every option so far (the 10 × 64 network's 41,600:
// seconds of layouts, while its edges are painted and the first steps are taken)
const IDLE_OPTIONS = 8000;
// more parameters than IDLE_OPTIONS: a menu of the tensors (W⁽¹⁾, b⁽¹⁾, …) comes first, and the
// parameters' menu lists only the chosen tensor's entries (the 10 × 64 network's 4,096 at most), so
// no menu is laid out with tens of thousands of options (seconds of one task, the page frozen)
/** A tensor's name from its id: W3 → W⁽³⁾ (the graph's notation, graph-blocks.js). */
const tensorName = (t) => t.replace(/\d+$/, (l) => layerSup(l));

export function createLedger(container, { store, onSample, onGo }) {
  const tensorSelect = el("select", { attrs: { id: "ledger-tensor" } });
  // on the page only above IDLE_OPTIONS parameters (a small network's ledger has one menu, as before)
  const tensorPick = el("label", { cls: "field", attrs: { for: "ledger-tensor" } }, [el("span", { text: "Tensor" }), tensorSelect]);
  const select = el("select", { attrs: { id: "ledger-param" } });
  const pick = el("label", { cls: "field", attrs: { for: "ledger-param" } }, [el("span", { text: "Parameter" }), select]);
  const summary = el("dl", { cls: "ledger-summary", attrs: { id: "ledger-summary", "aria-live": "polite" } });
  const note = el("p", { cls: "ledger-note" });
  const go = el("button", { cls: "btn", text: "Go to that step", attrs: { type: "button" } });
  go.hidden = true;
  const spacer = el("div", { cls: "ledger-spacer" });
  const list = el("div", {
    cls: "ledger-list",
    attrs: { id: "ledger-list", role: "listbox", tabindex: "0", "aria-label": "Each sample's contribution ∂ℓₛ/∂θ" },
  }, [spacer]);
  const head = el("div", { cls: "ledger-cols", attrs: { "aria-hidden": "true" } }, [el("span", { text: "sample s" }), el("span", { text: "∂ℓₛ/∂θ" })]);
  container.append(pick, summary, note, go, head, list);

  let param = null;
  let data = null;
  let ctl = null;
  let rowH = 0;
  let drawn = new Map(); // sample → row element

  select.addEventListener("change", () => open(select.value));
  tensorSelect.addEventListener("change", () => showTensor(tensorSelect.value || null, false));
  go.addEventListener("click", () => data && onGo(data.computed_at));
  list.addEventListener("scroll", () => requestAnimationFrame(drawRows));
  list.addEventListener("click", (ev) => {
    const row = ev.target.closest("[data-sample]");
    if (row) choose(Number(row.dataset.sample));
  });
  list.addEventListener("keydown", (ev) => {
    if (!data || !data.contributions) return;
    const n = data.contributions.length;
    const s = store.get().sample;
    const next = { ArrowDown: s + 1, ArrowUp: s - 1, Home: 0, End: n - 1, PageDown: s + 10, PageUp: s - 10 }[ev.key];
    if (next === undefined) return;
    ev.preventDefault();
    ev.stopPropagation(); // the list's own keys, not the lesson's
    choose(Math.max(0, Math.min(n - 1, next)));
  });

  function choose(s) {
    onSample(s);
    scrollTo(s);
  }

  function scrollTo(s) {
    if (!rowH) return;
    const top = s * rowH;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + rowH > list.scrollTop + list.clientHeight) list.scrollTop = top + rowH - list.clientHeight;
    drawRows();
  }

  // A large network's menu of parameters (a second of work for 40,960 options) is made in small
  // slices while the page is idle after its first picture, and the rest at once when it is needed
  // (the menu focused or pressed, a parameter opened); the largest networks' only then.
  let unfilled = null; // the parameters whose options are still to be made
  let made = 0; // how many of them are made
  let filling = 0;
  const option = (p) => el("option", { text: p.label.text, attrs: { value: p.id } });
  function fill(deadline = null) {
    filling = 0;
    if (!unfilled) return;
    const end = deadline ? Math.min(unfilled.length, made + FILL_SLICE) : unfilled.length;
    const slice = [];
    while (made < end && (!deadline || slice.length < 50 || deadline.timeRemaining() > 2)) slice.push(option(unfilled[made++]));
    select.append(...slice);
    if (made < unfilled.length) {
      filling = whenIdle(fill, 10000); // the next slice, at the next idle moment
      return;
    }
    unfilled = null;
    select.value = param || "";
  }
  const fillNow = () => {
    cancelIdle(filling);
    fill();
  };
  select.addEventListener("focus", fillNow);
  select.addEventListener("pointerdown", fillNow);

  // Above IDLE_OPTIONS parameters: the tensors' entries (tensor id → parameters, in order), the
  // tensor whose entries the parameters' menu lists, and each parameter's tensor
  let groups = null;
  let tensor = null;
  let tensorOf = null;

  /** The parameters' menu lists tensor `t`'s entries (none: only its prompt); made at once if `now`,
   * else when the menu is focused or pressed (arrows through the tensors make none of them). */
  function showTensor(t, now) {
    tensor = t;
    tensorSelect.value = t || "";
    cancelIdle(filling);
    select.replaceChildren(el("option", { text: t ? "Choose a parameter…" : "Choose a tensor first…", attrs: { value: "" } }));
    [unfilled, made] = [t ? groups.get(t) : null, 0];
    if (now) fill();
  }

  const tensorOfParam = (id) => tensorOf.get(id) ?? null;

  /** The parameters of a network lesson (none for an expression). */
  function setGraph(graph, network) {
    const params = network ? graph.parameters : [];
    container.closest("section").hidden = !network;
    if (!params.some((p) => p.id === param)) {
      param = null;
      data = null;
      render();
    }
    cancelIdle(filling);
    groups = tensorOf = tensor = null;
    if (params.length <= IDLE_OPTIONS) tensorPick.remove();
    else {
      pick.before(tensorPick);
      groups = new Map();
      tensorOf = new Map();
      const shapes = new Map(); // tensor → its size along each index
      for (const p of params) {
        const t = p.tensor;
        if (!groups.has(t)) {
          groups.set(t, []);
          shapes.set(t, p.index.map(() => 0));
        }
        groups.get(t).push(p);
        tensorOf.set(p.id, t);
        const shape = shapes.get(t);
        p.index.forEach((i, d) => (shape[d] = Math.max(shape[d], i + 1)));
      }
      tensorSelect.replaceChildren(
        el("option", { text: "Choose a tensor…", attrs: { value: "" } }),
        ...[...groups.keys()].map((t) => el("option", { text: `${tensorName(t)} (${shapes.get(t).join(" × ")})`, attrs: { value: t } })),
      );
      showTensor(param && tensorOfParam(param), Boolean(param));
      return;
    }
    select.replaceChildren(el("option", { text: "Choose a parameter…", attrs: { value: "" } }));
    [unfilled, made] = [params, 0];
    if (params.length <= EAGER_OPTIONS || param) fill();
    else filling = whenIdle(fill, 10000);
  }

  function open(id) {
    param = id || null;
    if (groups && param && tensorOfParam(param) !== tensor) showTensor(tensorOfParam(param), false);
    fillNow();
    select.value = param || "";
    refresh();
  }

  async function refresh() {
    if (!param) return render();
    const s = store.get();
    if (ctl) ctl.abort();
    ctl = new AbortController();
    try {
      data = await api.ledger({ scenario: s.scenario, iteration: s.iteration || 1, cursor: s.cursor, granularity: s.granularity, param }, ctl.signal);
      render();
    } catch (err) {
      if (err.name === "AbortError") return;
      data = null;
      note.textContent = messagesOf(err).join(" · ");
    }
  }

  function render() {
    const precision = store.get().precision;
    drawn = new Map();
    spacer.replaceChildren();
    go.hidden = true;
    if (!data) {
      summary.replaceChildren();
      note.textContent = "Choose a parameter here, or click one in the matrix view or the summary table.";
      spacer.style.height = "0px";
      return;
    }
    const f = (v) => formatSigned(v, precision);
    const items = [
      ["θ", `${data.label} = ${f(data.old)}`],
      ["Σₛ ∂ℓₛ/∂θ", data.computed ? f(data.sum) : "not computed yet"],
      [`mean = ∂L/∂θ (÷ ${data.samples})`, data.computed ? f(data.mean) : "not computed yet"],
      [`update −η·∂L/∂θ (η = ${formatNumber(data.learning_rate, precision)})`, data.frozen ? "frozen: none" : data.update === null ? "—" : f(data.update)],
    ];
    if (data.new !== null) items.push(["new θ", f(data.new)]);
    summary.replaceChildren(...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
    if (!data.computed) {
      note.textContent = `${data.label}'s gradient is complete after the backward step at ${data.computed_at}.`;
      go.hidden = false;
      spacer.style.height = "0px";
      list.removeAttribute("aria-activedescendant");
      return;
    }
    note.textContent = `Each sample's ∂ℓₛ/∂θ; their mean is ∂L/∂θ, the gradient the update uses.`;
    if (data.batch) note.textContent += ` This batch (${batchText(data.batch)}): ${batchSamples(data.batch)}.`;
    measure();
    spacer.style.height = `${data.contributions.length * rowH}px`;
    scrollTo(Math.min(store.get().sample, data.contributions.length - 1));
    drawRows();
  }

  function measure() {
    if (rowH) return;
    const probe = row(0, 0, 4);
    spacer.append(probe);
    rowH = probe.getBoundingClientRect().height || 28;
    probe.remove();
  }

  function row(s, v, precision) {
    const selected = s === store.get().sample;
    return el("div", {
      cls: `ledger-row${selected ? " is-selected" : ""}`,
      attrs: {
        role: "option",
        id: `ledger-s${s}`,
        "data-sample": String(s),
        "aria-selected": String(selected),
        "aria-posinset": String(s + 1),
        "aria-setsize": String(data ? data.contributions.length : 1),
      },
    }, [el("span", { text: String(sampleNumber(data && data.batch, s)) }), el("span", { cls: "num", text: formatSigned(v, precision) })]);
  }

  function drawRows() {
    if (!data || !data.contributions || !rowH) return;
    const n = data.contributions.length;
    const first = Math.max(0, Math.floor(list.scrollTop / rowH) - OVERSCAN);
    const last = Math.min(n - 1, Math.ceil((list.scrollTop + list.clientHeight) / rowH) + OVERSCAN);
    const precision = store.get().precision;
    const keep = new Map();
    for (let s = first; s <= last; s += 1) {
      let r = drawn.get(s);
      if (!r) {
        r = row(s, data.contributions[s], precision);
        r.style.top = `${s * rowH}px`;
        spacer.append(r);
      }
      keep.set(s, r);
    }
    for (const [s, r] of drawn) if (!keep.has(s)) r.remove();
    drawn = keep;
    const sel = store.get().sample;
    if (keep.has(sel)) list.setAttribute("aria-activedescendant", `ledger-s${sel}`);
    else list.removeAttribute("aria-activedescendant");
  }

  /** The selected sample changed elsewhere: move the mark. */
  function setSample(s) {
    for (const [k, r] of drawn) {
      r.classList.toggle("is-selected", k === s);
      r.setAttribute("aria-selected", String(k === s));
    }
    if (data && data.contributions) scrollTo(Math.min(s, data.contributions.length - 1));
  }

  return { setGraph, open, refresh, setSample, param: () => param };
}
