/* WebSocket opening-handshake maths (RFC 6455 §4.2.2) kept step by step so the
 * UI can show them, and the raw text of a request or response. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SP_WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef struct
{
  char *key;          /* Sec-WebSocket-Key as sent */
  char *concatenated; /* key + GUID */
  char *sha1_hex;     /* SHA-1 of concatenated, 40 lowercase hex digits */
  char *accept;       /* base64 of the 20-byte digest */
} SpAcceptDerivation;

SpAcceptDerivation *sp_accept_derivation_new  (const char               *key);
SpAcceptDerivation *sp_accept_derivation_copy (const SpAcceptDerivation *self);
void                sp_accept_derivation_free (SpAcceptDerivation       *self);
GType               sp_accept_derivation_get_type (void) G_GNUC_CONST;

/* Whether header @name takes part in the upgrade: Upgrade, Connection, Sec-WebSocket-*. */
gboolean sp_handshake_is_upgrade_header (const char *name);

/* A valid key is the base64 encoding of exactly 16 bytes. */
gboolean sp_handshake_key_is_valid (const char *key);

/* Checks that @response accepts @request: status 101, Upgrade/Connection
 * headers, and Sec-WebSocket-Accept derived from the request's key.
 * On return *@derivation (if given) holds the steps, even on mismatch. */
gboolean sp_handshake_verify (SoupMessageHeaders  *request,
                              guint                response_status,
                              SoupMessageHeaders  *response,
                              SpAcceptDerivation **derivation,
                              GError             **error);

/* The start line and headers as exchanged, CRLF line ends, blank line at the end. */
char *sp_handshake_render_request  (const char         *method,
                                    const char         *path_and_query,
                                    SoupHTTPVersion     version,
                                    SoupMessageHeaders *headers);
char *sp_handshake_render_response (SoupHTTPVersion     version,
                                    guint               status,
                                    const char         *reason,
                                    SoupMessageHeaders *headers);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpAcceptDerivation, sp_accept_derivation_free)

G_END_DECLS
