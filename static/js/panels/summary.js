// The tutorial's "Complete Gradient Summary", filled in live as the steps happen.

import { formatNumber, formatSigned } from "../format.js";

const ARROWS = { up: "↑ up", down: "↓ down", none: "– none" };

export function createSummary(tbody) {
  let rows = new Map();

  function setGraph(graph) {
    rows = new Map();
    tbody.replaceChildren(
      ...graph.parameters.map((p) => {
        const tr = document.createElement("tr");
        tr.dataset.id = p.id;
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = p.label.text;
        if (p.frozen) th.textContent += " (frozen)";
        tr.append(th);
        const cells = {};
        for (const key of ["old", "grad", "update", "new", "direction"]) {
          const td = document.createElement("td");
          td.className = `num col-${key}`;
          tr.append(td);
          cells[key] = td;
        }
        rows.set(p.id, { tr, cells });
        return tr;
      }),
    );
  }

  function show(resp, precision) {
    for (const ps of resp.parameters) {
      const row = rows.get(ps.id);
      if (!row) continue;
      const c = row.cells;
      put(c.old, formatSigned(ps.old, precision));
      put(c.grad, formatNumber(ps.grad, precision));
      put(c.update, formatSigned(ps.update, precision));
      put(c.new, formatSigned(ps.new, precision));
      put(c.direction, ps.direction ? ARROWS[ps.direction] : "");
      c.direction.dataset.dir = ps.direction || "";
      row.tr.classList.toggle("is-current", resp.steps.some((s) => s.target === ps.id));
    }
  }

  return { setGraph, show };
}

function put(td, s) {
  if (td.textContent !== s) td.textContent = s;
}
