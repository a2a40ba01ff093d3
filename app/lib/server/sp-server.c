/* The price-push server engine: a SoupServer on a thread and GMainContext of its own. */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <libsoup/soup.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "sp-conn-stream.h"
#include "sp-error.h"
#include "sp-frame-io.h"
#include "sp-handshake.h"
#include "sp-market.h"
#include "sp-protocol.h"
#include "sp-send-pool.h"
#include "sp-server.h"
#include "sp-ticker.h"
#include "sp-web.h"
#include "sp-ws-ping.h"

#define LISTEN_BACKLOG        4096
/* Connections taken off the backlog per wake-up of the server thread. */
#define ACCEPT_BATCH          256
/* After an accept that failed for want of resources, this long before the next. */
#define ACCEPT_RETRY_MS       100
#define STOP_GRACE_US         (500 * G_TIME_SPAN_MILLISECOND)
#define EVENT_COALESCE_MS     30
/* A busy server sends the steps it fell behind on in one frame, up to this many. */
#define MAX_CATCH_UP_STEPS    64
/* When one round of sends to every client would take most of a tick interval,
 * clients are split into up to this many flush groups, each sent every
 * groups-th tick the ticks since its last frame (see choose_groups). */
#define MAX_FLUSH_GROUPS      4
/* The market steps kept (a ring) for clients still to be sent them: a client
 * flushed every MAX_FLUSH_GROUPS ticks of MAX_CATCH_UP_STEPS steps each loses none. */
#define KEPT_STEPS            (MAX_CATCH_UP_STEPS * MAX_FLUSH_GROUPS)
/* A tick's sends are spread over the send threads from this many on. */
#define POOL_MIN_FRAMES       128
/* At most this many threads send (the server thread and helpers). */
#define MAX_SEND_THREADS      4
/* ... while a round takes less than this share of the interval (see on_tick). */
#define POOL_MAX_BUSY         0.4
/* A close we asked for that the peer does not complete: cut it after this. */
#define FORCE_CLOSE_US        (1000 * G_TIME_SPAN_MILLISECOND)
#define SWEEP_MS              250
#define MAX_HEADERS           100
#define MAX_HEADER_BYTES      (16 * 1024)
#define CLOSE_REASON_SLOW     "Client too slow: it stopped reading the stream"
#define CLOSE_REASON_DEAD     "No answer to ping"
#define CLOSE_REASON_FLOOD    "Too many messages"
#define CLOSE_REASON_STOP     "StockPush server is shutting down"
#define CLOSE_REASON_KICK     "Disconnected by the StockPush operator"
#define CLOSE_REASON_POLICY   "This server closes the connection after any client message"

typedef struct _SpEngine SpEngine;

/* One WebSocket client. Owned by the server thread, touched by the tick
 * thread under the engine's lock (see SpEngine); the published fields
 * (membership in engine->conns, mask, implicit_all) change under the server
 * lock so snapshots from other threads are consistent; counters are atomics. */
typedef struct
{
  SpEngine                *engine;
  SoupWebsocketConnection *conn;
  SpClientInfo            *info;          /* static parts: address, texts, origin… */
  guint64                  mask;          /* subscribed symbols, bit i = symbol i */
  gboolean                 implicit_all;  /* never subscribed explicitly */
  _Atomic guint64          frames_sent;
  _Atomic guint64          bytes_sent;
  _Atomic guint64          frames_received;
  _Atomic guint64          bytes_received;

  GSocket                 *socket;
  SpConnStream            *out;           /* what libsoup writes to, and the ticks */
  gboolean                 lagging;       /* bytes queued: only the latest ticks are kept */
  gint64                   lag_since;
  guint64                  pending_mask;  /* symbols with a tick held back while lagging */
  guint64                  next_step;     /* the first market step it has not been sent */
  GBytes                  *round_frame;   /* this tick's frame, between the passes of on_tick */
  gint64                   last_seen;     /* last pong or message (monotonic) */
  gint64                   last_pong;     /* real time of the last pong, 0: none */
  gint64                   next_ping;     /* when to ping it next (monotonic) */
  gint64                   rtt_us;        /* round trip of the last answered ping, -1: none */
  gint64                   close_requested;
  gushort                  close_code;    /* the close we sent, if we closed */
  const char              *close_reason;  /* static */
  double                   allowance;     /* messages the client may still send now */
  gint64                   allowance_time;
} SpConn;

struct _SpEngine
{
  SpServer       *server;        /* not owned: the server outlives the thread */
  SpServerConfig *config;
  GMainContext   *context;
  gboolean        running;       /* the server thread's loop goes on */
  /* The ticks run on a thread of their own, whose context holds the ticker
   * alone: each iteration of the server thread's context costs time in
   * proportion to its clients (GLib prepares, polls and checks every
   * client's source), measured at a third of the thread's time with 5,000
   * clients at 40 ticks a second, when every tick woke it. Code of either
   * thread that touches the engine or its clients holds @lock: the tick
   * thread for a whole tick, the server thread while it dispatches. A
   * dispatch can be long (a burst of clients connecting: measured 0.3 s under
   * AddressSanitizer and a busy machine, when 64 missed steps are already
   * more than a tick catches up), so the server thread lets a tick that has
   * waited long go first between clients (engine_yield). */
  GMutex          lock;
  GCond           tick_done;
  guint64         ticks_done;          /* under @lock */
  _Atomic gint64  tick_waiting_since;  /* monotonic µs; 0: no tick waiting */
  GMainContext   *tick_context;
  GThread        *tick_thread;
  gboolean        tick_quit;
  SoupServer     *soup;
  GSocket        *listener;
  GSource        *accept_source;
  GTlsCertificate *certificate;  /* wss: each accepted socket is wrapped in TLS */
  SpMarket       *market;
  GSource        *ticker;
  GSource        *stop_poll;
  char          **symbols;       /* names, in market order */
  guint64         all_mask;
  guint64         next_id;
  gint64          stop_deadline;
  gboolean        stopping;
  GPtrArray      *tick_json;     /* GString per symbol for each of the last KEPT_STEPS steps */
  GPtrArray      *parts;         /* scratch: the ticks of one batch frame */
  guint64         step;          /* market steps taken (the next step's number) */
  guint64         round;         /* ticks sent */
  guint           groups;        /* flush groups, 1: every client every tick */
  double          frame_cost_us; /* measured time per frame sent in a round */
  double          busy;          /* share of the interval a round takes (average) */
  SpSendPool     *pool;          /* sends a round's frames on all cores */
  GPtrArray      *due;           /* SpConn: the clients sent a frame this tick */
  guint           all_symbols;
  GSource        *sweep;
  GPtrArray      *replay;        /* SpFrame: the recording's received data frames */
  guint           replay_pos;
  gint64          replay_start;  /* monotonic µs the current pass began */
  GSource        *replay_source;
  GHashTable     *handshakes;    /* SoupServerMessage → start (monotonic µs) */
  GHashTable     *frames_by_mask;/* FrameKey → GBytes, valid during one tick */
  GString        *scratch;

  /* Start hand-shake with the owner thread. */
  GMutex          start_lock;
  GCond           start_cond;
  gboolean        start_done;
  GError         *start_error;
  guint           port;
};

typedef enum
{
  EVENT_CONNECTED,
  EVENT_DISCONNECTED,
  EVENT_REFUSED,
} EventKind;

typedef struct
{
  EventKind     kind;
  SpClientInfo *info;
  SpRefusal    *refusal;   /* EVENT_REFUSED */
} Event;

/* Refusals waiting for the owner: a flood of refused connections is told
 * as counts (SpRefusal.more) beyond these, so memory stays bounded. */
#define MAX_PENDING_REFUSALS 256

struct _SpServer
{
  GObject       parent_instance;

  GMainContext *owner_context;
  GThread      *thread;
  SpEngine     *engine;
  guint         port;
  char         *bind_address;
  char         *token;           /* part of every URL handed out */
  gboolean      tls;
  gboolean      stopping;

  /* Guards conns (membership and subscriptions), events and event_source. */
  GMutex        lock;
  GPtrArray    *conns;           /* SpConn*, ordered by id; mutated by the server thread */
  GArray       *events;
  guint         pending_refusals;
  GSource      *event_source;
};

G_DEFINE_FINAL_TYPE (SpServer, sp_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_N_CLIENTS,
  PROP_PORT,
  N_PROPS
};

enum {
  CLIENT_CONNECTED,
  CLIENT_DISCONNECTED,
  CLIENT_REFUSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void event_clear (gpointer data);

/* ------------------------------------------------------------------------ */
/* Snapshots and events (any thread → owner thread)                          */

static char **
mask_to_strv (SpEngine *engine,
              guint64   mask)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; engine->symbols[i] != NULL; i++)
    if (mask & (G_GUINT64_CONSTANT (1) << i))
      g_strv_builder_add (builder, engine->symbols[i]);

  return g_strv_builder_end (builder);
}

/* Call with the server lock held (or from the server thread). */
static SpClientInfo *
conn_snapshot (SpConn *c)
{
  SpClientInfo *info = sp_client_info_new ();

  info->id = c->info->id;
  info->address = g_strdup (c->info->address);
  info->port = c->info->port;
  info->connected_at = c->info->connected_at;
  info->origin = g_strdup (c->info->origin);
  info->user_agent = g_strdup (c->info->user_agent);
  info->request_text = g_strdup (c->info->request_text);
  info->response_text = g_strdup (c->info->response_text);
  info->subscriptions = c->implicit_all ? NULL : mask_to_strv (c->engine, c->mask);
  info->frames_sent = atomic_load_explicit (&c->frames_sent, memory_order_relaxed);
  info->bytes_sent = atomic_load_explicit (&c->bytes_sent, memory_order_relaxed);
  info->frames_received = atomic_load_explicit (&c->frames_received, memory_order_relaxed);
  info->bytes_received = atomic_load_explicit (&c->bytes_received, memory_order_relaxed);
  info->last_pong_at = c->last_pong;
  info->ping_rtt_us = c->rtt_us;
  info->lagging = c->lagging;
  if (c->lagging)
    info->lagging_since = g_get_real_time () - (g_get_monotonic_time () - c->lag_since);

  return info;
}

