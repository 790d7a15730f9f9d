// Live class: the presenter's page publishes its lesson (Go live, key L); a follower's page
// (/join/CODE) applies each state the presenter publishes, detaches when the student steps on
// their own, and comes back with "Back to the presenter" (key B). Predictions: predict mode
// announces its question with a `backstep:predict` event; followers answer, and the presenter's
// explanation shows the class's tally while the question is open, then, at the reveal, the true
// value among the answers (gone with the next step).

import { api, messagesOf } from "../api.js";
import { el } from "../dom.js";
import { place, whereNow } from "../focus-keep.js";
import { afterFirstPaint } from "../idle.js";
import { encodeHash } from "../url-state.js";
import { drawHistogram } from "./histogram.js";
import { merged, shared } from "./share.js";

const KEY = "backstep.live.presenter";
const TALLY_WAIT = 20; // s a tally request waits for a change (≤ LIVE_TALLY_WAIT_SECONDS)
const RETRY_MS = 1000;
const UNTYPED = new Set(["range", "checkbox", "radio", "button", "submit", "reset"]);
const typing = (t) => t.isContentEditable || t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && !UNTYPED.has(t.type));
const shortcut = (ev, key) => !ev.defaultPrevented && !ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.key.toLowerCase() === key && !typing(ev.target) && !document.querySelector("dialog[open]");
const fmt = (x) => (x == null ? "—" : String(Number(x.toPrecision(6))).replace("-", "−"));
const spaced = (code) => `${code.slice(0, 3)} ${code.slice(3)}`;

export function createLive({ store, toast, predict = null }) {
  // a follower's page is /join/CODE (the server sends it there only with a valid code)
  const code = /^\/join\/([0-9A-Z]{6})$/.exec(location.pathname)?.[1];
  if (code) return follower({ store, toast, code, predict });
  return presenter({ store, toast });
}

// ── the presenter ───────────────────────────────────────────────────────────

