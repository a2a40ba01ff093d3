/* What the stream client's files share: the object's fields and the calls
 * between the client proper and the code that makes its connections
 * (sp-stream-client-attempt.c). Same thread contract as sp-stream-client.h. */
#pragma once

#include <libsoup/soup.h>

#include "sp-stream-client.h"

G_BEGIN_DECLS

#define DEFAULT_CONNECT_TIMEOUT_MS 15000

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
  /* A StockPush server's stream: each symbol's last seq, so that after a
   * reconnect the client says what it had and gets what it missed. */
  GHashTable              *last_seq;      /* symbol → guint64 (in a pointer-sized slot) */
  char                    *market;        /* …of the market its welcome named; NULL: none */
  gboolean                 stockpush;     /* this connection's welcome says StockPush */
  gboolean                 recovering;    /* asked since; ticks wait for the answer */
  gint64                   stall_since;   /* monotonic: first forced flush since the loop last ran */
};

typedef enum
{
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  PROP_HANDSHAKE,
  PROP_REJECTED_CERTIFICATE,
  PROP_RECONNECT_SECONDS,
  PROP_PING_RTT,
  PROP_PRICE_SOURCE,
  N_PROPS
} SpStreamClientProp;

void _sp_stream_client_notify                (SpStreamClient     *self,
                                              SpStreamClientProp  prop);
void _sp_stream_client_set_state             (SpStreamClient     *self,
                                              SpStreamState       state);
void _sp_stream_client_set_error             (SpStreamClient     *self,
                                              const char         *message);
void _sp_stream_client_set_reconnect_seconds (SpStreamClient     *self,
                                              guint               seconds);

/* Received messages wait a few milliseconds and go to the listeners in one
 * batch; any other frame is emitted after the batch received before it. */
void _sp_stream_client_queue_incoming        (SpStreamClient     *self,
                                              SpFrame            *frame);
void _sp_stream_client_flush_incoming        (SpStreamClient     *self);
void _sp_stream_client_emit_frame            (SpStreamClient     *self,
                                              SpFrame            *frame);

/* sp-stream-client-attempt.c: one attempt at a time, retried as the options say. */
void _sp_stream_client_send_on_open        (SpStreamClient     *self);
void _sp_stream_client_start_attempt         (SpStreamClient     *self);
void _sp_stream_client_clear_attempt         (SpStreamClient     *self);

G_END_DECLS
