/* The stream client engine against the real server and hand-made HTTP peers on loopback. */
#include "config.h"

#include <libsoup/soup.h>

#include "sp-error.h"
#include "sp-parse-bytes.h"
#include "sp-server.h"
#include "sp-stream-client.h"
#include "sptest-util.h"

#define WAIT_TIMEOUT_MS 8000

typedef struct
{
  SpStreamClient *client;
  GPtrArray      *frames;  /* SpFrame */
  GArray         *prices;  /* SpPricePoint, symbols owned by the client's extractor */
  GPtrArray      *states;  /* GINT_TO_POINTER (SpStreamState) in order */
  guint           want;
  GBytes         *want_payload;
} Watch;

static void
on_frame (SpStreamClient *client,
          SpFrame        *frame,
          gpointer        user_data)
{
  Watch *watch = user_data;

  g_ptr_array_add (watch->frames, sp_frame_ref (frame));
}

static void
on_prices (SpStreamClient *client,
           GArray         *points,
           SpFrame        *frame,
           gpointer        user_data)
{
  Watch *watch = user_data;

  g_array_append_vals (watch->prices, points->data, points->len);
}

static void
on_state (SpStreamClient *client,
          GParamSpec     *pspec,
          gpointer        user_data)
{
  Watch *watch = user_data;

  g_ptr_array_add (watch->states, GINT_TO_POINTER (sp_stream_client_get_state (client)));
}

static Watch *
watch_new (void)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->client = sp_stream_client_new ();
  watch->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  watch->prices = g_array_new (FALSE, FALSE, sizeof (SpPricePoint));
  watch->states = g_ptr_array_new ();
  g_signal_connect (watch->client, "frame", G_CALLBACK (on_frame), watch);
  g_signal_connect (watch->client, "prices", G_CALLBACK (on_prices), watch);
  g_signal_connect (watch->client, "notify::state", G_CALLBACK (on_state), watch);

  return watch;
}

static void
watch_free (Watch *watch)
{
  g_signal_handlers_disconnect_by_data (watch->client, watch);
  g_clear_object (&watch->client);
  g_ptr_array_unref (watch->frames);
  g_array_unref (watch->prices);
  g_ptr_array_unref (watch->states);
  g_free (watch);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Watch, watch_free)

typedef struct
{
  gboolean (*done) (Watch *);
  Watch     *watch;
} Wait;

static gboolean
wait_done (gpointer data)
{
  Wait *wait = data;

  return wait->done (wait->watch);
}

static void
wait_for (gboolean (*done) (Watch *), Watch *watch, const char *what)
{
  Wait wait = { done, watch };

  if (!sp_test_wait_until (NULL, wait_done, &wait, WAIT_TIMEOUT_MS))
    g_error ("Timed out waiting for %s (state %s, error %s)", what,
             sp_stream_state_to_string (sp_stream_client_get_state (watch->client)),
             sp_stream_client_get_error (watch->client));
}

static gboolean
is_open (Watch *watch)
{
  return sp_stream_client_get_state (watch->client) == SP_STREAM_OPEN;
}

static gboolean
is_closed (Watch *watch)
{
  return sp_stream_client_get_state (watch->client) == SP_STREAM_CLOSED;
}

static gboolean
is_disconnected (Watch *watch)
{
  return sp_stream_client_get_state (watch->client) == SP_STREAM_DISCONNECTED;
}

static gboolean
is_reconnecting (Watch *watch)
{
  return sp_stream_client_get_state (watch->client) == SP_STREAM_RECONNECTING;
}

static gboolean
has_ten_prices (Watch *watch)
{
  return watch->prices->len >= 10;
}

