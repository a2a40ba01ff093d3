/* The price-push server engine: a SoupServer on a thread and GMainContext of its own. */
#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "sp-error.h"
#include "sp-handshake.h"
#include "sp-market.h"
#include "sp-protocol.h"
#include "sp-server.h"
#include "sp-ticker.h"
#include "sp-web.h"

#define LISTEN_BACKLOG        4096
#define STOP_GRACE_US         (500 * G_TIME_SPAN_MILLISECOND)
#define MAX_COMMAND_SIZE      (64 * 1024)
#define EVENT_COALESCE_MS     30
#define CLOSE_REASON_STOP     "StockPush server is shutting down"
#define CLOSE_REASON_KICK     "Disconnected by the StockPush operator"
#define CLOSE_REASON_POLICY   "This server closes the connection after any client message"

typedef struct _SpEngine SpEngine;

/* One WebSocket client. Owned by the server thread; the published fields
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
} SpConn;

struct _SpEngine
{
  SpServer       *server;        /* not owned: the server outlives the thread */
  SpServerConfig *config;
  GMainContext   *context;
  GMainLoop      *loop;
  SoupServer     *soup;
  GSocket        *listener;
  SpMarket       *market;
  GSource        *ticker;
  GSource        *stop_poll;
  char          **symbols;       /* names, in market order */
  guint64         all_mask;
  guint64         next_id;
  gint64          stop_deadline;
  gboolean        stopping;
  GPtrArray      *tick_json;     /* GString per symbol, rebuilt each tick */
  GHashTable     *frames_by_mask;/* mask → GBytes, valid during one tick */
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
} EventKind;

typedef struct
{
  EventKind     kind;
  SpClientInfo *info;
} Event;

struct _SpServer
{
  GObject       parent_instance;

  GMainContext *owner_context;
  GThread      *thread;
  SpEngine     *engine;
  guint         port;
  char         *bind_address;
  gboolean      tls;
  gboolean      stopping;

