/* sp-trivial-server: the cheapest price-push server that can be written, to show that
 * sp-load keeps up with the highest rates the benchmarks use (the load client must
 * never be the bottleneck). One thread, epoll, a timerfd on absolute deadlines; each
 * step is encoded once, as the peers' one frame per step, and every step due at a
 * wake-up goes to each client in one write(). A client whose socket cannot take that
 * write whole is closed (sp-load counts it as lost): there is no queue at all.
 *
 *   sp-trivial-server [--port P] [--symbols N] [--rate R] [--wait-clients N]
 *
 * Every symbol (SYM0, SYM1, …) ticks R times a second, all on the same grid as in
 * StockPush and the peers: one frame per step, a batch of every symbol's tick when
 * there are several; with --wait-clients, once N clients are connected (or after
 * 30 s), as the peers. Prints
 * its ws:// URL on the first line; stops on SIGTERM or SIGINT. Loopback only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#define MAX_SYMBOLS  64
#define OUT_SIZE     (64 * 1024)
#define REQUEST_SIZE 2048

typedef struct
{
  int    fd;         /* -1 when the slot is free */
  int    open;
  size_t used;
  char   request[REQUEST_SIZE];
} Conn;

static volatile sig_atomic_t stopping;

static void
on_signal (int sig)
{
  stopping = 1;
}

static int64_t
now_real_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
now_mono_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
arm (int     timer,
     int64_t deadline_ns)
{
  struct itimerspec spec = { { 0, 0 }, { deadline_ns / 1000000000, deadline_ns % 1000000000 } };

  timerfd_settime (timer, TFD_TIMER_ABSTIME, &spec, NULL);
}

/* Answers the upgrade once the request is complete; returns -1 to drop the client. */
static int
handshake (Conn *c)
{
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  char *end = memmem (c->request, c->used, "\r\n\r\n", 4);
  char *key, *key_end, response[256];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autoptr(GChecksum) sha1 = NULL;
  g_autofree char *accept = NULL;
  int len;

  if (end == NULL)
    return c->used >= REQUEST_SIZE - 1 ? -1 : 0;
  *end = '\0';
  key = strcasestr (c->request, "\r\nSec-WebSocket-Key:");
  if (key == NULL)
    return -1;
  key += 20;
  while (*key == ' ')
    key++;
  key_end = strstr (key, "\r\n");
  if (key_end == NULL)
    key_end = end;

  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) key, key_end - key);
  g_checksum_update (sha1, (const guchar *) guid, sizeof guid - 1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);
  len = snprintf (response, sizeof response,
                  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  if (write (c->fd, response, (size_t) len) != len)
    return -1;
  c->open = 1;
  return 0;
}

/* Appends one unmasked text frame holding one market step: every symbol's tick, one
 * tick alone or a batch {"type":"ticks","ts":…,"ticks":[…]} as StockPush sends its
 * clients; returns the new length (unchanged when the buffer is full). */
static size_t
append_step (unsigned char  *out,
             size_t          used,
             int             n_symbols,
             const double   *prices,
             const uint64_t *seqs)
{
  static char payload[MAX_SYMBOLS * 192 + 64];
  long long ts = (long long) now_real_us ();
  size_t len = 0;

  if (n_symbols > 1)
    len += (size_t) snprintf (payload, sizeof payload, "{\"type\":\"ticks\",\"ts\":%lld,\"ticks\":[", ts);
  for (int s = 0; s < n_symbols; s++)
    len += (size_t) snprintf (payload + len, sizeof payload - len,
                              "%s{\"type\":\"tick\",\"symbol\":\"SYM%d\",\"price\":%.2f,\"change\":0,"
                              "\"change_pct\":0,\"volume\":%llu,\"seq\":%llu,\"ts\":%lld}",
                              s > 0 ? "," : "", s, prices[s], (unsigned long long) seqs[s],
                              (unsigned long long) seqs[s], ts);
  if (n_symbols > 1)
    len += (size_t) snprintf (payload + len, sizeof payload - len, "]}");

  if (used + 4 + len > OUT_SIZE)
    return used;
  out[used++] = 0x81;
  if (len < 126)
    out[used++] = (unsigned char) len;
  else
    {
      out[used++] = 126;
      out[used++] = (unsigned char) (len >> 8);
      out[used++] = (unsigned char) len;
    }
  memcpy (out + used, payload, len);
  return used + len;
}