/* The client can see the 101 before the server thread has registered it. */
static void
wait_server_clients (SpServer *server,
                     guint     n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  while (sp_server_get_n_clients (server) != n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static SpServer *
start_server (SpFormat format)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(GError) error = NULL;
  SpServer *server = sp_server_new ();

  config->port = 0;
  config->interval_ms = 20;
  config->format = format;
  config->have_seed = TRUE;
  config->seed = 3;
  g_assert_true (sp_server_config_add_origin (config, "http://viewer.test", NULL));
  g_assert_true (sp_server_start (server, config, &error));
  g_assert_no_error (error);

  return server;
}

static void
test_prices_and_handshake (void)
{
  g_autoptr(SpServer) server = start_server (SP_FORMAT_JSON);
  g_autofree char *url = sp_server_dup_ws_url (server);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(Watch) watch = watch_new ();
  g_autoptr(GError) error = NULL;
  const SpHandshakeRecord *handshake;
  SpFrame *first;

  g_assert_true (sp_stream_client_connect (watch->client, options, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sp_stream_client_get_state (watch->client), ==, SP_STREAM_CONNECTING);
  wait_for (is_open, watch, "the connection");
  wait_for (has_ten_prices, watch, "prices");

  /* Prices carry the server's symbols and time stamps. */
  for (guint i = 0; i < watch->prices->len; i++)
    {
      SpPricePoint *point = &g_array_index (watch->prices, SpPricePoint, i);

      g_assert_cmpfloat (point->price, >, 0);
      g_assert_cmpint (point->ts_us, >, 0);
      g_assert_nonnull (strstr ("ACME GLOBEX INITECH HOOLI UMBRELLA", point->symbol));
    }

  /* Every frame was logged; the first is the server's welcome. */
  first = g_ptr_array_index (watch->frames, 0);
  g_assert_cmpint (first->direction, ==, SP_FRAME_IN);
  g_assert_cmpint (first->kind, ==, SP_FRAME_TEXT);
  g_assert_nonnull (strstr (g_bytes_get_data (first->payload, NULL), "welcome"));
  g_assert_cmpuint (sp_stream_client_get_messages_in (watch->client), ==, watch->frames->len);

  /* The handshake, as made, computed by us and matching the server's answer. */
  handshake = sp_stream_client_get_handshake (watch->client);
  g_assert_nonnull (handshake);
  g_assert_true (g_str_has_prefix (handshake->request_text, "GET / HTTP/1.1\r\n"));
  g_assert_nonnull (strstr (handshake->request_text, "Host: 127.0.0.1:"));
  g_assert_nonnull (strstr (handshake->request_text, "Sec-WebSocket-Key: "));
  g_assert_true (g_str_has_prefix (handshake->response_text, "HTTP/1.1 101 Switching Protocols\r\n"));
  g_assert_cmpuint (handshake->status, ==, 101);
  g_assert_true (handshake->verified);
  g_assert_nonnull (handshake->derivation);
  g_assert_nonnull (strstr (handshake->response_text, handshake->derivation->accept));

  /* The user disconnects: a close goes out, the state ends DISCONNECTED, no retry. */
  sp_stream_client_disconnect (watch->client);
  wait_for (is_disconnected, watch, "the disconnect");
  {
    SpFrame *out = NULL;

    for (guint i = 0; i < watch->frames->len; i++)
      {
        SpFrame *frame = g_ptr_array_index (watch->frames, i);
        if (frame->kind == SP_FRAME_CLOSE && frame->direction == SP_FRAME_OUT)
          out = frame;
      }
    g_assert_nonnull (out);
    g_assert_cmpuint (out->close_code, ==, 1000);
  }
  g_assert_cmpuint (sp_server_get_n_clients (server), <=, 1);
}

static void
test_send_text (void)
{
  g_autoptr(SpServer) server = start_server (SP_FORMAT_JSON);
  g_autofree char *url = sp_server_dup_ws_url (server);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(Watch) watch = watch_new ();
  g_autoptr(GError) error = NULL;
  gboolean seen_pong = FALSE;

  g_assert_false (sp_stream_client_send_text (watch->client, "early", &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
  wait_for (is_open, watch, "the connection");
  g_assert_true (sp_stream_client_send_text (watch->client, "{\"type\":\"ping\",\"id\":99}", &error));
  g_assert_no_error (error);

  while (!seen_pong)
    {
      wait_for (has_ten_prices, watch, "traffic");
      for (guint i = 0; i < watch->frames->len && !seen_pong; i++)
        {
          SpFrame *frame = g_ptr_array_index (watch->frames, i);

          if (frame->direction == SP_FRAME_OUT)
            g_assert_cmpuint (frame->size, ==, strlen ("{\"type\":\"ping\",\"id\":99}"));
          if (frame->direction == SP_FRAME_IN && frame->payload != NULL)
            seen_pong = g_strstr_len (g_bytes_get_data (frame->payload, NULL), frame->size,
                                      "\"pong\",\"id\":99") != NULL;
        }
      g_array_set_size (watch->prices, 0);
    }
}

static gboolean
has_frame_containing (Watch *watch)
{
  const char *needle = g_object_get_data (G_OBJECT (watch->client), "needle");

  for (guint i = 0; i < watch->frames->len; i++)
    {
      SpFrame *frame = g_ptr_array_index (watch->frames, i);

      if (frame->direction == SP_FRAME_IN && frame->payload != NULL && frame->size > 0 &&
          g_strstr_len (g_bytes_get_data (frame->payload, NULL), frame->size, needle) != NULL)
        return TRUE;
      if (frame->direction == SP_FRAME_IN && frame->kind == SP_FRAME_PONG && g_str_equal (needle, "PONG"))
        return TRUE;
    }

  return FALSE;
}

static guint
count_frames (Watch           *watch,
              SpFrameDirection direction,
              SpFrameKind      kind)
{
  guint n = 0;

  for (guint i = 0; i < watch->frames->len; i++)
    {
      SpFrame *frame = g_ptr_array_index (watch->frames, i);

      n += frame->direction == direction && frame->kind == kind;
    }

  return n;
}

/* A pong that echoes want_payload: the answer to that ping, not to a
 * keepalive ping that went out about the same time. */
static gboolean
has_echoing_pong (Watch *watch)
{
  for (guint i = 0; i < watch->frames->len; i++)
    {
      SpFrame *frame = g_ptr_array_index (watch->frames, i);

      if (frame->direction == SP_FRAME_IN && frame->kind == SP_FRAME_PONG &&
          g_bytes_equal (frame->payload, watch->want_payload))
        return TRUE;
    }

  return FALSE;
}

/* Binary typed as hex or base64 goes out as one binary frame (the server
 * answers that it only reads text); keepalive pings come back as logged pongs. */
static void
test_binary_and_keepalive (void)
{
  g_autoptr(SpServer) server = start_server (SP_FORMAT_JSON);
  g_autofree char *url = sp_server_dup_ws_url (server);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(Watch) watch = watch_new ();
  g_autoptr(GBytes) hex = NULL;
  g_autoptr(GBytes) base64 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ping = NULL;
  SpFrame *last;
  gint64 before;

  hex = sp_parse_hex ("0x01 ff:A0-7e", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (hex, NULL), g_bytes_get_size (hex), "\x01\xff\xa0\x7e", 4);
  base64 = sp_parse_base64 ("Af+gfg", &error);   /* no padding, as people paste it */
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (hex, base64));
  g_assert_null (sp_parse_hex ("0g", &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (sp_parse_hex ("abc", &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (sp_parse_base64 ("not base64!", &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  options->keepalive_s = 1;
  before = g_get_monotonic_time ();
  g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
  wait_for (is_open, watch, "the connection");
  g_assert_true (sp_stream_client_send_binary (watch->client, hex, &error));
  g_assert_no_error (error);
  last = g_ptr_array_index (watch->frames, watch->frames->len - 1);
  g_assert_cmpint (last->kind, ==, SP_FRAME_BINARY);
  g_assert_cmpint (last->direction, ==, SP_FRAME_OUT);
  g_assert_true (g_bytes_equal (last->payload, hex));

  g_object_set_data (G_OBJECT (watch->client), "needle", (gpointer) "Binary messages are not understood");
  wait_for (has_frame_containing, watch, "the server's answer to binary");
  g_object_set_data (G_OBJECT (watch->client), "needle", (gpointer) "PONG");
  wait_for (has_frame_containing, watch, "a pong to a keepalive ping");

  /* The keepalive ping is logged, and its pong timed the round trip. */
  g_assert_cmpint (count_frames (watch, SP_FRAME_OUT, SP_FRAME_PING), >=, 1);
  g_assert_cmpint (sp_stream_client_get_ping_rtt (watch->client), >, 0);
  g_assert_cmpint (sp_stream_client_get_ping_rtt (watch->client), <=,
                   g_get_monotonic_time () - before);

  /* A ping by hand: a logged ping frame, then the pong that echoes it. */
  g_assert_true (sp_stream_client_send_ping (watch->client, &error));
  g_assert_no_error (error);
  last = g_ptr_array_index (watch->frames, watch->frames->len - 1);
  g_assert_cmpint (last->kind, ==, SP_FRAME_PING);
  g_assert_cmpint (last->direction, ==, SP_FRAME_OUT);
  g_assert_cmpuint (last->size, >, 15);
  g_assert_cmpmem (g_bytes_get_data (last->payload, NULL), 15, "StockPush ping ", 15);
  ping = g_bytes_ref (last->payload);
  watch->want_payload = ping;
  wait_for (has_echoing_pong, watch, "the pong to a ping sent by hand");
  watch->want_payload = NULL;

  /* Connected anew, the old round trip is not shown as this connection's. */
  options->keepalive_s = 0;
  g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
  g_assert_cmpint (sp_stream_client_get_ping_rtt (watch->client), ==, -1);
  wait_for (is_open, watch, "the connection again");
  g_assert_cmpint (sp_stream_client_get_ping_rtt (watch->client), ==, -1);

  sp_stream_client_disconnect (watch->client);
  g_clear_error (&error);
  g_assert_false (sp_stream_client_send_ping (watch->client, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_FAILED);
}

static void
test_reconnect_after_drop (void)
{
  g_autoptr(SpServer) server = start_server (SP_FORMAT_JSON);
  g_autofree char *url = sp_server_dup_ws_url (server);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(Watch) watch = watch_new ();
  g_autoptr(GPtrArray) clients = NULL;

  g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
  wait_for (is_open, watch, "the connection");

  /* The server drops us: the client waits with a countdown, then comes back. */
  wait_server_clients (server, 1);
  clients = sp_server_list_clients (server);
  g_assert_cmpuint (clients->len, ==, 1);
  sp_server_kick_client (server, ((SpClientInfo *) g_ptr_array_index (clients, 0))->id);
  wait_for (is_reconnecting, watch, "the reconnect wait");
  g_assert_cmpuint (sp_stream_client_get_reconnect_seconds (watch->client), >=, 1);
  g_assert_cmpuint (sp_stream_client_get_close_code (watch->client), ==, 1000);
  g_assert_nonnull (strstr (sp_stream_client_get_close_reason (watch->client), "operator"));

  wait_for (is_open, watch, "the reconnection");
  g_assert_cmpuint (sp_stream_client_get_n_reconnects (watch->client), ==, 1);

  /* A user disconnect while waiting to reconnect stops the retries. */
  sp_server_stop (server);
  wait_for (is_reconnecting, watch, "the reconnect wait after stop");
  g_assert_cmpuint (sp_stream_client_get_close_code (watch->client), ==, 1001);
  sp_stream_client_disconnect (watch->client);
  g_assert_cmpint (sp_stream_client_get_state (watch->client), ==, SP_STREAM_DISCONNECTED);
  g_assert_cmpuint (sp_stream_client_get_reconnect_seconds (watch->client), ==, 0);
}

static void
test_no_reconnect_when_off (void)
{
  g_autoptr(SpServer) server = start_server (SP_FORMAT_TEXT);
  g_autofree char *url = sp_server_dup_ws_url (server);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(Watch) watch = watch_new ();

  options->auto_reconnect = FALSE;
  g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
  wait_for (has_ten_prices, watch, "text prices");
  /* "price = 299.90" frames carry no symbol. */
  g_assert_cmpstr (g_array_index (watch->prices, SpPricePoint, 0).symbol, ==, "");
  g_assert_cmpfloat_with_epsilon (g_array_index (watch->prices, SpPricePoint, 0).price, 299.9, 5.0);

  sp_server_stop (server);
  wait_for (is_closed, watch, "the close");
  g_assert_cmpuint (sp_stream_client_get_close_code (watch->client), ==, 1001);
}

static void
test_bad_urls (void)
{
  static const struct { const char *url; const char *mention; } cases[] = {
    { "", "Enter the address" },
    { "127.0.0.1:8765", "ws://127.0.0.1:8765" },
    { "localhost:8765/", "has no scheme: write ws://localhost:8765/" },
    { "htp:/bad url", "Unsupported scheme “htp”" },
    { "ws:/127.0.0.1:8765/", "two slashes after “ws:”: write ws://127.0.0.1:8765/" },
    { "ftp://127.0.0.1/", "Unsupported scheme" },
    { "ws://", "host" },
    { "ws://[::1/", "not a valid URL" },
    { "ws://exa mple.com/", "not a valid URL" },
  };
  g_autoptr(Watch) watch = watch_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SpStreamOptions) options = sp_stream_options_new (cases[i].url);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].url);
      g_assert_false (sp_stream_client_connect (watch->client, options, &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
      g_test_message ("→ %s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].mention));
      g_assert_cmpint (sp_stream_client_get_state (watch->client), ==, SP_STREAM_DISCONNECTED);
    }

  /* A web page's address is taken for its WebSocket twin. */
  {
    static const char * const pages[][2] = {
      { " http://127.0.0.1:1/feed ", "ws://127.0.0.1:1/feed" },
      { "HTTPS://example.com/", "wss://example.com/" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
      {
        g_autoptr(SpStreamOptions) options = sp_stream_options_new (pages[i][0]);
        g_autoptr(GError) error = NULL;

        options->auto_reconnect = FALSE;
        options->connect_timeout_ms = 100;
        g_assert_true (sp_stream_client_connect (watch->client, options, &error));
        g_assert_no_error (error);
        g_assert_cmpstr (sp_stream_client_get_options (watch->client)->url, ==, pages[i][1]);
        sp_stream_client_disconnect (watch->client);
      }
  }

  {
    g_autoptr(SpStreamOptions) options = sp_stream_options_new ("ws://127.0.0.1:1/");
    g_autoptr(GError) error = NULL;

    options->headers = g_strsplit ("Authorization Bearer x", "|", -1);
    g_assert_false (sp_stream_client_connect (watch->client, options, &error));
    g_assert_nonnull (strstr (error->message, "Name: value"));
  }
}

static void
test_connection_refused (void)
{
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/", sp_test_free_port ());
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(Watch) watch = watch_new ();

  g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
  wait_for (is_closed, watch, "the refusal");
  g_assert_nonnull (strstr (sp_stream_client_get_error (watch->client), "refused"));
  g_assert_nonnull (strstr (sp_stream_client_get_error (watch->client), "127.0.0.1:"));
  /* A first attempt that fails is reported, not retried behind the user's back. */
  g_assert_cmpuint (sp_stream_client_get_n_reconnects (watch->client), ==, 0);
}

static void
on_plain_http (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  if (g_str_equal (path, "/ok"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello", 5);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
test_not_a_websocket (void)
{
  g_autoptr(SoupServer) http = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  guint port;
  static const struct { const char *path; const char *mention; } cases[] = {
    { "/missing", "404 Not Found instead of 101" },
    { "/ok", "200 OK instead of 101" },
  };

  soup_server_add_handler (http, NULL, on_plain_http, NULL, NULL);
  g_assert_true (soup_server_listen_local (http, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (http);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u%s", port, cases[i].path);
      g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
      g_autoptr(Watch) watch = watch_new ();
      const SpHandshakeRecord *handshake;

      g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
      wait_for (is_closed, watch, "the failed handshake");
      g_test_message ("%s", sp_stream_client_get_error (watch->client));
      g_assert_nonnull (strstr (sp_stream_client_get_error (watch->client), cases[i].mention));

      /* The failed exchange is still there to inspect. */
      handshake = sp_stream_client_get_handshake (watch->client);
      g_assert_nonnull (handshake);
      g_assert_false (handshake->verified);
      g_assert_nonnull (handshake->response_text);
      g_assert_nonnull (handshake->derivation);
    }
}

/* "state" is the registered enum, so bindings and GtkExpressions see its names. */
static void
test_state_property (void)
{
  g_autoptr(SpStreamClient) client = sp_stream_client_new ();
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (client), "state");
  SpStreamState state = SP_STREAM_OPEN;

  g_assert_nonnull (pspec);
  g_assert_true (G_IS_PARAM_SPEC_ENUM (pspec));
  g_assert_true (pspec->value_type == SP_TYPE_STREAM_STATE);
  g_object_get (client, "state", &state, NULL);
  g_assert_cmpint (state, ==, SP_STREAM_DISCONNECTED);
  g_assert_cmpstr (sp_stream_state_to_string (SP_STREAM_RECONNECTING), ==, "reconnecting");
  g_assert_cmpstr (sp_stream_state_to_string ((SpStreamState) 99), ==, "?");
}

static void
test_extra_headers_and_protocols (void)
{
  g_autoptr(SpServer) server = start_server (SP_FORMAT_JSON);
  g_autofree char *url = sp_server_dup_ws_url (server);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(Watch) watch = watch_new ();
  g_autoptr(GPtrArray) clients = NULL;
  SpClientInfo *info;

  options->headers = g_strsplit ("Authorization: Bearer abc|X-Feed:  prices", "|", -1);
  options->origin = g_strdup ("http://viewer.test");
  g_assert_true (sp_stream_client_connect (watch->client, options, NULL));
  wait_for (is_open, watch, "the connection");

  g_assert_nonnull (strstr (sp_stream_client_get_handshake (watch->client)->request_text,
                            "Authorization: Bearer abc\r\n"));
  wait_server_clients (server, 1);
  clients = sp_server_list_clients (server);
  info = g_ptr_array_index (clients, 0);
  g_assert_nonnull (strstr (info->request_text, "X-Feed: prices\r\n"));
  g_assert_cmpstr (info->origin, ==, "http://viewer.test");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stream-client/prices-and-handshake", test_prices_and_handshake);
  g_test_add_func ("/stream-client/send-text", test_send_text);
  g_test_add_func ("/stream-client/reconnect-after-drop", test_reconnect_after_drop);
  g_test_add_func ("/stream-client/no-reconnect-when-off", test_no_reconnect_when_off);
  g_test_add_func ("/stream-client/bad-urls", test_bad_urls);
  g_test_add_func ("/stream-client/state-property", test_state_property);
  g_test_add_func ("/stream-client/connection-refused", test_connection_refused);
  g_test_add_func ("/stream-client/not-a-websocket", test_not_a_websocket);
  g_test_add_func ("/stream-client/extra-headers", test_extra_headers_and_protocols);
  g_test_add_func ("/stream-client/binary-and-keepalive", test_binary_and_keepalive);

  return g_test_run ();
}
