/* The record of one opening handshake as a connection made it: its text, its
 * parsed heads and its verification. Plain values; any thread. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "sp-error.h"
#include "sp-handshake-record.h"

G_DEFINE_BOXED_TYPE (SpHandshakeRecord, sp_handshake_record,
                     sp_handshake_record_copy, sp_handshake_record_free)

static char *
first_line (const char *text)
{
  if (text == NULL)
    return NULL;
  return g_strndup (text, strcspn (text, "\r\n"));
}

/* Fills in all but the text: the parsed heads (@response NULL when no answer
 * came), the accept values, and the verdict. */
static void
record_verify (SpHandshakeRecord  *record,
               SoupMessageHeaders *request,
               guint               status,
               SoupMessageHeaders *response)
{
  g_autoptr(GError) error = NULL;
  const char *key;

  record->status = status;
  record->request_line = first_line (record->request_text);
  record->request_headers = soup_message_headers_ref (request);
  if (response != NULL)
    {
      record->response_line = first_line (record->response_text);
      record->response_headers = soup_message_headers_ref (response);
      record->received_accept = g_strdup (soup_message_headers_get_one (response,
                                                                        "Sec-WebSocket-Accept"));
      record->verified = sp_handshake_verify (request, status, response, &record->derivation,
                                              &error);
    }
  else
    g_set_error_literal (&error, SP_ERROR, SP_ERROR_HANDSHAKE, _("The server did not answer"));
  /* Without an answer the steps still follow from the key, as the header says. */
  key = soup_message_headers_get_one (request, "Sec-WebSocket-Key");
  if (record->derivation == NULL && key != NULL)
    record->derivation = sp_accept_derivation_new (key);
  if (error != NULL)
    record->verify_error = g_strdup (error->message);
}

SpHandshakeRecord *
sp_handshake_record_new (const char         *request_text,
                         SoupMessageHeaders *request,
                         guint               status,
                         SoupHTTPVersion     version,
                         const char         *reason,
                         SoupMessageHeaders *response)
{
  SpHandshakeRecord *record;

  g_return_val_if_fail (request_text != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  record = g_new0 (SpHandshakeRecord, 1);
  record->request_text = g_strdup (request_text);
  if (status != 0)
    record->response_text = sp_handshake_render_response (version, status, reason, response);
  record_verify (record, request, status, response);

  return record;
}

SpHandshakeRecord *
sp_handshake_record_new_from_text (const char *request_text,
                                   const char *response_text)
{
  g_autoptr(SoupMessageHeaders) request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(SoupMessageHeaders) response = NULL;
  SpHandshakeRecord *record;
  guint status = 0;

  g_return_val_if_fail (request_text != NULL, NULL);

  /* What does not parse leaves its headers empty: the verdict then says what is missing. */
  soup_headers_parse_request (request_text, (int) strlen (request_text), request, NULL, NULL,
                              NULL);
  if (response_text != NULL)
    {
      response = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
      if (!soup_headers_parse_response (response_text, (int) strlen (response_text), response,
                                        NULL, &status, NULL))
        status = 0;
    }

  record = g_new0 (SpHandshakeRecord, 1);
  record->request_text = g_strdup (request_text);
  record->response_text = g_strdup (response_text);
  record_verify (record, request, status, response);

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
  copy->received_accept = g_strdup (self->received_accept);
  copy->verified = self->verified;
  copy->verify_error = g_strdup (self->verify_error);
  copy->request_line = g_strdup (self->request_line);
  copy->request_headers = self->request_headers ? soup_message_headers_ref (self->request_headers)
                                                : NULL;
  copy->response_line = g_strdup (self->response_line);
  copy->response_headers = self->response_headers
                             ? soup_message_headers_ref (self->response_headers) : NULL;

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
  g_free (self->received_accept);
  g_free (self->verify_error);
  g_free (self->request_line);
  g_clear_pointer (&self->request_headers, soup_message_headers_unref);
  g_free (self->response_line);
  g_clear_pointer (&self->response_headers, soup_message_headers_unref);
  g_free (self);
}