static gboolean
dispatch_events (gpointer user_data)
{
  SpServer *self = user_data;
  g_autoptr(GArray) events = NULL;

  g_mutex_lock (&self->lock);
  events = g_steal_pointer (&self->events);
  self->events = g_array_new (FALSE, FALSE, sizeof (Event));
  g_array_set_clear_func (self->events, event_clear);
  self->pending_refusals = 0;
  g_clear_pointer (&self->event_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  g_object_ref (self);
  for (guint i = 0; i < events->len; i++)
    {
      const Event *event = &g_array_index (events, Event, i);

      if (event->kind == EVENT_REFUSED)
        g_signal_emit (self, signals[CLIENT_REFUSED], 0, event->refusal);
      else
        g_signal_emit (self,
                       signals[event->kind == EVENT_CONNECTED ? CLIENT_CONNECTED
                                                              : CLIENT_DISCONNECTED],
                       0, event->info);
    }
  if (events->len > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

static void schedule_events_locked (SpServer *self);

/* Queues an event; one short timeout on the owner context drains the queue,
 * so a thousand connects cost a few wake-ups of the UI (at most ~30 a
 * second), not a thousand. */
static void
push_event_locked (SpServer     *self,
                   EventKind     kind,
                   SpClientInfo *info)
{
  Event event = { kind, info, NULL };

  g_array_append_val (self->events, event);
  schedule_events_locked (self);
}

/* Queues a refusal (taking it), or counts it on the last one queued. */
static void
push_refusal (SpServer  *self,
              SpRefusal *refusal)
{
  g_mutex_lock (&self->lock);
  if (self->pending_refusals >= MAX_PENDING_REFUSALS)
    {
      for (guint i = self->events->len; i > 0; i--)
        {
          Event *last = &g_array_index (self->events, Event, i - 1);

          if (last->kind == EVENT_REFUSED)
            {
              last->refusal->more++;
              break;
            }
        }
      sp_refusal_unref (refusal);
    }
  else
    {
      Event event = { EVENT_REFUSED, NULL, refusal };

      g_array_append_val (self->events, event);
      self->pending_refusals++;
      schedule_events_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

static void
schedule_events_locked (SpServer *self)
{

  if (self->event_source == NULL)
    {
      self->event_source = g_timeout_source_new (EVENT_COALESCE_MS);
      g_source_set_priority (self->event_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->event_source, dispatch_events,
                             g_object_ref (self), g_object_unref);
      g_source_set_static_name (self->event_source, "[stockpush] server events");
      g_source_attach (self->event_source, self->owner_context);
    }
}

static void
event_clear (gpointer data)
{
  Event *event = data;

  g_clear_pointer (&event->info, sp_client_info_unref);
  g_clear_pointer (&event->refusal, sp_refusal_unref);
}

/* ------------------------------------------------------------------------ */
/* Server thread: clients                                                     */

/* With the engine's lock held (while dispatching): a tick that has waited
 * for the lock @patience_us or more runs now, this thread waiting for its
 * end (one tick only: a server behind on its ticks still gets its turn).
 * Called where no client is half-handled, between units of work that can
 * add up. Patience, not an immediate turn, inside a dispatch: a tick let in
 * at every accepted client took 5,000 clients 7-15 s to connect instead of
 * 3 s in the same hour. */
static void
engine_yield (SpEngine *engine,
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
static gint64
yield_patience_us (SpEngine *engine)
{
  return (gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND * (MAX_CATCH_UP_STEPS / 4);
}

static gboolean
conn_is_open (SpConn *c)
{
  return soup_websocket_connection_get_state (c->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* One data frame, written straight to the client's stream (see
 * sp-conn-stream.h). What the socket does not take now waits in the stream's
 * queue, and the client is lagging until it drains. */
static void
conn_send_frame (SpConn *c,
                 guint8  opcode,
                 GBytes *bytes)
{
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  if (!conn_is_open (c))
    return;
  if (G_UNLIKELY (c->engine->config->test_send_delay_us > 0))
    g_usleep (c->engine->config->test_send_delay_us);

  /* Counted first: the peer may read the frame before the send returns. */
  atomic_fetch_add_explicit (&c->frames_sent, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&c->bytes_sent, size, memory_order_relaxed);
  if (c->out == NULL)
    {
      soup_websocket_connection_send_message (c->conn, (SoupWebsocketDataType) opcode, bytes);
      return;
    }
  if (sp_conn_stream_send_frame (c->out, opcode, data, size) &&
      !c->lagging && sp_conn_stream_get_queued (c->out) > 0)
    {
      c->lagging = TRUE;
      c->lag_since = g_get_monotonic_time ();
    }
}

static void
conn_send_bytes (SpConn *c,
                 GBytes *bytes)
{
  conn_send_frame (c, SP_WS_OPCODE_TEXT, bytes);
}

static void
conn_send_scratch (SpConn *c)
{
  SpEngine *engine = c->engine;
  g_autoptr(GBytes) bytes = g_bytes_new (engine->scratch->str, engine->scratch->len);

  conn_send_bytes (c, bytes);
}

/* Closes with @code; a peer that does not complete the close within
 * FORCE_CLOSE_US is cut off by the sweep. */
static void
conn_close (SpConn     *c,
            gushort     code,
            const char *reason)
{
  if (c->close_requested == 0)
    {
      c->close_requested = g_get_monotonic_time ();
      c->close_code = code;
      c->close_reason = reason;
    }
  if (conn_is_open (c))
    soup_websocket_connection_close (c->conn, code, reason);
}

static GBytes *frame_for_mask (SpEngine *engine, guint64 mask, gint64 ts, guint64 first_step,
                               gboolean shared);

/* The client took everything queued: what was held back goes out as one
 * frame with the latest tick of every symbol that moved meanwhile. */
static void
on_drained (SpConnStream *stream,
            gpointer      user_data)
{
  SpConn *c = user_data;
  SpEngine *engine = c->engine;

  c->lagging = FALSE;

  if (c->pending_mask != 0 && engine->step > 0)
    {
      if (engine->config->format == SP_FORMAT_TEXT)
        {
          g_string_truncate (engine->scratch, 0);
          sp_protocol_append_text_price (engine->scratch,
                                         sp_market_get_quote (engine->market, 0)->price_cents);
          conn_send_scratch (c);
        }
      else
        {
          g_autoptr(GBytes) frame = frame_for_mask (engine, c->pending_mask & c->mask,
                                                    g_get_real_time (), engine->step - 1, FALSE);

          if (frame != NULL)
            conn_send_bytes (c, frame);
        }
    }
  c->pending_mask = 0;
  c->next_step = engine->step;
}

/* Whether the client can take a frame now: nothing of it is queued. One that
 * cannot gets only the latest ticks once it drains (on_drained). */
static gboolean
conn_ready (SpConn *c)
{
  return !c->lagging;
}

static void
conn_send_error (SpConn       *c,
                 const GError *error,
                 const char   *id_json)
{
  g_string_truncate (c->engine->scratch, 0);
  sp_protocol_append_error (c->engine->scratch, sp_protocol_error_code (error),
                            error->message, id_json);
  conn_send_scratch (c);
}

static void
conn_send_welcome (SpConn     *c,
                   const char *id_json)
{
  SpEngine *engine = c->engine;

  g_string_truncate (engine->scratch, 0);
  sp_protocol_append_welcome (engine->scratch, (const char * const *) engine->symbols,
                              engine->config->interval_ms, engine->config->format,
                              engine->config->on_message, id_json);
  conn_send_scratch (c);
}

static void
conn_send_subscribed (SpConn     *c,
                      const char *id_json)
{
  SpEngine *engine = c->engine;
  g_auto(GStrv) names = mask_to_strv (engine, c->mask);

  g_string_truncate (engine->scratch, 0);
  sp_protocol_append_subscribed (engine->scratch, (const char * const *) names, id_json);
  conn_send_scratch (c);
}

/* Resolves names to a mask, "*" meaning all; fails on the first unknown name. */
static gboolean
resolve_symbols (SpEngine           *engine,
                 const char * const *names,
                 guint64            *mask,
                 GError            **error)
{
  *mask = 0;

  for (guint i = 0; names[i] != NULL; i++)
    {
      int index;

      if (g_str_equal (names[i], "*"))
        {
          *mask |= engine->all_mask;
          continue;
        }

      index = sp_market_find_symbol (engine->market, names[i]);
      if (index < 0)
        {
          g_autofree char *known = g_strjoinv (", ", engine->symbols);

          g_set_error (error, SP_ERROR, SP_ERROR_UNKNOWN_SYMBOL,
                       "Unknown symbol \"%s\"; this server has %s (or \"*\" for all)",
                       names[i], known);
          return FALSE;
        }

      *mask |= G_GUINT64_CONSTANT (1) << index;
    }

  return TRUE;
}

static void
conn_handle_command (SpConn     *c,
                     const char *text,
                     gsize       length)
{
  SpEngine *engine = c->engine;
  SpServer *server = engine->server;
  g_autoptr(SpCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  guint64 mask;

  command = sp_command_parse (text, length, &error);
  if (command == NULL)
    {
      conn_send_error (c, error, NULL);
      return;
    }

  switch (command->type)
    {
    case SP_COMMAND_HELLO:
      conn_send_welcome (c, command->id_json);
      break;

    case SP_COMMAND_PING:
      g_string_truncate (engine->scratch, 0);
      sp_protocol_append_pong (engine->scratch, command->id_json, g_get_real_time ());
      conn_send_scratch (c);
      break;

    case SP_COMMAND_SUBSCRIBE:
    case SP_COMMAND_UNSUBSCRIBE:
      if (!resolve_symbols (engine, (const char * const *) command->symbols, &mask, &error))
        {
          conn_send_error (c, error, command->id_json);
          break;
        }

      g_mutex_lock (&server->lock);
      /* The implicit "everything" of a new client gives way to the first
       * explicit subscription, so subscribe ["ACME"] means "only ACME". */
      if (command->type == SP_COMMAND_SUBSCRIBE)
        c->mask = (c->implicit_all ? 0 : c->mask) | mask;
      else
        c->mask &= ~mask;
      c->implicit_all = FALSE;
      g_mutex_unlock (&server->lock);

      conn_send_subscribed (c, command->id_json);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
on_conn_message (SoupWebsocketConnection *conn,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  SpConn *c = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  SpServerConfig *config = c->engine->config;
  gint64 now = g_get_monotonic_time ();

  atomic_fetch_add_explicit (&c->frames_received, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&c->bytes_received, length, memory_order_relaxed);
  c->last_seen = now;

  /* A token bucket: command_rate a second, bursts of twice that. */
  c->allowance = MIN (c->allowance + (double) (now - c->allowance_time) / G_USEC_PER_SEC *
                                     config->command_rate,
                      2.0 * config->command_rate);
  c->allowance_time = now;
  if (c->allowance < 1)
    {
      conn_close (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, CLOSE_REASON_FLOOD);
      return;
    }
  c->allowance -= 1;

  if (c->close_requested != 0)
    return;

  if (config->on_message == SP_ON_MESSAGE_CLOSE)
    {
      if (conn_is_open (c))
        soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, CLOSE_REASON_POLICY);
      return;
    }

  if (type == SOUP_WEBSOCKET_DATA_BINARY)
    {
      g_autoptr(GError) error = g_error_new_literal (SP_ERROR, SP_ERROR_BAD_MESSAGE,
                                                     "Binary messages are not understood; "
                                                     "send JSON text commands");
      conn_send_error (c, error, NULL);
      return;
    }

  conn_handle_command (c, data ? data : "", length);
}

static void
on_conn_pong (SoupWebsocketConnection *conn,
              GBytes                  *message,
              gpointer                 user_data)
{
  SpConn *c = user_data;
  const GByteArray *payload = sp_ws_pong_payload (message);
  gint64 now = g_get_monotonic_time ();
  gint64 sent;

  c->last_seen = now;
  c->last_pong = g_get_real_time ();
  /* Only the answer to one of ours tells a round trip; unsolicited pongs
   * (RFC 6455 allows them as a heartbeat) only say the client is there. */
  if (payload != NULL && sp_ws_pong_sent_at (payload->data, payload->len, &sent) && sent <= now)
    c->rtt_us = now - sent;
}

static void
conn_free (SpConn *c)
{
  if (c->out != NULL)
    sp_conn_stream_set_drained_func (c->out, NULL, NULL);
  g_clear_object (&c->out);
  g_clear_object (&c->socket);
  g_signal_handlers_disconnect_by_data (c->conn, c);
  g_clear_object (&c->conn);
  g_clear_pointer (&c->info, sp_client_info_unref);
  g_free (c);
}

static void
on_conn_closed (SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  SpConn *c = user_data;
  SpServer *server = c->engine->server;
  SpClientInfo *info;

  g_mutex_lock (&server->lock);
  info = conn_snapshot (c);
  info->left_at = g_get_real_time ();
  info->lagging = FALSE;
  info->close_code = soup_websocket_connection_get_close_code (conn);
  info->close_reason = g_strdup (soup_websocket_connection_get_close_data (conn));
  /* We closed it and the peer never answered (or was cut off): say why. */
  if (c->close_requested != 0 && (info->close_code == 0 || info->close_code == 1006))
    {
      info->close_code = c->close_code;
      g_free (info->close_reason);
      info->close_reason = g_strdup (c->close_reason);
    }
  g_ptr_array_remove (server->conns, c);
  push_event_locked (server, EVENT_DISCONNECTED, info);
  g_mutex_unlock (&server->lock);

  /* The emission holds a reference on @conn, so dropping ours here is safe. */
  conn_free (c);
}

static void
on_conn_error (SoupWebsocketConnection *conn,
               GError                  *error,
               gpointer                 user_data)
{
  SpConn *c = user_data;

  g_debug ("Client #%" G_GUINT64_FORMAT ": %s", c->info->id, error->message);

  /* libsoup 3.2 drops a client that announces an over-long message without
   * telling it why; the close frame it should have sent (1009) is queued
   * here, just before the stream closes (which lingers to send it). */
  if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG) &&
      c->out != NULL)
    sp_conn_stream_send_close (c->out, SP_WS_CLOSE_TOO_BIG, SP_WS_CLOSE_TOO_BIG_REASON);
  /* Or the stream stopped a message over the limit (in fragments, which
   * libsoup 3.2 does not count), and queued the 1009 itself. */
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE))
    return;

  c->close_requested = g_get_monotonic_time ();
  c->close_code = SP_WS_CLOSE_TOO_BIG;
  c->close_reason = SP_WS_CLOSE_TOO_BIG_REASON;
}

static char *
request_path_and_query (SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);

  if (query != NULL)
    return g_strconcat (g_uri_get_path (uri), "?", query, NULL);

  return g_strdup (g_uri_get_path (uri));
}

/* The socket under a request: the accept loop hangs it on the peer's address,
 * since libsoup does not know it for connections handed to it. */
static GSocket *
message_socket (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), "sp-socket") : NULL;
}

static void
on_websocket (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  SpEngine *engine = user_data;
  SpServer *server = engine->server;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  g_autofree char *path_and_query = request_path_and_query (msg);
  SpConn *c;

  engine_yield (engine, yield_patience_us (engine));
  if (engine->stopping)
    {
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, CLOSE_REASON_STOP);
      return;
    }

  c = g_new0 (SpConn, 1);
  c->engine = engine;
  c->conn = g_object_ref (conn);
  c->implicit_all = TRUE;
  c->mask = engine->all_mask;
  c->socket = message_socket (msg);
  if (c->socket != NULL)
    g_object_ref (c->socket);
  if (remote != NULL)
    c->out = g_object_get_data (G_OBJECT (remote), "sp-stream");
  if (c->out != NULL)
    {
      g_object_ref (c->out);
      sp_conn_stream_set_drained_func (c->out, on_drained, c);
    }
  c->last_seen = c->allowance_time = g_get_monotonic_time ();
  c->allowance = 2.0 * engine->config->command_rate;
  g_hash_table_remove (engine->handshakes, msg);

  c->info = sp_client_info_new ();
  c->info->id = ++engine->next_id;
  c->info->connected_at = g_get_real_time ();
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (remote);

      c->info->address = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      c->info->port = g_inet_socket_address_get_port (inet);
    }
  else
    c->info->address = g_strdup ("?");
  c->info->origin = g_strdup (soup_message_headers_get_one (request, "Origin"));
  c->info->user_agent = g_strdup (soup_message_headers_get_one (request, "User-Agent"));
  c->info->request_text =
    sp_handshake_render_request (soup_server_message_get_method (msg), path_and_query,
                                 soup_server_message_get_http_version (msg), request);
  c->info->response_text =
    sp_handshake_render_response (soup_server_message_get_http_version (msg),
                                  soup_server_message_get_status (msg),
                                  soup_server_message_get_reason_phrase (msg), response);

  soup_websocket_connection_set_max_incoming_payload_size (conn, engine->config->max_message_size);
  /* libsoup bounds one frame; the stream bounds a message's fragments too. */
  if (c->out != NULL)
    sp_conn_stream_limit_messages (c->out, engine->config->max_message_size);
  /* Pinged from the sweep, with payloads that time the round trip; libsoup's
   * keepalive would add a timer per client and say nothing about pongs. */
  soup_websocket_connection_set_keepalive_interval (conn, 0);
  c->rtt_us = -1;
  c->next_ping = c->last_seen + (gint64) engine->config->ping_interval_s * G_USEC_PER_SEC;
  c->next_step = engine->step;  /* the ticks from the next on */
  g_signal_connect (conn, "message", G_CALLBACK (on_conn_message), c);
  g_signal_connect (conn, "pong", G_CALLBACK (on_conn_pong), c);
  g_signal_connect (conn, "closed", G_CALLBACK (on_conn_closed), c);
  g_signal_connect (conn, "error", G_CALLBACK (on_conn_error), c);

  g_mutex_lock (&server->lock);
  g_ptr_array_add (server->conns, c);
  push_event_locked (server, EVENT_CONNECTED, conn_snapshot (c));
  g_mutex_unlock (&server->lock);

  if (engine->config->format == SP_FORMAT_JSON)
    conn_send_welcome (c, NULL);
}

/* ------------------------------------------------------------------------ */
/* Server thread: admission                                                   */

static gboolean
is_local_host_name (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  return address != NULL || g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_str_has_suffix (host, ".localhost") ||
         g_ascii_strcasecmp (host, g_get_host_name ()) == 0;
}

/* The host part of a Host header or an origin's authority: "[::1]:8765" → "::1". */
static char *
host_of (const char *authority)
{
  const char *end;

  if (authority[0] == '[')
    {
      end = strchr (authority, ']');
      return end ? g_strndup (authority + 1, end - authority - 1) : g_strdup (authority);
    }
  end = strrchr (authority, ':');
  return end ? g_strndup (authority, end - authority) : g_strdup (authority);
}

/* Cross-site WebSocket hijacking: a page on another site may open a WebSocket
 * to this machine, and the browser says which site it is in Origin. Allowed:
 * no Origin (not a browser), the server's own page (its origin is this very
 * Host, and that Host is an address or a name of this machine, which keeps
 * DNS rebinding out), and the configured allow-list. */
static gboolean
origin_allowed (SpEngine           *engine,
                SoupMessageHeaders *request,
                char              **why)
{
  const char *origin = soup_message_headers_get_one (request, "Origin");
  const char *host = soup_message_headers_get_one (request, "Host");
  char **allowed = engine->config->allowed_origins;

  if (origin == NULL)
    return TRUE;

  for (guint i = 0; allowed != NULL && allowed[i] != NULL; i++)
    if (g_str_equal (allowed[i], "*") || g_ascii_strcasecmp (allowed[i], origin) == 0)
      return TRUE;

  if (host != NULL)
    {
      const char *scheme = engine->config->tls_cert_file != NULL ? "https://" : "http://";
      g_autofree char *own = g_strconcat (scheme, host, NULL);
      g_autofree char *host_name = host_of (host);

      if (g_ascii_strcasecmp (origin, own) == 0 && is_local_host_name (host_name))
        return TRUE;
      if (g_ascii_strcasecmp (origin, own) == 0)
        {
          *why = g_strdup_printf ("Forbidden: “%s” is not a name of this machine; "
                                  "add the origin with --allow-origin", host_name);
          return FALSE;
        }
    }

  *why = g_strdup_printf ("Forbidden: pages from %s may not use this server; "
                          "allow them with --allow-origin %s", origin, origin);
  return FALSE;
}

/* Constant time: how long the comparison takes says nothing about the token. */
static gboolean
token_equal (const char *given,
             const char *token)
{
  gsize n = strlen (token);
  gsize m = strlen (given);
  guint8 diff = (guint8) (n != m);

  for (gsize i = 0; i < n; i++)
    diff |= (guint8) token[i] ^ (guint8) (i < m ? given[i] : 0);

  return diff == 0;
}

static gboolean
token_allowed (SpEngine           *engine,
               SoupServerMessage  *msg,
               GHashTable         *query)
{
  const char *token = engine->config->token;
  const char *given = query != NULL ? g_hash_table_lookup (query, "token") : NULL;
  const char *authorization;

  if (token == NULL)
    return TRUE;

  authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Authorization");
  if (given == NULL && authorization != NULL &&
      g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    given = authorization + 7;

  return given != NULL && token_equal (given, token);
}

static void
refuse (SoupServerMessage *msg,
        guint              status,
        const char        *text)
{
  g_autofree char *body = g_strconcat (text, "\n", NULL);

  /* libsoup 3.2 has no phrase for 426. */
  soup_server_message_set_status (msg, status, status == 426 ? "Upgrade Required" : NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    body, strlen (body));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

typedef struct
{
  guint n;
  gsize bytes;
} HeaderCount;

static void
count_header (const char *name,
              const char *value,
              gpointer    user_data)
{
  HeaderCount *count = user_data;

  count->n++;
  count->bytes += strlen (name) + strlen (value) + 4;
}

/* Text from a request, for a refusal's record: valid UTF-8, not too long. */
static char *
shown_header (SoupMessageHeaders *headers,
              const char         *name)
{
  const char *value = soup_message_headers_get_one (headers, name);
  g_autofree char *valid = NULL;

  if (value == NULL)
    return NULL;
  valid = g_utf8_make_valid (value, -1);
  return g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), 200));
}

