/* Pings that time their round trip: what a ping carries, that the peer's pong
 * is matched to it and gives the round trip, and that pongs which answer no
 * ping of ours are ignored. Over a socket pair, with libsoup as the peer. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "sp-ws-ping.h"

typedef struct
{
  SoupWebsocketConnection *client;
  SoupWebsocketConnection *server;  /* libsoup answers every ping with a pong */
  GByteArray              *pong;    /* the last pong's payload the client got */
} Pair;

static SoupWebsocketConnection *
connection_new (int                           fd,
                SoupWebsocketConnectionType   type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);
  g_autoptr(GSocketConnection) stream = NULL;
  g_autoptr(GUri) uri = g_uri_parse ("ws://127.0.0.1/", G_URI_FLAGS_NONE, NULL);

  g_assert_no_error (error);
  stream = g_socket_connection_factory_create_connection (socket);
  return soup_websocket_connection_new (G_IO_STREAM (stream), uri, type, NULL, NULL, NULL);
}

static void
on_pong (SoupWebsocketConnection *conn,
         GBytes                  *message,
         gpointer                 user_data)
{
  Pair *pair = user_data;
  const GByteArray *payload = sp_ws_pong_payload (message);

  g_assert_nonnull (payload);
  g_clear_pointer (&pair->pong, g_byte_array_unref);
  pair->pong = g_byte_array_new ();
  g_byte_array_append (pair->pong, payload->data, payload->len);
}

static void
pair_init (Pair *pair)
{
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  pair->client = connection_new (fds[0], SOUP_WEBSOCKET_CONNECTION_CLIENT);
  pair->server = connection_new (fds[1], SOUP_WEBSOCKET_CONNECTION_SERVER);
  pair->pong = NULL;
  g_signal_connect (pair->client, "pong", G_CALLBACK (on_pong), pair);
}

static void
pair_clear (Pair *pair)
{
  g_signal_handlers_disconnect_by_data (pair->client, pair);
  g_clear_object (&pair->client);
  g_clear_object (&pair->server);
  g_clear_pointer (&pair->pong, g_byte_array_unref);
}

static void
wait_for_pong (Pair *pair)
{
  while (pair->pong == NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* The payload says who sent it and when, in a control frame's bounds. */
static void
test_payload (void)
{
  Pair pair;
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(GBytes) longest = NULL;
  gint64 at = 0;

  pair_init (&pair);
  sent = sp_ws_send_ping (pair.client, 1234567);
  g_assert_nonnull (sent);
  g_assert_cmpmem (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent),
                   "StockPush ping 1234567", strlen ("StockPush ping 1234567"));
  g_assert_true (sp_ws_pong_sent_at (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent), &at));
  g_assert_cmpint (at, ==, 1234567);

  longest = sp_ws_send_ping (pair.client, G_MAXINT64);
  g_assert_cmpuint (g_bytes_get_size (longest), <=, SP_WS_PING_MAX_PAYLOAD);
  pair_clear (&pair);
}

/* The peer's pong echoes the ping: it gives back the time it was sent, and the round trip. */
static void
test_pong_matches_ping (void)
{
  Pair pair;
  g_autoptr(GBytes) sent = NULL;
  gint64 at = 0;
  gint64 rtt = -1;

  pair_init (&pair);
  sent = sp_ws_send_ping (pair.client, 5000000);
  wait_for_pong (&pair);

  g_assert_cmpmem (pair.pong->data, pair.pong->len,
                   g_bytes_get_data (sent, NULL), g_bytes_get_size (sent));
  g_assert_true (sp_ws_pong_sent_at (pair.pong->data, pair.pong->len, &at));
  g_assert_cmpint (at, ==, 5000000);
  g_assert_true (sp_ws_pong_round_trip (pair.pong->data, pair.pong->len, 5000750, &rtt));
  g_assert_cmpint (rtt, ==, 750);
  /* Answered at once. */
  g_assert_true (sp_ws_pong_round_trip (pair.pong->data, pair.pong->len, 5000000, &rtt));
  g_assert_cmpint (rtt, ==, 0);
  pair_clear (&pair);
}

/* A pong that says it was sent later than now answers no ping of this
 * process (another's clock, or a pong made up): it times nothing. */
static void
test_pong_from_later_ignored (void)
{
  Pair pair;
  g_autoptr(GBytes) sent = NULL;
  gint64 rtt = -1;

  pair_init (&pair);
  sent = sp_ws_send_ping (pair.client, 9000000);
  wait_for_pong (&pair);
  g_assert_false (sp_ws_pong_round_trip (pair.pong->data, pair.pong->len, 8999999, &rtt));
  g_assert_cmpint (rtt, ==, -1);
  pair_clear (&pair);
}

/* Pongs that are not answers to our pings: libsoup's keepalive, another
 * program's, unsolicited, or malformed. None gives a time. */
static void
test_foreign_pong_ignored (void)
{
  static const char *foreign[] = {
    "",                           /* an empty, unsolicited pong */
    "StockPush ping ",            /* no time */
    "StockPush ping 12a4",        /* not a number */
    "StockPush ping -5",
    "StockPush ping 0",
    "StockPush pong 1234",        /* someone else's */
    "stockpush ping 1234",
    "StockPush ping 123456789012345678901234567890",  /* longer than a time can be */
    "1234",
  };

  for (guint i = 0; i < G_N_ELEMENTS (foreign); i++)
    {
      gint64 at = -1;
      gint64 rtt = -1;

      g_test_message ("pong “%s”", foreign[i]);
      g_assert_false (sp_ws_pong_sent_at ((const guint8 *) foreign[i], strlen (foreign[i]), &at));
      g_assert_false (sp_ws_pong_round_trip ((const guint8 *) foreign[i], strlen (foreign[i]),
                                             G_MAXINT64, &rtt));
      g_assert_cmpint (at, ==, -1);
      g_assert_cmpint (rtt, ==, -1);
    }

  /* libsoup's "pong" argument is a GByteArray; one longer than a control frame is refused. */
  {
    g_autoptr(GByteArray) huge = g_byte_array_sized_new (200);

    g_byte_array_set_size (huge, SP_WS_PING_MAX_PAYLOAD + 1);
    g_assert_null (sp_ws_pong_payload (huge));
    g_byte_array_set_size (huge, SP_WS_PING_MAX_PAYLOAD);
    g_assert_true (sp_ws_pong_payload (huge) == huge);
    g_assert_null (sp_ws_pong_payload (NULL));
  }
}

/* A ping on a closed connection is not sent (libsoup would log a CRITICAL). */
static void
test_no_ping_when_closed (void)
{
  Pair pair;
  g_autoptr(GBytes) sent = NULL;

  pair_init (&pair);
  soup_websocket_connection_close (pair.client, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (soup_websocket_connection_get_state (pair.client) != SOUP_WEBSOCKET_STATE_CLOSED)
    g_main_context_iteration (NULL, TRUE);
  sent = sp_ws_send_ping (pair.client, 1000);
  g_assert_null (sent);
  pair_clear (&pair);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ws-ping/payload", test_payload);
  g_test_add_func ("/ws-ping/pong-matches-ping", test_pong_matches_ping);
  g_test_add_func ("/ws-ping/pong-from-later-ignored", test_pong_from_later_ignored);
  g_test_add_func ("/ws-ping/foreign-pong-ignored", test_foreign_pong_ignored);
  g_test_add_func ("/ws-ping/no-ping-when-closed", test_no_ping_when_closed);

  return g_test_run ();
}
