/* The stream client engine: one WebSocket connection at a time, with its handshake,
 * frames, prices and automatic reconnection. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "sp-conn-stream.h"
#include "sp-error.h"
#include "sp-stream-client.h"
#include "sp-ws-connect.h"
#include "sp-ws-ping.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 15000
#define BACKOFF_BASE_MS            1000
#define BACKOFF_CAP_MS             30000
#define STABLE_AFTER_US            (10 * G_USEC_PER_SEC)
#define COUNTDOWN_STEP_MS          100

/* ------------------------------------------------------------------------ */
/* The client                                                                 */

struct _SpStreamClient
{
  GObject                  parent_instance;

  char                    *user_agent;
  SpStreamOptions         *options;
  GUri                    *uri;
  SpPriceExtractor        *extractor;
  GArray                  *points;        /* scratch, reused per message */

  /* One attempt at a time. */
  GCancellable            *cancellable;
  SoupWebsocketConnection *conn;
  guint                    connect_timeout_id;
  gboolean                 timed_out;
  guint                    serial;        /* identifies the current attempt */

  SpStreamState            state;
  char                    *error;
  gushort                  local_close_code;  /* we closed for the server's bad data */
  gboolean                 closed_by_us;      /* the last close was ours */
  char                    *local_close_reason;
  gushort                  close_code;
  char                    *close_reason;
  SpHandshakeRecord       *handshake;
  SpCertificateInfo       *rejected_certificate;

  gboolean                 user_closing;
  guint                    attempt;       /* consecutive failed or short-lived connections */
  guint                    n_reconnects;
  gint64                   opened_at;     /* monotonic, while open */
  gboolean                 ever_open;     /* since the user's connect */
  gint64                   reconnect_at;  /* monotonic, while RECONNECTING */
  guint                    reconnect_seconds;
  guint                    countdown_id;

  guint64                  messages_in;
  guint64                  bytes_in;

  GSource                 *keepalive;     /* pings every keepalive_s, while open */
  gint64                   ping_rtt_us;   /* round trip of the last answered ping, -1: none */

  /* Received messages wait here a few milliseconds and are handled in one
   * go, in order: a fast stream costs libsoup's reader little per message,
   * and between two batches the window has time to paint. */
  GPtrArray               *incoming;      /* SpFrame */
  gsize                    incoming_bytes;
  GSource                 *dispatch;
  gint64                   stall_since;   /* monotonic: first forced flush since the loop last ran */
};

#define DISPATCH_DELAY_MS  8        /* at most this late; half a frame */
#define MAX_INCOMING       50000    /* past this, handle at once: memory stays bounded */
#define MAX_INCOMING_BYTES (4 * 1024 * 1024)
/* libsoup reads for as long as the socket has data, and no other event of the
 * app is handled meanwhile: a server that sends faster than the app reads,
 * without a pause for this long, is cut off so that the window stays alive. */
#define MAX_STALL_US       (2 * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (SpStreamClient, sp_stream_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  PROP_HANDSHAKE,
  PROP_REJECTED_CERTIFICATE,
  PROP_RECONNECT_SECONDS,
  PROP_PING_RTT,
  N_PROPS
};