/* Refuses the request and tells the owner (the log, the Clients page). */
static void
refuse_and_report (SpEngine          *engine,
                   SoupServerMessage *msg,
                   SpRefusalKind      kind,
                   guint              status,
                   const char        *text)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  SpRefusal *refusal = sp_refusal_new ();

  refuse (msg, status, text);

  refusal->kind = kind;
  refusal->at = g_get_real_time ();
  refusal->status = status;
  refusal->reason = g_strdup (text);
  refusal->address = g_strdup (soup_server_message_get_remote_host (msg));
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    refusal->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));
  refusal->origin = shown_header (request, "Origin");
  refusal->user_agent = shown_header (request, "User-Agent");
  push_refusal (engine->server, refusal);
}

/* Runs once the headers are in, before any upgrade: who may come in. */
static void
on_early (SoupServer        *soup,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SpEngine *engine = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  gboolean upgrade = soup_message_headers_header_contains (request, "Upgrade", "websocket");
  g_autofree char *why = NULL;

  HeaderCount count = { 0, 0 };

  g_hash_table_remove (engine->handshakes, msg);

  /* A client has no reason for a hundred headers or 16 KiB of them. */
  soup_message_headers_foreach (request, count_header, &count);
  if (count.n > MAX_HEADERS || count.bytes > MAX_HEADER_BYTES)
    {
      refuse_and_report (engine, msg, SP_REFUSAL_HEADERS, 431, "Request header fields too large");
      return;
    }

  /* RFC 6455, 4.2.2: a version we do not speak is told the one we do. */
  if (upgrade)
    {
      const char *version = soup_message_headers_get_one (request, "Sec-WebSocket-Version");

      if (version != NULL && !g_str_equal (version, "13"))
        {
          g_autofree char *shown = g_utf8_make_valid (version, MIN (strlen (version), 20));
          g_autofree char *text =
            g_strdup_printf ("This server speaks WebSocket version 13 (RFC 6455); the client "
                             "asked for version %s", shown);

          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Sec-WebSocket-Version", "13");
          refuse_and_report (engine, msg, SP_REFUSAL_VERSION, 426, text);
          return;
        }
    }

  if (upgrade && !origin_allowed (engine, request, &why))
    {
      refuse_and_report (engine, msg, SP_REFUSAL_ORIGIN, SOUP_STATUS_FORBIDDEN, why);
      return;
    }

  if (!token_allowed (engine, msg, query))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"StockPush\"");
      refuse_and_report (engine, msg, SP_REFUSAL_TOKEN, SOUP_STATUS_UNAUTHORIZED,
              "This StockPush server needs its access token: add ?token=… to the address "
              "or send Authorization: Bearer …");
      return;
    }

  if (upgrade && engine->server->conns->len >= engine->config->max_clients)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "5");
      refuse_and_report (engine, msg, SP_REFUSAL_FULL, SOUP_STATUS_SERVICE_UNAVAILABLE,
              "This StockPush server has as many clients as it takes; try again later");
      return;
    }
}

