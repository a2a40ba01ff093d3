// Benchmark peer: a price-push server written idiomatically with Go's
// gorilla/websocket (Debian 12's golang-github-gorilla-websocket-dev, built offline
// with GO111MODULE=off and GOPATH=/usr/share/gocode): each step is made once as a
// websocket.PreparedMessage and handed to one writer goroutine per client over a
// buffered channel (a client whose channel is full is closed, as gorilla's chat
// example does); no compression, no pings, one frame per step.
//
//	go-server --port P [--symbols N] [--rate R] [--wait-clients N]
//
// The workload of every server of the benchmarks (see the README): every symbol
// (SYM0, SYM1, …) ticks R times a second, all on the same grid, scheduled from the
// monotonic clock; each step is the tick alone with one symbol, else a batch
// {"type":"ticks","ts":…,"ticks":[…]} of every symbol's tick; `seq` counts each
// symbol's ticks, `ts` is µs since the epoch. With --wait-clients N the ticks start
// once N clients are connected (or after 30 s). --port 0 picks a free port; the first
// line is the URL. Loopback only.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// Steps a client may be behind before it is closed.
const queue = 4096

type hub struct {
	mu      sync.Mutex
	clients map[chan *websocket.PreparedMessage]struct{}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *hub) publish(m *websocket.PreparedMessage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.clients {
		select {
		case ch <- m:
		default:
			delete(h.clients, ch)
			close(ch)
		}
	}
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:    1024,
	WriteBufferSize:   4096,
	EnableCompression: false,
	CheckOrigin:       func(*http.Request) bool { return true },
}

func (h *hub) serve(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ch := make(chan *websocket.PreparedMessage, queue)
	h.mu.Lock()
	h.clients[ch] = struct{}{}
	h.mu.Unlock()
	go func() { // the writer
		defer conn.Close()
		for m := range ch {
			if conn.WritePreparedMessage(m) != nil {
				break
			}
		}
	}()
	go func() { // the reader: what clients send is read and forgotten
		for {
			if _, _, err := conn.NextReader(); err != nil {
				break
			}
		}
		h.mu.Lock()
		if _, ok := h.clients[ch]; ok {
			delete(h.clients, ch)
			close(ch)
		}
		h.mu.Unlock()
	}()
}

func main() {
	port := flag.Int("port", 0, "port (0: a free one)")
	nSymbols := flag.Int("symbols", 1, "symbols")
	rate := flag.Float64("rate", 10, "ticks a second per symbol")
	waitClients := flag.Int("wait-clients", 0, "start ticking once this many clients are in")
	flag.Parse()
	if *nSymbols < 1 || *rate <= 0 {
		fmt.Fprintln(os.Stderr, "go-server: bad arguments")
		os.Exit(2)
	}

	h := &hub{clients: map[chan *websocket.PreparedMessage]struct{}{}}
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-server:", err)
		os.Exit(1)
	}
	fmt.Printf("ws://%s/\n", listener.Addr())
	go http.Serve(listener, http.HandlerFunc(h.serve))

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-signals; os.Exit(0) }()

	symbols := make([]string, *nSymbols)
	prices := make([]float64, *nSymbols)
	seqs := make([]uint64, *nSymbols)
	for i := range symbols {
		symbols[i] = fmt.Sprintf("SYM%d", i)
		prices[i] = 100 + float64(i)
	}
	giveUp := time.Now().Add(30 * time.Second)
	for h.count() < *waitClients && time.Now().Before(giveUp) {
		time.Sleep(10 * time.Millisecond)
	}

	// time.Time carries the monotonic clock: the deadlines are absolute on it.
	interval := time.Duration(float64(time.Second) / *rate)
	next := time.Now().Add(interval)
	ticks := make([]string, *nSymbols)
	for {
		time.Sleep(time.Until(next))
		now := time.Now()
		for !next.After(now) { // every step due by now, in order
			ts := time.Now().UnixMicro()
			for i, symbol := range symbols {
				seqs[i]++
				prices[i] = math.Max(0.01, math.Round(prices[i]*(1+(rand.Float64()-0.5)*0.001)*100)/100)
				ticks[i] = fmt.Sprintf(`{"type":"tick","symbol":"%s","price":%.2f,"change":0,`+
					`"change_pct":0,"volume":%d,"seq":%d,"ts":%d}`, symbol, prices[i], seqs[i], seqs[i], ts)
			}
			text := ticks[0]
			if len(ticks) > 1 {
				text = fmt.Sprintf(`{"type":"ticks","ts":%d,"ticks":[%s]}`, ts, strings.Join(ticks, ","))
			}
			m, err := websocket.NewPreparedMessage(websocket.TextMessage, []byte(text))
			if err == nil {
				h.publish(m)
			}
			next = next.Add(interval)
		}
	}
}