  /* Guards conns (membership and subscriptions), events and event_source. */
  GMutex        lock;
  GPtrArray    *conns;           /* SpConn*, ordered by id; mutated by the server thread */
  GArray       *events;
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
  g_clear_pointer (&self->event_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  g_object_ref (self);
  for (guint i = 0; i < events->len; i++)
    {
      const Event *event = &g_array_index (events, Event, i);

      g_signal_emit (self,
                     signals[event->kind == EVENT_CONNECTED ? CLIENT_CONNECTED : CLIENT_DISCONNECTED],
                     0, event->info);
    }
  if (events->len > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/* Queues an event; one short timeout on the owner context drains the queue,
 * so a thousand connects cost a few wake-ups of the UI (at most ~30 a
 * second), not a thousand. */
static void
push_event_locked (SpServer     *self,
                   EventKind     kind,
                   SpClientInfo *info)
{
  Event event = { kind, info };

  g_array_append_val (self->events, event);

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
}

/* ------------------------------------------------------------------------ */
/* Server thread: clients                                                     */

static gboolean
conn_is_open (SpConn *c)
{
  return soup_websocket_connection_get_state (c->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
conn_send_bytes (SpConn *c,
                 GBytes *bytes)
{
  if (!conn_is_open (c))
    return;

  /* Counted first: the peer may read the frame before send_message returns. */
  atomic_fetch_add_explicit (&c->frames_sent, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&c->bytes_sent, g_bytes_get_size (bytes), memory_order_relaxed);
  soup_websocket_connection_send_message (c->conn, SOUP_WEBSOCKET_DATA_TEXT, bytes);
}

static void
conn_send_scratch (SpConn *c)
{
  SpEngine *engine = c->engine;
  g_autoptr(GBytes) bytes = g_bytes_new (engine->scratch->str, engine->scratch->len);

  conn_send_bytes (c, bytes);
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

  atomic_fetch_add_explicit (&c->frames_received, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&c->bytes_received, length, memory_order_relaxed);

  if (c->engine->config->on_message == SP_ON_MESSAGE_CLOSE)
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
conn_free (SpConn *c)
{
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
  info->close_code = soup_websocket_connection_get_close_code (conn);
  info->close_reason = g_strdup (soup_websocket_connection_get_close_data (conn));
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

  soup_websocket_connection_set_max_incoming_payload_size (conn, MAX_COMMAND_SIZE);
  g_signal_connect (conn, "message", G_CALLBACK (on_conn_message), c);
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
/* Server thread: ticks                                                       */

static GBytes *
frame_for_mask (SpEngine *engine,
                guint64   mask,
                gint64    ts)
{
  GBytes *frame;
  guint n = 0;
  int single = -1;
  const char *parts[SP_MARKET_MAX_SYMBOLS];

  frame = g_hash_table_lookup (engine->frames_by_mask, &mask);
  if (frame != NULL)
    return frame;

  for (guint i = 0; i < engine->tick_json->len; i++)
    if (mask & (G_GUINT64_CONSTANT (1) << i))
      {
        parts[n++] = ((GString *) g_ptr_array_index (engine->tick_json, i))->str;
        single = (int) i;
      }

  g_string_truncate (engine->scratch, 0);
  if (n == 1)
    {
      GString *tick = g_ptr_array_index (engine->tick_json, single);
      g_string_append_len (engine->scratch, tick->str, tick->len);
    }
  else
    sp_protocol_append_batch (engine->scratch, ts, parts, n);

  frame = g_bytes_new (engine->scratch->str, engine->scratch->len);
  g_hash_table_insert (engine->frames_by_mask, g_memdup2 (&mask, sizeof mask), frame);

  return frame;
}

static gboolean
on_tick (gint64   deadline_us,
         guint    missed,
         gpointer user_data)
{
  SpEngine *engine = user_data;
  GPtrArray *conns = engine->server->conns;
  gint64 ts;

  sp_market_step (engine->market, engine->config->interval_ms / 1000.0);

  /* Only the server thread mutates conns, so it may read it without the lock. */
  if (conns->len == 0)
    return G_SOURCE_CONTINUE;

  ts = g_get_real_time ();

  if (engine->config->format == SP_FORMAT_TEXT)
    {
      const SpQuote *quote = sp_market_get_quote (engine->market, 0);
      g_autoptr(GBytes) frame = NULL;

      g_string_truncate (engine->scratch, 0);
      sp_protocol_append_text_price (engine->scratch, quote->price_cents);
      frame = g_bytes_new (engine->scratch->str, engine->scratch->len);

      for (guint i = 0; i < conns->len; i++)
        conn_send_bytes (g_ptr_array_index (conns, i), frame);

      return G_SOURCE_CONTINUE;
    }

  for (guint i = 0; i < engine->tick_json->len; i++)
    {
      GString *tick = g_ptr_array_index (engine->tick_json, i);

      g_string_truncate (tick, 0);
      sp_protocol_append_tick (tick, sp_market_get_quote (engine->market, i), ts);
    }

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->mask != 0)
        conn_send_bytes (c, frame_for_mask (engine, c->mask, ts));
    }

  g_hash_table_remove_all (engine->frames_by_mask);

  return G_SOURCE_CONTINUE;
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

static gboolean
engine_setup (SpEngine  *engine,
              GError   **error)
{
  g_autofree char *server_header = g_strdup_printf ("StockPush/%s ", PACKAGE_VERSION);
  g_autoptr(GError) local_error = NULL;

  engine->listener = make_listener (engine, error);
  if (engine->listener == NULL)
    return FALSE;

  if (engine->config->tls_cert_file != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = sp_server_config_load_tls (engine->config, error);

      if (certificate == NULL)
        return FALSE;
      engine->soup = soup_server_new ("server-header", server_header,
                                      "tls-certificate", certificate, NULL);
    }
  else
    engine->soup = soup_server_new ("server-header", server_header, NULL);
  /* permessage-deflate doubles CPU per message and costs ~100 kB per client. */
  if (!engine->config->deflate)
    soup_server_remove_websocket_extension (engine->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);

  soup_server_add_handler (engine->soup, "/", on_http, engine, NULL);
  soup_server_add_websocket_handler (engine->soup, "/", NULL, NULL, on_websocket, engine, NULL);

  if (!soup_server_listen_socket (engine->soup, engine->listener,
                                  engine->config->tls_cert_file ? SOUP_SERVER_LISTEN_HTTPS : 0,
                                  &local_error))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED,
                   "Cannot serve on port %u: %s", engine->port, local_error->message);
      return FALSE;
    }

  engine->ticker = sp_ticker_source_new ((gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND,
                                         on_tick, engine, NULL);
  g_source_set_static_name (engine->ticker, "[stockpush] ticker");
  g_source_attach (engine->ticker, engine->context);

  return TRUE;
}

static gpointer
engine_thread (gpointer data)
{
  SpEngine *engine = data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (engine->context);

  ok = engine_setup (engine, &error);

  g_mutex_lock (&engine->start_lock);
  engine->start_error = g_steal_pointer (&error);
  engine->start_done = TRUE;
  g_cond_signal (&engine->start_cond);
  g_mutex_unlock (&engine->start_lock);

  if (ok)
    g_main_loop_run (engine->loop);

  /* Tear down on this thread: sources and sockets belong to its context. */
  if (engine->ticker != NULL)
    g_source_destroy (engine->ticker);
  g_clear_pointer (&engine->ticker, g_source_unref);
  if (engine->stop_poll != NULL)
    g_source_destroy (engine->stop_poll);
  g_clear_pointer (&engine->stop_poll, g_source_unref);

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
  if (engine->listener != NULL)
    g_socket_close (engine->listener, NULL);
  g_clear_object (&engine->listener);

  /* Let pending socket closes and finalisations run before the context goes. */
  while (g_main_context_iteration (engine->context, FALSE))
    ;

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
      g_main_loop_quit (engine->loop);
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
  engine->loop = g_main_loop_new (engine->context, FALSE);
  engine->scratch = g_string_sized_new (1024);
  engine->frames_by_mask = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                  g_free, (GDestroyNotify) g_bytes_unref);

  n = sp_market_get_n_symbols (engine->market);
  engine->symbols = g_new0 (char *, n + 1);
  engine->tick_json = g_ptr_array_new_with_free_func (string_free);
  for (guint i = 0; i < n; i++)
    {
      engine->symbols[i] = g_strdup (sp_market_get_symbol (engine->market, i));
      g_ptr_array_add (engine->tick_json, g_string_sized_new (256));
    }
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
  g_clear_pointer (&engine->loop, g_main_loop_unref);
  g_clear_pointer (&engine->context, g_main_context_unref);
  g_clear_pointer (&engine->symbols, g_strfreev);
  g_clear_pointer (&engine->tick_json, g_ptr_array_unref);
  g_clear_pointer (&engine->frames_by_mask, g_hash_table_unref);
  if (engine->scratch != NULL)
    g_string_free (engine->scratch, TRUE);
  g_clear_error (&engine->start_error);
  g_mutex_clear (&engine->start_lock);
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
    return g_strdup_printf ("%s://[%s]:%u/", scheme, self->bind_address, self->port);
  else
    host = self->bind_address;

  return g_strdup_printf ("%s://%s:%u/", scheme, host, self->port);
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
      url = family == G_SOCKET_FAMILY_IPV6
        ? g_strdup_printf ("%s://[%s]:%u/", scheme, text, self->port)
        : g_strdup_printf ("%s://%s:%u/", scheme, text, self->port);
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
          if (conn_is_open (c))
            soup_websocket_connection_close (c->conn, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                             CLOSE_REASON_KICK);
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
