// The equation and the graph point at each other: hovering or focusing a term of the equation
// (the API marks each with data-ref, the id of the node or parameter it names) highlights that
// node, or a weight's label and edge; hovering or focusing a node or weight highlights its terms.

const LINKED = "is-linked";
// The formula's symbols take focus by Tab (the rows with numbers name the same things): a few
// stops between the graph and the transport, none when a wide layer's sum has more than this
const MAX_TAB_STOPS = 12;

export function createTermLinks({ equations, svg, graph }) {
  let lit = [];
  let from = null; // what is lit comes from: { term } (a term of the equation) or { id } (the graph)

  function clear() {
    for (const e of lit) e.classList.remove(LINKED);
    lit = [];
    from = null;
  }

  function light(elements) {
    for (const e of elements) {
      e.classList.add(LINKED);
      lit.push(e);
    }
  }

  const byData = (root, attr, id) => root.querySelectorAll(`[${attr}="${CSS.escape(id)}"]`);

  /** The graph elements that show quantity `id`: its node or label, and a weight's edge. */
  function inGraph(id) {
    const out = [...byData(svg, "data-id", id)];
    const p = graph()?.parameters.find((q) => q.id === id);
    if (p && p.edge) out.push(...byData(svg, "data-id", p.edge));
    return out;
  }

  /** The id of the quantity a graph element shows: a weight's edge stands for its weight. */
  function idOf(target) {
    const g = target.closest?.("[data-id]");
    if (!g || !svg.contains(g)) return null;
    const id = g.dataset.id;
    if (!g.classList.contains("edge")) return id;
    const p = graph()?.parameters.find((q) => q.edge === id);
    return p ? p.id : null;
  }

  function fromTerm(term) {
    clear();
    light([term, ...inGraph(term.dataset.ref)]);
    from = { term };
  }

  function fromGraph(id) {
    clear();
    const terms = byData(equations, "data-ref", id);
    if (terms.length) light([...terms, ...inGraph(id)]);
    from = { id };
  }

  function enter(ev) {
    const term = ev.target.closest?.("[data-ref]");
    if (term && equations.contains(term)) return fromTerm(term);
    const id = svg.contains(ev.target) ? idOf(ev.target) : null;
    if (id) fromGraph(id);
  }

  function leave(ev) {
    // still inside what is lit (moving between the parts of one term or node): keep it
    const to = ev.relatedTarget;
    if (to && lit.some((e) => e.contains(to))) return;
    clear();
  }

  for (const root of [equations, svg]) {
    root.addEventListener("mouseover", enter);
    root.addEventListener("focusin", enter);
    root.addEventListener("mouseout", leave);
    root.addEventListener("focusout", leave);
  }

  // a new step writes new equations, reusing the elements where they have the last one's shape
  // (equation.js): a term still pointed at or focused may now name another quantity, and a node
  // still pointed at has other terms. What is lit is lit again from where it came; and the
  // formula's terms take focus.
  const formula = equations.querySelector("#eq-formula") || equations;
  new MutationObserver(() => {
    const was = from;
    if (was?.term) {
      if (was.term.isConnected && was.term.dataset.ref) fromTerm(was.term);
      else clear();
    } else if (was?.id) fromGraph(was.id);
    const terms = formula.querySelectorAll("[data-ref]");
    const many = terms.length > MAX_TAB_STOPS;
    for (const t of terms) {
      if (many) t.removeAttribute("tabindex");
      else if (!t.hasAttribute("tabindex")) t.setAttribute("tabindex", "0");
    }
  }).observe(equations, { childList: true, subtree: true, attributeFilter: ["data-ref"] });

  return { clear };
}
