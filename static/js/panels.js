// A titled panel beside or below the graph, for the step page's editing furniture (the worksheet,
// the export menu, the expression editor). main.js creates each panel and tells it what to show.
//
//   import { addPanel } from "/static/js/panels.js";
//   const { section, body } = addPanel({ id: "worksheet", title: "Check my working", where: "side" });

import { el } from "./dom.js";
import { afterFirstPaint } from "./idle.js";

/**
 * Add a titled panel: `where` is "side" (in the explanation's column, after the stepping controls
 * in tab order) or "below". Panels are editing furniture: projector mode hides them unless
 * `projector: true`. A `collapsed` panel is one line until opened; its title is a disclosure
 * button, and whether it is open is remembered for the page session (read once the first picture is
 * drawn: a page's first use of sessionStorage can take tens of ms); `onOpen` is called whenever it
 * opens.
 */
export function addPanel({ id, title, where = "below", projector = false, collapsed = false, onOpen = null }) {
  const host = document.getElementById(where === "side" ? "side-panels" : "extra-panels");
  const h = el("h2", { attrs: { id: `panel-${id}-title` } });
  const body = el("div", { cls: "panel-body", attrs: { id: `panel-${id}-body` } });
  const cls = `panel extra-panel${projector ? "" : " edit-only"}${collapsed ? " is-collapsible" : ""}`;
  const section = el("section", { cls, attrs: { id: `panel-${id}`, "aria-labelledby": h.id } }, [h, body]);
  if (collapsed) disclose(h, body, title, `backstep.panel-open.${id}`, onOpen);
  else h.textContent = title;
  host.append(section);
  return { section, body };
}

function disclose(h, body, title, key, onOpen) {
  const toggle = el("button", { cls: "panel-toggle", attrs: { type: "button", "aria-controls": body.id } }, [
    el("span", { cls: "panel-chevron", text: "▸", attrs: { "aria-hidden": "true" } }),
    el("span", { text: title }),
  ]);
  const show = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
    if (open) onOpen?.();
  };
  show(false);
  afterFirstPaint(() => {
    let remembered = null;
    try {
      remembered = sessionStorage.getItem(key);
    } catch {} // storage refused (a privacy setting): the panel starts collapsed every time
    if (remembered === "open" && body.hidden) show(true);
  });
  toggle.addEventListener("click", () => {
    const open = body.hidden;
    show(open);
    try {
      sessionStorage.setItem(key, open ? "open" : "closed");
    } catch {}
  });
  h.append(toggle);
}
