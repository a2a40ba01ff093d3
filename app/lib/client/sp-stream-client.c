/* The stream client engine: one WebSocket connection at a time, with its handshake,
 * frames, prices and automatic reconnection. This file holds the object, its
 * public calls and the batching of received messages; sp-stream-client-attempt.c
 * makes the connections. All on the thread of the client's main context. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <libsoup/soup.h>
#include <string.h>

#include "sp-error.h"
#include "sp-stream-client-private.h"
#include "sp-ws-ping.h"

#define DISPATCH_DELAY_MS  8        /* at most this late; half a frame */
#define MAX_INCOMING       50000    /* past this, handle at once: memory stays bounded */
#define MAX_INCOMING_BYTES (4 * 1024 * 1024)
/* libsoup reads for as long as the socket has data, and no other event of the
 * app is handled meanwhile: a server that sends faster than the app reads,
 * without a pause for this long, is cut off so that the window stays alive. */
#define MAX_STALL_US       (2 * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (SpStreamClient, sp_stream_client, G_TYPE_OBJECT)

enum {
  FRAME,
  PRICES,
  RECOVERED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The registered enum's nick: one list of names, the one mkenums made. */
const char *
sp_stream_state_to_string (SpStreamState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (SP_TYPE_STREAM_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  /* The nicks are static: they outlive this reference to the class. */
  return value != NULL ? value->value_nick : "?";
}

void
_sp_stream_client_notify (SpStreamClient     *self,
                          SpStreamClientProp  prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
_sp_stream_client_set_state (SpStreamClient *self,
                             SpStreamState   state)
{
  if (self->state == state)
    return;

  _sp_stream_client_flush_incoming (self);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
_sp_stream_client_set_error (SpStreamClient *self,
                             const char     *message)
{
  if (g_strcmp0 (self->error, message) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/* "KEY":"VALUE" or "KEY":NUMBER in [p, end): where the value starts, or NULL. */
static const char *
find_member (const char *p,
             const char *end,
             const char *key)
{
  gsize n = strlen (key);

  for (; p != NULL && p + n < end; p++)
    {
      p = memchr (p, '"', (gsize) (end - p));
      if (p == NULL || p + n + 2 >= end)
        return NULL;
      if (memcmp (p + 1, key, n) == 0 && p[n + 1] == '"' && p[n + 2] == ':')
        return p + n + 3;
    }
  return NULL;
}

/* Each tick's symbol and seq, as StockPush writes them (sp-protocol.c):
 * {"type":"tick","symbol":"ACME",…,"seq":12,…}, one or in a batch. */
static void
note_seqs (SpStreamClient *self,
           const char     *data,
           gsize           length)
{
  const char *end = data + length, *p = data;

  while ((p = find_member (p, end, "symbol")) != NULL && *p == '"')
    {
      const char *name = p + 1;
      const char *name_end = memchr (name, '"', (gsize) (end - name));
      const char *close, *seq;

      if (name_end == NULL || (close = memchr (name_end, '}', (gsize) (end - name_end))) == NULL)
        return;
      seq = find_member (name_end, close, "seq");
      if (seq != NULL)
        g_hash_table_insert (self->last_seq, g_strndup (name, (gsize) (name_end - name)),
                             GSIZE_TO_POINTER ((gsize) g_ascii_strtoull (seq, NULL, 10)));
      p = close;
    }
}

/* After a reconnect to a StockPush server: the symbols it had, each with its
 * last seq (README, "Client recovery"). */
static void
ask_recovery (SpStreamClient *self)
{
  g_autoptr(GString) text = g_string_new ("{\"type\":\"subscribe\",\"symbols\":[");
  g_autoptr(GString) since = g_string_new ("{");
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer name, seq;
  gboolean first = TRUE;

  g_hash_table_iter_init (&iter, self->last_seq);
  while (g_hash_table_iter_next (&iter, &name, &seq))
    {
      g_autofree char *quoted = g_strescape (name, NULL);

      g_string_append_printf (text, "%s\"%s\"", first ? "" : ",", quoted);
      g_string_append_printf (since, "%s\"%s\":%" G_GSIZE_FORMAT, first ? "" : ",", quoted,
                              GPOINTER_TO_SIZE (seq));
      first = FALSE;
    }
  g_string_append_printf (text, "],\"since\":%s}", since->str);
  /* The market those seqs are of: another market's are not taken for them. */
  if (self->market != NULL)
    g_string_append_printf (text, ",\"market\":\"%s\"", self->market);
  g_string_append_c (text, '}');
  self->recovering = TRUE;
  if (!sp_stream_client_send_text (self, text->str, &error))
    self->recovering = FALSE;
}

/* The welcome's "market": a plain string (StockPush's are hex), or NULL. */
static char *
read_market (const char *data,
             const char *end)
{
  const char *market = find_member (data, end, "market");
  const char *close;

  if (market == NULL || *market != '"' ||
      (close = memchr (market + 1, '"', (gsize) (end - market - 1))) == NULL ||
      close - market - 1 > 64 || memchr (market + 1, '\\', (gsize) (close - market - 1)) != NULL)
    return NULL;
  return g_strndup (market + 1, (gsize) (close - market - 1));
}

/* StockPush's own messages, read before the prices: its welcome, the answer
 * to a recovery, an edge's resync. Returns whether the prices of @data are
 * to be left out (they came before the answer to a recovery: the frame after
 * it holds them again). */
static gboolean
follow_stockpush (SpStreamClient *self,
                  const char     *data,
                  gsize           length)
{
  const char *end = data + length;

  if (length < 16 || memcmp (data, "{\"type\":\"", 9) != 0)
    return FALSE;
  if (memcmp (data + 9, "welcome\"", 8) == 0)
    {
      const char *server = find_member (data, end, "server");

      self->stockpush = server != NULL && end - server > 11 && memcmp (server, "\"StockPush\"", 11) == 0;
      if (self->stockpush && self->n_reconnects > 0 && g_hash_table_size (self->last_seq) > 0 &&
          !self->recovering)
        ask_recovery (self);
      /* The seqs from now on are of this market. */
      g_free (self->market);
      self->market = self->stockpush ? read_market (data, end) : NULL;
      return FALSE;
    }
  if (!self->stockpush)
    return FALSE;
  if (memcmp (data + 9, "subscribed\"", 11) == 0 && self->recovering)
    {
      const char *recovered = find_member (data, end, "recovered");

      if (recovered != NULL)
        {
          self->recovering = FALSE;
          g_signal_emit (self, signals[RECOVERED], 0, end - recovered >= 4 && memcmp (recovered, "true", 4) == 0);
        }
      return FALSE;
    }
  if (memcmp (data + 9, "sync\"", 5) == 0)
    {
      const char *state = find_member (data, end, "state");

      /* An edge could not fill what it missed: what follows is not continuous. */
      if (state != NULL && end - state >= 8 && memcmp (state, "\"resync\"", 8) == 0)
        g_signal_emit (self, signals[RECOVERED], 0, FALSE);
      return FALSE;
    }
  if (memcmp (data + 9, "tick", 4) == 0)
    {
      if (self->recovering)
        return TRUE;
      note_seqs (self, data, length);
    }
  return FALSE;
}

static void
handle_incoming (SpStreamClient *self,
                 SpFrame        *frame)
{
  gsize length = 0;
  const char *data = frame->payload != NULL ? g_bytes_get_data (frame->payload, &length) : NULL;

  g_signal_emit (self, signals[FRAME], 0, frame);

  if (frame->kind == SP_FRAME_TEXT && data != NULL && follow_stockpush (self, data, length))
    return;
  if (frame->kind == SP_FRAME_TEXT && data != NULL)
    {
      const char *before = sp_price_extractor_get_description (self->extractor);

      g_array_set_size (self->points, 0);
      if (sp_price_extractor_extract (self->extractor, data, length, self->points) > 0)
        g_signal_emit (self, signals[PRICES], 0, self->points, frame);
      /* The description is replaced only when it changes. */
      if (sp_price_extractor_get_description (self->extractor) != before)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRICE_SOURCE]);
    }
}

/* Hands every waiting message to the listeners, oldest first. */
void
_sp_stream_client_flush_incoming (SpStreamClient *self)
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
  _sp_stream_client_flush_incoming (self);

  return G_SOURCE_REMOVE;
}

static void
close_flooded (SpStreamClient *self)
{
  static const char why[] = "the server sent data without a pause for 2 seconds, faster than "
                            "StockPush can read it; closed so that the app stays responsive";
  g_autoptr(SpFrame) frame = NULL;

  self->local_close_code = SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION;
  g_free (self->local_close_reason);
  self->local_close_reason = g_strdup (why);
  _sp_stream_client_set_error (self, why);
  frame = sp_frame_new_close (SP_FRAME_OUT, self->local_close_code, "Too much data");
  _sp_stream_client_emit_frame (self, frame);
  /* Also ends libsoup's read loop: it stops once a close is sent. */
  soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                   "Too much data");
}

void
_sp_stream_client_queue_incoming (SpStreamClient *self,
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
      _sp_stream_client_flush_incoming (self);
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
void
_sp_stream_client_emit_frame (SpStreamClient *self,
                              SpFrame        *frame)
{
  _sp_stream_client_flush_incoming (self);
  g_signal_emit (self, signals[FRAME], 0, frame);
}

void
_sp_stream_client_set_reconnect_seconds (SpStreamClient *self,
                                         guint           seconds)
{
  if (self->reconnect_seconds == seconds)
    return;

  self->reconnect_seconds = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_SECONDS]);
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
  for (guint i = 0; options->send_on_open != NULL && options->send_on_open[i] != NULL; i++)
    if (!g_utf8_validate (options->send_on_open[i], -1, NULL))
      {
        g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                             _("A message to send on connecting is not valid UTF-8"));
        return FALSE;
      }