/* Slowloris: a connection must deliver its request headers in time. */
static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SpEngine *engine = user_data;

  g_hash_table_insert (engine->handshakes, g_object_ref (msg),
                       g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)));
}

static void
on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  SpEngine *engine = user_data;

  g_hash_table_remove (engine->handshakes, msg);
}

static void
sweep_handshakes (SpEngine *engine,
                  gint64    now)
{
  gint64 limit = (gint64) engine->config->handshake_timeout_ms * G_TIME_SPAN_MILLISECOND;
  GHashTableIter iter;
  gpointer msg, started;

  g_hash_table_iter_init (&iter, engine->handshakes);
  while (g_hash_table_iter_next (&iter, &msg, &started))
    if (now - *(gint64 *) started > limit)
      {
        GSocket *socket = message_socket (msg);

        /* libsoup notices the end of the stream and drops the connection. */
        if (socket != NULL && !g_socket_is_closed (socket))
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
        g_hash_table_iter_remove (&iter);
      }
}

/* Four times a second: slow clients, dead peers, closes that do not complete,
 * requests that never finish. */
static gboolean
on_sweep (gpointer user_data)
{
  SpEngine *engine = user_data;
  SpServerConfig *config = engine->config;
  GPtrArray *conns = engine->server->conns;
  gint64 now = g_get_monotonic_time ();
  gint64 slow = (gint64) config->slow_timeout_ms * G_TIME_SPAN_MILLISECOND;
  gint64 silent = (gint64) (config->ping_interval_s + config->pong_timeout_s) * G_USEC_PER_SEC;

  sweep_handshakes (engine, now);

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->close_requested != 0)
        {
          if (now - c->close_requested > FORCE_CLOSE_US && c->socket != NULL &&
              !g_socket_is_closed (c->socket))
            g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
          continue;
        }

      if (c->lagging && now - c->lag_since > slow)
        conn_close (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, CLOSE_REASON_SLOW);
      else if (config->ping_interval_s > 0 && now - c->last_seen > silent)
        conn_close (c, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, CLOSE_REASON_DEAD);
      else if (config->ping_interval_s > 0 && now >= c->next_ping && conn_is_open (c))
        {
          c->next_ping = now + (gint64) config->ping_interval_s * G_USEC_PER_SEC;
          g_autoptr(GBytes) ping = sp_ws_send_ping (c->conn, now);
        }
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* Server thread: plain HTTP                                                  */