enum {
  FRAME,
  PRICES,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_attempt (SpStreamClient *self);

const char *
sp_stream_state_to_string (SpStreamState state)
{
  switch (state)
    {
    case SP_STREAM_DISCONNECTED: return "disconnected";
    case SP_STREAM_CONNECTING:   return "connecting";
    case SP_STREAM_OPEN:         return "open";
    case SP_STREAM_CLOSING:      return "closing";
    case SP_STREAM_RECONNECTING: return "reconnecting";
    case SP_STREAM_CLOSED:       return "closed";
    default:                     return "?";
    }
}

static void flush_incoming (SpStreamClient *self);

static void
set_state (SpStreamClient *self,
           SpStreamState   state)
{
  if (self->state == state)
    return;

  flush_incoming (self);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_error (SpStreamClient *self,
           const char     *message)
{
  if (g_strcmp0 (self->error, message) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
handle_incoming (SpStreamClient *self,
                 SpFrame        *frame)
{
  gsize length = 0;
  const char *data = frame->payload != NULL ? g_bytes_get_data (frame->payload, &length) : NULL;

  g_signal_emit (self, signals[FRAME], 0, frame);

  if (frame->kind == SP_FRAME_TEXT && data != NULL)
    {
      g_array_set_size (self->points, 0);
      if (sp_price_extractor_extract (self->extractor, data, length, self->points) > 0)
        g_signal_emit (self, signals[PRICES], 0, self->points, frame);
    }
}

/* Hands every waiting message to the listeners, oldest first. */
static void
flush_incoming (SpStreamClient *self)
{
  g_autoptr(GPtrArray) batch = NULL;

  if (self->dispatch != NULL)
    {
      g_source_destroy (self->dispatch);
      g_clear_pointer (&self->dispatch, g_source_unref);
    }
  if (self->incoming->len == 0)
    return;

  /* Listeners may flush again (a send from a handler): take the batch first. */
  batch = g_steal_pointer (&self->incoming);
  self->incoming_bytes = 0;
  self->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  g_object_ref (self);
  for (guint i = 0; i < batch->len; i++)
    handle_incoming (self, g_ptr_array_index (batch, i));
  g_object_unref (self);
}

static gboolean
on_dispatch (gpointer user_data)
{
  SpStreamClient *self = user_data;

  g_clear_pointer (&self->dispatch, g_source_unref);
  self->stall_since = 0;
  flush_incoming (self);

  return G_SOURCE_REMOVE;
}

static void emit_frame (SpStreamClient *self, SpFrame *frame);

static void
close_flooded (SpStreamClient *self)
{
  static const char why[] = "the server sent data without a pause for 2 seconds, faster than "
                            "StockPush can read it; closed so that the app stays responsive";
  g_autoptr(SpFrame) frame = NULL;

  self->local_close_code = SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION;
  g_free (self->local_close_reason);
  self->local_close_reason = g_strdup (why);
  set_error (self, why);
  frame = sp_frame_new_close (SP_FRAME_OUT, self->local_close_code, "Too much data");
  emit_frame (self, frame);
  /* Also ends libsoup's read loop: it stops once a close is sent. */
  soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                   "Too much data");
}

static void
queue_incoming (SpStreamClient *self,
                SpFrame        *frame)
{
  g_ptr_array_add (self->incoming, sp_frame_ref (frame));
  self->incoming_bytes += frame->size;
  if (self->incoming->len >= MAX_INCOMING || self->incoming_bytes >= MAX_INCOMING_BYTES)
    {
      gint64 now = g_get_monotonic_time ();

      /* Handled at once, so memory stays bounded. The dispatch set below runs
       * when the main loop gets a turn; until then this counts as a stall. */
      if (self->stall_since == 0)
        self->stall_since = now;
      flush_incoming (self);
      if (self->local_close_code == 0 && self->conn != NULL &&
          soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN &&
          now - self->stall_since > MAX_STALL_US)
        close_flooded (self);
    }
  if (self->dispatch == NULL)
    {
      self->dispatch = g_timeout_source_new (DISPATCH_DELAY_MS);
      g_source_set_callback (self->dispatch, on_dispatch, self, NULL);
      g_source_set_static_name (self->dispatch, "[stockpush] stream dispatch");
      g_source_attach (self->dispatch, g_main_context_get_thread_default ());
    }
}

/* Any other frame (sent, pong, close) comes after what was received before it. */
static void
emit_frame (SpStreamClient *self,
            SpFrame        *frame)
{
  flush_incoming (self);
  g_signal_emit (self, signals[FRAME], 0, frame);
}

static void
set_reconnect_seconds (SpStreamClient *self,
                       guint           seconds)
{
  if (self->reconnect_seconds == seconds)
    return;

  self->reconnect_seconds = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_SECONDS]);
}

static void
clear_attempt (SpStreamClient *self)
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HANDSHAKE]);
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
    return g_strdup_printf ("%s did not answer within %u s", endpoint,
                            (self->options->connect_timeout_ms ? self->options->connect_timeout_ms
                                                               : DEFAULT_CONNECT_TIMEOUT_MS) / 1000);

  if (error->domain == G_RESOLVER_ERROR)
    return g_strdup_printf ("Could not find the host “%s”: check the address (%s)",
                            host, error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_strdup_printf ("Connection refused by %s: nothing is listening there. "
                            "Is the server running, and is the port right?", endpoint);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    return g_strdup_printf ("Cannot reach %s: %s", endpoint, error->message);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup_printf ("%s did not answer in time", endpoint);

  if (self->rejected_certificate != NULL)
    return g_strdup_printf ("The certificate of %s is not trusted: %s. Subject: %s; issuer: %s; "
                            "SHA-256 fingerprint %s. Accept it only if you know it is the "
                            "right one.",
                            endpoint, self->rejected_certificate->problems,
                            self->rejected_certificate->subject ? self->rejected_certificate->subject : "?",
                            self->rejected_certificate->issuer ? self->rejected_certificate->issuer : "?",
                            self->rejected_certificate->sha256 ? self->rejected_certificate->sha256 : "?");

  if (error->domain == G_TLS_ERROR)
    return g_strdup_printf ("Secure connection to %s failed: %s", endpoint, error->message);

  if (error->domain == SOUP_WEBSOCKET_ERROR && exchange != NULL)
    {
      if (exchange->status == 0 && g_error_matches (error, SOUP_WEBSOCKET_ERROR,
                                                    SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET))
        return g_strdup_printf ("%s closed the connection without answering the handshake "
                                "(%s)", endpoint, error->message);
      /* A refusal: the status, and the reason the server gave. */
      if (exchange->status != 0 && exchange->status != SOUP_STATUS_SWITCHING_PROTOCOLS)
        return g_strdup_printf ("%s answered %u %s instead of 101 Switching Protocols%s%s",
                                endpoint, exchange->status,
                                exchange->reason ? exchange->reason : "",
                                exchange->body_start ? " — " : "",
                                exchange->body_start ? exchange->body_start : "");
      return g_strdup_printf ("Handshake with %s failed: %s", endpoint, error->message);
    }

  return g_strdup_printf ("Could not connect to %s: %s", endpoint, error->message);
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
      set_reconnect_seconds (self, (guint) ((remaining + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
      return G_SOURCE_CONTINUE;
    }

  self->countdown_id = 0;
  set_reconnect_seconds (self, 0);
  self->n_reconnects++;
  start_attempt (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (SpStreamClient *self)
{
  guint delay;

  self->attempt++;
  delay = backoff_ms (self);
  self->reconnect_at = g_get_monotonic_time () + (gint64) delay * G_TIME_SPAN_MILLISECOND;
  set_reconnect_seconds (self, (delay + 999) / 1000);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  self->countdown_id = g_timeout_add (COUNTDOWN_STEP_MS, countdown_tick, self);
  set_state (self, SP_STREAM_RECONNECTING);
}

/* The stream ended: retry if it was ever up since the user connected, unless
 * the user asked for the end. */
static void
stream_ended (SpStreamClient *self)
{
  clear_attempt (self);

  if (self->user_closing)
    {
      self->user_closing = FALSE;
      set_state (self, SP_STREAM_DISCONNECTED);
      return;
    }

  /* 1012 (service restart) and 1013 (try again later) ask for a reconnect. */
  if (self->ever_open && (self->options->auto_reconnect ||
                          self->close_code == 1012 || self->close_code == 1013))
    schedule_reconnect (self);
  else
    set_state (self, SP_STREAM_CLOSED);
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
  queue_incoming (self, frame);
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
  gint64 now = g_get_monotonic_time ();
  gint64 sent;

  /* The answer to one of our pings times the round trip. */
  if (array != NULL && sp_ws_pong_sent_at (array->data, array->len, &sent) && sent <= now)
    {
      self->ping_rtt_us = now - sent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PING_RTT]);
    }

  emit_frame (self, frame);
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
      set_error (self, guard_why);
      frame = sp_frame_new_close (SP_FRAME_OUT, self->local_close_code,
                                  stop == SOUP_WEBSOCKET_CLOSE_TOO_BIG ? "Message too big"
                                                                       : stop_reason);
      emit_frame (self, frame);
      return;
    }

  /* libsoup closes the connection itself after bad data from the server,
   * with the close code as the error code: log that close as ours. */
  if (error->domain != SOUP_WEBSOCKET_ERROR || error->code < 1000 || error->code > 4999)
    {
      if (self->local_close_code == 0)
        set_error (self, error->message);
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
  set_error (self, why);

  frame = sp_frame_new_close (SP_FRAME_OUT, self->local_close_code, why);
  emit_frame (self, frame);
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
      emit_frame (self, frame);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REJECTED_CERTIFICATE]);

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
      set_error (self, message);
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
  g_clear_pointer (&self->close_reason, g_free);
  set_error (self, NULL);
  set_state (self, SP_STREAM_OPEN);
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

static void
start_attempt (SpStreamClient *self)
{
  SoupMessageHeaders *headers;
  Attempt *attempt;

  clear_attempt (self);
  self->close_code = 0;
  g_clear_pointer (&self->close_reason, g_free);
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

  set_state (self, SP_STREAM_CONNECTING);
  sp_ws_connect_async (self->uri, self->options->origin, self->options->protocols, headers,
                       self->user_agent, self->options->max_message_size, on_accept_certificate,
                       self, self->cancellable, on_connected, attempt);
  soup_message_headers_unref (headers);
}

gboolean
sp_stream_client_connect (SpStreamClient        *self,
                          const SpStreamOptions *options,
                          GError               **error)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (!sp_stream_options_validate (options, &uri, error))
    return FALSE;

  flush_incoming (self);   /* the old stream's messages, with the old price fields */
  clear_attempt (self);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  set_reconnect_seconds (self, 0);

  g_clear_pointer (&self->options, sp_stream_options_free);
  self->options = sp_stream_options_copy (options);
  if (self->options->max_message_size == 0)
    self->options->max_message_size = SP_STREAM_DEFAULT_MAX_MESSAGE;
  g_clear_pointer (&self->uri, g_uri_unref);
  self->uri = g_steal_pointer (&uri);
  g_clear_pointer (&self->extractor, sp_price_extractor_free);
  self->extractor = sp_price_extractor_new (options->price_path, options->symbol_path);

  self->user_closing = FALSE;
  self->attempt = 0;
  self->opened_at = 0;
  self->ever_open = FALSE;
  self->n_reconnects = 0;
  self->close_code = 0;
  g_clear_pointer (&self->close_reason, g_free);
  set_error (self, NULL);

  start_attempt (self);

  return TRUE;
}

