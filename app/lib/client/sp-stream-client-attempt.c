/* The stream client's connections: one attempt at a time, the open
 * connection's callbacks, why an attempt failed in words, and the backoff
 * before the next one. On the thread of the client's main context. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <libsoup/soup.h>
#include <string.h>

#include "sp-conn-stream.h"
#include "sp-error.h"
#include "sp-stream-client-private.h"
#include "sp-ws-connect.h"
#include "sp-ws-ping.h"

#define BACKOFF_BASE_MS            1000
#define BACKOFF_CAP_MS             30000
#define STABLE_AFTER_US            (10 * G_USEC_PER_SEC)
#define COUNTDOWN_STEP_MS          100

void
_sp_stream_client_clear_attempt (SpStreamClient *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->keepalive != NULL)
    g_source_destroy (self->keepalive);
  g_clear_pointer (&self->keepalive, g_source_unref);
  if (self->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->conn, self);
      if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  g_clear_object (&self->conn);
}

static void
record_handshake (SpStreamClient     *self,
                  const SpWsExchange *exchange)
{
  SpHandshakeRecord *record;

  record = sp_handshake_record_new (exchange->request_text, exchange->request, exchange->status,
                                    exchange->version, exchange->reason, exchange->response);

  g_clear_pointer (&self->handshake, sp_handshake_record_free);
  self->handshake = record;
  _sp_stream_client_notify (self, PROP_HANDSHAKE);
}

static char *
describe_connect_error (SpStreamClient     *self,
                        const GError       *error,
                        const SpWsExchange *exchange)
{
  const char *host = g_uri_get_host (self->uri);
  int port = g_uri_get_port (self->uri);
  g_autofree char *endpoint = NULL;

  if (port < 0)
    port = g_ascii_strcasecmp (g_uri_get_scheme (self->uri), "wss") == 0 ? 443 : 80;
  endpoint = strchr (host, ':') ? g_strdup_printf ("[%s]:%d", host, port)
                                : g_strdup_printf ("%s:%d", host, port);

  if (self->timed_out)
    return g_strdup_printf (_("%s did not answer within %u s"), endpoint,
                            (self->options->connect_timeout_ms ? self->options->connect_timeout_ms
                                                               : DEFAULT_CONNECT_TIMEOUT_MS) / 1000);

  if (error->domain == G_RESOLVER_ERROR)
    return g_strdup_printf (_("Could not find the host “%s”: check the address (%s)"),
                            host, error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_strdup_printf (_("Connection refused by %s: nothing is listening there. "
                               "Is the server running, and is the port right?"), endpoint);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return g_strdup_printf (_("Cannot reach %s: %s"), endpoint, error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup_printf (_("%s did not answer in time"), endpoint);

  if (self->rejected_certificate != NULL)
    return g_strdup_printf (_("The certificate of %s is not trusted: %s. Subject: %s; issuer: %s; "
                               "SHA-256 fingerprint %s. Accept it only if you know it is the "
                               "right one."),
                            endpoint, self->rejected_certificate->problems,
                            self->rejected_certificate->subject ? self->rejected_certificate->subject : "?",
                            self->rejected_certificate->issuer ? self->rejected_certificate->issuer : "?",
                            self->rejected_certificate->sha256 ? self->rejected_certificate->sha256 : "?");

  if (error->domain == G_TLS_ERROR)
    return g_strdup_printf (_("Secure connection to %s failed: %s"), endpoint, error->message);

  if (error->domain == SOUP_WEBSOCKET_ERROR && exchange != NULL)
    {
      if (exchange->status == 0 && g_error_matches (error, SOUP_WEBSOCKET_ERROR,
                                                    SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET))
        return g_strdup_printf (_("%s closed the connection without answering the handshake "
                                   "(%s)"), endpoint, error->message);
      /* A refusal: the status, and the reason the server gave. */
      if (exchange->status != 0 && exchange->status != SOUP_STATUS_SWITCHING_PROTOCOLS)
        return g_strdup_printf (_("%s answered %u %s instead of 101 Switching Protocols%s%s"),
                                endpoint, exchange->status,
                                exchange->reason ? exchange->reason : "",
                                exchange->body_start ? " — " : "",
                                exchange->body_start ? exchange->body_start : "");
      return g_strdup_printf (_("Handshake with %s failed: %s"), endpoint, error->message);
    }

  return g_strdup_printf (_("Could not connect to %s: %s"), endpoint, error->message);
}

