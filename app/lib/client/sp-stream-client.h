/* The stream client engine: connects to any ws:// or wss:// server, records the
 * handshake and every frame, finds prices, and reconnects when a stream drops.
 * It lives on the thread whose main context was current when it was created. */
#pragma once

#include <gio/gio.h>

#include "sp-certificate-info.h"
#include "sp-client-enums.h"
#include "sp-frame.h"
#include "sp-handshake-record.h"
#include "sp-price-extractor.h"
#include "sp-stream-options.h"

G_BEGIN_DECLS

typedef enum
{
  SP_STREAM_DISCONNECTED, /* never connected, or disconnected by the user */
  SP_STREAM_CONNECTING,
  SP_STREAM_OPEN,
  SP_STREAM_CLOSING,
  SP_STREAM_RECONNECTING, /* waiting before the next attempt */
  SP_STREAM_CLOSED,       /* ended by the server or an error; no retry */
} SpStreamState;

#define SP_TYPE_STREAM_CLIENT (sp_stream_client_get_type ())

G_DECLARE_FINAL_TYPE (SpStreamClient, sp_stream_client, SP, STREAM_CLIENT, GObject)

SpStreamClient          *sp_stream_client_new                  (void);
gboolean                 sp_stream_client_connect              (SpStreamClient        *self,
                                                                const SpStreamOptions *options,
                                                                GError               **error);
void                     sp_stream_client_disconnect           (SpStreamClient        *self);
/* Reads prices from @price_path and symbols from @symbol_path (NULL or "": detect)
 * from the next message on, without reconnecting. */
gboolean                 sp_stream_client_set_fields           (SpStreamClient        *self,
                                                                const char            *price_path,
                                                                const char            *symbol_path,
                                                                GError               **error);
gboolean                 sp_stream_client_send_text            (SpStreamClient        *self,
                                                                const char            *text,
                                                                GError               **error);
gboolean                 sp_stream_client_send_ping            (SpStreamClient        *self,
                                                                GError               **error);
gint64                   sp_stream_client_get_ping_rtt         (SpStreamClient        *self);
gboolean                 sp_stream_client_send_binary          (SpStreamClient        *self,
                                                                GBytes                *data,
                                                                GError               **error);
SpStreamState            sp_stream_client_get_state            (SpStreamClient        *self);
const SpStreamOptions   *sp_stream_client_get_options          (SpStreamClient        *self);
const char              *sp_stream_client_get_error            (SpStreamClient        *self);
gushort                  sp_stream_client_get_close_code       (SpStreamClient        *self);
const char              *sp_stream_client_get_close_reason     (SpStreamClient        *self);
/* Whether the last connection was closed by this client (for what the
 * server sent: 1002, 1007, 1009), not by the server or the network. */
gboolean                 sp_stream_client_get_closed_by_us     (SpStreamClient        *self);
const SpHandshakeRecord *sp_stream_client_get_handshake        (SpStreamClient        *self);
const SpCertificateInfo *sp_stream_client_get_rejected_certificate (SpStreamClient    *self);
/* Seconds until the next attempt while RECONNECTING, else 0. */
guint                    sp_stream_client_get_reconnect_seconds (SpStreamClient       *self);
guint                    sp_stream_client_get_n_reconnects     (SpStreamClient        *self);
guint64                  sp_stream_client_get_messages_in      (SpStreamClient        *self);
/* Where the prices come from, in words; NULL before any (see sp-price-extractor.h). */
const char              *sp_stream_client_get_price_source     (SpStreamClient        *self);
guint64                  sp_stream_client_get_bytes_in         (SpStreamClient        *self);
const char              *sp_stream_state_to_string             (SpStreamState          state);

G_END_DECLS