void
sp_stream_client_disconnect (SpStreamClient *self)
{
  g_return_if_fail (SP_IS_STREAM_CLIENT (self));

  g_clear_handle_id (&self->countdown_id, g_source_remove);
  set_reconnect_seconds (self, 0);

  if (self->conn != NULL &&
      soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_autoptr(SpFrame) frame = sp_frame_new_close (SP_FRAME_OUT, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);

      /* The close handshake finishes in on_closed. */
      self->user_closing = TRUE;
      soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      emit_frame (self, frame);
      set_state (self, SP_STREAM_CLOSING);
      return;
    }

  if (self->conn != NULL &&
      soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_CLOSING)
    {
      self->user_closing = TRUE;
      return;
    }

  clear_attempt (self);
  set_state (self, SP_STREAM_DISCONNECTED);
}

gboolean
sp_stream_client_send_text (SpStreamClient *self,
                            const char     *text,
                            GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SpFrame) frame = NULL;

  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (self->conn == NULL ||
      soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_FAILED,
                           "Not connected: connect to a server before sending");
      return FALSE;
    }

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           "A text message must be valid UTF-8");
      return FALSE;
    }

  bytes = g_bytes_new (text, strlen (text));
  soup_websocket_connection_send_text (self->conn, text);
  frame = sp_frame_new (SP_FRAME_OUT, SP_FRAME_TEXT, bytes);
  emit_frame (self, frame);

  return TRUE;
}

