// The REST client: the only module that talks to the server, for every page. JSON posts; a
// refusal is an ApiError carrying the API's field and limit messages; training streams events.

import { fromBlocks } from "./graph-blocks.js";

export class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join("\n"));
    this.status = status;
    this.messages = messages;
  }
}

/** What went wrong, as lines for a person: the API's messages, or the error's own. */
export function messagesOf(err) {
  return err instanceof ApiError ? err.messages : [err instanceof Error ? err.message : String(err)];
}

/** FastAPI's error body in words: "scenario → layers[1]: …" one per problem. */
export function describe(status, body) {
  const detail = body && body.detail;
  if (typeof detail === "string") return [detail];
  if (Array.isArray(detail)) {
    return detail.map((d) => {
      const loc = (d.loc || []).filter((p) => p !== "body").join(" → ");
      const msg = String(d.msg || "invalid").replace(/^Value error, /, "");
      return loc ? `${loc}: ${msg}` : msg;
    });
  }
  return [`The server answered ${status}.`];
}

/** The answer to a request, once it is known to be a success; otherwise an ApiError. */
async function send(method, path, body, signal, accept = null, extra = {}) {
  const headers = body ? { "Content-Type": "application/json", ...extra } : { ...extra };
  if (accept) headers.Accept = accept;
  let response;
  try {
    response = await fetch(path, { method, signal, headers, body: body ? JSON.stringify(body) : undefined });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, ["The server cannot be reached. Is `make run` still running?"]);
  }
  if (!response.ok) throw new ApiError(response.status, describe(response.status, await json(response)));
  return response;
}

async function json(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

const request = async (method, path, body, signal) => json(await send(method, path, body, signal));
const post = (path, body, signal) => {
  const answer = takeInitial(path, body);
  return answer !== undefined ? Promise.resolve(answer) : request("POST", path, body, signal);
};

// The answers the page arrived with (#initial-answers, app/web.py): its default lesson's first
// requests, answered by the server as it sent the page, so the first paint waits on no round
// trip. Each is used once, and only for exactly the request it answers.
let initial = null;
const sortedKeys = (_key, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v);
const canonical = (body) => JSON.stringify(body, sortedKeys);
function takeInitial(path, body) {
  if (initial === null) {
    const block = typeof document !== "undefined" && document.getElementById("initial-answers");
    try {
      initial = block ? JSON.parse(block.textContent).map((a) => ({ ...a, key: canonical(a.body) })) : [];
    } catch {
      initial = [];
    }
  }
  if (!initial.length) return undefined;
  const key = canonical(body);
  const i = initial.findIndex((a) => a.path === path && a.key === key);
  return i < 0 ? undefined : initial.splice(i, 1)[0].answer;
}
const get = (path, signal) => request("GET", path, null, signal);

/**
 * A column-format answer (`format: "columns"`, app/api/columns.py) as the usual one: each of
 * nodes, edges and parameters that is {length, columns} becomes its list of rows again, row i
 * being {field: columns[field][i]} with the fields in the server's order (a column that is
 * {length, columns} itself, the labels, decoded likewise first). Any other answer is returned as
 * it is.
 */
export function fromColumns(answer) {
  if (!answer || typeof answer !== "object") return answer;
  for (const key of ["nodes", "edges", "parameters"]) {
    const block = answer[key];
    if (isColumns(block)) answer[key] = rowsOf(block);
  }
  return answer;
}

const isColumns = (block) => Boolean(block) && !Array.isArray(block) && typeof block.columns === "object";

/**
 * A packed answer (`format: "packed"`, app/api/packed.py) as the usual one: each column of
 * nodes, edges and parameters that is {same}, {as} or {parts} is first written out as its list
 * of values, then the rows are made as fromColumns makes them. A list or object that a column
 * repeats ({same: [0, 1]}: the grad_parts of 41,600 parameters) is one frozen value that those
 * rows share, as graph-blocks.js shares its LEAF (the page only reads them); any other is the
 * row's own, as JSON.parse made it.
 */
export function fromPacked(answer) {
  if (!answer || typeof answer !== "object") return answer;
  for (const key of ["nodes", "edges", "parameters"]) {
    const block = answer[key];
    if (isColumns(block)) answer[key] = unpackBlock(block);
  }
  return fromColumns(answer);
}

const isObject = (v) => v !== null && typeof v === "object";
const copy = (v) => (!isObject(v) ? v : Array.isArray(v) ? v.map(copy) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])));
const hasObjects = (values) => values.some(isObject);
const frozen = (v) => {
  if (isObject(v)) Object.values(v).forEach(frozen);
  return Object.freeze(v);
};

// A packed column is written out by the engine's own builtins (fill, join, JSON.parse, concat),
// not by a loop of ours per value: on a page's first answer such a loop still runs in the
// interpreter, and 41,600 ids or grad_parts made one by one took longer than parsing them.
const quoted = (p) => JSON.stringify(String(p)).slice(1, -1);
const numbers = [];
const upTo = (n) => {
  for (let i = numbers.length; i < n; i++) numbers.push(i);
  return numbers;
};

