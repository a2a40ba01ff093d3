/* The HTTP side of the server: who may come in (sp-admission.h) before any
 * upgrade, requests that do not finish in time, the web client's pages.
 * Server thread, under the engine's lock. */
#include "config.h"

#include <string.h>

#include "sp-admission.h"
#include "sp-server-private.h"
#include "sp-web.h"

/* What a load balancer asks (see answer_health). */
#define HEALTHZ_PATH "/healthz"

/* The socket under a request: the accept loop hangs it on the peer's address,
 * since libsoup does not know it for connections handed to it. */
GSocket *
_sp_http_message_socket (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), "sp-socket") : NULL;
}

/* The client's address: the peer's, or what a trusted proxy says it is. */
const char *
_sp_http_client_address (SoupServerMessage *msg)
{
  const char *forwarded = g_object_get_data (G_OBJECT (msg), "sp-client-address");

  return forwarded != NULL ? forwarded : soup_server_message_get_remote_host (msg);
}

static void
refuse (SoupServerMessage *msg,
        guint              status,
        const char        *text)
{
  g_autofree char *body = g_strconcat (text, "\n", NULL);

  /* libsoup 3.2 has no phrase for 426. */
  soup_server_message_set_status (msg, status, status == 426 ? "Upgrade Required" : NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    body, strlen (body));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

/* Text from a request, for a refusal's record: valid UTF-8, not too long. */
static char *
shown_header (SoupMessageHeaders *headers,
              const char         *name)
{
  const char *value = soup_message_headers_get_one (headers, name);
  g_autofree char *valid = NULL;

  if (value == NULL)
    return NULL;
  valid = g_utf8_make_valid (value, -1);
  return g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), 200));
}

/* Refuses the request and tells the owner (the log, the Clients page). */
static void
refuse_and_report (SpEngine          *engine,
                   SoupServerMessage *msg,
                   SpRefusalKind      kind,
                   guint              status,
                   const char        *text)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  SpRefusal *refusal = sp_refusal_new ();

  refuse (msg, status, text);

  refusal->kind = kind;
  refusal->at = g_get_real_time ();
  refusal->status = status;
  refusal->reason = g_strdup (text);
  refusal->address = g_strdup (_sp_http_client_address (msg));
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    refusal->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));
  refusal->origin = shown_header (request, "Origin");
  refusal->user_agent = shown_header (request, "User-Agent");
  _sp_server_push_refusal (engine->server, refusal);
}

/* Runs once the headers are in, before any upgrade: who may come in. */
static void
on_early (SoupServer        *soup,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SpEngine *engine = user_data;
  SpServerConfig *config = engine->config;
  SpAdmissionRules rules = {
    .allowed_origins = (const char * const *) config->allowed_origins,
    .tls = config->tls_cert_file != NULL,
    .token = config->token,
    .max_clients = config->max_clients,
    .trusted_proxies = (const char * const *) config->trusted_proxies,
    .peer = soup_server_message_get_remote_host (msg),
  };
  SpAdmissionVerdict verdict;
  SpForwarded forwarded;

  g_hash_table_remove (engine->handshakes, msg);
  /* A health check says no more than whether this server is in sync: no
   * token asked of the load balancer. */
  if (g_str_equal (path, HEALTHZ_PATH))
    rules.token = NULL;
  /* Who the client is, for the log and the Clients page (see _sp_http_client_address). */
  sp_admission_forwarded (&rules, soup_server_message_get_request_headers (msg), &forwarded);
  g_object_set_data_full (G_OBJECT (msg), "sp-client-address", g_steal_pointer (&forwarded.client),
                          g_free);
  sp_forwarded_clear (&forwarded);

  if (sp_admission_check (&rules, soup_server_message_get_request_headers (msg),
                          query != NULL ? g_hash_table_lookup (query, "token") : NULL,
                          engine->server->conns->len, &verdict))
    return;

  if (verdict.header_name != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  verdict.header_name, verdict.header_value);
  refuse_and_report (engine, msg, verdict.kind, verdict.status, verdict.text);
  sp_admission_verdict_clear (&verdict);
}

/* Slowloris: a connection must deliver its request headers in time. */
static void
on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SpEngine *engine = user_data;

  g_hash_table_insert (engine->handshakes, g_object_ref (msg),
                       g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)));
}