gboolean
sp_stream_client_send_binary (SpStreamClient *self,
                              GBytes         *data,
                              GError        **error)
{
  g_autoptr(SpFrame) frame = NULL;

  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (self->conn == NULL ||
      soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_FAILED,
                           "Not connected: connect to a server before sending");
      return FALSE;
    }

  soup_websocket_connection_send_message (self->conn, SOUP_WEBSOCKET_DATA_BINARY, data);
  frame = sp_frame_new (SP_FRAME_OUT, SP_FRAME_BINARY, data);
  emit_frame (self, frame);

  return TRUE;
}

/**
 * sp_stream_client_send_ping:
 *
 * Sends a WebSocket ping. Its payload carries the time it was sent, so the
 * pong that echoes it gives the round trip (#SpStreamClient:ping-rtt). The ping
 * is logged as a sent frame.
 */
gboolean
sp_stream_client_send_ping (SpStreamClient *self,
                            GError        **error)
{
  g_autoptr(SpFrame) frame = NULL;
  g_autoptr(GBytes) payload = NULL;

  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), FALSE);

  if (self->conn == NULL ||
      soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_FAILED,
                           "Not connected: connect to a server before sending a ping");
      return FALSE;
    }

  payload = sp_ws_send_ping (self->conn, g_get_monotonic_time ());
  frame = sp_frame_new (SP_FRAME_OUT, SP_FRAME_PING, payload);
  emit_frame (self, frame);

  return TRUE;
}

gint64
sp_stream_client_get_ping_rtt (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), -1);

  return self->ping_rtt_us;
}

SpStreamState
sp_stream_client_get_state (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), SP_STREAM_DISCONNECTED);

  return self->state;
}

const SpStreamOptions *
sp_stream_client_get_options (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), NULL);

  return self->options;
}

const char *
sp_stream_client_get_error (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), NULL);

  return self->error;
}

gushort
sp_stream_client_get_close_code (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), 0);

  return self->close_code;
}