static void
on_http (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GBytes) body = NULL;
  const char *content_type = NULL;
  static const char not_found[] = "Not found: StockPush serves its web client at / only\n";

  /* An upgrade request is the WebSocket handler's: answering it here would win. */
  if (soup_message_headers_header_contains (request, "Upgrade", "websocket"))
    return;

  if (!sp_web_lookup (path, &body, &content_type))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                        not_found, sizeof not_found - 1);
      return;
    }

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0)
    {
      soup_message_headers_replace (response, "Allow", "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  soup_message_headers_replace (response, "Content-Security-Policy",
                                sp_web_content_security_policy ());
  soup_message_headers_replace (response, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (response, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (response, "Cache-Control", "no-cache");
  soup_message_headers_replace (response, "Content-Type", content_type);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* ------------------------------------------------------------------------ */
/* Tick thread: ticks (under the engine's lock)                              */

static GString *
tick_json_at (SpEngine *engine,
              guint64   step,
              guint     symbol)
{
  return g_ptr_array_index (engine->tick_json,
                            (step % KEPT_STEPS) * engine->all_symbols + symbol);
}

typedef struct
{
  guint64 mask;
  guint64 first_step;
} FrameKey;

static guint
frame_key_hash (gconstpointer key)
{
  const FrameKey *k = key;

  return (guint) (k->mask ^ (k->mask >> 32) ^ (k->first_step * 0x9E3779B1u));
}

static gboolean
frame_key_equal (gconstpointer a,
                 gconstpointer b)
{
  const FrameKey *x = a, *y = b;

  return x->mask == y->mask && x->first_step == y->first_step;
}

/* The frame for one subscription: the ticks of every step from @first_step
 * to the last for the symbols in @mask, one tick alone or a batch. With
 * @shared, encoded once per tick for all the clients with the same
 * subscription and the same first step (only during on_tick, which empties
 * the cache). Returns a new reference, or NULL when nothing is selected. */
static GBytes *
frame_for_mask (SpEngine *engine,
                guint64   mask,
                gint64    ts,
                guint64   first_step,
                gboolean  shared)
{
  GBytes *frame;
  GString *single = NULL;
  FrameKey key;

  /* Steps older than the ring are gone (a server far behind drops them). */
  if (engine->step > KEPT_STEPS && first_step < engine->step - KEPT_STEPS)
    first_step = engine->step - KEPT_STEPS;
  key.mask = mask;
  key.first_step = first_step;
  if (shared && (frame = g_hash_table_lookup (engine->frames_by_mask, &key)) != NULL)
    return g_bytes_ref (frame);

  g_ptr_array_set_size (engine->parts, 0);
  for (guint64 step = first_step; step < engine->step; step++)
    for (guint i = 0; i < engine->all_symbols; i++)
      if (mask & (G_GUINT64_CONSTANT (1) << i))
        {
          single = tick_json_at (engine, step, i);
          g_ptr_array_add (engine->parts, single->str);
        }

  if (engine->parts->len == 0)
    return NULL;

  g_string_truncate (engine->scratch, 0);
  if (engine->parts->len == 1)
    g_string_append_len (engine->scratch, single->str, single->len);
  else
    sp_protocol_append_batch (engine->scratch, ts, (const char **) engine->parts->pdata,
                              engine->parts->len);

  frame = g_bytes_new (engine->scratch->str, engine->scratch->len);
  if (shared)
    g_hash_table_insert (engine->frames_by_mask, g_memdup2 (&key, sizeof key), g_bytes_ref (frame));

  return frame;
}

/* The second pass of a tick: runs on the send pool's threads. */
static void
send_round_frame (gpointer item,
                  gpointer user_data)
{
  SpConn *c = item;

  conn_send_bytes (c, c->round_frame);
  c->round_frame = NULL;
}

/* How many flush groups the next rounds use. A round that sends every client
 * a frame costs clients x the time per frame (measured, on all the send
 * threads together). Split into k groups, one sent per tick with the ticks
 * since that client's last frame, a tick waits up to (k - 1) intervals for
 * its group's turn, then up to a round k times shorter for the sends before
 * its client's. A round longer than the interval makes the next tick late:
 * rounds then follow each other, the wait for a group's turn is (k - 1)
 * rounds, and the steps the server fell behind on wait longer still (counted
 * twice). The k with the smallest worst delay is taken (with a margin against
 * flapping). Measured with 5,000 clients at 40 ticks a second (rounds of
 * 7.6 µs a frame), p99 43 and 62 ms with 2 and 3 groups, as this predicts
 * (44 and 63); the earlier model, a round doubled from 80 % of the interval
 * on, chose 3 groups whenever a frame's time rose a little. With one tick a
 * second, as by default, the answer is always 1. */
static double
worst_delay_us (double full_round_us,
                double interval_us,
                guint  groups)
{
  double round_us = full_round_us / groups;
  double late_us = MAX (0, round_us - interval_us);

  return (double) (groups - 1) * MAX (interval_us, round_us) + round_us + 2 * late_us;
}

static void
choose_groups (SpEngine *engine,
               guint     n_clients,
               guint     frames,
               gint64    round_us)
{
  double interval_us = (double) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND;
  double sample, full_round_us, now_us;
  guint best = 1;

  /* Too few frames to time a frame by. */
  if (frames < 64)
    return;
  /* A round the thread was taken off the CPU in says little about the next. */
  sample = (double) round_us / frames;
  if (engine->frame_cost_us <= 0)
    engine->frame_cost_us = sample;
  else
    engine->frame_cost_us = 0.9 * engine->frame_cost_us +
                            0.1 * MIN (sample, 2 * engine->frame_cost_us);

  full_round_us = engine->frame_cost_us * n_clients;
  for (guint k = 2; k <= MAX_FLUSH_GROUPS; k++)
    if (worst_delay_us (full_round_us, interval_us, k) <
        worst_delay_us (full_round_us, interval_us, best))
      best = k;
  now_us = worst_delay_us (full_round_us, interval_us, engine->groups);
  if (best != engine->groups && worst_delay_us (full_round_us, interval_us, best) < 0.85 * now_us)
    engine->groups = best;
}

static gboolean
tick (gint64   deadline_us,
      guint    missed,
      gpointer user_data)
{
  SpEngine *engine = user_data;
  GPtrArray *conns = engine->server->conns;
  gint64 interval_us = (gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND;
  guint steps = MIN (missed, MAX_CATCH_UP_STEPS - 1) + 1;
  g_autoptr(GPtrArray) split = NULL;   /* --split: each tick's frame, made once */
  guint64 first_new;
  guint groups, frames = 0, receivers = 0;
  gint64 ts, started, round_us;

  /* Every interval the market moves once, also those the loop was too busy
   * for: their ticks go out together in this tick's frame, none lost. */
  for (guint k = steps; k <= missed; k++)
    sp_market_step (engine->market, engine->config->interval_ms / 1000.0);

  ts = g_get_real_time ();

  if (engine->config->format == SP_FORMAT_TEXT)
    {
      g_autoptr(GBytes) frame = NULL;

      for (guint k = 0; k < steps; k++)
        sp_market_step (engine->market, engine->config->interval_ms / 1000.0);
      engine->step += steps;
      if (conns->len == 0)
        return G_SOURCE_CONTINUE;

      g_string_truncate (engine->scratch, 0);
      sp_protocol_append_text_price (engine->scratch,
                                     sp_market_get_quote (engine->market, 0)->price_cents);
      frame = g_bytes_new (engine->scratch->str, engine->scratch->len);

      for (guint i = 0; i < conns->len; i++)
        {
          SpConn *c = g_ptr_array_index (conns, i);

          if (c->close_requested != 0)
            continue;
          if (conn_ready (c))
            conn_send_bytes (c, frame);
          else
            c->pending_mask |= 1;
        }

      return G_SOURCE_CONTINUE;
    }

  /* Each step's ticks carry the time that step was due. */
  first_new = engine->step;
  for (guint k = 0; k < steps; k++)
    {
      gint64 step_ts = ts - (gint64) (steps - 1 - k) * interval_us;

      sp_market_step (engine->market, engine->config->interval_ms / 1000.0);
      for (guint i = 0; i < engine->all_symbols; i++)
        {
          GString *tick = tick_json_at (engine, engine->step, i);

          g_string_truncate (tick, 0);
          if (conns->len > 0)
            sp_protocol_append_tick (tick, sp_market_get_quote (engine->market, i), step_ts);
        }
      engine->step++;
    }

  /* Only the server thread mutates conns, while it dispatches: under the
   * engine's lock, which this tick holds; so no need of the server's lock. */
  if (conns->len == 0)
    return G_SOURCE_CONTINUE;

  /* --split sends one frame per tick, like the peers: never grouped. */
  groups = engine->config->split ? 1 : MAX (engine->groups, 1);
  engine->round++;
  started = g_get_monotonic_time ();

  g_ptr_array_set_size (engine->due, 0);
  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);
      GBytes *frame;

      if (c->mask == 0 || c->close_requested != 0)
        continue;

      if (!conn_ready (c))
        {
          c->pending_mask |= c->mask;
          continue;
        }
      receivers++;
      if (groups > 1 && (c->info->id + engine->round) % groups != 0)
        continue;  /* its group's turn is another tick */

      if (engine->config->split)
        {
          /* One frame per tick, as the peers and the original demo send;
           * each encoded once for every client. */
          if (split == NULL)
            {
              split = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
              for (guint64 k = first_new; k < engine->step; k++)
                for (guint s = 0; s < engine->all_symbols; s++)
                  {
                    GString *tick = tick_json_at (engine, k, s);

                    g_ptr_array_add (split, g_bytes_new (tick->str, tick->len));
                  }
            }
          for (guint k = 0; k < steps; k++)
            for (guint s = 0; s < engine->all_symbols; s++)
              if (c->mask & (G_GUINT64_CONSTANT (1) << s))
                {
                  conn_send_bytes (c, g_ptr_array_index (split, k * engine->all_symbols + s));
                  frames++;
                }
          c->next_step = engine->step;
          continue;
        }

      /* Encoded here, on this thread, once per subscription and first step;
       * the cache keeps the frame until the sends are done. */
      frame = frame_for_mask (engine, c->mask, ts, c->next_step, TRUE);
      c->next_step = engine->step;
      if (frame != NULL)
        {
          c->round_frame = frame;
          g_bytes_unref (frame);
          g_ptr_array_add (engine->due, c);
        }
    }

  /* The sends: each client's only, so they may run on several threads.
   * That pays for bursts: a round that takes a small part of the interval
   * ends sooner on idle cores. A server that sends most of the time gains
   * little from another core and takes it from everything else on the
   * machine (measured: fanout-1k's p99 rose from 9 to 12 ms with two send
   * threads, where multi-symbol's fell from 20 to 16 ms). */
  frames += engine->due->len;
  if (engine->due->len >= POOL_MIN_FRAMES && groups == 1 && engine->busy < POOL_MAX_BUSY)
    sp_send_pool_run (engine->pool, engine->due, send_round_frame, NULL);
  else
    for (guint i = 0; i < engine->due->len; i++)
      send_round_frame (g_ptr_array_index (engine->due, i), NULL);
  g_ptr_array_set_size (engine->due, 0);

  g_hash_table_remove_all (engine->frames_by_mask);
  round_us = g_get_monotonic_time () - started;
  engine->busy = 0.9 * engine->busy + 0.1 * (double) round_us / (double) interval_us;
  choose_groups (engine, receivers, frames, round_us);

  return G_SOURCE_CONTINUE;
}

/* The ticker's callback, on the tick thread. */
static gboolean
on_tick (gint64   deadline_us,
         guint    missed,
         gpointer user_data)
{
  SpEngine *engine = user_data;
  gboolean again = G_SOURCE_REMOVE;

  atomic_store (&engine->tick_waiting_since, g_get_monotonic_time ());
  g_mutex_lock (&engine->lock);
  atomic_store (&engine->tick_waiting_since, 0);
  /* Stopped (engine_begin_stop) while this tick waited for the lock. */
  if (!g_source_is_destroyed (g_main_current_source ()))
    again = tick (deadline_us, missed, user_data);
  engine->ticks_done++;
  g_cond_broadcast (&engine->tick_done);
  g_mutex_unlock (&engine->lock);

  return again;
}

static gpointer
tick_thread (gpointer data)
{
  SpEngine *engine = data;

  g_main_context_push_thread_default (engine->tick_context);
  while (!g_atomic_int_get (&engine->tick_quit))
    g_main_context_iteration (engine->tick_context, TRUE);
  g_main_context_pop_thread_default (engine->tick_context);

  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Server thread: replaying a recording                                       */

/* One recorded message to every client that can take it now. A client that
 * cannot misses it: a recording has no "latest price per symbol" to keep. */
static guint
replay_broadcast (SpEngine *engine,
                  SpFrame  *frame)
{
  GPtrArray *conns = engine->server->conns;
  guint taken = 0;

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->mask == 0 || c->close_requested != 0 || !conn_is_open (c))
        continue;
      if (!conn_ready (c))
        continue;

      conn_send_frame (c, frame->kind == SP_FRAME_BINARY ? SP_WS_OPCODE_BINARY : SP_WS_OPCODE_TEXT,
                       frame->payload);
      taken++;
    }

  return taken;
}

static gboolean
replay_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  SpEngine *engine = user_data;
  double speed = engine->config->replay_speed;
  gint64 now = g_get_monotonic_time ();
  gint64 t0 = ((SpFrame *) g_ptr_array_index (engine->replay, 0))->time_us;
  guint sent = 0;

  if (engine->server->conns->len == 0 && speed <= 0)
    {
      g_source_set_ready_time (source, now + 10 * G_TIME_SPAN_MILLISECOND);
      return G_SOURCE_CONTINUE;
    }

  /* A bounded batch per dispatch, so new clients are accepted meanwhile. */
  while (sent < 256)
    {
      SpFrame *frame = g_ptr_array_index (engine->replay, engine->replay_pos);

      if (speed > 0)
        {
          gint64 due = engine->replay_start + (gint64) ((double) (frame->time_us - t0) / speed);

          if (due > now)
            {
              g_source_set_ready_time (source, due);
              return G_SOURCE_CONTINUE;
            }
        }

      if (replay_broadcast (engine, frame) == 0 && speed <= 0)
        {
          /* Nobody can take more now: look again in a millisecond. */
          g_source_set_ready_time (source, now + G_TIME_SPAN_MILLISECOND);
          return G_SOURCE_CONTINUE;
        }
      sent++;

      /* At the end, from the start again. */
      if (++engine->replay_pos == engine->replay->len)
        {
          engine->replay_pos = 0;
          engine->replay_start = now;
        }
    }

  g_source_set_ready_time (source, 0);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs replay_funcs = { NULL, NULL, replay_dispatch, NULL, NULL, NULL };

static gboolean
start_replay (SpEngine  *engine,
              GError   **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (engine->config->replay_file);
  g_autoptr(GPtrArray) frames = sp_frames_load (file, 0, NULL, error);

  if (frames == NULL)
    return FALSE;

  engine->replay = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  for (guint i = 0; i < frames->len; i++)
    {
      SpFrame *frame = g_ptr_array_index (frames, i);

      if (frame->direction == SP_FRAME_IN && frame->size > 0 &&
          (frame->kind == SP_FRAME_TEXT || frame->kind == SP_FRAME_BINARY))
        g_ptr_array_add (engine->replay, sp_frame_ref (frame));
    }
  if (engine->replay->len == 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   "%s holds no received messages to replay", engine->config->replay_file);
      return FALSE;
    }

  engine->replay_start = g_get_monotonic_time ();
  engine->replay_source = g_source_new (&replay_funcs, sizeof (GSource));
  g_source_set_callback (engine->replay_source, NULL, engine, NULL);
  g_source_set_static_name (engine->replay_source, "[stockpush] replay");
  g_source_set_ready_time (engine->replay_source, 0);
  g_source_attach (engine->replay_source, engine->context);

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Server thread: life cycle                                                  */

static GSocket *
make_listener (SpEngine  *engine,
               GError   **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *bind_address = engine->config->bind_address;

  address = g_inet_address_new_from_string (bind_address);
  if (address == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_ADDRESS,
                   "“%s” is not an IP address; use 127.0.0.1, ::1, 0.0.0.0 or ::", bind_address);
      return NULL;
    }

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED,
                   "Could not create a socket for %s: %s", bind_address, local_error->message);
      return NULL;
    }

  /* GLib's default backlog of 10 stalls bursts of connecting clients for seconds. */
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);

  socket_address = g_inet_socket_address_new (address, engine->config->port);
  if (!g_socket_bind (socket, socket_address, TRUE, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, SP_ERROR, SP_ERROR_ADDRESS_IN_USE,
                     "Port %u on %s is already in use by another program. "
                     "Stop that program or choose another port.",
                     engine->config->port, bind_address);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_set_error (error, SP_ERROR, SP_ERROR_PERMISSION_DENIED,
                     "Not allowed to listen on port %u of %s: ports below 1024 need "
                     "administrator rights. Choose a port from 1024 to 65535.",
                     engine->config->port, bind_address);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
               local_error->domain == G_IO_ERROR)
        g_set_error (error, SP_ERROR, SP_ERROR_BAD_ADDRESS,
                     "Cannot listen on %s port %u (%s). Is %s an address of this machine? "
                     "Use 127.0.0.1 or ::1 for this machine only, 0.0.0.0 or :: for all "
                     "interfaces.",
                     bind_address, engine->config->port, local_error->message, bind_address);
      return NULL;
    }

  if (!g_socket_listen (socket, &local_error))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED,
                   "Cannot listen on %s port %u: %s",
                   bind_address, engine->config->port, local_error->message);
      return NULL;
    }

  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return NULL;
  engine->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  return g_steal_pointer (&socket);
}

