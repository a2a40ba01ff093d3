/* sp-load: a WebSocket load client for the benchmarks. One thread, epoll, non-blocking
 * sockets, no allocation per message. Opens N clients (reading while it connects, so
 * early clients are never stalled), counts frames and tick updates, and measures the
 * latency of each tick from its "ts" (µs since the epoch) to its arrival.
 *
 *   sp-load --port P [--host 127.0.0.1] [--clients N] [--duration S] [--warmup S]
 *           [--send TEXT] [--connect-rate N]
 *
 * Prints one JSON object with the results on stdout. Loopback only by design. */
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
#include <time.h>
#include <unistd.h>

#define BUFFER_SIZE   (256 * 1024)
#define LATENCY_SLOTS 100000          /* 10 µs buckets up to 1 s, then overflow */
#define LATENCY_STEP  10

enum { CONNECTING, HANDSHAKE, OPEN, CLOSED };

typedef struct
{
  int      fd;
  int      state;
  size_t   used;
  unsigned char *buffer;
} Client;

static uint64_t latency[LATENCY_SLOTS + 1];
static uint64_t n_latency;
static uint64_t frames, updates, bytes_in, lost, opened;
static int measuring;

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

/* Every "ts": in the payload counts one tick update; batches carry one per tick plus their own. */
static void
account_payload (const unsigned char *data,
                 size_t               size)
{
  const char *p = (const char *) data;
  const char *end = p + size;
  int64_t now = now_real_us ();
  int is_batch = size > 16 && memcmp (p, "{\"type\":\"ticks\"", 15) == 0;
  int first = 1;

  frames += measuring;
  while (p < end && (p = memmem (p, end - p, "\"ts\":", 5)) != NULL)
    {
      int64_t ts = 0;

      p += 5;
      while (p < end && *p >= '0' && *p <= '9')
        ts = ts * 10 + (*p++ - '0');

      /* A batch's own ts precedes its ticks: not an update. */
      if (is_batch && first)
        {
          first = 0;
          continue;
        }
      first = 0;

      if (measuring && ts > 0)
        {
          int64_t d = now - ts;
          size_t slot = d < 0 ? 0 : (size_t) (d / LATENCY_STEP);

          latency[slot < LATENCY_SLOTS ? slot : LATENCY_SLOTS]++;
          n_latency++;
          updates++;
        }
    }

  /* The demo's text frames ("price = …") carry no ts: one update each. */
  if (measuring && size > 8 && memcmp (data, "price = ", 8) == 0)
    updates++;
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
      if (opcode == 0x1 || opcode == 0x2 || opcode == 0x0)
        account_payload (f + header, len);
      pos += header + len;
    }

  memmove (c->buffer, c->buffer + pos, c->used - pos);
  c->used -= pos;
  return 0;
}

static void
send_masked_text (int         fd,
                  const char *text)
{
  unsigned char frame[1024];
  size_t len = strlen (text);
  const unsigned char mask[4] = { 0x12, 0x34, 0x56, 0x78 };

  if (len > sizeof frame - 8)
    return;
  frame[0] = 0x81;
  frame[1] = 0x80 | (unsigned char) (len < 126 ? len : 126);
  size_t header = 2;
  if (len >= 126)
    {
      frame[2] = (unsigned char) (len >> 8);
      frame[3] = (unsigned char) len;
      header = 4;
    }
  memcpy (frame + header, mask, 4);
  for (size_t i = 0; i < len; i++)
    frame[header + 4 + i] = (unsigned char) text[i] ^ mask[i % 4];
  if (write (fd, frame, header + 4 + len) < 0)
    perror ("write");
}