gboolean
sp_stream_client_get_closed_by_us (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), FALSE);

  return self->closed_by_us;
}

const char *
sp_stream_client_get_close_reason (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), NULL);

  return self->close_reason;
}

const SpHandshakeRecord *
sp_stream_client_get_handshake (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), NULL);

  return self->handshake;
}

const SpCertificateInfo *
sp_stream_client_get_rejected_certificate (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), NULL);

  return self->rejected_certificate;
}

guint
sp_stream_client_get_reconnect_seconds (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), 0);

  return self->reconnect_seconds;
}

guint
sp_stream_client_get_n_reconnects (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), 0);

  return self->n_reconnects;
}

guint64
sp_stream_client_get_messages_in (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), 0);

  return self->messages_in;
}

guint64
sp_stream_client_get_bytes_in (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), 0);

  return self->bytes_in;
}

static void
sp_stream_client_dispose (GObject *object)
{
  SpStreamClient *self = SP_STREAM_CLIENT (object);

  g_clear_handle_id (&self->countdown_id, g_source_remove);
  if (self->dispatch != NULL)
    g_source_destroy (self->dispatch);
  g_clear_pointer (&self->dispatch, g_source_unref);
  clear_attempt (self);

  G_OBJECT_CLASS (sp_stream_client_parent_class)->dispose (object);
}

static void
sp_stream_client_finalize (GObject *object)
{
  SpStreamClient *self = SP_STREAM_CLIENT (object);

  g_clear_pointer (&self->options, sp_stream_options_free);
  g_clear_pointer (&self->uri, g_uri_unref);
  g_clear_pointer (&self->extractor, sp_price_extractor_free);
  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->incoming, g_ptr_array_unref);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->close_reason, g_free);
  g_clear_pointer (&self->local_close_reason, g_free);
  g_clear_pointer (&self->handshake, sp_handshake_record_free);
  g_clear_pointer (&self->rejected_certificate, sp_certificate_info_free);
  g_free (self->user_agent);

  G_OBJECT_CLASS (sp_stream_client_parent_class)->finalize (object);
}

static void
sp_stream_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpStreamClient *self = SP_STREAM_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;

    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;

    case PROP_HANDSHAKE:
      g_value_set_boxed (value, self->handshake);
      break;

    case PROP_REJECTED_CERTIFICATE:
      g_value_set_boxed (value, self->rejected_certificate);
      break;

    case PROP_RECONNECT_SECONDS:
      g_value_set_uint (value, self->reconnect_seconds);
      break;

    case PROP_PING_RTT:
      g_value_set_int64 (value, self->ping_rtt_us);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_stream_client_class_init (SpStreamClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sp_stream_client_dispose;
  object_class->finalize = sp_stream_client_finalize;
  object_class->get_property = sp_stream_client_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, SP_STREAM_DISCONNECTED, SP_STREAM_CLOSED,
                      SP_STREAM_DISCONNECTED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HANDSHAKE] =
    g_param_spec_boxed ("handshake", NULL, NULL, SP_TYPE_HANDSHAKE_RECORD,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REJECTED_CERTIFICATE] =
    g_param_spec_boxed ("rejected-certificate", NULL, NULL, SP_TYPE_CERTIFICATE_INFO,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECONNECT_SECONDS] =
    g_param_spec_uint ("reconnect-seconds", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * SpStreamClient:ping-rtt:
   *
   * The round trip of the last answered ping in µs, or -1.
   */
  properties[PROP_PING_RTT] =
    g_param_spec_int64 ("ping-rtt", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SpStreamClient::frame:
   * @frame: (transfer none): a frame sent or received
   */
  signals[FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, SP_TYPE_FRAME | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SpStreamClient::prices:
   * @points: (type GArray): the SpPricePoints found in @frame, valid during the emission
   * @frame: (transfer none): the frame they came from
   */
  signals[PRICES] =
    g_signal_new ("prices", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_POINTER, SP_TYPE_FRAME | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sp_stream_client_init (SpStreamClient *self)
{
  self->user_agent = g_strdup_printf ("StockPush/%s libsoup/%u.%u.%u", PACKAGE_VERSION,
                                      soup_get_major_version (), soup_get_minor_version (),
                                      soup_get_micro_version ());
  self->points = g_array_new (FALSE, FALSE, sizeof (SpPricePoint));
  self->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  self->state = SP_STREAM_DISCONNECTED;
  self->ping_rtt_us = -1;
}

SpStreamClient *
sp_stream_client_new (void)
{
  return g_object_new (SP_TYPE_STREAM_CLIENT, NULL);
}