  _sp_stream_client_flush_incoming (self);   /* the old stream's messages, with the old price fields */
  _sp_stream_client_clear_attempt (self);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  _sp_stream_client_set_reconnect_seconds (self, 0);

  g_clear_pointer (&self->options, sp_stream_options_free);
  self->options = sp_stream_options_copy (options);
  g_free (self->options->url);
  self->options->url = sp_stream_options_normalize_url (options->url);
  if (self->options->max_message_size == 0)
    self->options->max_message_size = SP_STREAM_DEFAULT_MAX_MESSAGE;
  g_clear_pointer (&self->uri, g_uri_unref);
  self->uri = g_steal_pointer (&uri);
  g_clear_pointer (&self->extractor, sp_price_extractor_free);
  self->extractor = sp_price_extractor_new (options->price_path, options->symbol_path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRICE_SOURCE]);

  self->user_closing = FALSE;
  self->attempt = 0;
  self->opened_at = 0;
  self->ever_open = FALSE;
  self->n_reconnects = 0;
  /* Another stream, or the same one asked for anew: nothing to recover. */
  g_hash_table_remove_all (self->last_seq);
  g_clear_pointer (&self->market, g_free);
  self->close_code = 0;
  g_clear_pointer (&self->close_reason, g_free);
  _sp_stream_client_set_error (self, NULL);

  _sp_stream_client_start_attempt (self);

  return TRUE;
}

