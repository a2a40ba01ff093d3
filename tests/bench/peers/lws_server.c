/* Benchmark peer: a price-push server written idiomatically with libwebsockets
 * (Debian 12's libwebsockets-dev), C, one service thread: each step is written
 * into a ring of the last steps, then lws_callback_on_writable_all_protocol() asks
 * for a writable callback on every client, which writes its next step from the ring
 * (one lws_write per callback, asking again while it is behind). No extensions
 * (no permessage-deflate), no pings, one frame per step.
 *
 *   lws-server --port P [--symbols N] [--rate R] [--wait-clients N]
 *
 * The workload of every server of the benchmarks (see the README): every symbol
 * (SYM0, SYM1, …) ticks R times a second, all on the same grid, scheduled from the
 * monotonic clock (lws_sul); each step is the tick alone with one symbol, else a
 * batch {"type":"ticks","ts":…,"ticks":[…]} of every symbol's tick; `seq` counts
 * each symbol's ticks, `ts` is µs since the epoch. With --wait-clients N the ticks
 * start once N clients are connected (or after 30 s). --port 0 picks a free port;
 * the first line is the URL. A client more than RING steps behind skips to the
 * oldest step kept (sp-load counts the gap). Loopback only. */
#include <libwebsockets.h>

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_SYMBOLS 64
#define RING        1024
#define MESSAGE_MAX (MAX_SYMBOLS * 192 + 64)

typedef struct
{
  size_t        len;
  unsigned char data[LWS_PRE + MESSAGE_MAX];
} Step;

typedef struct
{
  uint64_t next;  /* the step this client gets next */
} Session;

static Step *ring;
static uint64_t steps;  /* steps made so far; step k is ring[k % RING] */
static int n_symbols = 1, wait_clients, clients, ticking;
static double rate = 10, prices[MAX_SYMBOLS];
static uint64_t seqs[MAX_SYMBOLS];
static int64_t interval_us, next_us, give_up_us;
static struct lws_context *context;
static const struct lws_protocols *protocol;
static lws_sorted_usec_list_t sul;
static volatile sig_atomic_t interrupted;

static int64_t
now_mono_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
now_real_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
make_step (void)
{
  Step *s = &ring[steps % RING];
  char *p = (char *) s->data + LWS_PRE;
  size_t len = 0;
  long long ts = (long long) now_real_us ();

  if (n_symbols > 1)
    len += (size_t) snprintf (p, MESSAGE_MAX, "{\"type\":\"ticks\",\"ts\":%lld,\"ticks\":[", ts);
  for (int i = 0; i < n_symbols; i++)
    {
      seqs[i]++;
      prices[i] *= 1 + ((double) rand () / RAND_MAX - 0.5) * 1e-3;
      if (prices[i] < 0.01)
        prices[i] = 0.01;
      len += (size_t) snprintf (p + len, MESSAGE_MAX - len,
                                "%s{\"type\":\"tick\",\"symbol\":\"SYM%d\",\"price\":%.2f,"
                                "\"change\":0,\"change_pct\":0,\"volume\":%llu,\"seq\":%llu,"
                                "\"ts\":%lld}",
                                i > 0 ? "," : "", i, prices[i], (unsigned long long) seqs[i],
                                (unsigned long long) seqs[i], ts);
    }
  if (n_symbols > 1)
    len += (size_t) snprintf (p + len, MESSAGE_MAX - len, "]}");
  s->len = len;
  steps++;
}

/* The timer: every step due by now, then one writable request for everyone. */
static void
on_timer (lws_sorted_usec_list_t *unused)
{
  int64_t now = now_mono_us ();
  uint64_t before = steps;

  (void) unused;
  if (!ticking && (clients >= wait_clients || now >= give_up_us))
    {
      ticking = 1;
      next_us = now + interval_us;
    }
  if (ticking)
    while (next_us <= now)
      {
        make_step ();
        next_us += interval_us;
      }
  else
    next_us = now + 10000;
  if (steps != before)
    lws_callback_on_writable_all_protocol (context, protocol);
  lws_sul_schedule (context, 0, &sul, on_timer, next_us - now_mono_us ());
}

static int
callback (struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  Session *pss = user;

  (void) in;
  (void) len;
  switch (reason)
    {
    case LWS_CALLBACK_ESTABLISHED:
      pss->next = steps;
      clients++;
      break;
    case LWS_CALLBACK_CLOSED:
      clients--;
      break;
    case LWS_CALLBACK_SERVER_WRITEABLE:
      {
        Step *s;

        if (pss->next >= steps)
          break;
        if (steps - pss->next > RING)
          pss->next = steps - RING;
        s = &ring[pss->next % RING];
        if (lws_write (wsi, s->data + LWS_PRE, s->len, LWS_WRITE_TEXT) < (int) s->len)
          return -1;
        pss->next++;
        if (pss->next < steps)
          lws_callback_on_writable (wsi);
        break;
      }
    default:
      break;
    }
  return 0;
}

static const struct lws_protocols protocols[] = {
  { "stockpush-bench", callback, sizeof (Session), 4096, 0, NULL, 0 },
  { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void
on_signal (int sig)
{
  (void) sig;
  interrupted = 1;
  if (context != NULL)
    lws_cancel_service (context);
}

int
main (int argc, char *argv[])
{
  static const struct option options[] = {
    { "port", required_argument, NULL, 'p' }, { "symbols", required_argument, NULL, 's' },
    { "rate", required_argument, NULL, 'r' }, { "wait-clients", required_argument, NULL, 'w' },
    { NULL, 0, NULL, 0 },
  };
  struct lws_context_creation_info info;
  struct rlimit limit;
  int port = 0, opt;

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
      fprintf (stderr, "lws-server: bad arguments\n");
      return 2;
    }
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  ring = calloc (RING, sizeof *ring);
  for (int i = 0; i < n_symbols; i++)
    prices[i] = 100.0 + i;
  interval_us = (int64_t) (1e6 / rate);

  lws_set_log_level (LLL_ERR | LLL_WARN, NULL);
  memset (&info, 0, sizeof info);
  info.port = port;
  info.iface = "127.0.0.1";
  info.protocols = protocols;
  info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
  context = lws_create_context (&info);
  if (context == NULL)
    {
      fprintf (stderr, "lws-server: cannot create the context\n");
      return 1;
    }
  protocol = &protocols[0];
  printf ("ws://127.0.0.1:%d/\n", lws_get_vhost_listen_port (lws_get_vhost_by_name (context, "default")));
  fflush (stdout);

  signal (SIGTERM, on_signal);
  signal (SIGINT, on_signal);
  give_up_us = now_mono_us () + (int64_t) 30 * 1000000;
  ticking = wait_clients <= 0;
  next_us = now_mono_us () + interval_us;
  lws_sul_schedule (context, 0, &sul, on_timer, interval_us);

  while (!interrupted && lws_service (context, 0) >= 0)
    ;
  lws_context_destroy (context);
  free (ring);
  return 0;
}
