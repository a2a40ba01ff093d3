/* Admission rules, without a socket: which requests a server lets in, and
 * what it tells the others. */
#include "config.h"

#include <string.h>

#include "sp-admission.h"

static SoupMessageHeaders *
upgrade_request (const char *origin,
                 const char *host)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

  soup_message_headers_append (headers, "Host", host);
  soup_message_headers_append (headers, "Upgrade", "websocket");
  soup_message_headers_append (headers, "Connection", "Upgrade");
  soup_message_headers_append (headers, "Sec-WebSocket-Version", "13");
  soup_message_headers_append (headers, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  if (origin != NULL)
    soup_message_headers_append (headers, "Origin", origin);
  return headers;
}

static const SpAdmissionRules open_rules = { NULL, FALSE, NULL, 100 };

static void
test_plain_clients (void)
{
  g_autoptr(SoupMessageHeaders) script = upgrade_request (NULL, "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) own_page = upgrade_request ("http://127.0.0.1:8765",
                                                            "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) localhost = upgrade_request ("http://localhost:8765",
                                                             "localhost:8765");
  SpAdmissionVerdict verdict;

  /* A script sends no Origin; the server's own page has this Host as origin. */
  g_assert_true (sp_admission_check (&open_rules, script, NULL, 0, &verdict));
  g_assert_true (sp_admission_check (&open_rules, own_page, NULL, 0, &verdict));
  g_assert_true (sp_admission_check (&open_rules, localhost, NULL, 99, &verdict));
}

static void
test_origins (void)
{
  const char *allowed[] = { "https://app.example", NULL };
  SpAdmissionRules rules = open_rules;
  g_autoptr(SoupMessageHeaders) other = upgrade_request ("https://evil.example",
                                                         "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) listed = upgrade_request ("https://APP.example",
                                                          "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) rebound = upgrade_request ("http://attacker.example:8765",
                                                           "attacker.example:8765");
  g_autoptr(SoupMessageHeaders) tls_page = upgrade_request ("https://[::1]:8765", "[::1]:8765");
  SpAdmissionVerdict verdict;

  g_assert_false (sp_admission_check (&rules, other, NULL, 0, &verdict));
  g_assert_cmpint (verdict.kind, ==, SP_REFUSAL_ORIGIN);
  g_assert_cmpuint (verdict.status, ==, 403);
  g_assert_nonnull (strstr (verdict.text, "--allow-origin https://evil.example"));
  sp_admission_verdict_clear (&verdict);

  /* DNS rebinding: the page's origin is its Host, but not a name of this machine. */
  g_assert_false (sp_admission_check (&rules, rebound, NULL, 0, &verdict));
  g_assert_nonnull (strstr (verdict.text, "“attacker.example” is not a name of this machine"));
  sp_admission_verdict_clear (&verdict);

  /* A wss:// server's own page is https://. */
  g_assert_false (sp_admission_check (&rules, tls_page, NULL, 0, &verdict));
  sp_admission_verdict_clear (&verdict);
  rules.tls = TRUE;
  g_assert_true (sp_admission_check (&rules, tls_page, NULL, 0, &verdict));

  rules.allowed_origins = allowed;
  g_assert_true (sp_admission_check (&rules, listed, NULL, 0, &verdict));
  g_assert_false (sp_admission_check (&rules, other, NULL, 0, &verdict));
  sp_admission_verdict_clear (&verdict);
  allowed[0] = "*";
  g_assert_true (sp_admission_check (&rules, other, NULL, 0, &verdict));
}