int
main (int   argc,
      char *argv[])
{
  const char *host = "127.0.0.1";
  const char *send_text = NULL;
  int port = 0, n_clients = 100, connect_rate = 2000;
  double connect_seconds = -1;
  double duration = 10, warmup = 2;
  static const struct option options[] = {
    { "host", required_argument, NULL, 'h' }, { "port", required_argument, NULL, 'p' },
    { "clients", required_argument, NULL, 'n' }, { "duration", required_argument, NULL, 'd' },
    { "warmup", required_argument, NULL, 'w' }, { "send", required_argument, NULL, 's' },
    { "connect-rate", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 },
  };
  struct sockaddr_in address = { .sin_family = AF_INET };
  struct epoll_event events[512];
  struct rlimit limit;
  Client *clients;
  int epfd, opt, started = 0;
  double t0, t_measure = 0, t_end = 0, measured_for;
  static const char request_format[] =
    "GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  char request[256];

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
      default: return 2;
      }

  if (port <= 0 || n_clients <= 0 || inet_pton (AF_INET, host, &address.sin_addr) != 1 ||
      (ntohl (address.sin_addr.s_addr) >> 24) != 127)
    {
      fprintf (stderr, "sp-load: --port P and a loopback --host (127.x.x.x) are required\n");
      return 2;
    }
  address.sin_port = htons ((uint16_t) port);

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  snprintf (request, sizeof request, request_format, host, port);
  clients = calloc (n_clients, sizeof *clients);
  epfd = epoll_create1 (0);
  t0 = now_mono ();

  for (;;)
    {
      double now = now_mono ();
      int n;

      /* Connect at a bounded rate, interleaved with reading. */
      while (started < n_clients && started < (now - t0) * connect_rate + 1)
        {
          Client *c = &clients[started++];
          struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
          int one = 1;

          c->buffer = malloc (BUFFER_SIZE);
          c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
          setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (connect (c->fd, (struct sockaddr *) &address, sizeof address) < 0 && errno != EINPROGRESS)
            {
              c->state = CLOSED;
              lost++;
              continue;
            }
          c->state = CONNECTING;
          epoll_ctl (epfd, EPOLL_CTL_ADD, c->fd, &ev);
        }

      if (t_measure == 0 && started == n_clients && opened + lost == (uint64_t) n_clients)
        {
          connect_seconds = now - t0;
          t_measure = now + warmup;
          t_end = t_measure + duration;
        }
      if (t_measure != 0 && !measuring && now >= t_measure)
        measuring = 1;
      if (t_end != 0 && now >= t_end)
        break;
      if (now - t0 > 600)
        break;

      n = epoll_wait (epfd, events, 512, 10);
      for (int i = 0; i < n; i++)
        {
          Client *c = events[i].data.ptr;

          if (c->state == CONNECTING && (events[i].events & EPOLLOUT))
            {
              struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

              if (write (c->fd, request, strlen (request)) < 0)
                {
                  c->state = CLOSED;
                  lost++;
                  close (c->fd);
                  continue;
                }
              c->state = HANDSHAKE;
              epoll_ctl (epfd, EPOLL_CTL_MOD, c->fd, &ev);
            }

          if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            {
              ssize_t got;

              while ((got = read (c->fd, c->buffer + c->used, BUFFER_SIZE - c->used)) > 0)
                {
                  c->used += got;
                  bytes_in += measuring ? got : 0;
                  if (c->state == HANDSHAKE)
                    {
                      unsigned char *end = memmem (c->buffer, c->used, "\r\n\r\n", 4);

                      if (end == NULL)
                        continue;
                      if (memcmp (c->buffer, "HTTP/1.1 101", 12) != 0)
                        {
                          got = 0;
                          break;
                        }
                      end += 4;
                      c->used -= end - c->buffer;
                      memmove (c->buffer, end, c->used);
                      c->state = OPEN;
                      opened++;
                      if (send_text != NULL)
                        send_masked_text (c->fd, send_text);
                    }
                  if (c->state == OPEN && parse_frames (c) < 0)
                    {
                      got = 0;
                      break;
                    }
                  if (c->used == BUFFER_SIZE)
                    c->used = 0;  /* a frame larger than the buffer: drop, keep reading */
                }
              if (got == 0 || (got < 0 && errno != EAGAIN))
                {
                  if (c->state != CLOSED)
                    lost++;
                  c->state = CLOSED;
                  epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
                  close (c->fd);
                }
            }
        }
    }

  measured_for = measuring ? now_mono () - t_measure : 0;
  {
    double p[3] = { 0.5, 0.99, 0.999 };
    double values[3] = { 0 };
    uint64_t seen = 0;
    int k = 0;

    for (size_t slot = 0; slot <= LATENCY_SLOTS && k < 3; slot++)
      {
        seen += latency[slot];
        while (k < 3 && n_latency > 0 && seen >= (uint64_t) (p[k] * n_latency))
          values[k++] = slot * LATENCY_STEP / 1000.0;
      }

    printf ("{\"clients\":%d,\"opened\":%llu,\"lost\":%llu,\"connect_seconds\":%.3f,\"seconds\":%.3f,"
            "\"frames_per_s\":%.1f,\"updates_per_s\":%.1f,\"mbytes_per_s\":%.2f,"
            "\"latency_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f}}\n",
            n_clients, (unsigned long long) opened, (unsigned long long) lost, connect_seconds, measured_for,
            measured_for > 0 ? frames / measured_for : 0, measured_for > 0 ? updates / measured_for : 0,
            measured_for > 0 ? bytes_in / measured_for / 1e6 : 0, values[0], values[1], values[2]);
    fflush (stdout);
  }

  for (int i = 0; i < n_clients; i++)
    {
      if (clients[i].state != CLOSED && clients[i].fd > 0)
        close (clients[i].fd);
      free (clients[i].buffer);
    }
  free (clients);
  close (epfd);

  return 0;
}
