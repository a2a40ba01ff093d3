/* The server's engine: the server thread with its own GMainContext (the
 * listener, libsoup, every client), dispatched by hand under the engine's
 * lock, and the tick thread beside it; start, stop, tear-down. The engine
 * is made and freed on the owner's thread, run on the server thread. */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "sp-error.h"
#include "sp-broker-source.h"
#include "sp-market-source.h"
#include "sp-redis-broker.h"
#include "sp-replay-source.h"

/* How long an edge waits, at its start, for the broker to say what the market is. */
#define BROKER_LOOKUP_MS 5000
#include "sp-server-private.h"

/* With the engine's lock held (while dispatching): a tick that has waited
 * for the lock @patience_us or more runs now, this thread waiting for its
 * end (one tick only: a server behind on its ticks still gets its turn).
 * Called where no client is half-handled, between units of work that can
 * add up. Patience, not an immediate turn, inside a dispatch: a tick let in
 * at every accepted client took 5,000 clients 7-15 s to connect instead of
 * 3 s in the same hour. */
void
_sp_engine_yield (SpEngine *engine,
                  gint64    patience_us)
{
  gint64 since = atomic_load (&engine->tick_waiting_since);
  guint64 done = engine->ticks_done;

  if (since == 0 || g_get_monotonic_time () - since < patience_us)
    return;
  while (engine->ticks_done == done)
    g_cond_wait (&engine->tick_done, &engine->lock);
}

/* Inside a dispatch: long enough for a burst of clients to get in, short
 * enough that a tick never has more steps to catch up than it sends. */
gint64
_sp_engine_yield_patience_us (SpEngine *engine)
{
  return (gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND * (MAX_CATCH_UP_STEPS / 4);
}

/* Four times a second: slow clients, dead peers, closes that do not complete,
 * requests that never finish. */
static gboolean
on_sweep (gpointer user_data)
{
  SpEngine *engine = user_data;
  GPtrArray *conns = engine->server->conns;
  gint64 now = g_get_monotonic_time ();

  _sp_http_sweep_handshakes (engine, now);
  for (guint i = 0; i < conns->len; i++)
    _sp_conn_sweep (g_ptr_array_index (conns, i), now);

  return G_SOURCE_CONTINUE;
}

static gboolean
engine_setup (SpEngine  *engine,
              GError   **error)
{
  g_autofree char *server_header = g_strdup_printf ("StockPush/%s ", PACKAGE_VERSION);

  engine->listener = _sp_listener_new (engine, error);
  if (engine->listener == NULL)
    return FALSE;

  if (engine->config->tls_cert_file != NULL)
    {
      engine->certificate = sp_server_config_load_tls (engine->config, error);
      if (engine->certificate == NULL)
        return FALSE;
    }
  engine->soup = soup_server_new ("server-header", server_header, NULL);
  /* permessage-deflate doubles CPU per message and costs ~100 kB per client. */
  if (!engine->config->deflate)
    soup_server_remove_websocket_extension (engine->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);

  _sp_http_setup (engine);

  g_socket_set_blocking (engine->listener, FALSE);
  g_socket_set_option (engine->listener, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  _sp_listener_watch (engine);

  _sp_fanout_start (engine);

  engine->sweep = g_timeout_source_new (SWEEP_MS);
  g_source_set_callback (engine->sweep, on_sweep, engine, NULL);
  g_source_set_static_name (engine->sweep, "[stockpush] sweep");
  g_source_attach (engine->sweep, engine->context);

  return TRUE;
}

/* g_main_loop_run(), but dispatching under the engine's lock (see
 * SpEngine): only the dispatch touches the engine, so the tick thread waits
 * for none of the O(clients) parts of an iteration. */
static void
engine_run (SpEngine *engine)
{
  GMainContext *context = engine->context;
  GPollFunc poll_func = g_main_context_get_poll_func (context);
  g_autofree GPollFD *fds = NULL;
  gint allocated = 0;

  if (!g_main_context_acquire (context))
    g_error ("The server's main context is owned by another thread");

  engine->running = TRUE;
  while (engine->running)
    {
      gint max_priority, timeout, n;

      g_main_context_prepare (context, &max_priority);
      while ((n = g_main_context_query (context, max_priority, &timeout, fds, allocated)) > allocated)
        {
          allocated = n;
          fds = g_renew (GPollFD, fds, allocated);
        }
      poll_func (fds, (guint) n, timeout);
      if (g_main_context_check (context, max_priority, fds, n))
        {
          g_mutex_lock (&engine->lock);
          _sp_engine_yield (engine, 0);  /* GMutex is not fair: a waiting tick first */
          g_main_context_dispatch (context);
          g_mutex_unlock (&engine->lock);
        }
    }

  g_main_context_release (context);
}

gpointer
_sp_engine_thread (gpointer data)
{
  SpEngine *engine = data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (engine->context);

  /* On Linux a thread has a niceness of its own. */
  if (engine->config->thread_nice != 0 &&
      setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid),
                   getpriority (PRIO_PROCESS, 0) + engine->config->thread_nice) != 0)
    g_debug ("Could not change the server thread's priority");
  /* Made here, so that its threads start with this thread's priority. */
  engine->pool = sp_send_pool_new (MIN (g_get_num_processors (), MAX_SEND_THREADS) - 1, 0);

  ok = engine_setup (engine, &error);

  g_mutex_lock (&engine->start_lock);
  engine->start_error = g_steal_pointer (&error);
  engine->start_done = TRUE;
  g_cond_signal (&engine->start_cond);
  g_mutex_unlock (&engine->start_lock);

  if (ok)
    {
      /* Made from this thread, so that it inherits this thread's niceness. */
      engine->tick_thread = g_thread_new ("stockpush-tick", _sp_fanout_thread, engine);
      engine_run (engine);
    }

  sp_tick_source_stop (engine->source);
  if (engine->tick_thread != NULL)
    {
      g_atomic_int_set (&engine->tick_quit, TRUE);
      g_main_context_wakeup (engine->tick_context);
      g_clear_pointer (&engine->tick_thread, g_thread_join);
    }

  /* Tear down on this thread: sources and sockets belong to its context. */
  if (engine->stop_poll != NULL)
    g_source_destroy (engine->stop_poll);
  g_clear_pointer (&engine->stop_poll, g_source_unref);
  if (engine->sweep != NULL)
    g_source_destroy (engine->sweep);
  g_clear_pointer (&engine->sweep, g_source_unref);
  g_hash_table_remove_all (engine->handshakes);

  /* Whoever is left never answered our close frame within the grace
   * period: dropping the last reference closes the socket. */
  while (engine->server->conns->len > 0)
    {
      SpConn *c = g_ptr_array_index (engine->server->conns, engine->server->conns->len - 1);

      _sp_conn_closed (c);
    }

  if (engine->soup != NULL)
    soup_server_disconnect (engine->soup);
  g_clear_object (&engine->soup);
  if (engine->accept_source != NULL)
    g_source_destroy (engine->accept_source);
  g_clear_pointer (&engine->accept_source, g_source_unref);
  if (engine->listener != NULL)
    g_socket_close (engine->listener, NULL);
  g_clear_object (&engine->listener);

  /* Let pending socket closes and finalisations run before the context goes. */
  while (g_main_context_iteration (engine->context, FALSE))
    ;

  g_clear_pointer (&engine->pool, sp_send_pool_free);
  g_main_context_pop_thread_default (engine->context);

  return NULL;
}

