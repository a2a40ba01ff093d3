/* sp-load: a WebSocket load client for the benchmarks. One thread, epoll, non-blocking
 * sockets, no allocation per message (every buffer is allocated when its client
 * connects). Opens N clients (reading while it connects, so early clients are never
 * stalled), counts frames and tick updates, measures the latency of each tick from its
 * "ts" (µs since the epoch) to its arrival, and checks every client's stream: per
 * symbol, each tick's "seq" must be above the last one (a repeat is a duplicate, a
 * lower one out of order, a jump of more than one a gap: ticks the client never got).
 *
 *   sp-load --port P [--host 127.0.0.1] [--clients N] [--duration S] [--warmup S]
 *           [--send TEXT] [--connect-rate N] [--max-pending N] [--connect-timeout S]
 *           [--server-pid PID]
 *
 * --connect-rate   new connections started per second (default 2000)
 * --max-pending    connections at most in the TCP or WebSocket handshake at once
 *                  (default 1000)
 * --connect-timeout  measure with the clients connected by then (default 60 s)
 * --server-pid     read the server's CPU time (utime + stime) and memory (VmRSS, VmHWM)
 *                  from /proc: before the first client, when measuring starts and ends
 *
 * Answers pings with pongs. Prints one JSON object with the results on stdout:
 * frames and updates per second during the measurement, latency percentiles, clients
 * lost, the time to connect them all, order checks, and its own CPU time (to show it is
 * not the bottleneck). Loopback only by design. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_SIZE   (256 * 1024)
#define MAX_SYMBOLS   64
#define SYMBOL_LEN    32
/* Latency histogram: 10 µs buckets up to 100 ms, then 1 ms buckets up to 100 s. */
#define FINE_SLOTS    10000
#define FINE_STEP_US  10
#define COARSE_SLOTS  100000
#define COARSE_STEP_US 1000
#define LATENCY_SLOTS (FINE_SLOTS + COARSE_SLOTS)

enum { IDLE, CONNECTING, HANDSHAKE, OPEN, CLOSED };

typedef struct
{
  int            fd;
  int            state;
  size_t         used;
  unsigned char *buffer;
  uint64_t      *last_seq;   /* MAX_SYMBOLS entries, 0 = nothing seen yet */
  int64_t       *last_ts;    /* the ts of that tick */
} Client;

static uint64_t latency[LATENCY_SLOTS + 1];
static uint64_t n_latency;
static uint64_t frames, updates, bytes_in;
static uint64_t opened, lost, failed, not_connected, pending;
static uint64_t out_of_order, duplicates, gaps, ticks_checked;
static int measuring;

static char symbols[MAX_SYMBOLS][SYMBOL_LEN];
static size_t symbol_lengths[MAX_SYMBOLS];
static int n_symbols;
static uint64_t unknown_symbols;

