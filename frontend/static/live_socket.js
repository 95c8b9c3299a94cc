// One websocket's life cycle, shared by the live board (board.js), the chief judge's console
// (console.js) and the judge tablet (tablet.js). What the frames mean stays with each page.
//
//   const live = openLiveSocket({ url: "/ws/board/3", onFrame, onState, resumeFrom: () => lastSeq });
//
// - url: a path on this host (ws:// or wss:// as the page) or a full ws URL, or a function giving one;
//   resumeFrom(): the last cursor seen, added to every attempt's URL as ?<resumeParam>=cursor (none
//   when it gives null/undefined), so the server sends only what was missed.
// - Every text frame is parsed as JSON and handed to onFrame(frame); anything else is ignored.
// - A close (or a failure before opening) is no error: the next attempt waits an exponential
//   backoff with jitter, capped: the n-th retry in a row waits min(maxMs, minMs·2ⁿ)·(1 ± jitter).
//   The count starts again when a socket opens (or, with resetOnOpen: false, when the page calls
//   resetBackoff(), e.g. once the server has welcomed it).
// - Keepalive: a ping frame once nothing came for ping.idleMs (or whenever ping.due() says so);
//   with ping.timeoutMs, a socket still silent that long after its ping is dropped and replaced
//   rather than left to TCP. ping: false sends none.
// - The browser's "offline" event drops the socket at once; "online", and the page becoming
//   visible again, try at once with the backoff reset.
// - onState(state, info), on every change and at every attempt or wait:
//     "connecting"   — no socket has opened yet;   "open" — a socket is open;
//     "reconnecting" — one was open, now waiting or trying again;
//     "offline"      — the browser says it has no network (attempts go on, backing off);
//     "stopped"      — close() was called;          "unsupported" — this browser has no WebSocket.
//   info: {retries, everOpened}. onOpen() and onClose({opened}) are for the page's own bookkeeping.
// - close(): a clean close (code 1000), no reconnecting; the listeners are removed.
// The module holds no user-facing text: each page names the states from its message catalogue.

const OPEN = 1;

export function openLiveSocket(options) {
  const {
    url, onFrame = () => {}, onState = () => {}, onOpen = () => {}, onClose = () => {},
    resumeFrom = null, resumeParam = "since", resetOnOpen = true, watchNetwork = true, tickMs = 2000,
  } = options;
  const backoff = { minMs: 1000, maxMs: 30000, jitter: 0.25, ...(options.backoff || {}) };
  const ping = options.ping === false ? null : { idleMs: 25000, timeoutMs: 0, frame: '{"type":"ping"}', due: () => false, ...(options.ping || {}) };

  let ws = null;
  let state = null;
  let timer = null;
  let ticker = null;
  let retries = 0;
  let everOpened = false;
  let stopped = false;
  let lastRx = 0;
  let pingAt = 0;

  const offline = () => typeof navigator !== "undefined" && navigator.onLine === false;

  function setState(next) {
    state = next;
    onState(next, { retries, everOpened });
  }

  function target() {
    let u = typeof url === "function" ? url() : url;
    if (!/^wss?:\/\//.test(u)) u = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + u;
    const cursor = resumeFrom ? resumeFrom() : null;
    if (cursor !== null && cursor !== undefined) {
      u += (u.includes("?") ? "&" : "?") + encodeURIComponent(resumeParam) + "=" + encodeURIComponent(cursor);
    }
    return u;
  }

  function connect() {
    clearTimeout(timer);
    timer = null;
    if (ws || stopped) return;
    if (typeof WebSocket === "undefined") {
      stopped = true;
      setState("unsupported");
      return;
    }
    let sock;
    try {
      sock = new WebSocket(target());
    } catch {
      schedule();
      return;
    }
    ws = sock;
    let opened = false;
    if (state !== "offline" || !offline()) setState(everOpened ? "reconnecting" : "connecting");
    sock.onopen = () => {
      opened = true;
      everOpened = true;
      lastRx = Date.now();
      pingAt = 0;
      if (resetOnOpen) retries = 0;
      clearInterval(ticker);
      ticker = setInterval(tick, tickMs);
      setState("open");
      onOpen();
    };
    sock.onmessage = (ev) => {
      lastRx = Date.now();
      pingAt = 0;
      let frame;
      try { frame = JSON.parse(ev.data); } catch { return; }
      onFrame(frame);
    };
    sock.onerror = () => {}; // a close event follows
    sock.onclose = () => closed(sock, opened);
  }

  function closed(sock, opened) {
    if (ws !== sock) return;
    ws = null;
    clearInterval(ticker);
    ticker = null;
    onClose({ opened });
    schedule();
  }

  function schedule() {
    if (timer || stopped) return;
    const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(retries, 20));
    const delay = base * (1 - backoff.jitter + Math.random() * 2 * backoff.jitter);
    retries += 1;
    timer = setTimeout(() => { timer = null; connect(); }, delay);
    setState(offline() ? "offline" : everOpened ? "reconnecting" : "connecting");
  }

  function detach(sock, code) {
    sock.onopen = sock.onmessage = sock.onerror = sock.onclose = null;
    try { sock.close(code); } catch { /* already closed */ }
  }

  // Give up on the socket now (network gone, or it stopped answering) and reconnect.
  function drop() {
    const sock = ws;
    if (!sock) return;
    detach(sock);
    closed(sock, true);
  }

  // Try at once, the backoff reset (the network is back, the page is visible again).
  function now() {
    retries = 0;
    if (ws || stopped) return;
    connect();
  }

  function tick() {
    if (!ws || ws.readyState !== OPEN || !ping) return;
    const t = Date.now();
    if (pingAt && ping.timeoutMs && t - pingAt > ping.timeoutMs) {
      drop();
      return;
    }
    if (!pingAt && (t - lastRx > ping.idleMs || ping.due())) {
      try { ws.send(ping.frame); } catch { /* the close event will follow */ }
      pingAt = t;
    }
  }

  function send(data) {
    if (!ws || ws.readyState !== OPEN) return false;
    try {
      ws.send(typeof data === "string" ? data : JSON.stringify(data));
      return true;
    } catch {
      return false;
    }
  }

  const onOnline = () => now();
  const onOffline = () => { drop(); if (!stopped) setState("offline"); };
  const onVisible = () => { if (document.visibilityState === "visible" && !ws) now(); };

  function close() {
    if (stopped && !ws) return;
    stopped = true;
    clearTimeout(timer);
    timer = null;
    if (watchNetwork) {
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
      document.removeEventListener("visibilitychange", onVisible);
    }
    const sock = ws;
    if (sock) {
      const opened = sock.readyState === OPEN;
      ws = null;
      clearInterval(ticker);
      ticker = null;
      detach(sock, 1000);
      onClose({ opened });
    }
    setState("stopped");
  }

  if (watchNetwork) {
    window.addEventListener("online", onOnline);
    window.addEventListener("offline", onOffline);
    document.addEventListener("visibilitychange", onVisible);
  }
  connect();

  return {
    send, close, drop, now,
    resetBackoff() { retries = 0; },
    get socket() { return ws; },
    get state() { return state; },
    get retries() { return retries; },
    get isOpen() { return !!ws && ws.readyState === OPEN; },
  };
}
