/* Fuzz target: the handshake maths and the raw-text rendering. The input is
 * read as a request: a start line, then "Name: value" lines, then after a
 * blank line the response's headers. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "sp-handshake.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
add_headers (SoupMessageHeaders *headers,
             char              **lines,
             guint               from,
             guint               to)
{
  for (guint i = from; i < to; i++)
    {
      char *colon = strchr (lines[i], ':');

      if (colon == NULL || colon == lines[i])
        continue;
      *colon = '\0';
      /* What libsoup itself would have parsed: a token name, a value without line ends. */
      if (strpbrk (lines[i], " \t\r\n") != NULL || strpbrk (colon + 1, "\r\n") != NULL ||
          !g_utf8_validate (lines[i], -1, NULL) || !g_utf8_validate (colon + 1, -1, NULL))
        continue;
      soup_message_headers_append (headers, lines[i], g_strstrip (colon + 1));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char *text = g_strndup ((const char *) data, size);
  char **lines = g_strsplit (text, "\n", 200);
  guint n = g_strv_length (lines);
  guint blank = n;
  SoupMessageHeaders *request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  SoupMessageHeaders *response = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  SpAcceptDerivation *derivation = NULL;
  GError *error = NULL;
  char *rendered;

  for (guint i = 1; i < n; i++)
    if (lines[i][0] == '\0' || g_str_equal (lines[i], "\r"))
      {
        blank = i;
        break;
      }
  add_headers (request, lines, 1, blank);
  add_headers (response, lines, MIN (blank + 1, n), n);

  if (n > 0 && g_utf8_validate (lines[0], -1, NULL))
    {
      rendered = sp_handshake_render_request ("GET", lines[0], SOUP_HTTP_1_1, request);
      g_assert_true (g_str_has_suffix (rendered, "\r\n\r\n"));
      g_free (rendered);
      sp_accept_derivation_free (sp_accept_derivation_new (lines[0]));
      sp_handshake_key_is_valid (lines[0]);
    }
  rendered = sp_handshake_render_response (SOUP_HTTP_1_1, 101, "Switching Protocols", response);
  g_free (rendered);
  if (!sp_handshake_verify (request, 101, response, &derivation, &error))
    g_clear_error (&error);
  g_clear_pointer (&derivation, sp_accept_derivation_free);

  soup_message_headers_unref (request);
  soup_message_headers_unref (response);
  g_strfreev (lines);
  g_free (text);

  return 0;
}