/* One accepted socket, handed to libsoup. For wss it is wrapped in TLS here;
 * the handshake runs on the first read. libsoup gets an SpConnStream over it,
 * whose send queue the tick frames share (see sp-conn-stream.h). */

/* Who is behind a connection, for the refusal its guard may make. */
typedef struct
{
  /* Not a reference: the guard reads only while libsoup does, on the engine's
   * thread, while the engine (and its server) lives. A reference would keep
   * the server alive from its own connections. */
  SpEngine *engine;
  char     *address;
  guint16   port;
} Peer;

static gpointer
peer_new (SpEngine       *engine,
          GSocketAddress *remote)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->engine = engine;
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      peer->address = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
      peer->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));
    }
  return peer;
}

static void
peer_free (gpointer data)
{
  Peer *peer = data;

  g_free (peer->address);
  g_free (peer);
}

/* The guard refused a request libsoup never saw whole (sp-ws-guard.h). */
static void
on_guard_stop (SpConnStream *stream,
               guint         code,
               const char   *reason,
               gpointer      user_data)
{
  Peer *peer = user_data;
  SpRefusal *refusal;

  /* After the upgrade the client's leaving is logged as usual. */
  if (code != 400)
    return;
  refusal = sp_refusal_new ();
  refusal->kind = SP_REFUSAL_BAD_REQUEST;
  refusal->at = g_get_real_time ();
  refusal->status = code;
  refusal->reason = g_strdup (reason);
  refusal->address = g_strdup (peer->address);
  refusal->port = peer->port;
  push_refusal (peer->engine->server, refusal);
}

static void
accept_one (SpEngine *engine,
            GSocket  *socket)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(SpConnStream) conn_stream = NULL;
  g_autoptr(GError) error = NULL;

  local = g_socket_get_local_address (socket, NULL);
  remote = g_socket_get_remote_address (socket, NULL);
  if (local == NULL || remote == NULL)
    return;  /* Reset before we got to it. */

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  connection = g_socket_connection_factory_create_connection (socket);
  if (engine->certificate != NULL)
    {
      stream = (GIOStream *) g_tls_server_connection_new (G_IO_STREAM (connection),
                                                          engine->certificate, &error);
      if (stream == NULL)
        {
          g_debug ("TLS for a new client: %s", error->message);
          return;
        }
    }
  else
    stream = G_IO_STREAM (g_steal_pointer (&connection));

  conn_stream = sp_conn_stream_new (stream, engine->certificate == NULL ? socket : NULL,
                                    engine->context);
  sp_conn_stream_set_stop_func (conn_stream, on_guard_stop, peer_new (engine, remote),
                                peer_free);
  g_object_set_data_full (G_OBJECT (remote), "sp-socket", g_object_ref (socket), g_object_unref);
  g_object_set_data_full (G_OBJECT (remote), "sp-stream", g_object_ref (conn_stream),
                          g_object_unref);
  if (!soup_server_accept_iostream (engine->soup, G_IO_STREAM (conn_stream), local, remote, &error))
    g_debug ("Could not take a new client: %s", error->message);
}

static void watch_listener (SpEngine *engine);

static gboolean
on_accept_retry (gpointer user_data)
{
  watch_listener (user_data);

  return G_SOURCE_REMOVE;
}