int
main (int   argc,
      char *argv[])
{
  static const struct option options[] = {
    { "port", required_argument, NULL, 'p' }, { "symbols", required_argument, NULL, 's' },
    { "rate", required_argument, NULL, 'r' }, { "wait-clients", required_argument, NULL, 'w' },
    { NULL, 0, NULL, 0 },
  };
  static unsigned char out[OUT_SIZE];
  int port = 0, n_symbols = 1, opt, listener, timer, epfd, one = 1;
  int wait_clients = 0, n_open = 0, ticking;
  double rate = 10, prices[MAX_SYMBOLS];
  uint64_t seqs[MAX_SYMBOLS] = { 0 }, dropped = 0, closed_full = 0;
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t address_len = sizeof address;
  struct epoll_event ev, events[256];
  struct rlimit limit;
  Conn **conns;
  size_t max_fds;
  int64_t interval_ns, next_ns, give_up_ns;

  while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1)
    switch (opt)
      {
      case 'p': port = atoi (optarg); break;
      case 's': n_symbols = atoi (optarg); break;
      case 'r': rate = atof (optarg); break;
      case 'w': wait_clients = atoi (optarg); break;
      default: return 2;
      }
  if (port < 0 || port > 65535 || n_symbols < 1 || n_symbols > MAX_SYMBOLS || rate <= 0)
    {
      fprintf (stderr, "sp-trivial-server: bad arguments\n");
      return 2;
    }

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
  getrlimit (RLIMIT_NOFILE, &limit);
  max_fds = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 1 << 20 ? 1 << 20 : limit.rlim_cur;
  /* One slot per descriptor, never freed: an event still in the batch for a client
   * closed earlier in it finds a free slot, not freed memory. */
  conns = calloc (max_fds, sizeof *conns);

  signal (SIGPIPE, SIG_IGN);
  signal (SIGTERM, on_signal);
  signal (SIGINT, on_signal);

  listener = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt (listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  address.sin_port = htons ((uint16_t) port);
  if (bind (listener, (struct sockaddr *) &address, sizeof address) != 0 ||
      listen (listener, 4096) != 0 ||
      getsockname (listener, (struct sockaddr *) &address, &address_len) != 0)
    {
      perror ("sp-trivial-server: listen");
      return 1;
    }
  printf ("ws://127.0.0.1:%d/\n", ntohs (address.sin_port));
  fflush (stdout);

  for (int i = 0; i < n_symbols; i++)
    prices[i] = 100.0 + i;
  interval_ns = (int64_t) (1e9 / rate);
  next_ns = now_mono_ns () + interval_ns;
  ticking = wait_clients <= 0;
  give_up_ns = now_mono_ns () + (int64_t) 30 * 1000000000;

  epfd = epoll_create1 (0);
  timer = timerfd_create (CLOCK_MONOTONIC, TFD_NONBLOCK);
  arm (timer, next_ns);
  ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = listener };
  epoll_ctl (epfd, EPOLL_CTL_ADD, listener, &ev);
  ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = timer };
  epoll_ctl (epfd, EPOLL_CTL_ADD, timer, &ev);

  while (!stopping)
    {
      int n = epoll_wait (epfd, events, 256, 1000);

      for (int i = 0; i < n; i++)
        {
          int tag = events[i].data.fd;

          if (tag == listener)
            {
              int fd;

              while ((fd = accept4 (listener, NULL, NULL, SOCK_NONBLOCK)) >= 0)
                {
                  if ((size_t) fd >= max_fds)
                    {
                      close (fd);
                      continue;
                    }
                  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                  if (conns[fd] == NULL)
                    conns[fd] = malloc (sizeof (Conn));
                  conns[fd]->fd = fd;
                  conns[fd]->open = 0;
                  conns[fd]->used = 0;
                  ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = fd };
                  epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev);
                }
            }
          else if (tag == timer)
            {
              uint64_t expirations;
              size_t used = 0;
              int64_t now = now_mono_ns ();

              if (read (timer, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
                perror ("sp-trivial-server: timerfd");
              if (!ticking && (n_open >= wait_clients || now >= give_up_ns))
                {
                  ticking = 1;
                  next_ns = now + interval_ns;
                }
              if (!ticking)
                {
                  next_ns = now + 10000000;
                  arm (timer, next_ns);
                  continue;
                }
              /* Every tick due by now, in order, in one buffer. */
              while (next_ns <= now)
                {
                  size_t before = used;

                  for (int s = 0; s < n_symbols; s++)
                    {
                      seqs[s]++;
                      prices[s] *= 1 + ((double) (seqs[s] % 7) - 3) * 1e-4;
                    }
                  used = append_step (out, used, n_symbols, prices, seqs);
                  dropped += used == before;
                  next_ns += interval_ns;
                }
              arm (timer, next_ns);

              for (size_t fd = 0; used > 0 && fd < max_fds; fd++)
                {
                  Conn *c = conns[fd];

                  if (c == NULL || c->fd < 0 || !c->open)
                    continue;
                  if (write (c->fd, out, used) != (ssize_t) used)
                    {
                      closed_full++;
                      epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
                      close (c->fd);
                      c->fd = -1;
                      n_open--;
                    }
                }
            }
          else
            {
              Conn *c = (size_t) tag < max_fds ? conns[tag] : NULL;
              char sink[4096];
              ssize_t got;
              int drop = 0, was_open;

              if (c == NULL || c->fd < 0)
                continue;
              was_open = c->open;
              if (!c->open)
                {
                  got = read (c->fd, c->request + c->used, REQUEST_SIZE - 1 - c->used);
                  if (got > 0)
                    {
                      c->used += (size_t) got;
                      drop = handshake (c) < 0;
                    }
                  else
                    drop = got == 0 || errno != EAGAIN;
                }
              else
                {
                  /* Pongs and anything else the clients send: read and forgotten. */
                  while ((got = read (c->fd, sink, sizeof sink)) > 0)
                    ;
                  drop = got == 0 || errno != EAGAIN;
                }
              n_open += !was_open && c->open;
              if (drop)
                {
                  n_open -= c->open;
                  epoll_ctl (epfd, EPOLL_CTL_DEL, c->fd, NULL);
                  close (c->fd);
                  c->fd = -1;
                }
            }
        }
    }

  fprintf (stderr, "sp-trivial-server: %llu steps not sent (more due at once than %d bytes), "
           "%llu clients closed for a full socket\n",
           (unsigned long long) dropped, OUT_SIZE, (unsigned long long) closed_full);
  for (size_t fd = 0; fd < max_fds; fd++)
    if (conns[fd] != NULL)
      {
        if (conns[fd]->fd >= 0)
          close (conns[fd]->fd);
        free (conns[fd]);
      }
  free (conns);
  close (timer);
  close (listener);
  close (epfd);
  return 0;
}