static guint
backoff_ms (SpStreamClient *self)
{
  guint64 delay = BACKOFF_BASE_MS;

  for (guint i = 1; i < self->attempt && delay < BACKOFF_CAP_MS; i++)
    delay *= 2;
  delay = MIN (delay, BACKOFF_CAP_MS);

  /* ±25 % jitter keeps many viewers of one server from reconnecting in step. */
  return (guint) (delay * g_random_double_range (0.75, 1.25));
}

static gboolean
countdown_tick (gpointer data)
{
  SpStreamClient *self = data;
  gint64 remaining = self->reconnect_at - g_get_monotonic_time ();

  if (remaining > 0)
    {
      _sp_stream_client_set_reconnect_seconds (self, (guint) ((remaining + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
      return G_SOURCE_CONTINUE;
    }

  self->countdown_id = 0;
  _sp_stream_client_set_reconnect_seconds (self, 0);
  self->n_reconnects++;
  _sp_stream_client_start_attempt (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (SpStreamClient *self)
{
  guint delay;

  self->attempt++;
  delay = backoff_ms (self);
  self->reconnect_at = g_get_monotonic_time () + (gint64) delay * G_TIME_SPAN_MILLISECOND;
  _sp_stream_client_set_reconnect_seconds (self, (delay + 999) / 1000);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  self->countdown_id = g_timeout_add (COUNTDOWN_STEP_MS, countdown_tick, self);
  _sp_stream_client_set_state (self, SP_STREAM_RECONNECTING);
}

/* The stream ended: retry if it was ever up since the user connected, unless
 * the user asked for the end. */
static void
stream_ended (SpStreamClient *self)
{
  _sp_stream_client_clear_attempt (self);

  if (self->user_closing)
    {
      self->user_closing = FALSE;
      _sp_stream_client_set_state (self, SP_STREAM_DISCONNECTED);
      return;
    }

  /* 1012 (service restart) and 1013 (try again later) ask for a reconnect. */
  if (self->ever_open && (self->options->auto_reconnect ||
                          self->close_code == 1012 || self->close_code == 1013))
    schedule_reconnect (self);
  else
    _sp_stream_client_set_state (self, SP_STREAM_CLOSED);
}

static void
on_message (SoupWebsocketConnection *conn,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  SpStreamClient *self = user_data;
  g_autoptr(SpFrame) frame = NULL;
  gsize length;

  g_bytes_get_data (message, &length);
  frame = sp_frame_new (SP_FRAME_IN,
                        type == SOUP_WEBSOCKET_DATA_TEXT ? SP_FRAME_TEXT : SP_FRAME_BINARY,
                        message);
  self->messages_in++;
  self->bytes_in += length;
  _sp_stream_client_queue_incoming (self, frame);
}

static void
on_pong (SoupWebsocketConnection *conn,
         GBytes                  *message,
         gpointer                 user_data)
{
  SpStreamClient *self = user_data;
  const GByteArray *array = sp_ws_pong_payload (message);
  g_autoptr(GBytes) copy = array != NULL ? g_bytes_new (array->data, array->len)
                                         : g_bytes_new (NULL, 0);
  g_autoptr(SpFrame) frame = sp_frame_new (SP_FRAME_IN, SP_FRAME_PONG, copy);
  gint64 rtt;

  /* The answer to one of our pings times the round trip. */
  if (array != NULL &&
      sp_ws_pong_round_trip (array->data, array->len, g_get_monotonic_time (), &rtt))
    {
      self->ping_rtt_us = rtt;
      _sp_stream_client_notify (self, PROP_PING_RTT);
    }

  _sp_stream_client_emit_frame (self, frame);
}

static gboolean
on_keepalive (gpointer user_data)
{
  sp_stream_client_send_ping (user_data, NULL);

  return G_SOURCE_CONTINUE;
}

static void
on_conn_error (SoupWebsocketConnection *conn,
               GError                  *error,
               gpointer                 user_data)
{
  SpStreamClient *self = user_data;
  g_autoptr(SpFrame) frame = NULL;
  g_autofree char *guard_why = NULL;
  GIOStream *stream = soup_websocket_connection_get_io_stream (conn);
  const char *stop_reason = NULL;
  guint stop = SP_IS_CONN_STREAM (stream) ? sp_conn_stream_get_stop (SP_CONN_STREAM (stream),
                                                                      &stop_reason) : 0;
  const char *why;

  /* The guard under libsoup stopped the connection (its close frame is on
   * its way): a message over the limit, or a frame no server may send. */
  if (stop != 0 && self->local_close_code == 0)
    {
      guard_why = stop == SOUP_WEBSOCKET_CLOSE_TOO_BIG
                    ? g_strdup_printf ("the server sent a message larger than this connection "
                                       "accepts (%" G_GUINT64_FORMAT " bytes)",
                                       self->options->max_message_size)
                    : g_strdup_printf ("the server broke the WebSocket protocol: %s",
                                       stop_reason ? stop_reason : "");
      self->local_close_code = (gushort) stop;
      g_free (self->local_close_reason);
      self->local_close_reason = g_strdup (guard_why);
      _sp_stream_client_set_error (self, guard_why);
      frame = sp_frame_new_close (SP_FRAME_OUT, self->local_close_code,
                                  stop == SOUP_WEBSOCKET_CLOSE_TOO_BIG ? "Message too big"
                                                                       : stop_reason);
      _sp_stream_client_emit_frame (self, frame);
      return;
    }

  /* libsoup closes the connection itself after bad data from the server,
   * with the close code as the error code: log that close as ours. */
  if (error->domain != SOUP_WEBSOCKET_ERROR || error->code < 1000 || error->code > 4999)
    {
      if (self->local_close_code == 0)
        _sp_stream_client_set_error (self, error->message);
      return;
    }

  switch (error->code)
    {
    case SOUP_WEBSOCKET_CLOSE_BAD_DATA:
      why = "the server sent a text message that is not valid UTF-8";
      break;
    case SOUP_WEBSOCKET_CLOSE_TOO_BIG:
      why = "the server sent a message larger than this connection accepts";
      break;
    case SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR:
      why = "the server broke the WebSocket protocol";
      break;
    default:
      why = error->message;
      break;
    }

  self->local_close_code = (gushort) error->code;
  g_free (self->local_close_reason);
  self->local_close_reason = g_strdup (why);
  _sp_stream_client_set_error (self, why);

  frame = sp_frame_new_close (SP_FRAME_OUT, self->local_close_code, why);
  _sp_stream_client_emit_frame (self, frame);
}

static void
on_closed (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  SpStreamClient *self = user_data;
  g_autoptr(SpFrame) frame = NULL;
  gushort code = soup_websocket_connection_get_close_code (conn);
  const char *reason = soup_websocket_connection_get_close_data (conn);
  GIOStream *stream = soup_websocket_connection_get_io_stream (conn);
  guint peer_code = SP_IS_CONN_STREAM (stream)
                      ? sp_conn_stream_get_peer_close_code (SP_CONN_STREAM (stream)) : 0;

  /* The server's own code, where libsoup was shown 1000 (sp-conn-stream.h). */
  if (code == SOUP_WEBSOCKET_CLOSE_NORMAL && peer_code >= 1012 && peer_code <= 1014)
    code = (gushort) peer_code;
  self->closed_by_us = self->local_close_code != 0;

  g_free (self->close_reason);
  if (self->local_close_code != 0)
    {
      /* We closed because of what the server sent; it never answered. */
      self->close_code = self->local_close_code;
      self->close_reason = g_strdup (self->local_close_reason);
    }
  else
    {
      /* No close frame at all: RFC 6455 calls that 1006, abnormal closure. */
      self->close_code = code != 0 ? code : SOUP_WEBSOCKET_CLOSE_ABNORMAL;
      self->close_reason = g_strdup (code != 0 ? reason
                                               : "the connection dropped without a close frame");
      frame = sp_frame_new_close (SP_FRAME_IN, self->close_code, self->close_reason);
      _sp_stream_client_emit_frame (self, frame);
    }
  self->local_close_code = 0;
  g_clear_pointer (&self->local_close_reason, g_free);

  if (self->opened_at != 0 && g_get_monotonic_time () - self->opened_at >= STABLE_AFTER_US)
    self->attempt = 0;
  self->opened_at = 0;

  g_object_ref (self);
  stream_ended (self);
  g_object_unref (self);
}

static gboolean
on_accept_certificate (GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  SpStreamClient *self = user_data;
  g_autoptr(SpCertificateInfo) info = sp_certificate_info_new (certificate, errors);

  /* Only the exact certificate the user accepted, nothing else. */
  if (self->options->accepted_certificate != NULL && info->sha256 != NULL &&
      g_ascii_strcasecmp (self->options->accepted_certificate, info->sha256) == 0)
    return TRUE;

  g_clear_pointer (&self->rejected_certificate, sp_certificate_info_free);
  self->rejected_certificate = g_steal_pointer (&info);
  _sp_stream_client_notify (self, PROP_REJECTED_CERTIFICATE);

  return FALSE;
}

typedef struct
{
  SpStreamClient *self;
  guint           serial;
} Attempt;

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Attempt *attempt = user_data;
  g_autoptr(SpStreamClient) self = attempt->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  SoupWebsocketConnection *conn;
  gboolean current = attempt->serial == self->serial;

  g_autoptr(SpWsExchange) exchange = NULL;

  g_free (attempt);
  conn = sp_ws_connect_finish (result, &exchange, &error);

  /* Superseded by a newer attempt or a disconnect. */
  if (!current || (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !self->timed_out))
    {
      if (conn != NULL)
        soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      g_clear_object (&conn);
      return;
    }

  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (exchange != NULL)
    record_handshake (self, exchange);

  if (conn == NULL)
    {
      message = describe_connect_error (self, error, exchange);
      _sp_stream_client_set_error (self, message);
      stream_ended (self);
      return;
    }

  self->conn = conn;
  /* The guard under it bounds whole messages (and so every frame) to
   * max_message_size: libsoup's own frame limit would close without our
   * close frame reaching the wire. */
  soup_websocket_connection_set_max_incoming_payload_size (conn, 0);
  /* Our own pings, not libsoup's keepalive: these are logged and timed. */
  soup_websocket_connection_set_keepalive_interval (conn, 0);
  if (self->options->keepalive_s > 0)
    {
      self->keepalive = g_timeout_source_new_seconds (self->options->keepalive_s);
      g_source_set_callback (self->keepalive, on_keepalive, self, NULL);
      g_source_set_static_name (self->keepalive, "[stockpush] keepalive");
      g_source_attach (self->keepalive, g_main_context_get_thread_default ());
    }
  g_signal_connect (conn, "message", G_CALLBACK (on_message), self);
  g_signal_connect (conn, "pong", G_CALLBACK (on_pong), self);
  g_signal_connect (conn, "error", G_CALLBACK (on_conn_error), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), self);

  self->opened_at = g_get_monotonic_time ();
  self->ever_open = TRUE;
  self->close_code = 0;
  self->stockpush = FALSE;
  self->recovering = FALSE;
  g_clear_pointer (&self->close_reason, g_free);
  _sp_stream_client_set_error (self, NULL);
  _sp_stream_client_set_state (self, SP_STREAM_OPEN);
  _sp_stream_client_send_on_open (self);
}

static gboolean
on_connect_timeout (gpointer data)
{
  SpStreamClient *self = data;

  self->connect_timeout_id = 0;
  self->timed_out = TRUE;
  g_cancellable_cancel (self->cancellable);

  return G_SOURCE_REMOVE;
}

void
_sp_stream_client_start_attempt (SpStreamClient *self)
{
  SoupMessageHeaders *headers;
  Attempt *attempt;

  _sp_stream_client_clear_attempt (self);
  self->close_code = 0;
  g_clear_pointer (&self->close_reason, g_free);
  /* The last round trip was the last connection's: none yet on this one. */
  if (self->ping_rtt_us != -1)
    {
      self->ping_rtt_us = -1;
      _sp_stream_client_notify (self, PROP_PING_RTT);
    }
  attempt = g_new (Attempt, 1);
  attempt->self = g_object_ref (self);
  attempt->serial = ++self->serial;
  g_clear_pointer (&self->rejected_certificate, sp_certificate_info_free);
  self->timed_out = FALSE;

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  for (guint i = 0; self->options->headers != NULL && self->options->headers[i] != NULL; i++)
    {
      const char *line = self->options->headers[i];
      const char *colon = strchr (line, ':');
      g_autofree char *name = g_strndup (line, colon - line);
      g_autofree char *value = g_strstrip (g_strdup (colon + 1));

      soup_message_headers_append (headers, name, value);
    }

  self->cancellable = g_cancellable_new ();
  self->connect_timeout_id =
    g_timeout_add (self->options->connect_timeout_ms ? self->options->connect_timeout_ms
                                                     : DEFAULT_CONNECT_TIMEOUT_MS,
                   on_connect_timeout, self);

  _sp_stream_client_set_state (self, SP_STREAM_CONNECTING);
  sp_ws_connect_async (self->uri, self->options->origin, self->options->protocols, headers,
                       self->user_agent, self->options->max_message_size, on_accept_certificate,
                       self, self->cancellable, on_connected, attempt);
  soup_message_headers_unref (headers);
}