/* libsoup's own listener takes one connection per wake-up of the thread, and
 * each wake-up costs time in proportion to the clients already connected:
 * thousands connecting while ticks flow took minutes. Here each wake-up
 * empties the backlog, up to ACCEPT_BATCH connections. */
static gboolean
on_incoming (GSocket      *listener,
             GIOCondition  condition,
             gpointer      user_data)
{
  SpEngine *engine = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;

      engine_yield (engine, yield_patience_us (engine));
      socket = g_socket_accept (listener, NULL, &error);

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* Out of descriptors or the like: the backlog stays readable, so
           * asking again at once would spin. Pause, then listen again. */
          g_warning ("Cannot accept a client: %s; trying again in %d ms",
                     error->message, ACCEPT_RETRY_MS);
          g_clear_pointer (&engine->accept_source, g_source_unref);
          engine->accept_source = g_timeout_source_new (ACCEPT_RETRY_MS);
          g_source_set_callback (engine->accept_source, on_accept_retry, engine, NULL);
          g_source_set_static_name (engine->accept_source, "[stockpush] accept retry");
          g_source_attach (engine->accept_source, engine->context);
          return G_SOURCE_REMOVE;
        }
      accept_one (engine, socket);
    }

  return G_SOURCE_CONTINUE;
}

static void
watch_listener (SpEngine *engine)
{
  g_clear_pointer (&engine->accept_source, g_source_unref);
  engine->accept_source = g_socket_create_source (engine->listener, G_IO_IN, NULL);
  g_source_set_callback (engine->accept_source, G_SOURCE_FUNC (on_incoming), engine, NULL);
  g_source_set_static_name (engine->accept_source, "[stockpush] accept");
  g_source_attach (engine->accept_source, engine->context);
}

static gboolean
engine_setup (SpEngine  *engine,
              GError   **error)
{
  g_autofree char *server_header = g_strdup_printf ("StockPush/%s ", PACKAGE_VERSION);

  engine->listener = make_listener (engine, error);
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

  soup_server_add_early_handler (engine->soup, NULL, on_early, engine, NULL);
  soup_server_add_handler (engine->soup, "/", on_http, engine, NULL);
  g_signal_connect (engine->soup, "request-started", G_CALLBACK (on_request_started), engine);
  g_signal_connect (engine->soup, "request-read", G_CALLBACK (on_request_done), engine);
  g_signal_connect (engine->soup, "request-finished", G_CALLBACK (on_request_done), engine);
  g_signal_connect (engine->soup, "request-aborted", G_CALLBACK (on_request_done), engine);
  soup_server_add_websocket_handler (engine->soup, "/", NULL, NULL, on_websocket, engine, NULL);

  g_socket_set_blocking (engine->listener, FALSE);
  g_socket_set_option (engine->listener, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  watch_listener (engine);

  if (engine->config->replay_file != NULL)
    {
      if (!start_replay (engine, error))
        return FALSE;
    }
  else
    {
      engine->ticker = sp_ticker_source_new ((gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND,
                                             on_tick, engine, NULL);
      g_source_set_static_name (engine->ticker, "[stockpush] ticker");
      g_source_attach (engine->ticker, engine->tick_context);
    }

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
          engine_yield (engine, 0);  /* GMutex is not fair: a waiting tick first */
          g_main_context_dispatch (context);
          g_mutex_unlock (&engine->lock);
        }
    }

  g_main_context_release (context);
}

static gpointer
engine_thread (gpointer data)
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
      if (engine->ticker != NULL)
        engine->tick_thread = g_thread_new ("stockpush-tick", tick_thread, engine);
      engine_run (engine);
    }

  if (engine->ticker != NULL)
    g_source_destroy (engine->ticker);
  if (engine->tick_thread != NULL)
    {
      g_atomic_int_set (&engine->tick_quit, TRUE);
      g_main_context_wakeup (engine->tick_context);
      g_clear_pointer (&engine->tick_thread, g_thread_join);
    }
  g_clear_pointer (&engine->ticker, g_source_unref);

  /* Tear down on this thread: sources and sockets belong to its context. */
  if (engine->stop_poll != NULL)
    g_source_destroy (engine->stop_poll);
  g_clear_pointer (&engine->stop_poll, g_source_unref);
  if (engine->sweep != NULL)
    g_source_destroy (engine->sweep);
  g_clear_pointer (&engine->sweep, g_source_unref);
  if (engine->replay_source != NULL)
    g_source_destroy (engine->replay_source);
  g_clear_pointer (&engine->replay_source, g_source_unref);
  g_hash_table_remove_all (engine->handshakes);

  /* Whoever is left never answered our close frame within the grace
   * period: dropping the last reference closes the socket. */
  while (engine->server->conns->len > 0)
    {
      SpConn *c = g_ptr_array_index (engine->server->conns, engine->server->conns->len - 1);

      on_conn_closed (c->conn, c);
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

static gboolean
engine_begin_stop (gpointer data)
{
  SpEngine *engine = data;
  GPtrArray *conns = engine->server->conns;

  if (engine->ticker != NULL)
    g_source_destroy (engine->ticker);
  if (engine->replay_source != NULL)
    g_source_destroy (engine->replay_source);

  /* The listener closes after the grace period (soup_server_disconnect
   * would cut the clients off before their close frames are out); until
   * then a newcomer is turned away at once. */
  engine->stopping = TRUE;

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (conn_is_open (c))
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

static void
string_free (gpointer data)
{
  g_string_free (data, TRUE);
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

static SpEngine *
engine_new (SpServer             *server,
            const SpServerConfig *config,
            GError              **error)
{
  g_autoptr(SpMarket) market = NULL;
  SpEngine *engine;
  guint64 seed = config->have_seed ? config->seed : ((guint64) g_random_int () << 32 | g_random_int ());
  guint n;

  market = sp_market_new ((const char * const *) config->symbols, seed, error);
  if (market == NULL)
    return NULL;

  raise_fd_limit ();

  engine = g_new0 (SpEngine, 1);
  engine->server = server;
  engine->config = sp_server_config_copy (config);
  engine->config->seed = seed;
  engine->config->have_seed = TRUE;
  engine->market = g_steal_pointer (&market);
  engine->context = g_main_context_new ();
  engine->tick_context = g_main_context_new ();
  g_mutex_init (&engine->lock);
  g_cond_init (&engine->tick_done);
  engine->scratch = g_string_sized_new (1024);
  engine->groups = 1;
  engine->due = g_ptr_array_new ();
  engine->parts = g_ptr_array_new ();
  engine->frames_by_mask = g_hash_table_new_full (frame_key_hash, frame_key_equal,
                                                  g_free, (GDestroyNotify) g_bytes_unref);

  n = sp_market_get_n_symbols (engine->market);
  engine->symbols = g_new0 (char *, n + 1);
  engine->tick_json = g_ptr_array_new_with_free_func (string_free);
  for (guint i = 0; i < n; i++)
    engine->symbols[i] = g_strdup (sp_market_get_symbol (engine->market, i));
  for (guint i = 0; i < n * KEPT_STEPS; i++)
    g_ptr_array_add (engine->tick_json, g_string_new (NULL));
  engine->all_symbols = n;
  engine->handshakes = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
  engine->all_mask = n >= 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << n) - 1;

  g_mutex_init (&engine->start_lock);
  g_cond_init (&engine->start_cond);

  return engine;
}

static void
engine_free (SpEngine *engine)
{
  g_clear_pointer (&engine->config, sp_server_config_free);
  g_clear_pointer (&engine->market, sp_market_free);
  g_clear_pointer (&engine->context, g_main_context_unref);
  g_clear_pointer (&engine->tick_context, g_main_context_unref);
  g_clear_pointer (&engine->symbols, g_strfreev);
  g_clear_pointer (&engine->tick_json, g_ptr_array_unref);
  g_clear_pointer (&engine->frames_by_mask, g_hash_table_unref);
  g_clear_pointer (&engine->due, g_ptr_array_unref);
  g_clear_pointer (&engine->parts, g_ptr_array_unref);
  g_clear_pointer (&engine->handshakes, g_hash_table_unref);
  g_clear_pointer (&engine->replay, g_ptr_array_unref);
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

/* ------------------------------------------------------------------------ */
/* Public API (owner thread)                                                  */

SpServer *
sp_server_new (void)
{
  return g_object_new (SP_TYPE_SERVER, NULL);
}

gboolean
sp_server_start (SpServer             *self,
                 const SpServerConfig *config,
                 GError              **error)
{
  SpEngine *engine;

  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->engine != NULL || self->stopping)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_FAILED,
                           self->stopping ? "The server is still stopping"
                                          : "The server is already running");
      return FALSE;
    }

  engine = engine_new (self, config, error);
  if (engine == NULL)
    return FALSE;

  self->thread = g_thread_try_new ("sp-server", engine_thread, engine, error);
  if (self->thread == NULL)
    {
      engine_free (engine);
      return FALSE;
    }

  g_mutex_lock (&engine->start_lock);
  while (!engine->start_done)
    g_cond_wait (&engine->start_cond, &engine->start_lock);
  g_mutex_unlock (&engine->start_lock);

  if (engine->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&engine->start_error));
      g_thread_join (g_steal_pointer (&self->thread));
      engine_free (engine);
      return FALSE;
    }

  self->engine = engine;
  self->port = engine->port;
  g_free (self->bind_address);
  self->bind_address = g_strdup (engine->config->bind_address);
  g_free (self->token);
  self->token = g_strdup (engine->config->token);
  self->tls = engine->config->tls_cert_file != NULL;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  return TRUE;
}