static int64_t
now_real_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double
now_mono (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
own_cpu_s (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* The server as /proc shows it; -1 where it could not be read. */
typedef struct
{
  double cpu_s;
  long   rss_kib;
  long   hwm_kib;
} ServerSample;

static ServerSample
sample_server (pid_t pid)
{
  ServerSample s = { -1, -1, -1 };
  char path[64], text[4096];
  FILE *f;
  size_t n;

  if (pid <= 0)
    return s;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if ((f = fopen (path, "r")) != NULL)
    {
      n = fread (text, 1, sizeof text - 1, f);
      fclose (f);
      text[n] = '\0';
      /* The fields after the command name, which may hold spaces and parentheses. */
      char *p = strrchr (text, ')');
      unsigned long utime, stime;

      if (p != NULL &&
          sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) == 2)
        s.cpu_s = (double) (utime + stime) / (double) sysconf (_SC_CLK_TCK);
    }

  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  if ((f = fopen (path, "r")) != NULL)
    {
      char line[256];

      while (fgets (line, sizeof line, f) != NULL)
        {
          if (strncmp (line, "VmRSS:", 6) == 0)
            s.rss_kib = strtol (line + 6, NULL, 10);
          else if (strncmp (line, "VmHWM:", 6) == 0)
            s.hwm_kib = strtol (line + 6, NULL, 10);
        }
      fclose (f);
    }

  return s;
}

static int
symbol_index (const char *name,
              size_t      len)
{
  for (int i = 0; i < n_symbols; i++)
    if (symbol_lengths[i] == len && memcmp (symbols[i], name, len) == 0)
      return i;
  if (n_symbols == MAX_SYMBOLS || len >= SYMBOL_LEN)
    return -1;
  memcpy (symbols[n_symbols], name, len);
  symbol_lengths[n_symbols] = len;
  return n_symbols++;
}

/* Where @key ends in [p, end), or NULL: memchr and a compare. glibc's memmem
 * sets up a search per call; with it, parsing took 37 % of this client's time
 * on multi-symbol's 20-tick batches (perf), time that adds to every latency it
 * measures. Now 21 %, with the one-pass member scan in account_tick. */
static const char *
find_key (const char *p,
          const char *end,
          const char *key,
          size_t      key_len)
{
  while (p < end && (p = memchr (p, key[0], (size_t) (end - p))) != NULL)
    {
      /* Most candidates differ in the next byte: no call for them. */
      if ((size_t) (end - p) >= key_len && p[1] == key[1] && memcmp (p, key, key_len) == 0)
        return p + key_len;
      p++;
    }
  return NULL;
}

static uint64_t
parse_uint (const char *p,
            const char *end)
{
  uint64_t value = 0;

  while (p < end && *p >= '0' && *p <= '9')
    value = value * 10 + (uint64_t) (*p++ - '0');
  return value;
}

static void
record_latency (int64_t now,
                int64_t ts)
{
  int64_t d = now - ts;
  size_t slot;

  if (d < 0)
    d = 0;
  if (d < (int64_t) FINE_SLOTS * FINE_STEP_US)
    slot = (size_t) (d / FINE_STEP_US);
  else
    slot = FINE_SLOTS + (size_t) ((d - (int64_t) FINE_SLOTS * FINE_STEP_US) / COARSE_STEP_US);
  latency[slot < LATENCY_SLOTS ? slot : LATENCY_SLOTS]++;
  n_latency++;
}

static double
slot_ms (size_t slot)
{
  if (slot < FINE_SLOTS)
    return slot * FINE_STEP_US / 1000.0;
  return (FINE_SLOTS * FINE_STEP_US + (slot - FINE_SLOTS) * (double) COARSE_STEP_US) / 1000.0;
}

/* One tick object, {"type":"tick",...} without nested objects: counted, timed, and its
 * seq checked against the client's last one for that symbol. */
static void
account_tick (Client     *c,
              const char *p,
              const char *end,
              int64_t     now)
{
  const char *name = NULL, *seq_at = NULL, *ts_at = NULL;
  int64_t ts;

  /* One pass over the members: "key":value, strings skipped whole. */
  while (p < end)
    {
      const char *key, *key_end;

      while (p < end && *p != '"')
        p++;
      key = p + 1;
      for (key_end = key; key_end < end && *key_end != '"'; key_end++)
        ;
      if (key_end + 1 >= end || key_end[1] != ':')
        break;
      p = key_end + 2;
      if (key_end - key == 6 && memcmp (key, "symbol", 6) == 0 && *p == '"')
        name = p + 1;
      else if (key_end - key == 3 && memcmp (key, "seq", 3) == 0)
        seq_at = p;
      else if (key_end - key == 2 && key[0] == 't' && key[1] == 's')
        ts_at = p;
      if (*p == '"')
        for (p++; p < end && *p != '"'; p++)
          ;
      p++;
    }

  ts = ts_at != NULL ? (int64_t) parse_uint (ts_at, end) : 0;
  if (measuring)
    {
      updates++;
      if (ts_at != NULL)
        record_latency (now, ts);
    }

  if (name != NULL && seq_at != NULL)
    {
      const char *name_end = memchr (name, '"', end - name);
      int i = name_end != NULL ? symbol_index (name, name_end - name) : -1;
      uint64_t seq = parse_uint (seq_at, end);

      if (i < 0)
        {
          unknown_symbols++;
          return;
        }
      ticks_checked++;
      if (c->last_seq[i] != 0)
        {
          if (seq == c->last_seq[i])
            duplicates++;
          else if (seq < c->last_seq[i])
            out_of_order++;
          else if (seq > c->last_seq[i] + 1)
            gaps += seq - c->last_seq[i] - 1;
        }
      if (seq > c->last_seq[i])
        {
          c->last_seq[i] = seq;
          c->last_ts[i] = ts;
        }
    }
}

/* A text frame: one tick, a batch {"type":"ticks","ts":…,"ticks":[…]} of them, the
 * demo's "price = …" (one update, no ts), or anything else (not an update). */
static void
account_payload (Client              *c,
                 const unsigned char *data,
                 size_t               size)
{
  const char *p = (const char *) data;
  const char *end = p + size;
  int64_t now = now_real_us ();

  frames += measuring;

  while (p < end && (p = find_key (p, end, "{\"type\":\"tick\",", 15)) != NULL)
    {
      const char *close = memchr (p, '}', end - p);

      if (close == NULL)
        break;
      account_tick (c, p, close, now);
      p = close + 1;
    }

  if (measuring && size > 8 && memcmp (data, "price = ", 8) == 0)
    updates++;
}

static void
send_masked (int                  fd,
             int                  opcode,
             const unsigned char *payload,
             size_t               len)
{
  unsigned char frame[1024];
  const unsigned char mask[4] = { 0x12, 0x34, 0x56, 0x78 };
  size_t header = 2;

  if (len > sizeof frame - 8)
    return;
  frame[0] = (unsigned char) (0x80 | opcode);
  frame[1] = 0x80 | (unsigned char) (len < 126 ? len : 126);
  if (len >= 126)
    {
      frame[2] = (unsigned char) (len >> 8);
      frame[3] = (unsigned char) len;
      header = 4;
    }
  memcpy (frame + header, mask, 4);
  for (size_t i = 0; i < len; i++)
    frame[header + 4 + i] = payload[i] ^ mask[i % 4];
  /* Small control frames on a socket that is read all the time: a short write is not
   * expected, and losing a pong only shows as a lost client. */
  if (write (fd, frame, header + 4 + len) < 0 && errno != EAGAIN)
    perror ("sp-load: write");
}

/* Consumes complete frames from the buffer; returns -1 on a close frame. */
static int
parse_frames (Client *c)
{
  size_t pos = 0;

  while (c->used - pos >= 2)
    {
      unsigned char *f = c->buffer + pos;
      int opcode = f[0] & 0x0f;
      uint64_t len = f[1] & 0x7f;
      size_t header = 2;

      if (len == 126)
        {
          if (c->used - pos < 4)
            break;
          len = ((uint64_t) f[2] << 8) | f[3];
          header = 4;
        }
      else if (len == 127)
        {
          if (c->used - pos < 10)
            break;
          len = 0;
          for (int i = 0; i < 8; i++)
            len = (len << 8) | f[2 + i];
          header = 10;
        }
      if (len > BUFFER_SIZE - 16)
        return -1;
      if (c->used - pos < header + len)
        break;

      if (opcode == 0x8)
        return -1;
      if (opcode == 0x9)
        send_masked (c->fd, 0xA, f + header, (size_t) len);
      else if (opcode == 0x1 || opcode == 0x2 || opcode == 0x0)
        account_payload (c, f + header, (size_t) len);
      pos += header + len;
    }

  memmove (c->buffer, c->buffer + pos, c->used - pos);
  c->used -= pos;
  return 0;
}

/* A JSON number, or null when it could not be measured. */
static void
number_or_null (char   *out,
                double  value,
                int     ok)
{
  if (ok)
    snprintf (out, 32, "%.3f", value);
  else
    strcpy (out, "null");
}

static void
close_client (Client *c,
              int     epfd)
{
  if (c->state == CONNECTING || c->state == HANDSHAKE)
    pending--;
  c->state = CLOSED;
  epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
}

int
main (int   argc,
      char *argv[])
{
  const char *host = "127.0.0.1";
  const char *send_text = NULL;
  int port = 0, n_clients = 100, connect_rate = 2000, max_pending = 1000;
  pid_t server_pid = 0;
  double duration = 10, warmup = 2, connect_timeout = 60;
  static const struct option options[] = {
    { "host", required_argument, NULL, 'h' }, { "port", required_argument, NULL, 'p' },
    { "clients", required_argument, NULL, 'n' }, { "duration", required_argument, NULL, 'd' },
    { "warmup", required_argument, NULL, 'w' }, { "send", required_argument, NULL, 's' },
    { "connect-rate", required_argument, NULL, 'r' },
    { "max-pending", required_argument, NULL, 'm' },
    { "connect-timeout", required_argument, NULL, 't' },
    { "server-pid", required_argument, NULL, 'P' }, { NULL, 0, NULL, 0 },
  };
  struct sockaddr_in address = { .sin_family = AF_INET };
  struct epoll_event events[512];
  struct rlimit limit;
  Client *clients;
  uint64_t *seq_table;
  int64_t *ts_table;
  unsigned char *buffers;
  int epfd, opt, started = 0;
  uint64_t connected_at_measure = 0;
  int64_t oldest_latest_us = -1;
  double t0, t_measure = 0, t_end = 0, t_all_open = -1, measured_for;
  double cpu_measure = 0, cpu_end;
  ServerSample before, at_measure = { -1, -1, -1 }, at_end;
  static const char request_format[] =
    "GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  char request[256];
  size_t request_len;

  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    switch (opt)
      {
      case 'h': host = optarg; break;
      case 'p': port = atoi (optarg); break;
      case 'n': n_clients = atoi (optarg); break;
      case 'd': duration = atof (optarg); break;
      case 'w': warmup = atof (optarg); break;
      case 's': send_text = optarg; break;
      case 'r': connect_rate = atoi (optarg); break;
      case 'm': max_pending = atoi (optarg); break;
      case 't': connect_timeout = atof (optarg); break;
      case 'P': server_pid = (pid_t) atoi (optarg); break;
      default: return 2;
      }

  if (port <= 0 || n_clients <= 0 || connect_rate <= 0 || max_pending <= 0 ||
      inet_pton (AF_INET, host, &address.sin_addr) != 1 ||
      (ntohl (address.sin_addr.s_addr) >> 24) != 127)
    {
      fprintf (stderr, "sp-load: --port P and a loopback --host (127.x.x.x) are required\n");
      return 2;
    }
  address.sin_port = htons ((uint16_t) port);

  /* One descriptor per client, plus a few. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        perror ("sp-load: setrlimit");
    }
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < (rlim_t) n_clients + 16)
    fprintf (stderr, "sp-load: warning: %llu file descriptors allowed for %d clients\n",
             (unsigned long long) limit.rlim_cur, n_clients);

  request_len = (size_t) snprintf (request, sizeof request, request_format, host, port);

  /* Everything a client needs, once: the reads and checks allocate nothing. Buffer
   * pages are touched only as far as the data they hold reaches. */
  clients = calloc (n_clients, sizeof *clients);
  seq_table = calloc ((size_t) n_clients * MAX_SYMBOLS, sizeof *seq_table);
  ts_table = calloc ((size_t) n_clients * MAX_SYMBOLS, sizeof *ts_table);
  buffers = malloc ((size_t) n_clients * BUFFER_SIZE);
  if (clients == NULL || seq_table == NULL || ts_table == NULL || buffers == NULL)
    {
      fprintf (stderr, "sp-load: out of memory for %d clients\n", n_clients);
      return 1;
    }
  for (int i = 0; i < n_clients; i++)
    {
      clients[i].buffer = buffers + (size_t) i * BUFFER_SIZE;
      clients[i].last_seq = seq_table + (size_t) i * MAX_SYMBOLS;
      clients[i].last_ts = ts_table + (size_t) i * MAX_SYMBOLS;
      clients[i].fd = -1;
    }

  epfd = epoll_create1 (0);
  before = sample_server (server_pid);
  t0 = now_mono ();

  for (;;)
    {
      double now = now_mono ();
      int n;

      /* Connect at a bounded rate and a bounded number in flight, interleaved with reading. */
      while (t_measure == 0 && started < n_clients && started < (now - t0) * connect_rate + 1 &&
             pending < (uint64_t) max_pending)
        {
          Client *c = &clients[started++];
          struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
          int one = 1;

          c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
          if (c->fd < 0)
            {
              c->state = CLOSED;
              failed++;
              continue;
            }
          setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (connect (c->fd, (struct sockaddr *) &address, sizeof address) < 0 && errno != EINPROGRESS)
            {
              c->state = CLOSED;
              close (c->fd);
              failed++;
              continue;
            }
          c->state = CONNECTING;
          pending++;
          epoll_ctl (epfd, EPOLL_CTL_ADD, c->fd, &ev);
        }

      if (t_all_open < 0 && opened == (uint64_t) n_clients)
        t_all_open = now - t0;

      if (t_measure == 0 &&
          ((started == n_clients && pending == 0) || now - t0 > connect_timeout))
        {
          /* Measure with the clients connected by now; the others are given up. */
          for (int i = 0; i < started; i++)
            if (clients[i].state == CONNECTING || clients[i].state == HANDSHAKE)
              {
                close_client (&clients[i], epfd);
                not_connected++;
              }
          not_connected += (uint64_t) (n_clients - started);
          started = n_clients;
          t_measure = now + warmup;
          t_end = t_measure + duration;
        }
      if (t_measure != 0 && !measuring && now >= t_measure)
        {
          measuring = 1;
          connected_at_measure = opened - lost;
          cpu_measure = own_cpu_s ();
          at_measure = sample_server (server_pid);
        }
      if (t_end != 0 && now >= t_end)
        break;

      n = epoll_wait (epfd, events, 512, 5);
      for (int i = 0; i < n; i++)
        {
          Client *c = events[i].data.ptr;
          ssize_t got = 1;

          if (c->state == CLOSED)
            continue;

          if (c->state == CONNECTING)
            {
              struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

              if (events[i].events & (EPOLLERR | EPOLLHUP))
                {
                  close_client (c, epfd);
                  failed++;
                  continue;
                }
              if (!(events[i].events & EPOLLOUT))
                continue;
              if (write (c->fd, request, request_len) != (ssize_t) request_len)
                {
                  close_client (c, epfd);
                  failed++;
                  continue;
                }
              c->state = HANDSHAKE;
              epoll_ctl (epfd, EPOLL_CTL_MOD, c->fd, &ev);
              continue;
            }

          if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            continue;

          /* Epoll is level-triggered: one read per readiness unless it filled the buffer
           * (a second read would mostly return EAGAIN, a wasted syscall per frame). */
          for (size_t room = BUFFER_SIZE - c->used;
               (got = read (c->fd, c->buffer + c->used, room)) > 0;
               room = BUFFER_SIZE - c->used)
            {
              c->used += (size_t) got;
              bytes_in += measuring ? (uint64_t) got : 0;
              if (c->state == HANDSHAKE)
                {
                  unsigned char *head_end = memmem (c->buffer, c->used, "\r\n\r\n", 4);

                  if (head_end == NULL)
                    continue;
                  if (memcmp (c->buffer, "HTTP/1.1 101", 12) != 0)
                    {
                      got = 0;
                      break;
                    }
                  head_end += 4;
                  c->used -= (size_t) (head_end - c->buffer);
                  memmove (c->buffer, head_end, c->used);
                  c->state = OPEN;
                  pending--;
                  opened++;
                  if (send_text != NULL)
                    send_masked (c->fd, 0x1, (const unsigned char *) send_text, strlen (send_text));
                }
              if (c->state == OPEN && parse_frames (c) < 0)
                {
                  got = 0;
                  break;
                }
              if (c->used == BUFFER_SIZE)
                c->used = 0;  /* a frame larger than the buffer: drop, keep reading */
              if ((size_t) got < room)
                break;
            }
          if (got == 0 || (got < 0 && errno != EAGAIN))
            {
              if (c->state == OPEN)
                lost++;
              else
                failed++;
              close_client (c, epfd);
            }
        }
    }

  measured_for = measuring ? now_mono () - t_measure : 0;
  {
    /* The latest price must reach every client, also one whose ticks were
     * coalesced: how old is the newest tick each open client holds of each
     * symbol it got? The oldest of those, with the run's ticks still flowing,
     * is at most an interval plus a delivery. */
    int64_t now = now_real_us ();

    for (int i = 0; i < n_clients; i++)
      if (clients[i].state == OPEN)
        for (int k = 0; k < n_symbols; k++)
          if (clients[i].last_seq[k] != 0 && clients[i].last_ts[k] > 0 &&
              now - clients[i].last_ts[k] > oldest_latest_us)
            oldest_latest_us = now - clients[i].last_ts[k];
  }
  cpu_end = own_cpu_s ();
  at_end = sample_server (server_pid);
  {
    double p[3] = { 0.5, 0.99, 0.999 };
    double values[3] = { 0 };
    uint64_t seen = 0;
    int k = 0;

    for (size_t slot = 0; slot <= LATENCY_SLOTS && k < 3; slot++)
      {
        seen += latency[slot];
        while (k < 3 && n_latency > 0 && seen >= (uint64_t) (p[k] * n_latency))
          values[k++] = slot_ms (slot);
      }

    char connect_s[32], oldest_latest[32], server_cpu[32], server_cpu_total[32];
    char rss_before[32], rss[32], hwm[32];

    number_or_null (connect_s, t_all_open, t_all_open >= 0);
    number_or_null (oldest_latest, oldest_latest_us / 1000.0, oldest_latest_us >= 0);
    number_or_null (server_cpu, at_end.cpu_s - at_measure.cpu_s, at_end.cpu_s >= 0 && at_measure.cpu_s >= 0);
    number_or_null (server_cpu_total, at_end.cpu_s - before.cpu_s, at_end.cpu_s >= 0 && before.cpu_s >= 0);
    number_or_null (rss_before, before.rss_kib, before.rss_kib >= 0);
    number_or_null (rss, at_end.rss_kib, at_end.rss_kib >= 0);
    number_or_null (hwm, at_end.hwm_kib, at_end.hwm_kib >= 0);
    printf ("{\"clients\":%d,\"opened\":%llu,\"connected\":%llu,\"lost\":%llu,\"failed\":%llu,"
            "\"not_connected\":%llu,\"connect_s\":%s,\"seconds\":%.3f,"
            "\"frames\":%llu,\"updates\":%llu,"
            "\"frames_per_s\":%.1f,\"updates_per_s\":%.1f,\"mbytes_per_s\":%.2f,"
            "\"latency_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
            "\"ticks_checked\":%llu,\"out_of_order\":%llu,\"duplicates\":%llu,\"gaps\":%llu,"
            "\"symbols\":%d,\"unknown_symbols\":%llu,\"oldest_latest_ms\":%s,"
            "\"client_cpu_s\":%.3f,\"client_cpu_total_s\":%.3f,"
            "\"server_cpu_s\":%s,\"server_cpu_total_s\":%s,"
            "\"server_rss_before_kib\":%s,\"server_rss_kib\":%s,\"server_hwm_kib\":%s}\n",
            n_clients, (unsigned long long) opened, (unsigned long long) connected_at_measure,
            (unsigned long long) lost, (unsigned long long) failed,
            (unsigned long long) not_connected,
            connect_s, measured_for,
            (unsigned long long) frames, (unsigned long long) updates,
            measured_for > 0 ? frames / measured_for : 0, measured_for > 0 ? updates / measured_for : 0,
            measured_for > 0 ? bytes_in / measured_for / 1e6 : 0, values[0], values[1], values[2],
            (unsigned long long) ticks_checked, (unsigned long long) out_of_order,
            (unsigned long long) duplicates, (unsigned long long) gaps,
            n_symbols, (unsigned long long) unknown_symbols, oldest_latest,
            measuring ? cpu_end - cpu_measure : 0, cpu_end,
            server_cpu, server_cpu_total, rss_before, rss, hwm);
  }

  for (int i = 0; i < n_clients; i++)
    if (clients[i].state != IDLE && clients[i].state != CLOSED)
      close (clients[i].fd);
  close (epfd);
  free (buffers);
  free (seq_table);
  free (ts_table);
  free (clients);
  return 0;
}
