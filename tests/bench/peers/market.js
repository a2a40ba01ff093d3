// The workload of the JavaScript peers (Node ws, uWebSockets.js, Bun), shared so that
// they differ only in how they send: every symbol ticks `rate` times a second on the
// same grid; each step is one message, the tick alone with one symbol, else a batch
// {"type":"ticks","ts":…,"ticks":[…]} of every symbol's tick (StockPush's shape).
// Runs in Node and in Bun (performance.now() is monotonic in both).
'use strict';

function makeMarket(nSymbols, rate) {
  const symbols = Array.from({ length: nSymbols }, (_, i) => `SYM${i}`);
  const prices = symbols.map((_, i) => 100 + i);
  const seqs = symbols.map(() => 0); // ticks of each symbol so far, as StockPush's seq
  const interval = 1000 / rate;

  function step() {
    const ts = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const ticks = symbols.map((symbol, i) => {
      seqs[i] += 1;
      const seq = seqs[i];
      prices[i] = Math.max(0.01, Math.round(prices[i] * (1 + (Math.random() - 0.5) * 0.001) * 100) / 100);
      return JSON.stringify({
        type: 'tick', symbol, price: prices[i], change: 0, change_pct: 0, volume: seq, seq, ts,
      });
    });
    return nSymbols === 1 ? ticks[0] : `{"type":"ticks","ts":${ts},"ticks":[${ticks.join(',')}]}`;
  }

  // Catch up with the clock: every step due by now is sent, in order. "Now" is read
  // once, so a server that falls behind still returns to the event loop (accepting
  // and serving connections) between its timer callbacks.
  function run(clientCount, waitClients, send) {
    let next;
    function tick() {
      const now = performance.now();
      while (now >= next) {
        send(step());
        next += interval;
      }
      setTimeout(tick, Math.max(0, next - performance.now()));
    }
    const giveUp = performance.now() + 30000;
    function start() {
      if (clientCount() < waitClients && performance.now() < giveUp) {
        setTimeout(start, 10);
        return;
      }
      next = performance.now() + interval;
      setTimeout(tick, interval);
    }
    start();
  }

  return { run };
}

module.exports = { makeMarket };
