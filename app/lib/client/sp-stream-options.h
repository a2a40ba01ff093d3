/* What a stream connection is asked for: the address, extra headers, price
 * fields, limits and the certificate a person accepted. Plain values; any thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

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
  char   **send_on_open;        /* text messages sent each time the stream opens (a feed's
                                 * subscription lasts as long as its connection); NULL: none */
} SpStreamOptions;

#define SP_TYPE_STREAM_OPTIONS (sp_stream_options_get_type ())

GType              sp_stream_options_get_type     (void) G_GNUC_CONST;
SpStreamOptions   *sp_stream_options_new          (const char               *url);
SpStreamOptions   *sp_stream_options_copy         (const SpStreamOptions    *self);
void               sp_stream_options_free         (SpStreamOptions          *self);
/* The address as it is connected to: without surrounding spaces, and a web
 * page's http:// or https:// taken as ws:// or wss://. */
char              *sp_stream_options_normalize_url (const char            *url);
/* Checks the URL (normalized) and headers; on success *@uri (if given) is the
 * parsed URL. Each mistake gets its own message. */
gboolean           sp_stream_options_validate     (const SpStreamOptions    *self,
                                                   GUri                    **uri,
                                                   GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpStreamOptions, sp_stream_options_free)

G_END_DECLS
