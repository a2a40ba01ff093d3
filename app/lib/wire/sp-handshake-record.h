/* The record of one opening handshake as a connection made it: what was sent
 * and answered, as text and as parsed, the accept value expected and the one
 * received, and whether the answer accepts the request. The verification is
 * sp_handshake_verify()'s, made here once; views only show the record.
 * Plain values; any thread. */
#pragma once

#include <libsoup/soup.h>

#include "sp-handshake.h"

G_BEGIN_DECLS

typedef struct
{
  char               *request_text;
  char               *response_text;    /* NULL when no response came */
  guint               status;
  SpAcceptDerivation *derivation;       /* NULL when the request had no key; its key and
                                         * accept are the key sent and the accept expected */
  char               *received_accept;  /* the response's Sec-WebSocket-Accept, or NULL */
  gboolean            verified;         /* the response accepts the request */
  char               *verify_error;     /* why not, when not */

  /* As parsed: start lines and headers, in the order they were sent. */
  char               *request_line;
  SoupMessageHeaders *request_headers;
  char               *response_line;    /* NULL when no response came */
  SoupMessageHeaders *response_headers; /* NULL when no response came */
} SpHandshakeRecord;

#define SP_TYPE_HANDSHAKE_RECORD (sp_handshake_record_get_type ())

GType              sp_handshake_record_get_type   (void) G_GNUC_CONST;
/* From what a client exchanged: the request as sent, and the answer
 * (@status 0 and @response NULL when none came). */
SpHandshakeRecord *sp_handshake_record_new        (const char               *request_text,
                                                   SoupMessageHeaders       *request,
                                                   guint                     status,
                                                   SoupHTTPVersion           version,
                                                   const char               *reason,
                                                   SoupMessageHeaders       *response);
/* From the raw heads, as a server keeps them (@response_text may be NULL). */
SpHandshakeRecord *sp_handshake_record_new_from_text (const char            *request_text,
                                                      const char            *response_text);
SpHandshakeRecord *sp_handshake_record_copy       (const SpHandshakeRecord  *self);
void               sp_handshake_record_free       (SpHandshakeRecord        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpHandshakeRecord, sp_handshake_record_free)

G_END_DECLS
