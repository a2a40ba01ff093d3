// StockPush browser client: connects to a StockPush (or any price) WebSocket
// and shows a live table, a chart of one symbol and the message log.
// Messages only update state; the DOM and the canvas change once per frame.
"use strict";

(() => {
  const LOG_MAX = 500;              // entries kept in the log
  const WINDOW_MS = 2 * 60 * 1000;  // chart span
  const SERIES_MAX = 20000;         // points kept per symbol

  const $ = (id) => document.getElementById(id);
  const ui = {
    connectForm: $("connect-form"), address: $("address"),
    connect: $("connect"), disconnect: $("disconnect"),
    status: $("status"), statusText: $("status-text"), serverInfo: $("server-info"),
    rows: $("price-rows"), noPrices: $("no-prices"),
    chart: $("chart"), chartSymbol: $("chart-symbol"),
    chartPrice: $("chart-price"), chartChange: $("chart-change"),
    sendForm: $("send-form"), message: $("message"), send: $("send"),
    ping: $("ping"), subscribe: $("subscribe"),
    log: $("log"), clearLog: $("clear-log"), rate: $("rate"),
  };

  const priceFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const signedFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "exceptZero" });
  const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  const clock = (ms, millis) => {
    const d = new Date(ms);
    const s = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    return millis ? `${s}.${pad(d.getMilliseconds(), 3)}` : s;
  };

  let ws = null;
  let nextId = 1;
  const pings = new Map();          // ping id -> performance.now() when sent
  const quotes = new Map();         // symbol -> { price, change, pct, volume, ts, row, dir, dirty, first }
  const series = new Map();         // symbol -> { t: [], p: [], start }
  let selected = null;
  let subscribed = null;            // Set of symbols, or null for all
  let pendingLog = [];
  let frameQueued = false;
  let chartDirty = true;
  let received = 0;
  let rateTimer = 0;

  // ---- connection --------------------------------------------------------

  function defaultAddress() {
    const params = new URLSearchParams(location.search);
    const q = params.get("addr");
    if (q) return q;
    if (!(location.protocol.startsWith("http") && location.host)) return "127.0.0.1:8765";
    // A server that needs its access token got it in this page's address: pass it on.
    const token = params.get("token");
    return token ? `${location.host}/?token=${encodeURIComponent(token)}` : location.host;
  }

  function urlFor(address) {
    const a = address.trim();
    if (/^wss?:\/\//i.test(a)) return a;
    return `${location.protocol === "https:" ? "wss" : "ws"}://${a}${a.includes("/") ? "" : "/"}`;
  }

  function setState(state, text) {
    ui.status.dataset.state = state;
    ui.statusText.textContent = text;
    const open = state === "open";
    const idle = state === "closed" || state === "error";
    ui.connect.disabled = !idle;
    ui.address.disabled = !idle;
    ui.disconnect.disabled = idle;
    for (const el of [ui.message, ui.send, ui.ping, ui.subscribe]) el.disabled = !open;
  }

  function connect() {
    if (ws) return;
    let url;
    try {
      url = urlFor(ui.address.value);
      ws = new WebSocket(url);
    } catch (e) {
      ws = null;
      addLog("event", `Cannot connect to ${ui.address.value}: ${e.message}`, "error");
      setState("error", "Bad address");
      return;
    }
    const sock = ws;
    setState("connecting", `Connecting to ${url}…`);
    addLog("event", `Connecting to ${url}`);
    sock.onopen = () => {
      setState("open", `Connected to ${url}`);
      addLog("event", "Open");
      received = 0;
      rateTimer = setInterval(() => {
        ui.rate.textContent = `${received} msg/s`;
        received = 0;
      }, 1000);
    };
    sock.onmessage = (event) => {
      received++;
      if (typeof event.data === "string") {
        addLog("in", event.data, handle(event.data));
      } else {
        addLog("in", `(binary, ${event.data.size ?? event.data.byteLength} bytes)`);
      }
    };
    sock.onerror = () => addLog("event", "Connection error", "error");
    sock.onclose = (event) => {
      if (ws === sock) ws = null;
      clearInterval(rateTimer);
      ui.rate.textContent = "";
      const what = `Closed: code ${event.code}${event.reason ? ` (${event.reason})` : ""}`;
      addLog("event", what, event.wasClean ? "" : "error");
      setState(event.wasClean ? "closed" : "error", what);
    };
  }

  function send(text) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(text);
    addLog("out", text);
    try {
      const cmd = JSON.parse(text);
      if (pings.size > 100) pings.clear();  // pongs that never came
      if (cmd && cmd.type === "ping" && cmd.id !== undefined) pings.set(JSON.stringify(cmd.id), performance.now());
    } catch (e) { /* not JSON: sent as typed */ }
  }

  // ---- messages ----------------------------------------------------------

  // Applies one text frame; returns the log class for it ("error" or "").
  function handle(text) {
    let msg = null;
    if (text.trimStart().startsWith("{")) {
      try { msg = JSON.parse(text); } catch (e) { /* logged as text */ }
    }
    if (!msg) {
      // The original demo's text frames: "price = 299.90".
      const m = /^\s*([A-Za-z_][\w.-]*)\s*=\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
      if (m) tick({ symbol: m[1], price: Number(m[2]) }, Date.now());
      return "";
    }
    switch (msg.type) {
      case "welcome":
        ui.serverInfo.textContent = `${msg.server || "Server"} ${msg.version || ""} · ` +
          `${(msg.symbols || []).length} symbols · every ${msg.interval_ms} ms`;
        for (const s of msg.symbols || []) quote(s);
        break;
      case "tick":
        tick(msg, msg.ts / 1000);
        break;
      case "ticks":
        for (const t of msg.ticks || []) tick(t, (t.ts ?? msg.ts) / 1000);
        break;
      case "pong": {
        const key = JSON.stringify(msg.id);
        if (pings.has(key)) {
          ui.rate.textContent = `round trip ${(performance.now() - pings.get(key)).toFixed(1)} ms`;
          pings.delete(key);
        }
        break;
      }
      case "subscribed":
        subscribed = new Set(msg.symbols || []);
        for (const [s, q] of quotes) q.row.classList.toggle("inactive", !subscribed.has(s));
        break;
      case "error":
        return "error";
      default:
        break;
    }
    return "";
  }

  function quote(symbol) {
    let q = quotes.get(symbol);
    if (q) return q;
    const row = document.createElement("tr");
    row.tabIndex = 0;
    row.dataset.symbol = symbol;
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = symbol;
    row.append(th);
    const cells = {};
    for (const k of ["price", "change", "pct", "volume", "time"]) {
      cells[k] = document.createElement("td");
      cells[k].className = k === "time" ? "num time" : `num ${k}`;
      cells[k].textContent = "—";
      row.append(cells[k]);
    }
    ui.rows.append(row);
    ui.noPrices.hidden = true;
    q = { price: NaN, change: NaN, pct: NaN, volume: NaN, ts: 0, first: NaN, row, cells, dir: 0, dirty: false, flip: false };
    quotes.set(symbol, q);
    if (selected === null) select(symbol);
    if (subscribed) row.classList.toggle("inactive", !subscribed.has(symbol));
    return q;
  }

  function tick(t, tsMs) {
    const price = Number(t.price);
    if (typeof t.symbol !== "string" || !Number.isFinite(price)) return;
    const ts = Number.isFinite(tsMs) ? tsMs : Date.now();
    const q = quote(t.symbol);
    if (Number.isNaN(q.first)) q.first = price;
    q.dir = Number.isNaN(q.price) || price === q.price ? 0 : price > q.price ? 1 : -1;
    q.price = price;
    // Text frames carry no change: measure it from the first price seen.
    q.change = t.change !== undefined ? Number(t.change) : price - q.first;
    q.pct = t.change_pct !== undefined ? Number(t.change_pct) : (q.change / q.first) * 100;
    q.volume = t.volume !== undefined ? Number(t.volume) : NaN;
    q.ts = ts;
    q.dirty = true;

    let s = series.get(t.symbol);
    if (!s) series.set(t.symbol, (s = { t: [], p: [], start: 0 }));
    s.t.push(ts);
    s.p.push(price);
    while (s.start < s.t.length && (s.t[s.start] < ts - WINDOW_MS - 5000 || s.t.length - s.start > SERIES_MAX)) s.start++;
    if (s.start > 4096 && s.start > s.t.length / 2) {
      s.t = s.t.slice(s.start);
      s.p = s.p.slice(s.start);
      s.start = 0;
    }
    if (t.symbol === selected) chartDirty = true;
    queueFrame();
  }

  // ---- log ---------------------------------------------------------------

  function addLog(dir, text, cls = "") {
    pendingLog.push({ time: Date.now(), dir, text, cls });
    if (pendingLog.length > LOG_MAX) pendingLog = pendingLog.slice(-LOG_MAX);
    queueFrame();
  }

  const DIR_LABEL = { in: ["↓", "received"], out: ["↑", "sent"], event: ["•", "event"] };

  function flushLog() {
    if (!pendingLog.length) return;
    const frag = document.createDocumentFragment();
    for (let i = pendingLog.length - 1; i >= 0; i--) {
      const e = pendingLog[i];
      const li = document.createElement("li");
      li.className = `${e.dir} ${e.cls}`.trim();
      const time = document.createElement("time");
      time.dateTime = new Date(e.time).toISOString();
      time.textContent = clock(e.time, true);
      const dir = document.createElement("span");
      dir.className = "dir";
      dir.textContent = DIR_LABEL[e.dir][0];
      dir.title = DIR_LABEL[e.dir][1];
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = e.text.length > 4000 ? `${e.text.slice(0, 4000)}…` : e.text;
      li.append(time, dir, text);
      frag.append(li);
    }
    pendingLog = [];
    ui.log.prepend(frag);
    while (ui.log.childElementCount > LOG_MAX) ui.log.lastElementChild.remove();
  }

  // ---- rendering ---------------------------------------------------------

  function queueFrame() {
    if (frameQueued) return;
    frameQueued = true;
    requestAnimationFrame(render);
  }

  function render() {
    frameQueued = false;
    flushLog();
    for (const [symbol, q] of quotes) {
      if (!q.dirty) continue;
      q.dirty = false;
      const c = q.cells;
      c.price.textContent = priceFmt.format(q.price);
      c.change.textContent = Number.isFinite(q.change) ? signedFmt.format(q.change) : "—";
      c.pct.textContent = Number.isFinite(q.pct) ? `${signedFmt.format(q.pct)}%` : "—";
      c.volume.textContent = Number.isFinite(q.volume) ? intFmt.format(q.volume) : "—";
      c.time.textContent = clock(q.ts, false);
      const trend = q.change > 0 ? "up" : q.change < 0 ? "down" : "";
      for (const el of [c.change, c.pct]) el.className = `num ${el === c.change ? "change" : "pct"} ${trend}`.trim();
      if (q.dir !== 0) {
        // Alternate between two identical animations so each change restarts the flash.
        q.flip = !q.flip;
        c.price.className = `num price flash-${q.dir > 0 ? "up" : "down"}-${q.flip ? "a" : "b"}`;
      }
      if (symbol === selected) updateQuote();
    }
    if (chartDirty) drawChart();
  }

  function select(symbol) {
    selected = symbol;
    for (const [s, q] of quotes) q.row.setAttribute("aria-current", s === symbol ? "true" : "false");
    ui.chartSymbol.textContent = symbol;
    ui.chart.setAttribute("aria-label", `Price chart of ${symbol}, last 2 minutes`);
    updateQuote();
    chartDirty = true;
    queueFrame();
  }

  function updateQuote() {
    const q = quotes.get(selected);
    if (!q || Number.isNaN(q.price)) {
      ui.chartPrice.textContent = "—";
      ui.chartChange.textContent = "";
      return;
    }
    ui.chartPrice.textContent = priceFmt.format(q.price);
    ui.chartChange.textContent = Number.isFinite(q.change)
      ? `${signedFmt.format(q.change)} (${signedFmt.format(q.pct)}%)` : "";
    ui.chartChange.className = `change ${q.change > 0 ? "up" : q.change < 0 ? "down" : ""}`.trim();
  }

  let colors = null;
  function readColors() {
    const cs = getComputedStyle(document.documentElement);
    const v = (name) => cs.getPropertyValue(name).trim();
    colors = { up: v("--up"), down: v("--down"), grid: v("--grid"), text: v("--muted"), accent: v("--accent"), card: v("--card") };
  }

  function niceStep(range, count) {
    const raw = range / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  }

  function drawChart() {
    chartDirty = false;
    const canvas = ui.chart;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (w === 0 || h === 0) return;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    if (!colors) readColors();
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";

    const s = series.get(selected);
    const L = 4, R = w - 64, T = 10, B = h - 24;
    if (!s || s.t.length === s.start || R - L < 20 || B - T < 20) {
      ctx.fillStyle = colors.text;
      ctx.textAlign = "center";
      ctx.fillText(ws ? "Waiting for prices…" : "Not connected", w / 2, h / 2);
      return;
    }
    // Up to the last 2 minutes; a young series fills the width (at least 5 s).
    const tEnd = s.t[s.t.length - 1];
    const span = Math.min(WINDOW_MS, Math.max(5000, tEnd - s.t[s.start]));
    const tStart = tEnd - span;
    let lo = Infinity, hi = -Infinity, first = s.start;
    while (first < s.t.length - 1 && s.t[first] < tStart) first++;
    for (let i = first; i < s.t.length; i++) {
      if (s.p[i] < lo) lo = s.p[i];
      if (s.p[i] > hi) hi = s.p[i];
    }
    const padY = Math.max((hi - lo) * 0.1, Math.abs(hi) * 0.0005, 0.01);
    lo -= padY;
    hi += padY;
    const x = (t) => L + ((t - tStart) / span) * (R - L);
    const y = (p) => B - ((p - lo) / (hi - lo)) * (B - T);

    // Price grid and labels on the right.
    ctx.lineWidth = 1;
    ctx.strokeStyle = colors.grid;
    ctx.fillStyle = colors.text;
    ctx.textAlign = "left";
    const step = niceStep(hi - lo, 4);
    const decimals = Math.max(0, Math.min(4, -Math.floor(Math.log10(step))));
    const last = s.p[s.p.length - 1];
    const ly = y(last);
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(L, yy); ctx.lineTo(R, yy); ctx.stroke();
      if (Math.abs(yy - ly) > 16) ctx.fillText(v.toFixed(decimals), R + 8, yy);
    }
    // Time grid on round wall-clock seconds, about five lines across.
    const tStep = [1, 2, 5, 10, 15, 30, 60].find((n) => span / (n * 1000) <= 5) * 1000;
    ctx.textAlign = "center";
    for (let t = Math.ceil(tStart / tStep) * tStep; t <= tEnd; t += tStep) {
      const xx = Math.round(x(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(xx, T); ctx.lineTo(xx, B); ctx.stroke();
      if (xx > L + 24 && xx < R - 24) ctx.fillText(clock(t, false), xx, B + 13);
    }

    // The line, reduced to first/min/max/last per pixel column: cost follows the width.
    const color = last >= s.p[first] ? colors.up : colors.down;
    ctx.beginPath();
    let col = -1, cmin = 0, cmax = 0, clast = 0, started = false;
    const flush = () => {
      if (col < 0) return;
      ctx.lineTo(col, y(cmin)); ctx.lineTo(col, y(cmax)); ctx.lineTo(col, y(clast));
    };
    for (let i = first; i < s.t.length; i++) {
      const px = Math.round(x(s.t[i])), p = s.p[i];
      if (!started) { ctx.moveTo(px, y(p)); started = true; }
      if (px !== col) {
        flush();
        col = px; cmin = cmax = clast = p;
        ctx.lineTo(px, y(p));
      } else {
        if (p < cmin) cmin = p;
        if (p > cmax) cmax = p;
        clast = p;
      }
    }
    flush();
    ctx.lineJoin = "round";
    ctx.lineWidth = 2;
    ctx.strokeStyle = color;
    ctx.stroke();
    // Soft area under the line.
    ctx.lineTo(col, B);
    ctx.lineTo(Math.round(x(s.t[first])), B);
    ctx.closePath();
    const grad = ctx.createLinearGradient(0, T, 0, B);
    grad.addColorStop(0, color);
    grad.addColorStop(1, "transparent");
    ctx.globalAlpha = 0.18;
    ctx.fillStyle = grad;
    ctx.fill();
    ctx.globalAlpha = 1;

    // Last price: a dot and a label on the axis.
    ctx.fillStyle = color;
    ctx.beginPath(); ctx.arc(col, ly, 3.5, 0, 2 * Math.PI); ctx.fill();
    const label = last.toFixed(2);
    const lw = ctx.measureText(label).width + 10;
    ctx.beginPath();
    ctx.roundRect ? ctx.roundRect(R + 3, ly - 9, lw, 18, 4) : ctx.rect(R + 3, ly - 9, lw, 18);
    ctx.fill();
    ctx.fillStyle = colors.card;
    ctx.textAlign = "left";
    ctx.fillText(label, R + 8, ly);
  }

  // ---- wiring ------------------------------------------------------------

  ui.connectForm.addEventListener("submit", (e) => { e.preventDefault(); connect(); });
  ui.disconnect.addEventListener("click", () => { if (ws) ws.close(1000, "Closed by the user"); });
  ui.sendForm.addEventListener("submit", (e) => {
    e.preventDefault();
    if (ui.message.value === "") return;
    send(ui.message.value);
  });
  ui.ping.addEventListener("click", () => send(JSON.stringify({ type: "ping", id: nextId++ })));
  ui.subscribe.addEventListener("click", () => send(JSON.stringify({ type: "subscribe", symbols: ["*"], id: nextId++ })));
  ui.clearLog.addEventListener("click", () => { pendingLog = []; ui.log.replaceChildren(); });
  ui.log.addEventListener("click", (e) => {
    const li = e.target.closest("li");
    if (li && !getSelection().toString()) li.classList.toggle("expanded");
  });
  ui.rows.addEventListener("click", (e) => {
    const row = e.target.closest("tr");
    if (row) select(row.dataset.symbol);
  });
  ui.rows.addEventListener("keydown", (e) => {
    const row = e.target.closest("tr");
    if (!row) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(row.dataset.symbol); }
    if (e.key === "ArrowDown" && row.nextElementSibling) { e.preventDefault(); row.nextElementSibling.focus(); }
    if (e.key === "ArrowUp" && row.previousElementSibling) { e.preventDefault(); row.previousElementSibling.focus(); }
  });
  const redraw = () => { chartDirty = true; queueFrame(); };
  new ResizeObserver(redraw).observe(ui.chart);
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { colors = null; redraw(); });
  // Moving to a screen of another pixel density resizes the canvas' backing store.
  const watchDpr = () => matchMedia(`(resolution: ${devicePixelRatio}dppx)`)
    .addEventListener("change", () => { watchDpr(); redraw(); }, { once: true });
  watchDpr();

  ui.address.value = defaultAddress();
  setState("closed", "Not connected");
  connect();
})();
