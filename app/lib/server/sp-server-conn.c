/* One WebSocket client of the server: its state, its commands, its sends and
 * its close. Runs on the server thread, under the engine's lock; the sends
 * also on the tick thread and the send pool, under the same lock (see
 * SpEngine in sp-server-private.h). */
#include "config.h"

#include <string.h>

#include "sp-error.h"
#include "sp-protocol.h"
#include "sp-server-private.h"
#include "sp-ws-ping.h"
#include "sp-handshake.h"

gboolean
_sp_conn_is_open (SpConn *c)
{
  return soup_websocket_connection_get_state (c->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* One data frame, written straight to the client's stream (see
 * sp-conn-stream.h). What the socket does not take now waits in the stream's
 * queue, and the client is lagging until it drains. */
void
_sp_conn_send_frame (SpConn *c,
                     guint8  opcode,
                     GBytes *bytes)
{
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  if (!_sp_conn_is_open (c))
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

void
_sp_conn_send_bytes (SpConn *c,
                     GBytes *bytes)
{
  _sp_conn_send_frame (c, SP_WS_OPCODE_TEXT, bytes);
}

static void
conn_send_scratch (SpConn *c)
{
  SpEngine *engine = c->engine;
  g_autoptr(GBytes) bytes = g_bytes_new (engine->scratch->str, engine->scratch->len);

  _sp_conn_send_bytes (c, bytes);
}

/* Closes with @code; a peer that does not complete the close within
 * FORCE_CLOSE_US is cut off by the sweep. */
void
_sp_conn_close (SpConn     *c,
                gushort     code,
                const char *reason)
{
  if (c->close_requested == 0)
    {
      c->close_requested = g_get_monotonic_time ();
      c->close_code = code;
      c->close_reason = reason;
    }
  if (_sp_conn_is_open (c))
    soup_websocket_connection_close (c->conn, code, reason);
}

/* The client took everything queued: what was held back goes out as one
 * frame with the latest tick of every symbol that moved meanwhile. */
static void
on_drained (SpConnStream *stream,
            gpointer      user_data)
{
  SpConn *c = user_data;
  SpEngine *engine = c->engine;

  c->lagging = FALSE;
  /* Recovering: the answer brings it up to date. */
  if (c->recovery != NULL)
    return;

  if (c->pending_mask != 0 && engine->step > 0)
    {
      if (engine->config->format == SP_FORMAT_TEXT)
        {
          g_string_truncate (engine->scratch, 0);
          sp_protocol_append_text_price (engine->scratch, engine->text_price_cents);
          conn_send_scratch (c);
        }
      else
        {
          g_autoptr(GBytes) frame = NULL;

          frame = _sp_fanout_frame_for_mask (engine, c->pending_mask & c->mask,
                                             g_get_real_time (), engine->step - 1, FALSE);

          if (frame != NULL)
            _sp_conn_send_bytes (c, frame);
        }
    }
  c->pending_mask = 0;
  c->next_step = engine->step;
}

/* Whether the client can take a frame now: nothing of it is queued. One that
 * cannot gets only the latest ticks once it drains (on_drained). */
gboolean
_sp_conn_ready (SpConn *c)
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
                              engine->config->on_message, engine->market_id, id_json);
  conn_send_scratch (c);
}

static void
conn_send_subscribed (SpConn     *c,
                      const char *id_json)
{
  SpEngine *engine = c->engine;
  g_auto(GStrv) names = _sp_server_mask_to_strv (engine, c->mask);

  g_string_truncate (engine->scratch, 0);
  sp_protocol_append_subscribed (engine->scratch, (const char * const *) names, id_json);
  conn_send_scratch (c);
}

/* The answer to a subscribe with "since". */
void
_sp_conn_send_recovered (SpConn     *c,
                         gboolean    recovered,
                         const char *id_json)
{
  SpEngine *engine = c->engine;
  g_auto(GStrv) names = _sp_server_mask_to_strv (engine, c->mask);

  g_string_truncate (engine->scratch, 0);
  sp_protocol_append_recovered (engine->scratch, (const char * const *) names, recovered, id_json);
  conn_send_scratch (c);
}

/* The ring's steps from @first on (if it still holds them), and the client
 * is up to date. */
void
_sp_conn_send_steps_from (SpConn  *c,
                          guint64  first)
{
  SpEngine *engine = c->engine;
  g_autoptr(GBytes) frame = NULL;

  if (engine->config->format == SP_FORMAT_JSON && first < engine->step &&
      _sp_fanout_has_step (engine, first))
    frame = _sp_fanout_frame_for_mask (engine, c->mask, g_get_real_time (), first, FALSE);
  if (frame != NULL)
    _sp_conn_send_bytes (c, frame);
  c->next_step = engine->step;
  if (!c->lagging)
    c->pending_mask = 0;
}

