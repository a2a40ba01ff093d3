// Benchmark peer: a price-push server written idiomatically with Node's `ws`
// (version pinned in package.json), permessage-deflate off, one frame per tick.
//
//   node node_server.js --port P [--symbols N] [--rate R]
//
// Ticks are scheduled from the monotonic clock with timers, never a busy loop.
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

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, backlog: 4096 });
wss.on('listening', () => console.log(`ws://127.0.0.1:${wss.address().port}/`));
wss.on('connection', (ws) => ws.on('message', () => {}));

const symbols = Array.from({ length: nSymbols }, (_, i) => `SYM${i}`);
const prices = symbols.map((_, i) => 100 + i);
const interval = 1000 / (rate * nSymbols);
let next = performance.now();
let seq = 0;
let index = 0;

function tick() {
  // Catch up with the clock: every tick due by now is sent, in order.
  while (performance.now() >= next) {
    const i = index;
    index = (index + 1) % nSymbols;
    seq += 1;
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
setTimeout(tick, interval);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
