// Benchmark peer: a price-push server written idiomatically with Node's `ws`
// (version pinned in package.json), permessage-deflate off, one frame per tick.
//
//   node node_server.js --port P [--symbols N] [--rate R] [--wait-clients N]
//
// Ticks are scheduled from the monotonic clock with timers, never a busy loop; `seq`
// counts each symbol's ticks. With --wait-clients N the ticks start once N clients are
// connected (or after 30 s). --port 0 picks a free port; the first line is the URL.
'use strict';
const { WebSocketServer, WebSocket } = require('ws');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const port = option('--port', 0);
const nSymbols = option('--symbols', 1);
const rate = option('--rate', 10);
const waitClients = option('--wait-clients', 0);

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, backlog: 4096 });
wss.on('listening', () => console.log(`ws://127.0.0.1:${wss.address().port}/`));
wss.on('connection', (ws) => ws.on('message', () => {}));

const symbols = Array.from({ length: nSymbols }, (_, i) => `SYM${i}`);
const prices = symbols.map((_, i) => 100 + i);
const interval = 1000 / (rate * nSymbols);
let next = performance.now();
const seqs = symbols.map(() => 0); // ticks of each symbol so far, as StockPush's seq
let index = 0;

function tick() {
  // Catch up with the clock: every tick due by now is sent, in order. "Now" is read
  // once, so a server that falls behind still returns to the event loop (accepting
  // and serving connections) between its timer callbacks.
  const now = performance.now();
  while (now >= next) {
    const i = index;
    index = (index + 1) % nSymbols;
    seqs[i] += 1;
    const seq = seqs[i];
    prices[i] = Math.max(0.01, Math.round(prices[i] * (1 + (Math.random() - 0.5) * 0.001) * 100) / 100);
    const message = JSON.stringify({
      type: 'tick', symbol: symbols[i], price: prices[i], change: 0, change_pct: 0,
      volume: seq, seq, ts: Math.round((performance.timeOrigin + performance.now()) * 1000),
    });
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(message);
    }
    next += interval;
  }
  setTimeout(tick, Math.max(0, next - performance.now()));
}
const giveUp = performance.now() + 30000;
function start() {
  if (wss.clients.size < waitClients && performance.now() < giveUp) {
    setTimeout(start, 10);
    return;
  }
  next = performance.now() + interval;
  setTimeout(tick, interval);
}
start();
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