gboolean
sp_stream_client_set_fields (SpStreamClient *self,
                             const char     *price_path,
                             const char     *symbol_path,
                             GError        **error)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), FALSE);

  if (!sp_price_extractor_check_paths (price_path, symbol_path, error))
    return FALSE;

  _sp_stream_client_flush_incoming (self);   /* what came before, read as it was */
  if (self->options == NULL)
    self->options = sp_stream_options_new (NULL);
  g_free (self->options->price_path);
  g_free (self->options->symbol_path);
  self->options->price_path = price_path && *price_path ? g_strdup (price_path) : NULL;
  self->options->symbol_path = symbol_path && *symbol_path ? g_strdup (symbol_path) : NULL;
  g_clear_pointer (&self->extractor, sp_price_extractor_free);
  self->extractor = sp_price_extractor_new (self->options->price_path, self->options->symbol_path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRICE_SOURCE]);

  return TRUE;
}

void
sp_stream_client_disconnect (SpStreamClient *self)
{
  g_return_if_fail (SP_IS_STREAM_CLIENT (self));

  g_clear_handle_id (&self->countdown_id, g_source_remove);
  _sp_stream_client_set_reconnect_seconds (self, 0);

  if (self->conn != NULL &&
      soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_autoptr(SpFrame) frame = sp_frame_new_close (SP_FRAME_OUT, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);

      /* The close handshake finishes in on_closed. */
      self->user_closing = TRUE;
      soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      _sp_stream_client_emit_frame (self, frame);
      _sp_stream_client_set_state (self, SP_STREAM_CLOSING);
      return;
    }

  if (self->conn != NULL &&
      soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_CLOSING)
    {
      self->user_closing = TRUE;
      return;
    }

  _sp_stream_client_clear_attempt (self);
  _sp_stream_client_set_state (self, SP_STREAM_DISCONNECTED);
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
                           _("Not connected: connect to a server before sending"));
      return FALSE;
    }

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("A text message must be valid UTF-8"));
      return FALSE;
    }

  bytes = g_bytes_new (text, strlen (text));
  soup_websocket_connection_send_text (self->conn, text);
  frame = sp_frame_new (SP_FRAME_OUT, SP_FRAME_TEXT, bytes);
  _sp_stream_client_emit_frame (self, frame);

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
                           _("Not connected: connect to a server before sending"));
      return FALSE;
    }

  soup_websocket_connection_send_message (self->conn, SOUP_WEBSOCKET_DATA_BINARY, data);
  frame = sp_frame_new (SP_FRAME_OUT, SP_FRAME_BINARY, data);
  _sp_stream_client_emit_frame (self, frame);

  return TRUE;
}

