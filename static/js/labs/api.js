// Talks to the training and lab endpoints: JSON posts and a server-sent-event stream over POST.

export class ApiError extends Error {
  constructor(status, detail) {
    const msgs = Array.isArray(detail)
      ? detail.map((d) => {
          const field = (d.loc || []).slice(1).join('.'); // empty for a whole-request error
          return field ? `${field}: ${d.msg}` : d.msg;
        })
      : [String(detail)];
    super(msgs.join('\n'));
    this.status = status;
    this.messages = msgs;
  }
}

export async function postJson(path, body, signal) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const data = await res.json().catch(() => ({ detail: res.statusText }));
  if (!res.ok) throw new ApiError(res.status, data.detail ?? data);
  return data;
}

// POST /api/train/stream: calls onEvent(name, data) per event until done or aborted.
export async function streamTraining(body, onEvent, signal) {
  const res = await fetch('/api/train/stream', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok) {
    const data = await res.json().catch(() => ({ detail: res.statusText }));
    throw new ApiError(res.status, data.detail ?? data);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      onEvent(name, JSON.parse(data));
    }
  }
}
