/* WebSocket pings that measure their round trip. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sp-ws-ping.h"

#define PING_PREFIX "StockPush ping "

/* libsoup 3.2 has no call to send a ping, but send_message() puts the type it
 * is given on the wire as the frame's opcode (soup-websocket-connection.c, in
 * 3.2.3 and in today's upstream), and control frames are its own kind of
 * frame there: a ping goes out in order with the data frames, unfragmented.
 * Returns the payload sent, or NULL when the connection is not open. */
GBytes *
sp_ws_send_ping (SoupWebsocketConnection *conn,
                 gint64                   now_us)
{
  char payload[SP_WS_PING_MAX_PAYLOAD];
  int length;
  GBytes *bytes;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (conn), NULL);

  if (soup_websocket_connection_get_state (conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return NULL;

  length = snprintf (payload, sizeof payload, PING_PREFIX "%" G_GINT64_FORMAT, now_us);
  bytes = g_bytes_new (payload, (gsize) length);
  soup_websocket_connection_send_message (conn, (SoupWebsocketDataType) SP_WS_OPCODE_PING, bytes);

  return bytes;
}

/* Whether a pong answers one of our pings; if so, when that ping was sent. */
gboolean
sp_ws_pong_sent_at (const guint8 *payload,
                    gsize         length,
                    gint64       *sent_us)
{
  char digits[32];
  gsize prefix = strlen (PING_PREFIX);
  gsize n;
  char *end;
  gint64 value;

  if (payload == NULL || length <= prefix || length - prefix >= sizeof digits ||
      memcmp (payload, PING_PREFIX, prefix) != 0)
    return FALSE;

  n = length - prefix;
  memcpy (digits, payload + prefix, n);
  digits[n] = '\0';
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (digits[i]))
      return FALSE;

  /* A number past G_MAXINT64 is no time of ours, not G_MAXINT64. */
  errno = 0;
  value = g_ascii_strtoll (digits, &end, 10);
  if (*end != '\0' || errno == ERANGE || value <= 0)
    return FALSE;

  *sent_us = value;
  return TRUE;
}

gboolean
sp_ws_pong_round_trip (const guint8 *payload,
                       gsize         length,
                       gint64        now_us,
                       gint64       *rtt_us)
{
  gint64 sent;

  g_return_val_if_fail (rtt_us != NULL, FALSE);

  /* A time after now is not one of this process's pings. */
  if (!sp_ws_pong_sent_at (payload, length, &sent) || sent > now_us)
    return FALSE;

  *rtt_us = now_us - sent;
  return TRUE;
}

/* libsoup 3.2 declares the "pong" signal's argument a GBytes but passes a
 * GByteArray (receive_pong() in soup-websocket-connection.c): read it as what
 * it is, and never trust a length a pong cannot have. */
const GByteArray *
sp_ws_pong_payload (gpointer signal_argument)
{
  const GByteArray *array = signal_argument;

  if (array == NULL || array->len > SP_WS_PING_MAX_PAYLOAD)
    return NULL;
  return array;
}
