// Play: wait the speed's delay, take one step, wait until it is drawn, and again; a cancellation
// token ends it (pause, a manual step, the end), so a slow step never lets requests pile up.

/**
 * `advance()` takes one step and resolves true once it is drawn (false: it failed; Play stops).
 * `atEnd()` says there is no next step; `delay()` is read before every step (speed may change).
 */
export function createPlayer({ advance, atEnd, delay, onChange = () => {} }) {
  let token = null; // { cancelled, wake } while playing

  function sleep(ms, t) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      t.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async function run(t) {
    while (!t.cancelled) {
      await sleep(delay(), t);
      if (t.cancelled) return;
      if (atEnd()) return stop();
      const ok = await advance();
      if (t.cancelled) return;
      if (!ok) return stop();
    }
  }

  function start() {
    if (token) return;
    const t = { cancelled: false, wake: () => {} };
    token = t;
    onChange(true);
    run(t);
  }

  function stop() {
    if (!token) return;
    token.cancelled = true;
    token.wake();
    token = null;
    onChange(false);
  }

  return { start, stop, playing: () => token !== null };
}