static gboolean
engine_poll_stop (gpointer data)
{
  SpEngine *engine = data;
  GPtrArray *conns = engine->server->conns;

  if (conns->len == 0 || g_get_monotonic_time () >= engine->stop_deadline)
    {
      engine->running = FALSE;
      g_clear_pointer (&engine->stop_poll, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

gboolean
_sp_engine_begin_stop (gpointer data)
{
  SpEngine *engine = data;
  GPtrArray *conns = engine->server->conns;

  sp_tick_source_stop (engine->source);

  /* The listener closes after the grace period (soup_server_disconnect
   * would cut the clients off before their close frames are out); until
   * then a newcomer is turned away at once. */
  engine->stopping = TRUE;

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (_sp_conn_is_open (c))
        soup_websocket_connection_close (c->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                         CLOSE_REASON_STOP);
    }

  /* Wait (briefly) for the peers to answer our close frames. */
  engine->stop_deadline = g_get_monotonic_time () + STOP_GRACE_US;
  engine->stop_poll = g_timeout_source_new (5);
  g_source_set_callback (engine->stop_poll, engine_poll_stop, engine, NULL);
  g_source_attach (engine->stop_poll, engine->context);

  return G_SOURCE_REMOVE;
}

/* Each client costs a file descriptor; the usual soft limit of 1024 would
 * cap the server near 1,000 clients although the hard limit allows more. */
static void
raise_fd_limit (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      struct rlimit limit;

      if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
        {
          limit.rlim_cur = limit.rlim_max;
          if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
            g_debug ("Could not raise the file descriptor limit");
        }
      g_once_init_leave (&done, 1);
    }
}

/* A standalone server's market is new at each start of
 * its source: a random identity, kept with the source, which goes on when
 * the server is switched off and on with the same market. */
static const char *
market_identity (SpTickSource *source)
{
  const char *id = g_object_get_data (G_OBJECT (source), "sp-market-id");

  if (id == NULL)
    {
      char *made = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());

      g_object_set_data_full (G_OBJECT (source), "sp-market-id", made, g_free);
      id = made;
    }
  return id;
}

