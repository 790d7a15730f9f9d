// REST client for expressions, check my working, export and import. No state, no globals.

import { describe as describeError } from "../api.js";

export class ExprApiError extends Error {
  constructor(status, lines) {
    super(lines.join("\n"));
    this.status = status;
    this.lines = lines;
  }
}

async function send(method, path, body, { raw = false } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ExprApiError(0, ["The server cannot be reached."]);
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    throw new ExprApiError(response.status, describeError(response.status, data));
  }
  return raw ? response : response.json();
}

/** The file name from `Content-Disposition: attachment; filename="x.py"`. */
function filenameOf(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(header);
  return match ? match[1] : fallback;
}

export const exprApi = {
  graph: (scenario, expand = false) => send("POST", "/api/graph", { scenario, expand }),
  step: (body) => send("POST", "/api/step", body),
  expressionPresets: () => send("GET", "/api/expressions/presets"),
  expressionPreset: (id) => send("GET", `/api/expressions/presets/${encodeURIComponent(id)}`),
  parse: (expression) => send("POST", "/api/expressions/parse", { expression }),
  worksheet: (scenario, expand = false) => send("POST", "/api/worksheet", { scenario, expand }),
  check: (body) => send("POST", "/api/check", body),
  importFile: (doc) => send("POST", "/api/import", doc),
  /** Resolves to { blob, filename } for a download. */
  async exportFile(scenario, format, name = "backstep") {
    const response = await send("POST", "/api/export", { scenario, format, name }, { raw: true });
    return { blob: await response.blob(), filename: filenameOf(response, `${name}.${format}`) };
  },
};

/** document.createElement with classes, attributes and text in one call. */
export function el(tag, { cls = "", text = "", attrs = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

let uid = 0;
/** A page-unique id for label/aria wiring when several copies are mounted. */
export function uniqueId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}