static void
test_token (void)
{
  SpAdmissionRules rules = open_rules;
  g_autoptr(SoupMessageHeaders) bare = upgrade_request (NULL, "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) bearer = upgrade_request (NULL, "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) wrong = upgrade_request (NULL, "127.0.0.1:8765");
  SpAdmissionVerdict verdict;

  rules.token = "s3cret";
  soup_message_headers_append (bearer, "Authorization", "bearer s3cret");
  soup_message_headers_append (wrong, "Authorization", "Bearer s3cre");

  g_assert_false (sp_admission_check (&rules, bare, NULL, 0, &verdict));
  g_assert_cmpint (verdict.kind, ==, SP_REFUSAL_TOKEN);
  g_assert_cmpuint (verdict.status, ==, 401);
  g_assert_cmpstr (verdict.header_name, ==, "WWW-Authenticate");
  sp_admission_verdict_clear (&verdict);

  g_assert_true (sp_admission_check (&rules, bare, "s3cret", 0, &verdict));
  g_assert_true (sp_admission_check (&rules, bearer, NULL, 0, &verdict));
  g_assert_false (sp_admission_check (&rules, wrong, NULL, 0, &verdict));
  sp_admission_verdict_clear (&verdict);
  g_assert_false (sp_admission_check (&rules, bare, "s3cret!", 0, &verdict));
  sp_admission_verdict_clear (&verdict);
  g_assert_false (sp_admission_token_allowed ("s3cret", "", NULL));
  g_assert_true (sp_admission_token_allowed (NULL, NULL, NULL));
}

static void
test_limits (void)
{
  g_autoptr(SoupMessageHeaders) many = upgrade_request (NULL, "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) big = upgrade_request (NULL, "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) v8 = upgrade_request (NULL, "127.0.0.1:8765");
  g_autoptr(SoupMessageHeaders) page = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree char *long_value = g_strnfill (SP_ADMISSION_MAX_HEADER_BYTES, 'x');
  SpAdmissionVerdict verdict;

  for (guint i = 0; i < SP_ADMISSION_MAX_HEADERS; i++)
    soup_message_headers_append (many, "X-Filler", "1");
  g_assert_false (sp_admission_check (&open_rules, many, NULL, 0, &verdict));
  g_assert_cmpint (verdict.kind, ==, SP_REFUSAL_HEADERS);
  g_assert_cmpuint (verdict.status, ==, 431);
  sp_admission_verdict_clear (&verdict);

  soup_message_headers_append (big, "X-Long", long_value);
  g_assert_false (sp_admission_check (&open_rules, big, NULL, 0, &verdict));
  g_assert_cmpint (verdict.kind, ==, SP_REFUSAL_HEADERS);
  sp_admission_verdict_clear (&verdict);

  /* RFC 6455, 4.2.2: told the version this server speaks. */
  soup_message_headers_replace (v8, "Sec-WebSocket-Version", "8");
  g_assert_false (sp_admission_check (&open_rules, v8, NULL, 0, &verdict));
  g_assert_cmpint (verdict.kind, ==, SP_REFUSAL_VERSION);
  g_assert_cmpuint (verdict.status, ==, 426);
  g_assert_cmpstr (verdict.header_name, ==, "Sec-WebSocket-Version");
  g_assert_cmpstr (verdict.header_value, ==, "13");
  g_assert_nonnull (strstr (verdict.text, "asked for version 8"));
  sp_admission_verdict_clear (&verdict);

  /* Full: a new WebSocket waits, the web page still loads. */
  {
    g_autoptr(SoupMessageHeaders) ws = upgrade_request (NULL, "127.0.0.1:8765");

    g_assert_false (sp_admission_check (&open_rules, ws, NULL, 100, &verdict));
    g_assert_cmpint (verdict.kind, ==, SP_REFUSAL_FULL);
    g_assert_cmpuint (verdict.status, ==, 503);
    g_assert_cmpstr (verdict.header_name, ==, "Retry-After");
    sp_admission_verdict_clear (&verdict);
  }
  soup_message_headers_append (page, "Host", "127.0.0.1:8765");
  g_assert_true (sp_admission_check (&open_rules, page, NULL, 100, &verdict));
}

static void
test_hosts (void)
{
  g_autofree char *v6 = sp_admission_host_of ("[::1]:8765");
  g_autofree char *v4 = sp_admission_host_of ("127.0.0.1:8765");
  g_autofree char *bare = sp_admission_host_of ("localhost");

  g_assert_cmpstr (v6, ==, "::1");
  g_assert_cmpstr (v4, ==, "127.0.0.1");
  g_assert_cmpstr (bare, ==, "localhost");
  g_assert_true (sp_admission_is_local_host_name ("192.0.2.7"));
  g_assert_true (sp_admission_is_local_host_name ("app.localhost"));
  g_assert_true (sp_admission_is_local_host_name (g_get_host_name ()));
  g_assert_false (sp_admission_is_local_host_name ("example.com"));
}

