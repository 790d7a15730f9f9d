// The page's catalog block, as the server embeds it (app/catalog.py), installed as a minimal
// `document` so modules that read limits, operations and granularities see what a page sees.
// Import this first. PYTHON names the interpreter with the app installed (make test: the venv's).
import { execFileSync } from "node:child_process";

const python = process.env.PYTHON || ".venv/bin/python";
const text = execFileSync(
  python,
  ["-c", "import json; from app.catalog import catalog; print(json.dumps(catalog()))"],
  { encoding: "utf8" },
);

globalThis.document ??= {};
globalThis.document.getElementById = (id) => (id === "catalog-data" ? { textContent: text } : null);

export const CATALOG = JSON.parse(text);