static void
on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  SpEngine *engine = user_data;

  g_hash_table_remove (engine->handshakes, msg);
}

void
_sp_http_sweep_handshakes (SpEngine *engine,
                           gint64    now)
{
  gint64 limit = (gint64) engine->config->handshake_timeout_ms * G_TIME_SPAN_MILLISECOND;
  GHashTableIter iter;
  gpointer msg, started;

  g_hash_table_iter_init (&iter, engine->handshakes);
  while (g_hash_table_iter_next (&iter, &msg, &started))
    if (now - *(gint64 *) started > limit)
      {
        GSocket *socket = _sp_http_message_socket (msg);

        /* libsoup notices the end of the stream and drops the connection. */
        if (socket != NULL && !g_socket_is_closed (socket))
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
        g_hash_table_iter_remove (&iter);
      }
}

/* For a load balancer's health checks: 200 while this server can serve
 * what its clients should get (an edge: in sync with the broker), 503 with
 * the reason otherwise. */
static void
answer_health (SpEngine          *engine,
               SoupServerMessage *msg)
{
  g_autofree char *reason = NULL;
  g_autofree char *body = NULL;
  SpServerBrokerState state = _sp_engine_broker_state (engine, &reason);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  guint status = SOUP_STATUS_OK;

  switch (state)
    {
    case SP_SERVER_BROKER_NONE:
      body = g_strdup ("ok\n");
      break;
    case SP_SERVER_BROKER_IN_SYNC:
      body = g_strdup (engine->config->role == SP_ROLE_EDGE ? "ok: in sync with the broker\n"
                                                            : "ok: publishing to the broker\n");
      break;
    case SP_SERVER_BROKER_RECONNECTING:
    case SP_SERVER_BROKER_OUT_OF_SYNC:
    default:
      status = SOUP_STATUS_SERVICE_UNAVAILABLE;
      body = g_strdup_printf ("out of sync: %s\n", reason != NULL ? reason : "unknown");
      break;
    }
  /* A publisher's own clients get the market whatever the broker does. */
  if (engine->config->role == SP_ROLE_PUBLISHER && status != SOUP_STATUS_OK)
    {
      status = SOUP_STATUS_OK;
      g_free (body);
      body = g_strdup_printf ("ok: serving its own market; %s\n", reason != NULL ? reason : "");
    }
  soup_message_headers_replace (response, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

static void
on_http (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GBytes) body = NULL;
  const char *content_type = NULL;
  static const char not_found[] = "Not found: StockPush serves its web client at / only\n";

  /* An upgrade request is the WebSocket handler's: answering it here would win. */
  if (soup_message_headers_header_contains (request, "Upgrade", "websocket"))
    return;

  if (g_str_equal (path, HEALTHZ_PATH))
    {
      answer_health (user_data, msg);
      return;
    }

  if (!sp_web_lookup (path, &body, &content_type))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                        not_found, sizeof not_found - 1);
      return;
    }

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0)
    {
      soup_message_headers_replace (response, "Allow", "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  soup_message_headers_replace (response, "Content-Security-Policy",
                                sp_web_content_security_policy ());
  soup_message_headers_replace (response, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (response, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (response, "Cache-Control", "no-cache");
  soup_message_headers_replace (response, "Content-Type", content_type);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}


/* The handlers of a new SoupServer, on the engine's context. */
void
_sp_http_setup (SpEngine *engine)
{
  soup_server_add_early_handler (engine->soup, NULL, on_early, engine, NULL);
  soup_server_add_handler (engine->soup, "/", on_http, engine, NULL);
  g_signal_connect (engine->soup, "request-started", G_CALLBACK (on_request_started), engine);
  g_signal_connect (engine->soup, "request-read", G_CALLBACK (on_request_done), engine);
  g_signal_connect (engine->soup, "request-finished", G_CALLBACK (on_request_done), engine);
  g_signal_connect (engine->soup, "request-aborted", G_CALLBACK (on_request_done), engine);
  soup_server_add_websocket_handler (engine->soup, "/", NULL, NULL, _sp_conn_on_websocket,
                                     engine, NULL);
}
