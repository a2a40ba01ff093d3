/* WebSocket pings that measure their round trip.
 *
 * libsoup 3.2 sends pings only on its own keepalive timer, with a fixed
 * payload, and never says when it sent one. StockPush sends its own: the
 * payload carries the monotonic time of sending, and the peer's pong, which
 * must echo it (RFC 6455, 5.5.3), gives the round trip. */
#pragma once

#include <libsoup/soup.h>

#include "sp-ws-frame.h"

G_BEGIN_DECLS

/* The longest payload a control frame may carry. */
#define SP_WS_PING_MAX_PAYLOAD SP_WS_CONTROL_MAX_PAYLOAD

GBytes  *sp_ws_send_ping      (SoupWebsocketConnection *conn,
                               gint64                   now_us);
gboolean sp_ws_pong_sent_at   (const guint8            *payload,
                               gsize                    length,
                               gint64                  *sent_us);
/* The round trip a pong gives at @now_us: FALSE (nothing set) for a pong
 * that answers none of our pings, or says it was sent after @now_us. */
gboolean sp_ws_pong_round_trip (const guint8           *payload,
                                gsize                   length,
                                gint64                  now_us,
                                gint64                 *rtt_us);
const GByteArray *sp_ws_pong_payload (gpointer          signal_argument);

G_END_DECLS
