/* Who may come in: the server's admission rules (header limits, WebSocket
 * version, Origin, access token, capacity) as pure functions of a request,
 * so each rule is tested without a socket. Any thread; no state. */
#pragma once

#include <libsoup/soup.h>

#include "sp-client-info.h"

G_BEGIN_DECLS

/* A client has no reason for a hundred headers or 16 KiB of them. */
#define SP_ADMISSION_MAX_HEADERS      100
#define SP_ADMISSION_MAX_HEADER_BYTES (16 * 1024)

typedef struct
{
  const char * const *allowed_origins;  /* may be NULL; "*" allows every origin */
  gboolean            tls;              /* the server's own page is https:// */
  const char         *token;            /* NULL: no token asked for */
  guint               max_clients;
  /* Behind a proxy: the addresses or networks (CIDR) trusted to say who the
   * client is and what it asked for (X-Forwarded-*, Forwarded), and the
   * address this request came from; NULL: none. */
  const char * const *trusted_proxies;
  const char         *peer;
} SpAdmissionRules;

/* What a request says of itself, through trusted proxies. */
typedef struct
{
  char *client;  /* the client's address: the peer's, or the nearest untrusted forwarded one */
  char *host;    /* the Host it asked for: the request's, or the one forwarded */
  char *proto;   /* "http", "https", or NULL (as the connection is) */
} SpForwarded;

/* Why a request is refused, and how to answer it. */
typedef struct
{
  SpRefusalKind kind;
  guint         status;        /* the HTTP status to answer with */
  char         *text;          /* for the client and the log */
  const char   *header_name;   /* a response header the refusal needs, or NULL */
  const char   *header_value;
} SpAdmissionVerdict;

/* Whether @request may come in, @n_clients being connected now; when not,
 * fills @verdict (clear it with sp_admission_verdict_clear()). @query_token
 * is the request's ?token= value, or NULL. */
gboolean  sp_admission_check               (const SpAdmissionRules *rules,
                                            SoupMessageHeaders     *request,
                                            const char             *query_token,
                                            guint                   n_clients,
                                            SpAdmissionVerdict     *verdict);
void      sp_admission_verdict_clear       (SpAdmissionVerdict     *verdict);

/* Who sent @request, as the rules' trusted proxies say (a peer that is not
 * one of them is taken at its word only). Clear with sp_forwarded_clear(). */
void      sp_admission_forwarded           (const SpAdmissionRules *rules,
                                            SoupMessageHeaders     *request,
                                            SpForwarded            *out);
void      sp_forwarded_clear               (SpForwarded            *forwarded);
/* Whether @address (an IP literal, maybe with brackets or a port) is in one
 * of @networks (addresses or CIDR, as sp_server_config_add_trusted_proxy()
 * accepts them). */
gboolean  sp_admission_address_in          (const char * const     *networks,
                                            const char             *address);

/* The rules one by one. */
gboolean  sp_admission_origin_allowed      (const SpAdmissionRules *rules,
                                            const char             *origin,
                                            const char             *host,
                                            char                  **why);
gboolean  sp_admission_token_allowed       (const char             *token,
                                            const char             *query_token,
                                            const char             *authorization);
/* An address, "localhost", a name under .localhost or this machine's name. */
gboolean  sp_admission_is_local_host_name  (const char             *host);
/* The host part of a Host header or an origin's authority: "[::1]:8765" → "::1". */
char     *sp_admission_host_of             (const char             *authority);

G_END_DECLS