static void
finish_stop (SpServer *self,
             SpEngine *engine)
{
  engine_free (engine);
  self->stopping = FALSE;

  /* Deliver the last disconnects now, before "running" turns false. */
  if (self->event_source != NULL)
    {
      g_source_destroy (self->event_source);
      dispatch_events (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
sp_server_stop (SpServer *self)
{
  SpEngine *engine;

  g_return_if_fail (SP_IS_SERVER (self));

  if (self->engine == NULL)
    return;

  engine = g_steal_pointer (&self->engine);
  self->stopping = TRUE;
  g_main_context_invoke (engine->context, engine_begin_stop, engine);
  g_thread_join (g_steal_pointer (&self->thread));
  finish_stop (self, engine);
}

static void
join_engine_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_thread_join (task_data);
  g_task_return_boolean (task, TRUE);
}

static void
on_engine_joined (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SpServer *self = SP_SERVER (source);

  finish_stop (self, g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
}

void
sp_server_stop_async (SpServer            *self,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) join = NULL;
  GTask *task;
  SpEngine *engine;

  g_return_if_fail (SP_IS_SERVER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sp_server_stop_async);

  if (self->engine == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  /* The owner's loop keeps running while the clients answer our close
   * frames, so a viewer on this same thread can answer too. */
  engine = g_steal_pointer (&self->engine);
  g_task_set_task_data (task, engine, NULL);
  self->stopping = TRUE;
  g_main_context_invoke (engine->context, engine_begin_stop, engine);

  join = g_task_new (self, NULL, on_engine_joined, task);
  g_task_set_task_data (join, g_steal_pointer (&self->thread), NULL);
  g_task_run_in_thread (join, join_engine_thread);
}

gboolean
sp_server_stop_finish (SpServer      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sp_server_get_stopping (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);

  return self->stopping;
}

gboolean
sp_server_get_running (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);

  return self->engine != NULL;
}

guint
sp_server_get_port (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), 0);

  return self->port;
}

guint
sp_server_get_n_clients (SpServer *self)
{
  guint n;

  g_return_val_if_fail (SP_IS_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->conns->len;
  g_mutex_unlock (&self->lock);

  return n;
}

static char *
with_token (SpServer *self,
            char     *url)
{
  char *full;

  if (self->token == NULL)
    return url;

  full = g_strconcat (url, "?token=", self->token, NULL);
  g_free (url);
  return full;
}

static char *
dup_url (SpServer   *self,
         const char *scheme)
{
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  if (self->engine == NULL)
    return NULL;

  /* A wildcard address is not something a client can connect to. */
  address = g_inet_address_new_from_string (self->bind_address);
  if (address != NULL && g_inet_address_get_is_any (address))
    host = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 ? "[::1]" : "127.0.0.1";
  else if (address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return with_token (self, g_strdup_printf ("%s://[%s]:%u/", scheme, self->bind_address, self->port));
  else
    host = self->bind_address;

  return with_token (self, g_strdup_printf ("%s://%s:%u/", scheme, host, self->port));
}

char *
sp_server_dup_ws_url (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  return dup_url (self, self->tls ? "wss" : "ws");
}

char *
sp_server_dup_http_url (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  return dup_url (self, self->tls ? "https" : "http");
}

char **
sp_server_dup_urls (SpServer *self)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GInetAddress) bound = NULL;
  struct ifaddrs *addresses = NULL;
  const char *scheme;

  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  builder = g_strv_builder_new ();
  if (self->engine == NULL)
    return g_strv_builder_end (builder);

  scheme = self->tls ? "wss" : "ws";
  bound = g_inet_address_new_from_string (self->bind_address);
  if (bound == NULL || !g_inet_address_get_is_any (bound) || getifaddrs (&addresses) != 0)
    {
      g_autofree char *url = sp_server_dup_ws_url (self);

      g_strv_builder_add (builder, url);
      return g_strv_builder_end (builder);
    }

  /* Listening on every interface: each address of this machine works. */
  for (struct ifaddrs *ifa = addresses; ifa != NULL; ifa = ifa->ifa_next)
    {
      g_autoptr(GSocketAddress) address = NULL;
      GInetAddress *inet;
      g_autofree char *text = NULL;
      g_autofree char *url = NULL;
      GSocketFamily family;

      if (ifa->ifa_addr == NULL ||
          (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
        continue;

      address = g_socket_address_new_from_native (ifa->ifa_addr,
                                                  ifa->ifa_addr->sa_family == AF_INET
                                                    ? sizeof (struct sockaddr_in)
                                                    : sizeof (struct sockaddr_in6));
      if (address == NULL)
        continue;
      inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      family = g_inet_address_get_family (inet);
      if (g_inet_address_get_is_link_local (inet) ||
          (family == G_SOCKET_FAMILY_IPV6 && g_inet_address_get_family (bound) != G_SOCKET_FAMILY_IPV6))
        continue;

      text = g_inet_address_to_string (inet);
      url = with_token (self, family == G_SOCKET_FAMILY_IPV6
                                ? g_strdup_printf ("%s://[%s]:%u/", scheme, text, self->port)
                                : g_strdup_printf ("%s://%s:%u/", scheme, text, self->port));
      g_strv_builder_add (builder, url);
    }
  freeifaddrs (addresses);

  return g_strv_builder_end (builder);
}

GPtrArray *
sp_server_list_clients (SpServer *self)
{
  GPtrArray *clients;

  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  g_mutex_lock (&self->lock);
  clients = g_ptr_array_new_full (self->conns->len, (GDestroyNotify) sp_client_info_unref);
  for (guint i = 0; i < self->conns->len; i++)
    g_ptr_array_add (clients, conn_snapshot (g_ptr_array_index (self->conns, i)));
  g_mutex_unlock (&self->lock);

  return clients;
}

typedef struct
{
  SpEngine *engine;
  guint64   id;
} KickData;

static gboolean
engine_kick (gpointer data)
{
  KickData *kick = data;
  GPtrArray *conns = kick->engine->server->conns;

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->info->id == kick->id)
        {
          conn_close (c, SOUP_WEBSOCKET_CLOSE_NORMAL, CLOSE_REASON_KICK);
          break;
        }
    }

  return G_SOURCE_REMOVE;
}

gboolean
sp_server_kick_client (SpServer *self,
                       guint64   id)
{
  KickData *kick;
  gboolean found = FALSE;

  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);

  if (self->engine == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->conns->len && !found; i++)
    found = ((SpConn *) g_ptr_array_index (self->conns, i))->info->id == id;
  g_mutex_unlock (&self->lock);

  if (!found)
    return FALSE;

  kick = g_new (KickData, 1);
  kick->engine = self->engine;
  kick->id = id;
  g_main_context_invoke_full (self->engine->context, G_PRIORITY_DEFAULT,
                              engine_kick, kick, g_free);

  return TRUE;
}

typedef struct
{
  SpEngine *engine;
  char    **origins;
} OriginsData;

static void
origins_data_free (gpointer data)
{
  OriginsData *update = data;

  g_strfreev (update->origins);
  g_free (update);
}

/* On the server thread, which alone reads the list (in on_early). */
static gboolean
engine_set_origins (gpointer data)
{
  OriginsData *update = data;

  g_strfreev (update->engine->config->allowed_origins);
  update->engine->config->allowed_origins = g_steal_pointer (&update->origins);

  return G_SOURCE_REMOVE;
}

void
sp_server_set_allowed_origins (SpServer           *self,
                               const char * const *origins)
{
  OriginsData *update;

  g_return_if_fail (SP_IS_SERVER (self));

  if (self->engine == NULL)
    return;
  update = g_new (OriginsData, 1);
  update->engine = self->engine;
  update->origins = origins != NULL && origins[0] != NULL ? g_strdupv ((char **) origins) : NULL;
  g_main_context_invoke_full (self->engine->context, G_PRIORITY_DEFAULT,
                              engine_set_origins, update, origins_data_free);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                    */

static void
sp_server_dispose (GObject *object)
{
  SpServer *self = SP_SERVER (object);

  sp_server_stop (self);

  G_OBJECT_CLASS (sp_server_parent_class)->dispose (object);
}

static void
sp_server_finalize (GObject *object)
{
  SpServer *self = SP_SERVER (object);

  g_assert (self->engine == NULL);

  if (self->event_source != NULL)
    g_source_destroy (self->event_source);
  g_clear_pointer (&self->event_source, g_source_unref);
  g_clear_pointer (&self->events, g_array_unref);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_pointer (&self->bind_address, g_free);
  g_clear_pointer (&self->token, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (sp_server_parent_class)->finalize (object);
}

static void
sp_server_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SpServer *self = SP_SERVER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, sp_server_get_running (self));
      break;

    case PROP_N_CLIENTS:
      g_value_set_uint (value, sp_server_get_n_clients (self));
      break;

    case PROP_PORT:
      g_value_set_uint (value, sp_server_get_port (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_server_class_init (SpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sp_server_dispose;
  object_class->finalize = sp_server_finalize;
  object_class->get_property = sp_server_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_CLIENTS] =
    g_param_spec_uint ("n-clients", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SpServer::client-connected:
   * @info: (transfer none): a snapshot of the new client
   */
  signals[CLIENT_CONNECTED] =
    g_signal_new ("client-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SP_TYPE_CLIENT_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SpServer::client-disconnected:
   * @info: (transfer none): the client's last snapshot, with close code and reason
   */
  signals[CLIENT_DISCONNECTED] =
    g_signal_new ("client-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SP_TYPE_CLIENT_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SpServer::client-refused:
   * @refusal: (transfer none): who was refused, and why
   *
   * Coalesced like the others; in a flood, one refusal stands for more.
   */
  signals[CLIENT_REFUSED] =
    g_signal_new ("client-refused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SP_TYPE_REFUSAL | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sp_server_init (SpServer *self)
{
  g_mutex_init (&self->lock);
  self->owner_context = g_main_context_ref_thread_default ();
  self->conns = g_ptr_array_new ();
  self->events = g_array_new (FALSE, FALSE, sizeof (Event));
  g_array_set_clear_func (self->events, event_clear);
}