SpEngine *
_sp_engine_new (SpServer             *server,
                const SpServerConfig *config,
                SpTickSource         *market,
                guint64               seed,
                GError              **error)
{
  g_autoptr(SpTickSource) source = NULL;
  g_autoptr(SpBroker) broker = NULL;
  SpEngine *engine;
  guint n;

  if (market == NULL)
    seed = config->have_seed ? config->seed : ((guint64) g_random_int () << 32 | g_random_int ());

  if (config->role != SP_ROLE_STANDALONE)
    {
      broker = sp_redis_broker_new (config->broker_url, error);
      if (broker == NULL)
        return NULL;
    }
  if (config->role == SP_ROLE_EDGE)
    source = sp_broker_source_new (broker, BROKER_LOOKUP_MS, error);
  else if (market != NULL)
    source = g_object_ref (market);
  else if (config->replay_file != NULL)
    source = sp_replay_source_new (config->replay_file, config->replay_speed,
                                   (const char * const *) config->symbols, error);
  else
    source = sp_market_source_new ((const char * const *) config->symbols, seed,
                                   config->interval_ms, error);
  if (source == NULL)
    return NULL;

  raise_fd_limit ();

  engine = g_new0 (SpEngine, 1);
  engine->server = server;
  engine->config = sp_server_config_copy (config);
  engine->config->seed = seed;
  engine->config->have_seed = TRUE;
  engine->source = g_steal_pointer (&source);
  if (config->role == SP_ROLE_EDGE)
    /* The publisher's pace: the welcome says it, the flush groups plan on it. */
    engine->config->interval_ms =
      (guint) MAX (1, sp_broker_source_get_step_us (SP_BROKER_SOURCE (engine->source)) / 1000);
  else if (broker != NULL)
    {
      engine->broker = g_steal_pointer (&broker);
      sp_broker_set_market (engine->broker, sp_tick_source_get_symbols (engine->source),
                            (gint64) config->interval_ms * G_TIME_SPAN_MILLISECOND);
    }
  engine->context = g_main_context_new ();
  engine->tick_context = g_main_context_new ();
  g_mutex_init (&engine->lock);
  g_cond_init (&engine->tick_done);
  engine->scratch = g_string_sized_new (1024);

  n = sp_tick_source_get_n_symbols (engine->source);
  engine->symbols = g_strdupv ((char **) sp_tick_source_get_symbols (engine->source));
  engine->all_symbols = n;
  _sp_fanout_init (engine);
  /* In a cluster, the broker's epoch (a publisher's once the broker has
   * numbered its first step); standalone, the market source's own. */
  if (config->role == SP_ROLE_EDGE)
    engine->market_id =
      g_strdup (sp_broker_source_get_first_epoch (SP_BROKER_SOURCE (engine->source)));
  else if (config->role == SP_ROLE_STANDALONE)
    engine->market_id = g_strdup (market_identity (engine->source));
  engine->handshakes = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
  engine->all_mask = n >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << n) - 1;

  g_mutex_init (&engine->start_lock);
  g_cond_init (&engine->start_cond);

  return engine;
}

SpServerBrokerState
_sp_engine_broker_state (SpEngine  *engine,
                         char     **reason)
{
  g_autofree char *why = NULL;
  SpBrokerState state;

  if (reason != NULL)
    *reason = NULL;
  if (engine->config->role == SP_ROLE_EDGE)
    {
      SpBrokerSource *source = SP_BROKER_SOURCE (engine->source);

      if (sp_broker_source_get_in_sync (source, reason))
        return SP_SERVER_BROKER_IN_SYNC;
      state = sp_broker_dup_status (sp_broker_source_get_broker (source), NULL);
      return state == SP_BROKER_CONNECTED ? SP_SERVER_BROKER_OUT_OF_SYNC
                                          : SP_SERVER_BROKER_RECONNECTING;
    }
  if (engine->broker == NULL)
    return SP_SERVER_BROKER_NONE;
  state = sp_broker_dup_status (engine->broker, &why);
  if (state == SP_BROKER_CONNECTED)
    return SP_SERVER_BROKER_IN_SYNC;
  if (reason != NULL)
    *reason = g_strdup_printf ("the broker is away: %s", why != NULL ? why : "connecting");
  return SP_SERVER_BROKER_RECONNECTING;
}

void
_sp_engine_free (SpEngine *engine)
{
  /* Before the broker goes: it answers the fetches still under way. */
  if (engine->recoveries != NULL)
    _sp_recovery_shutdown (engine);
  g_clear_pointer (&engine->config, sp_server_config_free);
  /* The threads are gone: nothing runs the tick context the brokers live on. */
  if (engine->broker != NULL)
    sp_broker_stop (engine->broker);
  g_clear_object (&engine->broker);
  g_clear_object (&engine->source);
  g_clear_pointer (&engine->context, g_main_context_unref);
  g_clear_pointer (&engine->tick_context, g_main_context_unref);
  g_clear_pointer (&engine->symbols, g_strfreev);
  _sp_fanout_clear (engine);
  g_clear_pointer (&engine->handshakes, g_hash_table_unref);
  g_clear_object (&engine->certificate);
  if (engine->scratch != NULL)
    g_string_free (engine->scratch, TRUE);
  g_clear_error (&engine->start_error);
  g_mutex_clear (&engine->start_lock);
  g_mutex_clear (&engine->lock);
  g_cond_clear (&engine->tick_done);
  g_cond_clear (&engine->start_cond);
  g_free (engine);
}