/* Behind a proxy: its word on the client is believed from trusted addresses only. */
static void
test_forwarded (void)
{
  const char *trusted[] = { "127.0.0.1", "10.0.0.0/8", NULL };
  SpAdmissionRules rules = { NULL, FALSE, NULL, 100, trusted, "10.1.2.3" };
  g_autoptr(SoupMessageHeaders) request = upgrade_request ("http://localhost:8080",
                                                           "edge-1.internal:8766");
  SpAdmissionVerdict verdict;
  SpForwarded f;

  soup_message_headers_append (request, "X-Forwarded-For", "6.6.6.6, 203.0.113.7, 10.9.9.9");
  soup_message_headers_append (request, "X-Forwarded-Host", "localhost:8080");

  /* The nearest hop that is not a trusted proxy is the client; what is left
   * of it the client could have written. */
  sp_admission_forwarded (&rules, request, &f);
  g_assert_cmpstr (f.client, ==, "203.0.113.7");
  g_assert_cmpstr (f.host, ==, "localhost:8080");
  g_assert_null (f.proto);
  sp_forwarded_clear (&f);
  /* The page's own origin, as the proxy was asked. */
  g_assert_true (sp_admission_check (&rules, request, NULL, 0, &verdict));

  /* From an address that is not a trusted proxy: the headers mean nothing. */
  rules.peer = "192.168.1.50";
  sp_admission_forwarded (&rules, request, &f);
  g_assert_cmpstr (f.client, ==, "192.168.1.50");
  g_assert_cmpstr (f.host, ==, "edge-1.internal:8766");
  sp_forwarded_clear (&f);
  g_assert_false (sp_admission_check (&rules, request, NULL, 0, &verdict));
  g_assert_cmpuint (verdict.status, ==, 403);
  sp_admission_verdict_clear (&verdict);

  /* No proxies trusted at all. */
  rules.peer = "127.0.0.1";
  rules.trusted_proxies = NULL;
  sp_admission_forwarded (&rules, request, &f);
  g_assert_cmpstr (f.client, ==, "127.0.0.1");
  sp_forwarded_clear (&f);
}

static void
test_forwarded_rfc7239 (void)
{
  const char *trusted[] = { "::1", "127.0.0.0/8", NULL };
  SpAdmissionRules rules = { NULL, FALSE, NULL, 100, trusted, "::ffff:127.0.0.1" };
  g_autoptr(SoupMessageHeaders) request = upgrade_request ("https://prices.example",
                                                           "127.0.0.1:8766");
  g_autoptr(SoupMessageHeaders) hidden = upgrade_request (NULL, "127.0.0.1:8766");
  SpForwarded f;

  soup_message_headers_append (request, "Forwarded",
                               "for=\"[2001:db8::17]:4711\";proto=https;host=prices.example, "
                               "for=127.0.0.5");
  sp_admission_forwarded (&rules, request, &f);
  g_assert_cmpstr (f.client, ==, "2001:db8::17");
  g_assert_cmpstr (f.host, ==, "prices.example");
  g_assert_cmpstr (f.proto, ==, "https");
  sp_forwarded_clear (&f);

  /* An obfuscated hop stops the walk: the last one known is the client. */
  soup_message_headers_append (hidden, "Forwarded", "for=_hidden, for=127.0.0.9");
  sp_admission_forwarded (&rules, hidden, &f);
  g_assert_cmpstr (f.client, ==, "127.0.0.9");
  sp_forwarded_clear (&f);

  g_assert_true (sp_admission_address_in (trusted, "[::1]:443"));
  g_assert_true (sp_admission_address_in (trusted, "127.1.2.3:80"));
  g_assert_false (sp_admission_address_in (trusted, "128.0.0.1"));
  g_assert_false (sp_admission_address_in (trusted, "unknown"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/admission/plain-clients", test_plain_clients);
  g_test_add_func ("/admission/origins", test_origins);
  g_test_add_func ("/admission/token", test_token);
  g_test_add_func ("/admission/limits", test_limits);
  g_test_add_func ("/admission/hosts", test_hosts);
  g_test_add_func ("/admission/forwarded", test_forwarded);
  g_test_add_func ("/admission/forwarded-rfc7239", test_forwarded_rfc7239);
  return g_test_run ();
}
