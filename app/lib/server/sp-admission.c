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

/* "[::1]:8765", "10.0.0.1:80", "::1", "10.0.0.1" → the address; NULL when it is none
 * ("unknown", "_hidden", a name). */
static GInetAddress *
parse_address (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *start = copy, *end;
  GInetAddress *address;
  const guint8 *bytes;

  if (*start == '"')
    {
      start++;
      if ((end = strchr (start, '"')) != NULL)
        *end = '\0';
    }
  if (*start == '[')
    {
      start++;
      if ((end = strchr (start, ']')) == NULL)
        return NULL;
      *end = '\0';
    }
  else if ((end = strchr (start, ':')) != NULL && strchr (end + 1, ':') == NULL)
    *end = '\0';   /* one colon: IPv4 with a port */
  address = g_inet_address_new_from_string (start);
  if (address == NULL)
    return NULL;
  /* ::ffff:10.0.0.1, as a socket bound to :: sees an IPv4 peer. */
  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      memcmp (bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    {
      GInetAddress *v4 = g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);

      g_object_unref (address);
      address = v4;
    }
  return address;
}

gboolean
sp_admission_address_in (const char * const *networks,
                         const char         *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (networks == NULL || address == NULL || (inet = parse_address (address)) == NULL)
    return FALSE;
  for (guint i = 0; networks[i] != NULL; i++)
    {
      g_autoptr(GInetAddressMask) mask = g_inet_address_mask_new_from_string (networks[i], NULL);

      if (mask != NULL && g_inet_address_get_family (inet) == g_inet_address_mask_get_family (mask) &&
          g_inet_address_mask_matches (mask, inet))
        return TRUE;
    }
  return FALSE;
}

/* A Forwarded element's value: token or quoted string. */
static char *
forwarded_value (const char *element,
                 const char *key)
{
  g_auto(GStrv) pairs = g_strsplit (element, ";", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *pair = g_strstrip (pairs[i]);
      gsize n = strlen (key);

      if (g_ascii_strncasecmp (pair, key, n) == 0 && pair[n] == '=')
        {
          char *value = pair + n + 1;
          gsize len = strlen (value);

          if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
            return g_strndup (value + 1, len - 2);
          return g_strdup (value);
        }
    }
  return NULL;
}

void
sp_admission_forwarded (const SpAdmissionRules *rules,
                        SoupMessageHeaders     *request,
                        SpForwarded            *out)
{
  const char *forwarded, *xff;
  g_autoptr(GPtrArray) hops = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *host = NULL, *proto = NULL;

  g_return_if_fail (rules != NULL && request != NULL && out != NULL);

  memset (out, 0, sizeof *out);
  out->client = g_strdup (rules->peer);
  out->host = g_strdup (soup_message_headers_get_one (request, "Host"));
  if (rules->peer == NULL || !sp_admission_address_in (rules->trusted_proxies, rules->peer))
    return;

  /* RFC 7239 first; else the X-Forwarded-* headers haproxy and nginx send. */
  forwarded = soup_message_headers_get_list (request, "Forwarded");
  if (forwarded != NULL)
    {
      g_auto(GStrv) elements = g_strsplit (forwarded, ",", -1);

      for (guint i = 0; elements[i] != NULL; i++)
        {
          char *value = forwarded_value (elements[i], "for");
          char *h = forwarded_value (elements[i], "host");
          char *p = forwarded_value (elements[i], "proto");

          g_ptr_array_add (hops, value != NULL ? value : g_strdup ("unknown"));
          /* The nearest proxy's word on what was asked. */
          if (h != NULL)
            {
              g_free (host);
              host = h;
            }
          if (p != NULL)
            {
              g_free (proto);
              proto = p;
            }
        }
    }
  else
    {
      const char *xfh = soup_message_headers_get_list (request, "X-Forwarded-Host");
      const char *xfp = soup_message_headers_get_list (request, "X-Forwarded-Proto");

      if ((xff = soup_message_headers_get_list (request, "X-Forwarded-For")) != NULL)
        {
          g_auto(GStrv) list = g_strsplit (xff, ",", -1);

          for (guint i = 0; list[i] != NULL; i++)
            g_ptr_array_add (hops, g_strdup (g_strstrip (list[i])));
        }
      if (xfh != NULL)
        host = g_strdup (g_strstrip (strrchr (xfh, ',') ? strrchr (xfh, ',') + 1 : (char *) xfh));
      if (xfp != NULL)
        proto = g_strdup (g_strstrip (strrchr (xfp, ',') ? strrchr (xfp, ',') + 1 : (char *) xfp));
    }

  /* From the nearest hop back: the first that is not a trusted proxy is the
   * client (anything further left, it could have written itself). */
  for (guint i = hops->len; i > 0; i--)
    {
      const char *hop = g_ptr_array_index (hops, i - 1);
      g_autoptr(GInetAddress) address = parse_address (hop);

      if (address == NULL)
        break;   /* "unknown", a name: no further */
      g_free (out->client);
      out->client = g_inet_address_to_string (address);
      if (!sp_admission_address_in (rules->trusted_proxies, out->client))
        break;
    }
  if (host != NULL && *host != '\0')
    {
      g_free (out->host);
      out->host = g_steal_pointer (&host);
    }
  if (proto != NULL && (g_ascii_strcasecmp (proto, "https") == 0 ||
                        g_ascii_strcasecmp (proto, "http") == 0))
    out->proto = g_ascii_strdown (proto, -1);
}

void
sp_forwarded_clear (SpForwarded *forwarded)
{
  g_clear_pointer (&forwarded->client, g_free);
  g_clear_pointer (&forwarded->host, g_free);
  g_clear_pointer (&forwarded->proto, g_free);
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

  if (upgrade)
    {
      SpForwarded forwarded;
      SpAdmissionRules as_asked = *rules;
      gboolean allowed;

      /* Behind a trusted proxy, the page's own origin is what the proxy was asked for. */
      sp_admission_forwarded (rules, request, &forwarded);
      if (forwarded.proto != NULL)
        as_asked.tls = g_str_equal (forwarded.proto, "https");
      allowed = sp_admission_origin_allowed (&as_asked,
                                             soup_message_headers_get_one (request, "Origin"),
                                             forwarded.host, &why);
      sp_forwarded_clear (&forwarded);
      if (!allowed)
        return refuse (verdict, SP_REFUSAL_ORIGIN, SOUP_STATUS_FORBIDDEN, why);
    }

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
