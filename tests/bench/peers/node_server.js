// Benchmark peer: a price-push server written idiomatically with Node's `ws`
// (version pinned in package.json), permessage-deflate off, one frame per step.
//
//   node node_server.js --port P [--symbols N] [--rate R] [--wait-clients N]
//
// The workload every server of the benchmarks runs (see the README): every symbol
// ticks R times a second, all on the same grid, as StockPush's market does; each step
// is one text frame to every client, the tick alone with one symbol, else a batch
// {"type":"ticks","ts":…,"ticks":[…]} of every symbol's tick, the shape StockPush
// sends a client subscribed to them all. Steps are scheduled from the monotonic clock
// with timers, never a busy loop; `seq` counts each symbol's ticks, `ts` is µs since
// the epoch. With --wait-clients N the ticks start once N clients are connected (or
// after 30 s). --port 0 picks a free port; the first line is the URL.
'use strict';
const { WebSocketServer, WebSocket } = require('ws');
const { makeMarket } = require('./market.js');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const port = option('--port', 0);
const waitClients = option('--wait-clients', 0);
const market = makeMarket(option('--symbols', 1), option('--rate', 10));

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, backlog: 4096 });
wss.on('listening', () => console.log(`ws://127.0.0.1:${wss.address().port}/`));
wss.on('connection', (ws) => ws.on('message', () => {}));

market.run(() => wss.clients.size, waitClients, (message) => {
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(message);
  }
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
