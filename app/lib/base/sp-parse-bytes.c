/* Binary from what a person types: hex or base64, with errors that say how to write it. */
#include "config.h"

#include <string.h>

#include "sp-error.h"
#include "sp-parse-bytes.h"

GBytes *
sp_parse_hex (const char *text,
              GError    **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  int high = -1;

  g_return_val_if_fail (text != NULL, NULL);

  for (const char *p = text; *p; p++)
    {
      int value;

      if (g_ascii_isspace (*p) || *p == ':' || *p == ',' || *p == '-')
        continue;
      if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && high < 0)
        {
          p++;
          continue;
        }
      value = g_ascii_xdigit_value (*p);
      if (value < 0)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                       "“%c” is not a hex digit (write bytes as 01 ff a0)", *p);
          return NULL;
        }
      if (high < 0)
        high = value;
      else
        {
          guint8 byte = (guint8) (high << 4 | value);

          g_byte_array_append (bytes, &byte, 1);
          high = -1;
        }
    }

  if (high >= 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           "An odd number of hex digits: each byte takes two");
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

GBytes *
sp_parse_base64 (const char *text,
                 GError    **error)
{
  g_autofree char *clean = NULL;
  gsize length = 0;
  guchar *data;
  gsize n = 0;

  g_return_val_if_fail (text != NULL, NULL);

  /* Whitespace is ignored; the URL-safe alphabet is taken too; padding is added. */
  clean = g_malloc (strlen (text) + 4);
  for (const char *p = text; *p; p++)
    if (!g_ascii_isspace (*p))
      clean[n++] = *p == '-' ? '+' : *p == '_' ? '/' : *p;
  while (n % 4 != 0)
    clean[n++] = '=';
  clean[n] = '\0';

  if (strspn (clean, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n ||
      (strchr (clean, '=') != NULL && strspn (strchr (clean, '='), "=") != strlen (strchr (clean, '='))))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           "Not base64: use A–Z a–z 0–9 + / and = at the end");
      return NULL;
    }

  data = g_base64_decode (clean, &length);
  return g_bytes_new_take (data, length);
}
