// The REST client: the only module that talks to the server.

export class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join("\n"));
    this.status = status;
    this.messages = messages;
  }
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

async function request(method, path, body, signal) {
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, ["The server cannot be reached. Is `make run` still running?"]);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, describe(response.status, data));
  return data;
}

export const api = {
  // the page shows labels as text only: their LaTeX and MathML would multiply a large graph's size
  graph: (scenario, signal, expand = false) => request("POST", "/api/graph", expand ? { scenario, expand, labels: "text" } : { scenario, labels: "text" }, signal),
  step: (req, signal) => request("POST", "/api/step", req, signal),
  expressionPresets: (signal) => request("GET", "/api/expressions/presets", null, signal),
  expressionPreset: (id, signal) => request("GET", `/api/expressions/presets/${encodeURIComponent(id)}`, null, signal),
};
