// Benchmark peer: a price-push server written idiomatically for Bun (npm `bun`,
// version pinned in package.json): Bun.serve with a websocket handler, every client
// subscribed to one topic, each step sent once with server.publish(); no
// permessage-deflate, no pings (the other peers send none), one frame per step.
//
//   bun bun_server.js --port P [--symbols N] [--rate R] [--wait-clients N]
//
// The workload is market.js's, the same as every server of the benchmarks (see the
// README). --port 0 picks a free port; the first line is the URL.
'use strict';
const { makeMarket } = require('./market.js');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const waitClients = option('--wait-clients', 0);
const market = makeMarket(option('--symbols', 1), option('--rate', 10));
let clients = 0;

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: option('--port', 0),
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response('a WebSocket server\n', { status: 426 });
  },
  websocket: {
    perMessageDeflate: false,
    sendPings: false,
    idleTimeout: 0,
    open(ws) {
      ws.subscribe('ticks');
      clients++;
    },
    message() {},
    close() {
      clients--;
    },
  },
});
console.log(`ws://127.0.0.1:${server.port}/`);

market.run(() => clients, waitClients, (message) => server.publish('ticks', message));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