function presenter({ store, toast }) {
  const toolbar = document.querySelector(".toolbar");
  const button = el("button", {
    cls: "btn live-toggle",
    text: "Go live",
    attrs: { type: "button", id: "live-toggle", "aria-keyshortcuts": "L", title: "Go live: students follow this screen (L)", "aria-expanded": "false", "aria-controls": "live-panel" },
  });
  toolbar.insertBefore(button, document.getElementById("help-open"));

  const title = el("h2", { attrs: { id: "live-title" } });
  const join = el("p", { cls: "live-join" });
  const qr = el("img", { cls: "live-qr", attrs: { width: "296", height: "296", alt: "" } });
  const warn = el("p", { cls: "live-warn", attrs: { hidden: "" } });
  const count = el("p", { cls: "live-count", attrs: { "aria-live": "polite" } });
  const roundText = el("p", { cls: "live-round-text", attrs: { "aria-live": "polite" } });
  const hist = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  hist.setAttribute("class", "live-hist");
  hist.setAttribute("role", "img");
  // the class's answers to the open question: in the explanation, in the room above the loss card
  // (live.css), so it covers nothing and the graph's frame keeps its size and zoom
  const tally = el("div", { cls: "live-tally", attrs: { id: "live-tally", hidden: "" } }, [roundText, hist]);
  const loss = document.getElementById("loss-card");
  if (loss) loss.before(tally);
  else document.body.append(tally);
  const hide = el("button", { cls: "btn", text: "Hide", attrs: { type: "button", title: "Hide this panel (L); the class stays live" } });
  const end = el("button", { cls: "btn", text: "End live session", attrs: { type: "button" } });
  const panel = el("section", { cls: "live-panel", attrs: { id: "live-panel", "aria-labelledby": "live-title", hidden: "" } }, [
    title,
    el("div", { cls: "live-join-box" }, [qr, el("div", {}, [join, warn, count])]),
    el("div", { cls: "live-actions" }, [hide, end]),
  ]);
  document.body.append(panel);

  let session = null; // a session this browser kept (a reload): read once the first picture is drawn
  let version = 0;
  let lastHash = null;
  let predict = null; // { question, open, label, truth }
  let pending = null;
  let sending = false;
  let timer = 0;
  let waiting = null; // the tally request under way (its AbortController): one at a time
  let token = null; // the token of the tally last read: the server answers once it changes
  let dismissed = null; // the open question whose tally the presenter hid (Esc)

  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "null");
    } catch {
      return null;
    }
  }
  const save = () => localStorage.setItem(KEY, JSON.stringify({ ...session, version }));

  function show() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
  }
  // the tally is for the question on screen: the class's answers while it is open, then, at the
  // reveal, the true value marked among them (the teacher's "most of you said…"); a step away
  // takes it away at once
  const asking = () => Boolean(session && predict?.question && dismissed !== predict.question);
  let last = null; // the last tally read, for the question on screen
  const hideTally = () => {
    tally.hidden = true;
  };
  function drawTally(t) {
    const revealed = !predict.open;
    roundText.textContent = revealed
      ? `${t.answered} answered · the value is ${fmt(predict.truth)}`
      : `${t.answered} of ${t.followers} answered · predict ${predict.label || "the next value"}`;
    drawHistogram(hist, t, revealed ? predict.truth : null);
    tally.hidden = false;
  }
  // the focus, if it was in the panel, goes where the person finds the live button now (live, the
  // row keeps it: toolbar-fit.js; else More, when it is folded there), as the page's move: Space
  // there steps the lesson (controls.js). On <body> (a clicker) it stays: Space steps on rather
  // than open the panel again. The one way the panel hides (Hide, Esc, L, End, the class lost).
  function hidePanel() {
    const inside = panel.contains(document.activeElement);
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    const to = inside ? whereNow(button) : null;
    if (to) place(to);
  }

  function render() {
    const on = Boolean(session);
    button.classList.toggle("is-live", on);
    button.textContent = on ? `● Live ${spaced(session.code)}` : "Go live";
    button.title = on ? "The class follows this screen: show or hide the join panel (L)" : "Go live: students follow this screen (L)";
    if (!on) return;
    title.textContent = `Live · ${spaced(session.code)}`;
    const base = session.join_url.replace(/\/join\/.*$/, "/join");
    join.replaceChildren(
      "Scan the code, or go to ",
      el("strong", { cls: "live-url", text: base }),
      " and type",
      el("strong", { cls: "live-code", text: spaced(session.code) }),
    );
    qr.src = session.qr_url;
    qr.alt = `QR code of the join link ${session.join_url}`;
    warn.hidden = !session.loopback;
    warn.textContent = session.loopback
      ? "Students cannot reach this address: serve with backstep --host 0.0.0.0 and open this page at this computer's network address."
      : "";
  }

  async function start() {
    try {
      const made = await api.live.start();
      session = made;
      version = made.version;
      save();
      render();
      show();
      publish(true);
      poll();
    } catch (err) {
      toast.show(`Could not go live: ${messagesOf(err).join(" · ")}`, 8000);
    }
  }

  async function stop() {
    if (!session) return;
    const s = session;
    session = null;
    localStorage.removeItem(KEY);
    quiet();
    hidePanel();
    hideTally();
    render();
    try {
      await api.live.end(s.code, s.presenter_secret);
      toast.show("The live session has ended.");
    } catch {
      /* gone already */
    }
  }

  function lost() {
    session = null;
    localStorage.removeItem(KEY);
    quiet();
    hidePanel(); // a focus in the panel goes to the live button, as when the teacher ends it
    hideTally();
    render();
    toast.show("The live session has ended (it was idle, or the server restarted without it). Press L to go live again.", 10000);
  }

  /** The latest state goes out; one request at a time, so a fast clicker sends what is current. */
  function publish(force = false) {
    if (!session) return;
    const hash = shared(encodeHash(store.get()));
    if (!force && hash === lastHash && !pending) return;
    lastHash = hash;
    version += 1;
    save();
    pending = { version, state: { hash, predict }, question: predict?.question ?? null, open: Boolean(predict?.open) };
    if (!sending) flush();
  }

  async function flush() {
    sending = true;
    while (pending && session) {
      const body = pending;
      pending = null;
      try {
        await api.live.publish(session.code, session.presenter_secret, body);
      } catch (err) {
        if (err.status === 404 || err.status === 403) return lost();
        if (!pending) pending = body; // retry the newest state, after a moment
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    sending = false;
  }

  // The tally as it changes: each request is answered once an answer, a follower or a step has
  // changed it (or after TALLY_WAIT s), and the next one goes out at once.
  function quiet() {
    clearTimeout(timer);
    waiting?.abort();
    waiting = null;
    token = null;
  }
  async function poll() {
    clearTimeout(timer);
    if (!session || waiting) return; // the request under way answers the next change
    const ask = (waiting = new AbortController());
    try {
      const t = await api.live.tally(session.code, session.presenter_secret, ask.signal, token, TALLY_WAIT);
      if (ask !== waiting) return;
      waiting = null;
      token = t.token;
      count.textContent = `${t.followers} following`;
      button.textContent = `● Live ${spaced(session.code)} · ${t.followers}`;
      if (asking() && t.question === predict.question) {
        last = t;
        drawTally(t);
      } else hideTally();
      poll();
    } catch (err) {
      if (ask !== waiting) return; // called off (the session ended here)
      waiting = null;
      if (err.status === 404 || err.status === 403) return lost();
      timer = setTimeout(poll, RETRY_MS);
    }
  }

  button.addEventListener("click", () => (!session ? start() : panel.hidden ? show() : hidePanel()));
  hide.addEventListener("click", hidePanel);
  end.addEventListener("click", stop);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !typing(ev.target) && !document.querySelector("dialog[open]")) {
      if (!panel.hidden) return hidePanel();
      if (!tally.hidden) {
        dismissed = predict?.question ?? null; // this question's tally only: the next one shows
        return hideTally();
      }
    }
    if (!shortcut(ev, "l")) return;
    ev.preventDefault();
    button.click();
  });
  document.addEventListener("backstep:predict", (ev) => {
    predict = ev.detail && ev.detail.question ? { ...ev.detail } : null;
    // the reveal: the true value among the answers in the frame that shows it; a step away: gone
    if (!asking()) hideTally();
    else if (last?.question === predict.question && !predict.open) drawTally(last);
    publish(true);
    if (session) poll();
  });
  // in predict mode a step goes out once it is shown, with its question (the backstep:predict
  // event): sent at once, followers would show the value before the question reaches them
  store.subscribe((s) => {
    if (!s.predict) publish();
  });

  // a reload: the session and its secret were kept in this browser; carry on where it was (read
  // after the first picture: a page's first use of localStorage can take tens of ms)
  afterFirstPaint(() => {
    if (session) return; // gone live meanwhile
    session = load();
    if (!session) return;
    version = session.version;
    render();
    api.live.session(session.code).then(
      (s) => {
        version = Math.max(version, s.version);
        render();
        publish(true);
        poll();
      },
      (err) => (err.status === 404 ? lost() : poll()),
    );
  });
  render();
  return { publish };
}