/** The values `values`, `times` over, one after the other (a list or an object frozen, shared). */
function repeated(values, times) {
  if (times <= 0 || !values.length) return [];
  if (values.length === 1) return new Array(times).fill(frozen(values[0]));
  const shared = values.map(frozen);
  const out = new Array(times * shared.length);
  for (let t = 0, k = 0; t < times; t++) for (const v of shared) out[k++] = v;
  return out;
}

/** The JSON text (no brackets) of a count part's names: each prefix followed by i, for i from
 * `from` to `to` − 1. */
function countText({ count, from, to }) {
  if (to <= from || !count.length) return "";
  const nums = upTo(to).slice(from, to);
  const ps = count.map(quoted);
  return ps.length === 1 ? `"${ps[0]}${nums.join(`","${ps[0]}`)}"` : nums.map((i) => ps.map((p) => `"${p}${i}"`).join(",")).join(",");
}

const isNames = (part) => (Array.isArray(part) ? part.every((v) => typeof v === "string") : Array.isArray(part.count));

/** A packed {length, columns} with every column a list of values (or a block: labels). */
function unpackBlock(block) {
  const n = block.length;
  const packed = block.columns;
  const columns = {};
  for (const name of Object.keys(packed)) {
    const c = packed[name];
    columns[name] = Array.isArray(c) ? c : isColumns(c) ? unpackBlock(c) : "as" in c ? null : unpackColumn(c, n, name);
  }
  for (const name of Object.keys(packed)) {
    const c = packed[name];
    if (Array.isArray(c) || !("as" in c)) continue;
    const twin = packed[c.as];
    if (!twin || (!Array.isArray(twin) && "as" in twin)) throw new Error(`packed column ${name}: ${c.as} is no column to copy`);
    const values = columns[c.as];
    columns[name] = hasObjects(values) ? values.map(copy) : values; // a row's lists its own
  }
  for (const name of Object.keys(columns)) {
    const length = columns[name].length;
    if (length !== n) throw new Error(`packed column ${name} has ${length} values, not ${n}`);
  }
  return { length: n, columns };
}

function unpackColumn(c, n, name) {
  if ("same" in c) return repeated([c.same], n);
  if (!Array.isArray(c.parts)) throw new Error(`packed column ${name}: no same, as or parts`);
  if (c.parts.every(isNames)) {
    // names (ids): one text of them all, one JSON.parse, instead of one per part
    const texts = c.parts.map((part) => (Array.isArray(part) ? JSON.stringify(part).slice(1, -1) : countText(part)));
    return JSON.parse(`[${texts.filter((t) => t).join(",")}]`);
  }
  const parts = c.parts.map((part) => (Array.isArray(part) ? part : Array.isArray(part.repeat) ? repeated(part.repeat, part.times) : JSON.parse(`[${countText(part)}]`)));
  return parts.length === 1 ? parts[0] : parts.flat(); // one level: a part's values stay as they are
}

// The rows of a step's two lists (app/api/columns.py, the fields in the server's order) made by
// an object literal each: every row has its shape from the start, a third faster than fields
// added one by one (the 10 × 64 network's first step lists 41,600 parameters). Any other list
// of fields is made by the general loop below.
const ROW_MAKERS = new Map([
  ["id,old,value,grad,grad_parts,update,new,direction", (c) => {
    const [id, old, value, grad, parts, update, next, direction] = [c.id, c.old, c.value, c.grad, c.grad_parts, c.update, c.new, c.direction];
    return (i) => ({ id: id[i], old: old[i], value: value[i], grad: grad[i], grad_parts: parts[i], update: update[i], new: next[i], direction: direction[i] });
  }],
  ["id,value,grad,grad_parts", (c) => {
    const [id, value, grad, parts] = [c.id, c.value, c.grad, c.grad_parts];
    return (i) => ({ id: id[i], value: value[i], grad: grad[i], grad_parts: parts[i] });
  }],
]);

/** {length, columns} as its rows; a column that is {length, columns} itself (labels) first. */
function rowsOf(block) {
  const names = Object.keys(block.columns);
  const maker = ROW_MAKERS.get(names.join(","));
  if (maker && !names.some((k) => isColumns(block.columns[k]))) {
    const make = maker(block.columns);
    const rows = new Array(block.length);
    for (let i = 0; i < block.length; i++) rows[i] = make(i);
    return rows;
  }
  const cols = names.map((k) => (isColumns(block.columns[k]) ? rowsOf(block.columns[k]) : block.columns[k]));
  const rows = new Array(block.length);
  for (let i = 0; i < block.length; i++) {
    const row = {};
    for (let k = 0; k < names.length; k++) row[names[k]] = cols[k][i];
    rows[i] = row;
  }
  return rows;
}

