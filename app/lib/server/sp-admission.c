/* The server's admission rules as pure functions (see sp-admission.h). */
#include "config.h"

#include <string.h>

#include "sp-admission.h"

gboolean
sp_admission_is_local_host_name (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (host != NULL, FALSE);

  address = g_inet_address_new_from_string (host);
  return address != NULL || g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_str_has_suffix (host, ".localhost") ||
         g_ascii_strcasecmp (host, g_get_host_name ()) == 0;
}

char *
sp_admission_host_of (const char *authority)
{
  const char *end;

  g_return_val_if_fail (authority != NULL, NULL);

  if (authority[0] == '[')
    {
      end = strchr (authority, ']');
      return end ? g_strndup (authority + 1, end - authority - 1) : g_strdup (authority);
    }
  end = strrchr (authority, ':');
  return end ? g_strndup (authority, end - authority) : g_strdup (authority);
}

/* Cross-site WebSocket hijacking: a page on another site may open a WebSocket
 * to this machine, and the browser says which site it is in Origin. Allowed:
 * no Origin (not a browser), the server's own page (its origin is this very
 * Host, and that Host is an address or a name of this machine, which keeps
 * DNS rebinding out), and the configured allow-list. */
gboolean
sp_admission_origin_allowed (const SpAdmissionRules *rules,
                             const char             *origin,
                             const char             *host,
                             char                  **why)
{
  const char * const *allowed = rules->allowed_origins;

  g_return_val_if_fail (why != NULL && *why == NULL, FALSE);

  if (origin == NULL)
    return TRUE;

  for (guint i = 0; allowed != NULL && allowed[i] != NULL; i++)
    if (g_str_equal (allowed[i], "*") || g_ascii_strcasecmp (allowed[i], origin) == 0)
      return TRUE;

  if (host != NULL)
    {
      g_autofree char *own = g_strconcat (rules->tls ? "https://" : "http://", host, NULL);
      g_autofree char *host_name = sp_admission_host_of (host);

      if (g_ascii_strcasecmp (origin, own) == 0 && sp_admission_is_local_host_name (host_name))
        return TRUE;
      if (g_ascii_strcasecmp (origin, own) == 0)
        {
          *why = g_strdup_printf ("Forbidden: “%s” is not a name of this machine; "
                                  "add the origin with --allow-origin", host_name);
          return FALSE;
        }
    }

  *why = g_strdup_printf ("Forbidden: pages from %s may not use this server; "
                          "allow them with --allow-origin %s", origin, origin);
  return FALSE;
}

/* Constant time: how long the comparison takes says nothing about the token. */
static gboolean
token_equal (const char *given,
             const char *token)
{
  gsize n = strlen (token);
  gsize m = strlen (given);
  guint8 diff = (guint8) (n != m);

  for (gsize i = 0; i < n; i++)
    diff |= (guint8) token[i] ^ (guint8) (i < m ? given[i] : 0);

  return diff == 0;
}

gboolean
sp_admission_token_allowed (const char *token,
                            const char *query_token,
                            const char *authorization)
{
  const char *given = query_token;

  if (token == NULL)
    return TRUE;

  if (given == NULL && authorization != NULL &&
      g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    given = authorization + 7;

  return given != NULL && token_equal (given, token);
}

typedef struct
{
  guint n;
  gsize bytes;
} HeaderCount;

static void
count_header (const char *name,
              const char *value,
              gpointer    user_data)
{
  HeaderCount *count = user_data;

  count->n++;
  count->bytes += strlen (name) + strlen (value) + 4;
}

static gboolean
refuse (SpAdmissionVerdict *verdict,
        SpRefusalKind       kind,
        guint               status,
        char               *text)
{
  verdict->kind = kind;
  verdict->status = status;
  verdict->text = text;
  return FALSE;
}

gboolean
sp_admission_check (const SpAdmissionRules *rules,
                    SoupMessageHeaders     *request,
                    const char             *query_token,
                    guint                   n_clients,
                    SpAdmissionVerdict     *verdict)
{
  gboolean upgrade;
  HeaderCount count = { 0, 0 };
  char *why = NULL;

  g_return_val_if_fail (rules != NULL && request != NULL && verdict != NULL, FALSE);

  memset (verdict, 0, sizeof *verdict);
  upgrade = soup_message_headers_header_contains (request, "Upgrade", "websocket");

  soup_message_headers_foreach (request, count_header, &count);
  if (count.n > SP_ADMISSION_MAX_HEADERS || count.bytes > SP_ADMISSION_MAX_HEADER_BYTES)
    return refuse (verdict, SP_REFUSAL_HEADERS, 431, g_strdup ("Request header fields too large"));

  /* RFC 6455, 4.2.2: a version we do not speak is told the one we do. */
  if (upgrade)
    {
      const char *version = soup_message_headers_get_one (request, "Sec-WebSocket-Version");

      if (version != NULL && !g_str_equal (version, "13"))
        {
          g_autofree char *shown = g_utf8_make_valid (version, MIN (strlen (version), 20));

          verdict->header_name = "Sec-WebSocket-Version";
          verdict->header_value = "13";
          return refuse (verdict, SP_REFUSAL_VERSION, 426,
                         g_strdup_printf ("This server speaks WebSocket version 13 (RFC 6455); "
                                          "the client asked for version %s", shown));
        }
    }

  if (upgrade && !sp_admission_origin_allowed (rules,
                                               soup_message_headers_get_one (request, "Origin"),
                                               soup_message_headers_get_one (request, "Host"),
                                               &why))
    return refuse (verdict, SP_REFUSAL_ORIGIN, SOUP_STATUS_FORBIDDEN, why);

  if (!sp_admission_token_allowed (rules->token, query_token,
                                   soup_message_headers_get_one (request, "Authorization")))
    {
      verdict->header_name = "WWW-Authenticate";
      verdict->header_value = "Bearer realm=\"StockPush\"";
      return refuse (verdict, SP_REFUSAL_TOKEN, SOUP_STATUS_UNAUTHORIZED,
                     g_strdup ("This StockPush server needs its access token: add ?token=… "
                               "to the address or send Authorization: Bearer …"));
    }

  if (upgrade && n_clients >= rules->max_clients)
    {
      verdict->header_name = "Retry-After";
      verdict->header_value = "5";
      return refuse (verdict, SP_REFUSAL_FULL, SOUP_STATUS_SERVICE_UNAVAILABLE,
                     g_strdup ("This StockPush server has as many clients as it takes; "
                               "try again later"));
    }

  return TRUE;
}

void
sp_admission_verdict_clear (SpAdmissionVerdict *verdict)
{
  g_clear_pointer (&verdict->text, g_free);
}
