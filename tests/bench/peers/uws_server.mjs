// Benchmark peer: a price-push server written idiomatically with uWebSockets.js, as
// npm's `uws-pack` ships it (a repackaging of uWebSockets.js v20's own binaries, which
// are not on the npm registry under their own name; version pinned in package.json):
// every client subscribed to one topic, each step sent once with app.publish(); no
// compression, no automatic pings (the other peers send none), one frame per step.
// maxBackpressure is raised from 64 KiB to Bun's 16 MiB so that a slow client is
// queued for, as by the other peers, rather than silently skipped.
//
//   node uws_server.mjs --port P [--symbols N] [--rate R] [--wait-clients N]
//
// The workload is market.js's, the same as every server of the benchmarks (see the
// README). --port 0 picks a free port; the first line is the URL.
import { App, DISABLED, us_socket_local_port } from 'uws-pack';
import market from './market.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const waitClients = option('--wait-clients', 0);
const feed = market.makeMarket(option('--symbols', 1), option('--rate', 10));
let clients = 0;

const app = App().ws('/*', {
  compression: DISABLED,
  maxPayloadLength: 16 * 1024,
  maxBackpressure: 16 * 1024 * 1024,
  idleTimeout: 0,
  sendPingsAutomatically: false,
  open(ws) {
    ws.subscribe('ticks');
    clients++;
  },
  message() {},
  close() {
    clients--;
  },
});
app.listen('127.0.0.1', option('--port', 0), (token) => {
  if (!token) {
    console.error('uws_server: cannot listen');
    process.exit(1);
  }
  console.log(`ws://127.0.0.1:${us_socket_local_port(token)}/`);
  feed.run(() => clients, waitClients, (message) => app.publish('ticks', message, false));
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
