// The expression editor: type an expression, give its variables values, load it as the lesson.
//
//   import { createExpressionEditor } from "/static/js/expr/editor.js";
//   const editor = createExpressionEditor(container, { onScenario: (sc) => loadLesson(sc) });
//   editor.setScenario({ kind: "expression", expression: "(a + b) * (b + 1)", values: { a: 2, b: 1 } });
//
// onScenario receives a scenario for /api/graph and /api/step ({kind: "expression", …}).
// `presets: false` leaves out its menu of textbook examples (the step page's preset menu has them).

import { api, messagesOf } from "../api.js";
import { el, uniqueId } from "../dom.js";

const DEFAULT_VALUE = 1;

export function createExpressionEditor(container, { onScenario = () => {}, initial = null, presets = true } = {}) {
  const ids = { input: uniqueId("bs-expr-input"), error: uniqueId("bs-expr-error"), lr: uniqueId("bs-expr-lr") };
  const values = new Map(); // remembered per variable name, so editing keeps what was typed
  let variables = [];
  let parseTicket = 0;
  let timer = null;

  const presetSelect = el("select", { cls: "bs-expr-presets", attrs: { "aria-label": "Textbook example" } }, [
    el("option", { text: "Textbook examples…", attrs: { value: "" } }),
  ]);
  const input = el("input", {
    cls: "bs-expr-text",
    attrs: { id: ids.input, type: "text", spellcheck: "false", autocomplete: "off", "aria-describedby": ids.error },
  });
  const error = el("pre", { cls: "bs-expr-error", attrs: { id: ids.error, role: "status", "aria-live": "polite" } });
  const varsBox = el("div", { cls: "bs-expr-vars" });
  const lr = el("input", {
    cls: "bs-expr-lr",
    attrs: { id: ids.lr, type: "text", inputmode: "decimal", placeholder: "none", size: "6" },
  });
  const load = el("button", { cls: "btn bs-expr-load", text: "Show its graph", attrs: { type: "button" } });
  const root = el("form", { cls: "bs-expr", attrs: { novalidate: "" } }, [
    el("div", { cls: "bs-expr-row" }, [presetSelect]),
    el("label", { cls: "bs-expr-label", text: "f =", attrs: { for: ids.input } }),
    input,
    error,
    varsBox,
    el("div", { cls: "bs-expr-row" }, [
      el("label", { text: "Learning rate η (optional) ", attrs: { for: ids.lr } }),
      lr,
      load,
    ]),
  ]);
  container.append(root);

  function showError(text) {
    error.textContent = text;
    root.classList.toggle("bs-expr-invalid", Boolean(text));
    input.setAttribute("aria-invalid", text ? "true" : "false");
    load.disabled = Boolean(text) || !input.value.trim();
  }

  function renderVariables() {
    varsBox.replaceChildren(
      ...variables.map((name) => {
        const id = uniqueId("bs-expr-var");
        const field = el("input", {
          cls: "bs-expr-value",
          attrs: { id, type: "text", inputmode: "decimal", size: "8", "data-var": name },
        });
        field.value = String(values.has(name) ? values.get(name) : DEFAULT_VALUE);
        field.addEventListener("input", () => {
          values.set(name, field.value);
          if (field.getAttribute("aria-invalid") === "true") {
            field.removeAttribute("aria-invalid"); // being mended: Show its graph works again
            showError("");
          }
        });
        return el("span", { cls: "bs-expr-var" }, [el("label", { text: `${name} =`, attrs: { for: id } }), field]);
      }),
    );
  }

  async function reparse() {
    const text = input.value;
    const ticket = ++parseTicket;
    if (!text.trim()) {
      variables = [];
      renderVariables();
      showError("");
      load.disabled = true;
      return;
    }
    try {
      const parsed = await api.parse(text);
      if (ticket !== parseTicket) return; // a newer keystroke won
      variables = parsed.variables;
      renderVariables();
      showError("");
    } catch (err) {
      if (ticket !== parseTicket) return;
      showError(messagesOf(err).map((l) => l.replace(/^expression: /, "")).join("\n"));
    }
  }

  function number(text, what) {
    const v = Number(String(text).trim().replace("−", "-").replace(",", "."));
    if (String(text).trim() === "" || !Number.isFinite(v)) throw new Error(`${what} must be a number`);
    return v;
  }

  function scenario() {
    const sc = { kind: "expression", expression: input.value, values: {} };
    for (const name of variables) {
      sc.values[name] = number(values.has(name) ? values.get(name) : DEFAULT_VALUE, name);
    }
    if (lr.value.trim()) sc.learning_rate = number(lr.value, "The learning rate");
    return sc;
  }

  function setScenario(sc) {
    input.value = sc.expression || "";
    for (const [k, v] of Object.entries(sc.values || {})) values.set(k, String(v));
    lr.value = sc.learning_rate == null ? "" : String(sc.learning_rate);
    return reparse();
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(reparse, 200);
  });
  root.addEventListener("submit", (e) => e.preventDefault());
  load.addEventListener("click", async () => {
    let sc;
    try {
      sc = scenario();
    } catch (err) {
      showError(err.message);
      return;
    }
    // the API's refusal stays beside the fields, the text as typed: "values → a: …" marks a
    const problems = await onScenario(sc);
    for (const f of varsBox.querySelectorAll("[data-var]")) f.removeAttribute("aria-invalid");
    if (!Array.isArray(problems) || !problems.length) return;
    for (const line of problems) {
      const name = /values → ([A-Za-z_][A-Za-z0-9_]*)/.exec(line)?.[1];
      const field = name && varsBox.querySelector(`[data-var="${CSS.escape(name)}"]`);
      if (field) field.setAttribute("aria-invalid", "true");
    }
    showError(problems.map((l) => l.replace(/^scenario → /, "")).join("\n"));
  });
  presetSelect.addEventListener("change", async () => {
    if (!presetSelect.value) return;
    try {
      const preset = await api.expressionPreset(presetSelect.value);
      await setScenario(preset.scenario);
      onScenario(scenario());
    } catch (err) {
      showError(err.message);
    }
  });
  if (presets) {
    api
      .expressionPresets()
      .then((list) => presetSelect.append(...list.map((p) => el("option", { text: p.title, attrs: { value: p.id, title: p.description } }))))
      .catch(() => presetSelect.remove());
  } else presetSelect.remove();

  if (initial) setScenario(initial);
  else showError("");

  return {
    setScenario,
    scenario,
    destroy: () => {
      clearTimeout(timer);
      root.remove();
    },
  };
}
