/* The stream client engine: connects to any ws:// or wss:// server, records the
 * handshake and every frame, finds prices, and reconnects when a stream drops.
 * It lives on the thread whose main context was current when it was created. */
#pragma once

#include <gio/gio.h>

#include "sp-frame.h"
#include "sp-handshake.h"
#include "sp-price-extractor.h"

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

#define SP_STREAM_DEFAULT_MAX_MESSAGE (16 * 1024 * 1024)

typedef struct
{
  char   *url;
  char  **headers;              /* extra request headers, "Name: value" */
  char  **protocols;            /* Sec-WebSocket-Protocol offers */
  char   *origin;               /* NULL: send none */
  char   *price_path;           /* NULL: detect */
  char   *symbol_path;          /* NULL: detect */
  gboolean auto_reconnect;      /* TRUE by default */
  guint64  max_message_size;    /* bytes; larger messages close the stream with 1009 */
  guint    connect_timeout_ms;  /* 0: the default of 15 s */
  char   *accepted_certificate; /* SHA-256 fingerprint the user accepted, or NULL */
  guint    keepalive_s;         /* WebSocket pings every N s (pongs are logged); 0: none */
} SpStreamOptions;

typedef struct
{
  char *subject;
  char *issuer;
  char *sha256;      /* "AB:CD:…", as browsers show it */
  char *problems;    /* what is wrong with it, in words */
  char *not_after;   /* ISO 8601, or NULL */
} SpCertificateInfo;

typedef struct
{
  char               *request_text;
  char               *response_text;  /* NULL when no response came */
  guint               status;
  SpAcceptDerivation *derivation;     /* NULL when the request had no key */
  gboolean            verified;       /* the response accepts the request */
  char               *verify_error;   /* why not, when not */
} SpHandshakeRecord;

#define SP_TYPE_STREAM_OPTIONS     (sp_stream_options_get_type ())
#define SP_TYPE_CERTIFICATE_INFO   (sp_certificate_info_get_type ())
#define SP_TYPE_HANDSHAKE_RECORD   (sp_handshake_record_get_type ())
#define SP_TYPE_STREAM_CLIENT      (sp_stream_client_get_type ())

GType              sp_stream_options_get_type     (void) G_GNUC_CONST;
SpStreamOptions   *sp_stream_options_new          (const char               *url);
SpStreamOptions   *sp_stream_options_copy         (const SpStreamOptions    *self);
void               sp_stream_options_free         (SpStreamOptions          *self);
/* Checks the URL and headers; on success *@uri (if given) is the parsed URL. */
gboolean           sp_stream_options_validate     (const SpStreamOptions    *self,
                                                   GUri                    **uri,
                                                   GError                  **error);

GType              sp_certificate_info_get_type   (void) G_GNUC_CONST;
SpCertificateInfo *sp_certificate_info_new        (GTlsCertificate          *certificate,
                                                   GTlsCertificateFlags      errors);
SpCertificateInfo *sp_certificate_info_copy       (const SpCertificateInfo  *self);
void               sp_certificate_info_free       (SpCertificateInfo        *self);

GType              sp_handshake_record_get_type   (void) G_GNUC_CONST;
SpHandshakeRecord *sp_handshake_record_copy       (const SpHandshakeRecord  *self);
void               sp_handshake_record_free       (SpHandshakeRecord        *self);

G_DECLARE_FINAL_TYPE (SpStreamClient, sp_stream_client, SP, STREAM_CLIENT, GObject)

SpStreamClient          *sp_stream_client_new                  (void);
gboolean                 sp_stream_client_connect              (SpStreamClient        *self,
                                                                const SpStreamOptions *options,
                                                                GError               **error);
void                     sp_stream_client_disconnect           (SpStreamClient        *self);
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
guint64                  sp_stream_client_get_bytes_in         (SpStreamClient        *self);
const char              *sp_stream_state_to_string             (SpStreamState          state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpStreamOptions, sp_stream_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpCertificateInfo, sp_certificate_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpHandshakeRecord, sp_handshake_record_free)

G_END_DECLS
