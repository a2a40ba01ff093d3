/* The record of one opening handshake as a connection made it: its text and
 * its verification. Plain values; any thread. */
#include "config.h"

#include "sp-error.h"
#include "sp-handshake-record.h"

G_DEFINE_BOXED_TYPE (SpHandshakeRecord, sp_handshake_record,
                     sp_handshake_record_copy, sp_handshake_record_free)

/* The record of what was exchanged: the request as sent, and the answer
 * (@status 0 and @response NULL when none came), verified here. */
SpHandshakeRecord *
sp_handshake_record_new (const char         *request_text,
                         SoupMessageHeaders *request,
                         guint               status,
                         SoupHTTPVersion     version,
                         const char         *reason,
                         SoupMessageHeaders *response)
{
  g_autoptr(GError) error = NULL;
  SpHandshakeRecord *record;
  const char *key;

  g_return_val_if_fail (request_text != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  record = g_new0 (SpHandshakeRecord, 1);
  record->request_text = g_strdup (request_text);
  record->status = status;
  if (status != 0)
    record->response_text = sp_handshake_render_response (version, status, reason, response);
  if (response != NULL)
    record->verified = sp_handshake_verify (request, status, response, &record->derivation,
                                            &error);
  else
    g_set_error_literal (&error, SP_ERROR, SP_ERROR_HANDSHAKE, "The server did not answer");
  /* Without an answer the steps still follow from the key, as the header says. */
  key = soup_message_headers_get_one (request, "Sec-WebSocket-Key");
  if (record->derivation == NULL && key != NULL)
    record->derivation = sp_accept_derivation_new (key);
  if (error != NULL)
    record->verify_error = g_strdup (error->message);

  return record;
}

SpHandshakeRecord *
sp_handshake_record_copy (const SpHandshakeRecord *self)
{
  SpHandshakeRecord *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (SpHandshakeRecord, 1);
  copy->request_text = g_strdup (self->request_text);
  copy->response_text = g_strdup (self->response_text);
  copy->status = self->status;
  copy->derivation = self->derivation ? sp_accept_derivation_copy (self->derivation) : NULL;
  copy->verified = self->verified;
  copy->verify_error = g_strdup (self->verify_error);

  return copy;
}

void
sp_handshake_record_free (SpHandshakeRecord *self)
{
  if (self == NULL)
    return;

  g_free (self->request_text);
  g_free (self->response_text);
  g_clear_pointer (&self->derivation, sp_accept_derivation_free);
  g_free (self->verify_error);
  g_free (self);
}
