/* What a stream connection is asked for, and the check of its address and headers.
 * Plain values; any thread. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "sp-error.h"
#include "sp-price-extractor.h"
#include "sp-stream-options.h"

G_DEFINE_BOXED_TYPE (SpStreamOptions, sp_stream_options, sp_stream_options_copy, sp_stream_options_free)

SpStreamOptions *
sp_stream_options_new (const char *url)
{
  SpStreamOptions *self = g_new0 (SpStreamOptions, 1);

  self->url = g_strdup (url);
  self->auto_reconnect = TRUE;
  self->max_message_size = SP_STREAM_DEFAULT_MAX_MESSAGE;

  return self;
}

SpStreamOptions *
sp_stream_options_copy (const SpStreamOptions *self)
{
  SpStreamOptions *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->url = g_strdup (self->url);
  copy->headers = g_strdupv (self->headers);
  copy->protocols = g_strdupv (self->protocols);
  copy->origin = g_strdup (self->origin);
  copy->price_path = g_strdup (self->price_path);
  copy->symbol_path = g_strdup (self->symbol_path);
  copy->accepted_certificate = g_strdup (self->accepted_certificate);
  copy->send_on_open = g_strdupv (self->send_on_open);

  return copy;
}

void
sp_stream_options_free (SpStreamOptions *self)
{
  if (self == NULL)
    return;

  g_free (self->url);
  g_strfreev (self->headers);
  g_strfreev (self->protocols);
  g_free (self->origin);
  g_free (self->price_path);
  g_free (self->symbol_path);
  g_free (self->accepted_certificate);
  g_strfreev (self->send_on_open);
  g_free (self);
}

static gboolean
header_is_valid (const char *line)
{
  const char *colon = strchr (line, ':');

  if (colon == NULL || colon == line)
    return FALSE;

  for (const char *p = line; p < colon; p++)
    if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
      return FALSE;

  for (const char *p = colon + 1; *p; p++)
    if (*p == '\r' || *p == '\n')
      return FALSE;

  return TRUE;
}

char *
sp_stream_options_normalize_url (const char *url)
{
  g_autofree char *stripped = g_strstrip (g_strdup (url ? url : ""));

  /* A browser's address of the same server: the WebSocket twin is meant. */
  if (g_ascii_strncasecmp (stripped, "http://", 7) == 0)
    return g_strconcat ("ws://", stripped + 7, NULL);
  if (g_ascii_strncasecmp (stripped, "https://", 8) == 0)
    return g_strconcat ("wss://", stripped + 8, NULL);

  return g_steal_pointer (&stripped);
}

/* "localhost:8765/": a host and port, not a scheme called localhost. */
static gboolean
starts_with_port (const char *after_colon)
{
  return g_ascii_isdigit (*after_colon);
}

/* The scheme and what must follow it; FALSE with an error naming the mistake. */
static gboolean
check_scheme (const char  *url,
              GError     **error)
{
  const char *scheme = g_uri_peek_scheme (url);
  const char *after;

  if (scheme == NULL || starts_with_port (url + strlen (scheme) + 1))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s” has no scheme: write ws://%s (or wss:// for a secure server)"), url, url);
      return FALSE;
    }
  if (!g_str_equal (scheme, "ws") && !g_str_equal (scheme, "wss"))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("Unsupported scheme “%s”: use ws:// or wss://"), scheme);
      return FALSE;
    }
  after = url + strlen (scheme) + 1;
  if (!g_str_has_prefix (after, "//"))
    {
      while (*after == '/')
        after++;
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s” needs two slashes after “%s:”: write %s://%s"), url, scheme, scheme, after);
      return FALSE;
    }

  return TRUE;
}

gboolean
sp_stream_options_validate (const SpStreamOptions  *self,
                            GUri                  **uri_out,
                            GError                **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  url = sp_stream_options_normalize_url (self->url);
  if (*url == '\0')
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("Enter the address of a WebSocket server, e.g. ws://127.0.0.1:8765/"));
      return FALSE;
    }

  if (!check_scheme (url, error))
    return FALSE;

  for (const char *p = url; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      {
        g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                     _("“%s” is not a valid URL: it contains spaces (write them as %%20)"), url);
        return FALSE;
      }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_ENCODED_PATH |
                          G_URI_FLAGS_SCHEME_NORMALIZE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid URL (%s)"), url, local_error->message);
      return FALSE;
    }

  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s” names no host, e.g. ws://127.0.0.1:8765/"), url);
      return FALSE;
    }

  for (guint i = 0; self->headers != NULL && self->headers[i] != NULL; i++)
    if (!header_is_valid (self->headers[i]))
      {
        g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                     _("“%s” is not a header line; write Name: value"), self->headers[i]);
        return FALSE;
      }

  if (!sp_price_extractor_check_paths (self->price_path, self->symbol_path, error))
    return FALSE;

  if (uri_out != NULL)
    *uri_out = g_steal_pointer (&uri);

  return TRUE;
}