// ── a follower ──────────────────────────────────────────────────────────────

function follower({ store, toast, code, predict }) {
  const status = el("p", { cls: "live-status", attrs: { "aria-live": "polite" } });
  const back = el("button", { cls: "btn btn-primary", text: "Back to the presenter", attrs: { type: "button", "aria-keyshortcuts": "B", title: "Back to the presenter (B)", hidden: "" } });
  const ask = el("form", { cls: "live-ask", attrs: { hidden: "", novalidate: "" } });
  const bar = el("div", { cls: "live-bar", attrs: { id: "live-bar", role: "region", "aria-label": "Live class" } }, [status, back, ask]);
  document.querySelector(".topbar").after(bar);
  document.documentElement.classList.add("is-follower");

  const idKey = `backstep.follower.${code}`;
  let me = sessionStorage.getItem(idKey);
  let latest = null; // the presenter's latest state
  let following = true;
  let acted = 0; // when the student last pressed or clicked something of the lesson
  let source = null;
  let answers = {}; // question → what this follower said

  const say = () => {
    if (!latest) status.textContent = `Joining class ${spaced(code)}…`;
    else if (latest.ended) status.textContent = "The presenter has ended the live session.";
    else status.textContent = following ? `Following the presenter · class ${spaced(code)}` : `On your own · class ${spaced(code)}`;
    back.hidden = following || !latest || latest.ended;
    bar.classList.toggle("is-detached", !following);
  };

  function apply() {
    if (!latest || !following || latest.ended || !latest.state?.hash) return;
    const p = latest.state.predict;
    const k = Number(new URLSearchParams(latest.state.hash.slice(1)).get("k"));
    // the presenter asks: this screen shows the same "?" (predict.js); at the reveal, the value
    if (predict && p?.question && p.open && Number.isInteger(k)) predict.follow(k);
    else if (predict) {
      predict.release(); // the class's reveal (or no question): this screen may reveal it now
      if (p?.question && !p.open && predict.canReveal()) predict.next();
    }
    // this screen's own settings from its state, not from the URL (written once steps pause)
    const hash = merged(latest.state.hash, encodeHash(store.get()));
    if (hash !== location.hash) location.hash = hash;
    renderAsk();
  }

  function receive(s) {
    if (latest && s.version <= latest.version && !s.ended) return; // late or repeated: never applied
    latest = s;
    say();
    apply();
    if (!following) renderAsk();
  }

  function renderAsk() {
    const p = latest?.state?.predict;
    if (!p || !p.question) {
      ask.hidden = true;
      return;
    }
    ask.hidden = false;
    const mine = answers[p.question];
    if (p.open && !following) {
      // on one's own the value may be on this screen: answers are the class's, from its question
      ask.replaceChildren(el("p", { cls: "live-result", text: `On your own: press B to answer the class's question (${p.label || "the next value"})` }));
      return;
    }
    if (!p.open) {
      const said = mine == null ? "You did not answer" : `You said ${mine}`;
      ask.replaceChildren(el("p", { cls: "live-result", text: `${said} · the value is ${fmt(p.truth)}` }));
      return;
    }
    const input = el("input", { attrs: { type: "text", inputmode: "decimal", autocomplete: "off", id: "live-answer", "aria-describedby": "live-answer-msg" } });
    const msg = el("span", { cls: "live-msg", attrs: { id: "live-answer-msg", "aria-live": "polite" }, text: mine == null ? "" : `Sent: ${mine} (you may change it until the reveal)` });
    const sign = (s, label) => el("button", { cls: "btn", text: label, attrs: { type: "button", "data-sign": s, title: `Only the sign: ${label}` } });
    ask.replaceChildren(
      el("label", { attrs: { for: "live-answer" }, text: `Predict ${p.label || "the next value"}:` }),
      input,
      el("button", { cls: "btn", text: "Send", attrs: { type: "submit" } }),
      el("span", { cls: "live-or", text: "or its sign" }),
      sign("+", "+"),
      sign("-", "−"),
      sign("0", "0"),
      msg,
    );
    const send = async (body, shown) => {
      try {
        await api.live.answer(code, { follower: me, question: p.question, ...body });
        answers[p.question] = shown;
        msg.textContent = `Sent: ${shown} (you may change it until the reveal)`;
      } catch (err) {
        msg.textContent = messagesOf(err).join(" · ");
      }
    };
    ask.onsubmit = (ev) => {
      ev.preventDefault();
      const x = Number(input.value.trim().replace("−", "-").replace(",", "."));
      if (!input.value.trim() || !Number.isFinite(x)) {
        msg.textContent = "Type a number, like −0.07, or pick a sign.";
        return;
      }
      send({ number: x }, fmt(x));
    };
    for (const b of ask.querySelectorAll("[data-sign]")) b.addEventListener("click", () => send({ sign: b.dataset.sign }, b.textContent));
  }

  async function connect() {
    try {
      const joined = await api.live.join(code, me);
      me = joined.follower;
      sessionStorage.setItem(idKey, me);
      receive(joined.session);
      if (source) source.close();
      source = new EventSource(joined.events_url);
      source.addEventListener("state", (ev) => receive(JSON.parse(ev.data)));
      source.addEventListener("end", () => {
        source.close();
        latest = { ...(latest || {}), ended: true };
        say();
        ask.hidden = true;
      });
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000); // refused: join again
      };
    } catch (err) {
      status.textContent = err.status === 404 ? `No live class has the code ${spaced(code)}. Check it on the board.` : `Could not join: ${messagesOf(err).join(" · ")}`;
      if (err.status !== 404) setTimeout(connect, 3000);
    }
  }

  async function rejoin() {
    try {
      const s = await api.live.session(code);
      following = true;
      latest = null;
      receive(s);
      say();
      document.getElementById("btn-step")?.focus({ preventScroll: true });
    } catch (err) {
      toast.show(`The presenter cannot be reached: ${messagesOf(err).join(" · ")}`, 6000);
    }
  }

  // The student steps or edits on their own: the page stops following until "Back".
  const own = (ev) => {
    if (bar.contains(ev.target) || ev.target.closest?.("#projector-toggle, #theme-toggle, #help-open, dialog")) return;
    acted = performance.now();
  };
  document.addEventListener("pointerdown", own, true);
  document.addEventListener("keydown", (ev) => {
    if (["m", "f", "?", "b", "escape", "tab", "shift"].includes(ev.key.toLowerCase())) return;
    own(ev);
  }, true);
  store.subscribe((s) => {
    if (!following || !latest?.state?.hash || performance.now() - acted > 1500) return;
    if (shared(encodeHash(s)) !== shared(latest.state.hash)) {
      following = false;
      say();
      renderAsk();
    }
  });
  // Step (→) on the class's open question: only the presenter reveals it (predict.js)
  document.addEventListener("backstep:held", () => {
    const msg = document.getElementById("live-answer-msg");
    if (msg) msg.textContent = "Only the presenter reveals it: send yours, then wait.";
  });
  back.addEventListener("click", rejoin);
  document.addEventListener("keydown", (ev) => {
    if (!shortcut(ev, "b") || following) return;
    ev.preventDefault();
    rejoin();
  });

  say();
  connect();
  return { following: () => following };
}
