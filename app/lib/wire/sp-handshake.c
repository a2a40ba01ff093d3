/* WebSocket opening-handshake maths (RFC 6455 §4.2.2), step by step, and raw handshake text. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "sp-error.h"
#include "sp-handshake.h"

G_DEFINE_BOXED_TYPE (SpAcceptDerivation, sp_accept_derivation,
                     sp_accept_derivation_copy, sp_accept_derivation_free)

SpAcceptDerivation *
sp_accept_derivation_new (const char *key)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  SpAcceptDerivation *self;
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  g_return_val_if_fail (key != NULL, NULL);

  self = g_new0 (SpAcceptDerivation, 1);
  self->key = g_strdup (key);
  self->concatenated = g_strconcat (key, SP_WEBSOCKET_GUID, NULL);

  g_checksum_update (checksum, (const guchar *) self->concatenated, -1);
  self->sha1_hex = g_strdup (g_checksum_get_string (checksum));
  g_checksum_get_digest (checksum, digest, &digest_len);
  self->accept = g_base64_encode (digest, digest_len);

  return self;
}

SpAcceptDerivation *
sp_accept_derivation_copy (const SpAcceptDerivation *self)
{
  SpAcceptDerivation *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (SpAcceptDerivation, 1);
  copy->key = g_strdup (self->key);
  copy->concatenated = g_strdup (self->concatenated);
  copy->sha1_hex = g_strdup (self->sha1_hex);
  copy->accept = g_strdup (self->accept);

  return copy;
}

void
sp_accept_derivation_free (SpAcceptDerivation *self)
{
  if (self == NULL)
    return;

  g_free (self->key);
  g_free (self->concatenated);
  g_free (self->sha1_hex);
  g_free (self->accept);
  g_free (self);
}

gboolean
sp_handshake_is_upgrade_header (const char *name)
{
  static const char prefix[] = "Sec-WebSocket-";

  g_return_val_if_fail (name != NULL, FALSE);

  return g_ascii_strcasecmp (name, "Upgrade") == 0 || g_ascii_strcasecmp (name, "Connection") == 0 ||
         g_ascii_strncasecmp (name, prefix, strlen (prefix)) == 0;
}

gboolean
sp_handshake_key_is_valid (const char *key)
{
  g_autofree guchar *decoded = NULL;
  gsize length = 0;

  if (key == NULL || strlen (key) != 24 || !g_str_has_suffix (key, "=="))
    return FALSE;

  for (const char *p = key; p < key + 22; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
      return FALSE;

  decoded = g_base64_decode (key, &length);

  return length == 16;
}

gboolean
sp_handshake_verify (SoupMessageHeaders  *request,
                     guint                response_status,
                     SoupMessageHeaders  *response,
                     SpAcceptDerivation **derivation,
                     GError             **error)
{
  g_autoptr(SpAcceptDerivation) steps = NULL;
  const char *key;
  const char *accept;

  g_return_val_if_fail (request != NULL, FALSE);
  g_return_val_if_fail (response != NULL, FALSE);

  if (derivation != NULL)
    *derivation = NULL;

  key = soup_message_headers_get_one (request, "Sec-WebSocket-Key");
  if (key != NULL)
    steps = sp_accept_derivation_new (key);
  if (derivation != NULL && steps != NULL)
    *derivation = sp_accept_derivation_copy (steps);

  if (response_status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      const char *meaning;

      /* What the usual refusals mean for the person at the viewer. */
      switch (response_status)
        {
        case SOUP_STATUS_UNAUTHORIZED:
          meaning = "the server needs credentials (an access token in the address, e.g. "
                    "?token=…, or an Authorization header)";
          break;
        case SOUP_STATUS_FORBIDDEN:
          meaning = "the server refused this client (for example its Origin)";
          break;
        case SOUP_STATUS_SERVICE_UNAVAILABLE:
          meaning = "the server is busy or full; it may take clients again later";
          break;
        case 429: /* Too Many Requests */
          meaning = "the server asks to slow down";
          break;
        default:
          meaning = "it is not a WebSocket endpoint at this address";
          break;
        }
      g_set_error (error, SP_ERROR, SP_ERROR_HANDSHAKE,
                   _("The server answered %u %s instead of 101 Switching Protocols: %s"),
                   response_status, soup_status_get_phrase (response_status), meaning);
      return FALSE;
    }

  if (!sp_handshake_key_is_valid (key))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_HANDSHAKE,
                   _("The request's Sec-WebSocket-Key “%s” is not the base64 of 16 bytes"),
                   key ? key : "(missing)");
      return FALSE;
    }

  if (!soup_message_headers_header_equals (response, "Upgrade", "websocket"))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_HANDSHAKE,
                           _("The response lacks “Upgrade: websocket”"));
      return FALSE;
    }

  if (!soup_message_headers_header_contains (response, "Connection", "upgrade"))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_HANDSHAKE,
                           _("The response lacks “Connection: Upgrade”"));
      return FALSE;
    }

  accept = soup_message_headers_get_one (response, "Sec-WebSocket-Accept");
  if (accept == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_HANDSHAKE,
                   _("The response lacks Sec-WebSocket-Accept (it should be %s)"), steps->accept);
      return FALSE;
    }

  if (!g_str_equal (accept, steps->accept))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_HANDSHAKE,
                   _("Sec-WebSocket-Accept is %s but should be %s"), accept, steps->accept);
      return FALSE;
    }

  return TRUE;
}

static const char *
version_text (SoupHTTPVersion version)
{
  return version == SOUP_HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1";
}

static void
append_headers (GString            *out,
                SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  if (headers == NULL)
    return;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (out, "%s: %s\r\n", name, value);
}

char *
sp_handshake_render_request (const char         *method,
                             const char         *path_and_query,
                             SoupHTTPVersion     version,
                             SoupMessageHeaders *headers)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path_and_query != NULL, NULL);

  g_string_append_printf (out, "%s %s %s\r\n", method, path_and_query, version_text (version));
  append_headers (out, headers);
  g_string_append (out, "\r\n");

  return g_string_free (out, FALSE);
}

char *
sp_handshake_render_response (SoupHTTPVersion     version,
                              guint               status,
                              const char         *reason,
                              SoupMessageHeaders *headers)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%s %u %s\r\n", version_text (version), status,
                          reason ? reason : soup_status_get_phrase (status));
  append_headers (out, headers);
  g_string_append (out, "\r\n");

  return g_string_free (out, FALSE);
}