/* Each time the stream opens: a feed's subscription lasts as long as its connection. */
void
_sp_stream_client_send_on_open (SpStreamClient *self)
{
  char **messages = self->options->send_on_open;

  /* A listener may have closed it again on hearing it open. */
  for (guint i = 0; messages != NULL && messages[i] != NULL && self->state == SP_STREAM_OPEN; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!sp_stream_client_send_text (self, messages[i], &error))
        {
          _sp_stream_client_set_error (self, error->message);
          return;
        }
    }
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
                           _("Not connected: connect to a server before sending a ping"));
      return FALSE;
    }

  payload = sp_ws_send_ping (self->conn, g_get_monotonic_time ());
  frame = sp_frame_new (SP_FRAME_OUT, SP_FRAME_PING, payload);
  _sp_stream_client_emit_frame (self, frame);

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

const char *
sp_stream_client_get_price_source (SpStreamClient *self)
{
  g_return_val_if_fail (SP_IS_STREAM_CLIENT (self), NULL);

  return self->extractor != NULL ? sp_price_extractor_get_description (self->extractor) : NULL;
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
  _sp_stream_client_clear_attempt (self);

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
  g_clear_pointer (&self->last_seq, g_hash_table_unref);
  g_clear_pointer (&self->market, g_free);
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
      g_value_set_enum (value, self->state);
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

    case PROP_PRICE_SOURCE:
      g_value_set_string (value, sp_stream_client_get_price_source (self));
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
    g_param_spec_enum ("state", NULL, NULL, SP_TYPE_STREAM_STATE, SP_STREAM_DISCONNECTED,
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
  /**
   * SpStreamClient:price-source:
   *
   * Where the prices come from in the stream's messages, in words ("price
   * from data[].p, symbol from data[].s"), or NULL before any.
   */
  properties[PROP_PRICE_SOURCE] =
    g_param_spec_string ("price-source", NULL, NULL, NULL,
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
   * @points: (element-type SpPricePoint): the SpPricePoints found in @frame, valid during the emission
   * @frame: (transfer none): the frame they came from
   */
  signals[PRICES] =
    g_signal_new ("prices", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE,
                  SP_TYPE_FRAME | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SpStreamClient::recovered:
   * @recovered: whether nothing was missed
   *
   * A StockPush server's word, after a reconnect, on the ticks missed while
   * away: TRUE when they follow (the history has no hole), FALSE when only
   * the latest prices do; FALSE too when an edge declares a resync.
   */
  signals[RECOVERED] =
    g_signal_new ("recovered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
sp_stream_client_init (SpStreamClient *self)
{
  self->user_agent = g_strdup_printf ("StockPush/%s libsoup/%u.%u.%u", PACKAGE_VERSION,
                                      soup_get_major_version (), soup_get_minor_version (),
                                      soup_get_micro_version ());
  self->points = g_array_new (FALSE, FALSE, sizeof (SpPricePoint));
  self->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  self->last_seq = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = SP_STREAM_DISCONNECTED;
  self->ping_rtt_us = -1;
}

SpStreamClient *
sp_stream_client_new (void)
{
  return g_object_new (SP_TYPE_STREAM_CLIENT, NULL);
}
