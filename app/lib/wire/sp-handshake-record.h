/* The record of one opening handshake as a connection made it: what was sent
 * and answered, and whether the answer accepts the request (sp-handshake.h
 * does the maths). Plain values; any thread. */
#pragma once

#include <libsoup/soup.h>

#include "sp-handshake.h"

G_BEGIN_DECLS

typedef struct
{
  char               *request_text;
  char               *response_text;  /* NULL when no response came */
  guint               status;
  SpAcceptDerivation *derivation;     /* NULL when the request had no key */
  gboolean            verified;       /* the response accepts the request */
  char               *verify_error;   /* why not, when not */
} SpHandshakeRecord;

#define SP_TYPE_HANDSHAKE_RECORD (sp_handshake_record_get_type ())

GType              sp_handshake_record_get_type   (void) G_GNUC_CONST;
SpHandshakeRecord *sp_handshake_record_new        (const char               *request_text,
                                                   SoupMessageHeaders       *request,
                                                   guint                     status,
                                                   SoupHTTPVersion           version,
                                                   const char               *reason,
                                                   SoupMessageHeaders       *response);
SpHandshakeRecord *sp_handshake_record_copy       (const SpHandshakeRecord  *self);
void               sp_handshake_record_free       (SpHandshakeRecord        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpHandshakeRecord, sp_handshake_record_free)

G_END_DECLS