/* The answer from the ring: with @recovered, the steps from @first; or
 * the latest tick of every symbol. */
void
_sp_conn_answer_recovery (SpConn     *c,
                          gboolean    recovered,
                          guint64     first,
                          const char *id_json)
{
  SpEngine *engine = c->engine;

  _sp_conn_send_recovered (c, recovered, id_json);
  if (!recovered && engine->step > 0)
    first = engine->step - 1;
  _sp_conn_send_steps_from (c, first);
}

/* A subscribe with "since": what the client missed since the seqs it names
 * (from the ring of the last steps), after a "subscribed" that says
 * "recovered": true; or, when the ring no longer holds it, from the broker's
 * history on an edge (sp-server-recovery.c: the answer comes later); or
 * "recovered": false and the latest tick of every symbol. Seqs of another
 * market than the one the client names (as its welcome said) are never
 * taken for this one's. Ticks it had already may come again (those sent
 * since it connected): a client drops any seq not above its last. */
static void
conn_recover (SpConn          *c,
              const SpCommand *command)
{
  SpEngine *engine = c->engine;
  guint64 first = engine->step;
  gboolean recovered = FALSE;

  if (command->market == NULL || g_strcmp0 (command->market, engine->market_id) == 0)
    recovered = _sp_fanout_recover_from (engine, c->mask,
                                         (const char * const *) command->since_symbols,
                                         command->since_seqs, &first);
  if (!recovered && _sp_recovery_start (c, command))
    return;
  _sp_conn_answer_recovery (c, recovered, first, command->id_json);
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

      index = sp_tick_source_find_symbol (engine->source, names[i]);
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

      if (command->since_symbols != NULL)
        conn_recover (c, command);
      else
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
      _sp_conn_close (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, CLOSE_REASON_FLOOD);
      return;
    }
  c->allowance -= 1;

  if (c->close_requested != 0)
    return;

  if (config->on_message == SP_ON_MESSAGE_CLOSE)
    {
      if (_sp_conn_is_open (c))
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
  info = _sp_server_snapshot (c);
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
  /* No close frame came (the peer was cut off): RFC 6455 7.1.5 calls that 1006. */
  if (info->close_code == 0)
    info->close_code = SOUP_WEBSOCKET_CLOSE_ABNORMAL;
  g_ptr_array_remove (server->conns, c);
  _sp_server_push_event_locked (server, EVENT_DISCONNECTED, info);
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

void
_sp_conn_on_websocket (SoupServer              *soup,
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

  _sp_engine_yield (engine, _sp_engine_yield_patience_us (engine));
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
  c->socket = _sp_http_message_socket (msg);
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
  /* Behind a trusted proxy: the client it speaks for (its port is the proxy's). */
  if (g_object_get_data (G_OBJECT (msg), "sp-client-address") != NULL &&
      g_strcmp0 (_sp_http_client_address (msg), soup_server_message_get_remote_host (msg)) != 0)
    {
      g_free (c->info->address);
      c->info->address = g_strdup (_sp_http_client_address (msg));
    }
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
  _sp_server_push_event_locked (server, EVENT_CONNECTED, _sp_server_snapshot (c));
  g_mutex_unlock (&server->lock);

  if (engine->config->format == SP_FORMAT_JSON)
    conn_send_welcome (c, NULL);
}


/* Four times a second (from the engine's sweep): a slow client, a dead peer,
 * a close that does not complete. */
void
_sp_conn_sweep (SpConn *c,
                gint64  now)
{
  SpServerConfig *config = c->engine->config;
  gint64 slow = (gint64) config->slow_timeout_ms * G_TIME_SPAN_MILLISECOND;
  gint64 silent = (gint64) (config->ping_interval_s + config->pong_timeout_s) * G_USEC_PER_SEC;

  if (c->close_requested != 0)
    {
      if (now - c->close_requested > FORCE_CLOSE_US && c->socket != NULL &&
          !g_socket_is_closed (c->socket))
        g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
      return;
    }

  if (c->lagging && now - c->lag_since > slow)
    _sp_conn_close (c, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, CLOSE_REASON_SLOW);
  else if (config->ping_interval_s > 0 && now - c->last_seen > silent)
    _sp_conn_close (c, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, CLOSE_REASON_DEAD);
  else if (config->ping_interval_s > 0 && now >= c->next_ping && _sp_conn_is_open (c))
    {
      c->next_ping = now + (gint64) config->ping_interval_s * G_USEC_PER_SEC;
      g_autoptr(GBytes) ping = sp_ws_send_ping (c->conn, now);
    }
}

/* At the engine's end: one that never answered our close frame goes now. */
void
_sp_conn_closed (SpConn *c)
{
  on_conn_closed (c->conn, c);
}
