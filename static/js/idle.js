// Work for when the page is idle: requestIdleCallback, or a short timer where there is none (Safari).

/** Run `fn` once the page is idle, or after `timeout` ms at the latest; returns an id for cancelIdle. */
export function whenIdle(fn, timeout) {
  return window.requestIdleCallback ? requestIdleCallback(fn, { timeout }) : setTimeout(fn, Math.min(timeout, 50));
}

export function cancelIdle(id) {
  if (window.cancelIdleCallback) cancelIdleCallback(id);
  else clearTimeout(id);
}
