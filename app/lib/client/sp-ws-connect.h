/* The viewer's side of a WebSocket connection, opened by hand so that the
 * guard sits under libsoup's reader as it does on the server.
 *
 * libsoup 3.2's client (soup_session_websocket_connect_async) builds the
 * connection's stream itself and assembles fragmented messages without a
 * bound: a server sending one endless message grew the viewer by hundreds of
 * MiB. Here GSocketClient connects (proxies as the desktop is set up, TLS
 * through GTlsClientConnection), the upgrade request is written and the
 * response's head read here, and soup_websocket_connection_new() gets an
 * SpConnStream: every frame header is read before libsoup sees it, a message
 * over the limit or a control frame over 125 bytes ends the connection with
 * our close frame on the wire, and our writes queue in order as on the
 * server. No extension is offered (permessage-deflate would let a small
 * frame inflate past any bound the guard can see). */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  SoupMessageHeaders *request;        /* as sent */
  char               *request_text;   /* the bytes sent */
  guint               status;         /* 0: no answer */
  SoupHTTPVersion     version;
  char               *reason;
  SoupMessageHeaders *response;       /* NULL without an answer */
  char               *body_start;     /* of a refusal: its first line, if it came with the head */
} SpWsExchange;

void          sp_ws_exchange_free (SpWsExchange *self);

/* Decides on a certificate that did not verify: TRUE to go on. */
typedef gboolean (*SpWsCertificateFunc) (GTlsCertificate      *certificate,
                                         GTlsCertificateFlags  errors,
                                         gpointer              user_data);

/* Connects to the ws:// or wss:// @uri and does the opening handshake:
 * @headers (may be NULL) are added to the request, @protocols offered. */
void                     sp_ws_connect_async  (GUri                *uri,
                                               const char          *origin,
                                               char               **protocols,
                                               SoupMessageHeaders  *headers,
                                               const char          *user_agent,
                                               guint64              max_message_size,
                                               SpWsCertificateFunc  accept_certificate,
                                               gpointer             certificate_data,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);

/* The open connection, or NULL with @error. *@exchange (if given) holds what
 * was sent and answered, also on failure once the request was written
 * (NULL before). A server that answered but not with an acceptable 101 fails
 * with SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET or _BAD_HANDSHAKE. */
SoupWebsocketConnection *sp_ws_connect_finish (GAsyncResult        *result,
                                               SpWsExchange       **exchange,
                                               GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpWsExchange, sp_ws_exchange_free)

G_END_DECLS