// A large network's graph and steps are asked for column-wise: the same values, in a fraction of
// the bytes and of the server's time (its answers are tens of thousands of rows).
export const COLUMNS_FROM = 2000; // weights
export function columnar(scenario) {
  const layers = scenario && scenario.kind !== "expression" && scenario.layers;
  if (!Array.isArray(layers)) return false;
  let weights = 0;
  for (let i = 1; i < layers.length; i++) weights += layers[i - 1] * layers[i];
  return weights >= COLUMNS_FROM;
}
// a large network's graph as its layers (graph-blocks.js): a few words per layer, expanded here
const postGraph = (body, signal) => (columnar(body.scenario) ? post("/api/graph", { ...body, format: "blocks" }, signal).then((a) => fromColumns(fromBlocks(a))) : post("/api/graph", body, signal));
// ... and its steps packed (app/api/packed.py): the columns with their repeats written once
const postRows = (path, body, signal) => (columnar(body.scenario) ? post(path, { ...body, format: "packed" }, signal).then(fromPacked) : post(path, body, signal));

/**
 * Server-sent events as they arrive in `buffer`: the complete ones as [name, data] pairs, and
 * the unfinished rest to keep for the next chunk.
 */
export function splitEvents(buffer) {
  const events = [];
  let cut;
  while ((cut = buffer.indexOf("\n\n")) >= 0) {
    const block = buffer.slice(0, cut);
    buffer = buffer.slice(cut + 2);
    let name = "message";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) name = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    events.push([name, JSON.parse(data)]);
  }
  return { events, rest: buffer };
}

/** The file name from `Content-Disposition: attachment; filename="x.py"`. */
function filenameOf(response, fallback) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return match ? match[1] : fallback;
}

const code = (c) => encodeURIComponent(c);
const presenter = (secret) => ({ "X-Presenter-Secret": secret });

/** Live class sessions (app/live): the presenter's calls carry its secret in a header. */
const live = {
  start: () => post("/api/live"),
  session: (c, signal) => get(`/api/live/${code(c)}`, signal),
  publish: async (c, secret, body) => json(await send("POST", `/api/live/${code(c)}/state`, body, undefined, null, presenter(secret))),
  // with `after` (the last tally's token), answered once the tally is another one, or after `wait` s
  tally: async (c, secret, signal, after = null, wait = 0) =>
    json(await send("GET", `/api/live/${code(c)}/tally${after ? `?after=${after}&wait=${wait}` : ""}`, null, signal, null, presenter(secret))),
  end: (c, secret) => send("POST", `/api/live/${code(c)}/end`, null, undefined, null, presenter(secret)),
  join: (c, follower) => post(`/api/live/${code(c)}/join`, follower ? { follower } : {}),
  answer: (c, body) => send("POST", `/api/live/${code(c)}/answers`, body),
};

export const api = {
  live,
  /** Any other endpoint (the labs'): POST a JSON body, resolve to the JSON answer. */
  post,
  // the page shows labels as text only: their LaTeX and MathML would multiply a large graph's size
  // `iteration` > 1: the graph with the parameters that iteration starts from
  graph: (scenario, signal, expand = false, iteration = 1) => postGraph({ scenario, ...(expand ? { expand } : {}), ...(iteration > 1 ? { iteration } : {}), labels: "text" }, signal),
  step: (req, signal) => postRows("/api/step", req, signal),
  matrices: (req, signal) => post("/api/matrices", req, signal),
  ledger: (req, signal) => post("/api/ledger", req, signal),
  plane: (req, signal) => post("/api/plane", req, signal),
  expressionPresets: (signal) => get("/api/expressions/presets", signal),
  expressionPreset: (id, signal) => get(`/api/expressions/presets/${encodeURIComponent(id)}`, signal),
  parse: (expression, signal) => post("/api/expressions/parse", { expression }, signal),
  worksheet: (scenario, expand = false, signal, iteration = 1) =>
    post("/api/worksheet", { scenario, expand, ...(iteration > 1 ? { iteration } : {}) }, signal),
  check: (body, signal) => post("/api/check", body, signal),
  importFile: (doc, signal) => post("/api/import", doc, signal),
  datasets: (body, signal) => post("/api/datasets", body, signal),

  /** A download of the lesson as code or a file: resolves to { blob, filename }. */
  async exportFile(scenario, format, name = "backstep", signal, convention = "columns", iteration = 1) {
    const body = { scenario, format, name };
    if (convention !== "columns") body.convention = convention; // the matrix view's layout
    if (iteration > 1) body.iteration = iteration; // the scripts start where iteration k starts
    const response = await send("POST", "/api/export", body, signal);
    return { blob: await response.blob(), filename: filenameOf(response, `${name}.${format}`) };
  },

  /** POST /api/train/stream (or another training stream, `path`: /api/train/twins/stream):
   *  calls onEvent(name, data) per event until it is done or aborted. */
  async train(body, onEvent, signal, path = "/api/train/stream") {
    const response = await send("POST", path, body, signal, "text/event-stream");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const { events, rest } = splitEvents(buffer + decoder.decode(value, { stream: true }));
      buffer = rest;
      for (const [name, data] of events) onEvent(name, data);
    }
  },
};
