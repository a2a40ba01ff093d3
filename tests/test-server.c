/* The server engine with real sockets on loopback and real libsoup clients. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <libsoup/soup.h>

#include "sp-error.h"
#include "sp-handshake.h"
#include "sp-server.h"
#include "sptest-util.h"

#define WAIT_TIMEOUT_MS 5000

typedef struct
{
  SoupSession             *session;
  SoupMessage             *msg;
  SoupWebsocketConnection *conn;
  GPtrArray               *messages; /* char* */
  gboolean                 done;     /* connect finished, one way or the other */
  gboolean                 closed;
  gushort                  close_code;
  char                    *close_reason;
  GError                  *error;
} TestClient;

static void
test_client_free (TestClient *client)
{
  if (client->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (client->conn, client);
      if (soup_websocket_connection_get_state (client->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (client->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  g_clear_object (&client->conn);
  g_clear_object (&client->msg);
  g_clear_object (&client->session);
  g_clear_pointer (&client->messages, g_ptr_array_unref);
  g_clear_pointer (&client->close_reason, g_free);
  g_clear_error (&client->error);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestClient, test_client_free)

/* Iterates the main context until @done(@data) holds; fails the test after a bound. */
static void
wait_for (gboolean (*done) (gpointer),
          gpointer data,
          const char *what)
{
  if (!sp_test_wait_until (NULL, done, data, WAIT_TIMEOUT_MS))
    g_error ("Timed out waiting for %s", what);
}

static void
on_client_message (SoupWebsocketConnection *conn,
                   gint                     type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  TestClient *client = user_data;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  g_ptr_array_add (client->messages, g_strndup (data, size));
}

static void
on_client_closed (SoupWebsocketConnection *conn,
                  gpointer                 user_data)
{
  TestClient *client = user_data;

  client->closed = TRUE;
  client->close_code = soup_websocket_connection_get_close_code (conn);
  client->close_reason = g_strdup (soup_websocket_connection_get_close_data (conn));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TestClient *client = user_data;

  client->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                       &client->error);
  if (client->conn != NULL)
    {
      g_signal_connect (client->conn, "message", G_CALLBACK (on_client_message), client);
      g_signal_connect (client->conn, "closed", G_CALLBACK (on_client_closed), client);
    }
  client->done = TRUE;
}

static gboolean
client_done (gpointer data)
{
  return ((TestClient *) data)->done;
}

static TestClient *
test_client_try_connect (guint       port,
                         const char *origin)
{
  TestClient *client = g_new0 (TestClient, 1);
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/", port);

  client->messages = g_ptr_array_new_with_free_func (g_free);
  client->session = soup_session_new_with_options ("user-agent", "stockpush-test/1", NULL);
  client->msg = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (client->session, client->msg, origin, NULL,
                                        G_PRIORITY_DEFAULT, NULL, on_connected, client);
  wait_for (client_done, client, "the WebSocket connection");

  return client;
}

static TestClient *
test_client_connect (guint port)
{
  TestClient *client = test_client_try_connect (port, NULL);

  g_assert_no_error (client->error);
  g_assert_nonnull (client->conn);

  return client;
}

typedef struct
{
  TestClient *client;
  guint       n;
} CountWait;

static gboolean
has_n_messages (gpointer data)
{
  CountWait *wait = data;

  return wait->client->messages->len >= wait->n || wait->client->closed;
}

static void
wait_messages (TestClient *client,
               guint       n)
{
  CountWait wait = { client, n };

  wait_for (has_n_messages, &wait, "messages");
  g_assert_cmpuint (client->messages->len, >=, n);
}

static gboolean
client_closed (gpointer data)
{
  return ((TestClient *) data)->closed;
}

static void
send_text (TestClient *client,
           const char *text)
{
  soup_websocket_connection_send_text (client->conn, text);
}

static JsonObject *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static const char *
message_type (TestClient *client,
              guint       index)
{
  g_autoptr(JsonObject) object = parse (g_ptr_array_index (client->messages, index));

  return g_intern_string (json_object_get_string_member (object, "type"));
}

/* Waits for the next message after @from whose type is @type; returns its index. */
static guint
wait_type (TestClient *client,
           guint       from,
           const char *type)
{
  for (guint i = from;; i++)
    {
      wait_messages (client, i + 1);
      if (g_str_equal (message_type (client, i), type))
        return i;
    }
}

static SpServer *
start_server (const char *symbols,
              guint       interval_ms,
              SpFormat    format,
              SpOnMessage on_message)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(GError) error = NULL;
  SpServer *server = sp_server_new ();

  config->port = 0;
  config->interval_ms = interval_ms;
  config->format = format;
  config->on_message = on_message;
  config->have_seed = TRUE;
  config->seed = 1;
  /* A page of another site that the operator allowed. */
  g_assert_true (sp_server_config_add_origin (config, "http://example.test", NULL));
  if (symbols != NULL)
    g_assert_true (sp_server_config_set_symbols (config, symbols, NULL));

  g_assert_true (sp_server_start (server, config, &error));
  g_assert_no_error (error);
  g_assert_true (sp_server_get_running (server));
  g_assert_cmpuint (sp_server_get_port (server), >, 0);

  return server;
}

/* The ticks message @index carries, appended to @ticks: one for a "tick"
 * frame, several for a "ticks" batch (every symbol of one step, or of several
 * steps when the tick thread or the client's socket was late: a machine's
 * speed decides how many, so the tests count ticks, not frames). Returns the
 * message's own "ts" (a lone tick's), or 0 when it is no tick message. */
static gint64
append_message_ticks (TestClient *client,
                      guint       index,
                      GPtrArray  *ticks)
{
  g_autoptr(JsonObject) object = parse (g_ptr_array_index (client->messages, index));
  const char *type = json_object_get_string_member (object, "type");

  if (g_str_equal (type, "tick"))
    g_ptr_array_add (ticks, json_object_ref (object));
  else if (g_str_equal (type, "ticks"))
    {
      JsonArray *batch = json_object_get_array_member (object, "ticks");

      g_assert_cmpuint (json_array_get_length (batch), >, 1);
      for (guint i = 0; i < json_array_get_length (batch); i++)
        g_ptr_array_add (ticks, json_object_ref (json_array_get_object_element (batch, i)));
    }
  else
    return 0;

  return json_object_get_int_member (object, "ts");
}

/* Collects the ticks of the messages from @from on until there are at least
 * @n; every one of those messages must carry ticks. Returns the index of the
 * message after the last one read. */
static guint
collect_ticks (TestClient *client,
               guint       from,
               guint       n,
               GPtrArray  *ticks)
{
  guint i = from;

  while (ticks->len < n)
    {
      wait_messages (client, i + 1);
      g_assert_cmpint (append_message_ticks (client, i, ticks), >, 0);
      i++;
    }

  return i;
}

static GPtrArray *
tick_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
}

static const char *
tick_symbol (GPtrArray *ticks,
             guint      i)
{
  return json_object_get_string_member (g_ptr_array_index (ticks, i), "symbol");
}

static gint64
tick_seq (GPtrArray *ticks,
          guint      i)
{
  return json_object_get_int_member (g_ptr_array_index (ticks, i), "seq");
}

/* Every symbol's seq goes up by one from each of its ticks to the next:
 * none lost, none twice, none out of order. */
static void
assert_no_gaps (GPtrArray *ticks)
{
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < ticks->len; i++)
    {
      gpointer seen;

      if (g_hash_table_lookup_extended (last, tick_symbol (ticks, i), NULL, &seen))
        g_assert_cmpint (tick_seq (ticks, i), ==, GPOINTER_TO_SIZE (seen) + 1);
      g_hash_table_insert (last, g_strdup (tick_symbol (ticks, i)),
                           GSIZE_TO_POINTER ((gsize) tick_seq (ticks, i)));
    }
}

static void
test_ticks_flow (void)
{
  static const char *names[] = { "ACME", "GLOBEX", "HOOLI" };
  g_autoptr(SpServer) server = start_server ("ACME,GLOBEX,HOOLI", 20, SP_FORMAT_JSON,
                                             SP_ON_MESSAGE_COMMANDS);
  g_autoptr(TestClient) client = test_client_connect (sp_server_get_port (server));
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(GPtrArray) ticks = tick_array_new ();
  gint64 last_frame_ts = 0;
  gint64 last_step_ts = 0;

  wait_messages (client, 1);
  welcome = parse (g_ptr_array_index (client->messages, 0));
  g_assert_cmpstr (json_object_get_string_member (welcome, "type"), ==, "welcome");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (welcome, "symbols")), ==, 3);

  /* Ten steps of the market: each is a tick of every symbol, in order. */
  for (guint i = 1; ticks->len < 30; i++)
    {
      guint first = ticks->len;
      gint64 frame_ts;

      wait_messages (client, i + 1);
      g_assert_cmpstr (message_type (client, i), ==, "ticks");
      frame_ts = append_message_ticks (client, i, ticks);
      g_assert_cmpint (frame_ts, >, last_frame_ts);
      /* Server clock, microseconds since the epoch: close to our own clock. */
      g_assert_cmpint (ABS (g_get_real_time () - frame_ts), <, 10 * G_USEC_PER_SEC);
      last_frame_ts = frame_ts;

      /* Whole steps only, each stamped with the time it was due. */
      g_assert_cmpuint ((ticks->len - first) % 3, ==, 0);
      for (guint j = first; j < ticks->len; j++)
        {
          JsonObject *tick = g_ptr_array_index (ticks, j);
          gint64 ts = json_object_get_int_member (tick, "ts");

          g_assert_cmpstr (tick_symbol (ticks, j), ==, names[j % 3]);
          g_assert_cmpfloat (json_object_get_double_member (tick, "price"), >, 0);
          g_assert_cmpint (ts, <=, frame_ts);
          if (j % 3 == 0)
            g_assert_cmpint (ts, >, last_step_ts);
          else
            g_assert_cmpint (ts, ==, last_step_ts);
          last_step_ts = ts;
        }
    }
  assert_no_gaps (ticks);
}

static void
test_subscribe_filters (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 10, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(TestClient) client = test_client_connect (sp_server_get_port (server));
  g_autoptr(TestClient) other = test_client_connect (sp_server_get_port (server));
  g_autoptr(GPtrArray) hooli = tick_array_new ();
  g_autoptr(GPtrArray) both = tick_array_new ();
  g_autoptr(GPtrArray) acme = tick_array_new ();
  g_autoptr(GPtrArray) everything = tick_array_new ();
  g_autoptr(GPtrArray) infos = NULL;
  guint first, next;

  send_text (client, "{\"type\":\"subscribe\",\"symbols\":[\"HOOLI\"],\"id\":1}");
  first = wait_type (client, 0, "subscribed");
  collect_ticks (client, first + 1, 5, hooli);
  for (guint i = 0; i < hooli->len; i++)
    g_assert_cmpstr (tick_symbol (hooli, i), ==, "HOOLI");
  assert_no_gaps (hooli);

  /* The server's view of the client says the same. */
  infos = sp_server_list_clients (server);
  g_assert_cmpuint (infos->len, ==, 2);
  g_assert_cmpstrv (((SpClientInfo *) g_ptr_array_index (infos, 0))->subscriptions,
                    ((const char *[]) { "HOOLI", NULL }));
  g_assert_null (((SpClientInfo *) g_ptr_array_index (infos, 1))->subscriptions);

  /* A second subscribe adds: from the step after it, every step brings
   * ACME and HOOLI, in the market's order; HOOLI's ticks go on unbroken. */
  send_text (client, "{\"type\":\"subscribe\",\"symbols\":[\"ACME\"]}");
  first = wait_type (client, first + 1, "subscribed");
  next = collect_ticks (client, first + 1, 1, both);
  while (g_str_equal (tick_symbol (both, 0), "HOOLI"))
    {
      g_ptr_array_remove_index (both, 0);
      next = collect_ticks (client, next, 1, both);
    }
  collect_ticks (client, next, 8, both);
  for (guint i = 0; i + 1 < both->len; i += 2)
    {
      g_assert_cmpstr (tick_symbol (both, i), ==, "ACME");
      g_assert_cmpstr (tick_symbol (both, i + 1), ==, "HOOLI");
    }
  assert_no_gaps (both);

  /* Unsubscribe removes. */
  send_text (client, "{\"type\":\"unsubscribe\",\"symbols\":[\"HOOLI\"]}");
  first = wait_type (client, first + 1, "subscribed");
  collect_ticks (client, first + 1, 3, acme);
  for (guint i = 0; i < acme->len; i++)
    g_assert_cmpstr (tick_symbol (acme, i), ==, "ACME");
  assert_no_gaps (acme);

  /* The other client still gets everything in batches: whole steps of all
   * five symbols. */
  {
    guint last = wait_type (other, other->messages->len, "ticks");

    append_message_ticks (other, last, everything);
    g_assert_cmpuint (everything->len % 5, ==, 0);
    for (guint i = 0; i < everything->len; i++)
      g_assert_cmpstr (tick_symbol (everything, i), ==,
                       tick_symbol (everything, i % 5));
    for (guint i = 0; i < 5; i++)
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (tick_symbol (everything, i), !=, tick_symbol (everything, j));
    assert_no_gaps (everything);
  }
}

static void
test_commands_and_errors (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 1000, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(TestClient) client = test_client_connect (sp_server_get_port (server));
  static const struct { const char *send; const char *code; } bad[] = {
    { "not json", "bad-json" },
    { "{\"type\":\"buy\"}", "unknown-command" },
    { "{\"type\":\"subscribe\",\"symbols\":[\"NOPE\"]}", "unknown-symbol" },
    { "{\"type\":\"subscribe\"}", "bad-command" },
  };
  guint index = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) reply = NULL;

      send_text (client, bad[i].send);
      index = wait_type (client, index + 1, "error");
      reply = parse (g_ptr_array_index (client->messages, index));
      g_assert_cmpstr (json_object_get_string_member (reply, "code"), ==, bad[i].code);
      g_assert_cmpstr (json_object_get_string_member (reply, "message"), !=, "");
    }

  /* Still open and answering after all that. */
  send_text (client, "{\"type\":\"ping\",\"id\":\"p1\"}");
  index = wait_type (client, index + 1, "pong");
  {
    g_autoptr(JsonObject) pong = parse (g_ptr_array_index (client->messages, index));

    g_assert_cmpstr (json_object_get_string_member (pong, "id"), ==, "p1");
  }

  soup_websocket_connection_send_binary (client->conn, "\x01\x02", 2);
  index = wait_type (client, index + 1, "error");

  send_text (client, "{\"type\":\"hello\",\"id\":3}");
  index = wait_type (client, index + 1, "welcome");
  g_assert_false (client->closed);
}

static gboolean
both_closed (gpointer data)
{
  TestClient **clients = data;

  return clients[0]->closed && clients[1]->closed;
}

static void
test_kick_one (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 10, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(TestClient) a = test_client_connect (sp_server_get_port (server));
  g_autoptr(TestClient) b = test_client_connect (sp_server_get_port (server));
  g_autoptr(TestClient) c = test_client_connect (sp_server_get_port (server));
  g_autoptr(GPtrArray) infos = NULL;
  guint64 b_id;
  guint a_before;

  /* The welcome proves the server has registered each of them. */
  wait_messages (a, 1);
  wait_messages (b, 1);
  wait_messages (c, 1);
  infos = sp_server_list_clients (server);
  g_assert_cmpuint (infos->len, ==, 3);
  b_id = ((SpClientInfo *) g_ptr_array_index (infos, 1))->id;
  g_assert_true (sp_server_kick_client (server, b_id));
  g_assert_false (sp_server_kick_client (server, 999999));

  wait_for (client_closed, b, "the kicked client to close");
  g_assert_cmpuint (b->close_code, ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
  g_assert_nonnull (strstr (b->close_reason, "operator"));

  a_before = a->messages->len;
  wait_messages (a, a_before + 3);
  wait_messages (c, a_before + 3);
  g_assert_false (a->closed);
  g_assert_false (c->closed);

  g_clear_pointer (&infos, g_ptr_array_unref);
  infos = sp_server_list_clients (server);
  g_assert_cmpuint (infos->len, ==, 2);
  g_assert_cmpuint (sp_server_get_n_clients (server), ==, 2);
}

static void
on_disconnected (SpServer     *server,
                 SpClientInfo *info,
                 gpointer      user_data)
{
  g_ptr_array_add (user_data, sp_client_info_ref (info));
}

static void
test_stop_sends_going_away (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 10, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(TestClient) a = test_client_connect (sp_server_get_port (server));
  g_autoptr(TestClient) b = test_client_connect (sp_server_get_port (server));
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_client_info_unref);
  TestClient *both[] = { a, b };

  wait_messages (a, 2);
  wait_messages (b, 2);
  g_signal_connect (server, "client-disconnected", G_CALLBACK (on_disconnected), gone);

  sp_server_stop (server);
  g_assert_false (sp_server_get_running (server));
  /* Every client was reported gone by the time stop returned. */
  g_assert_cmpuint (gone->len, ==, 2);
  g_assert_cmpuint (sp_server_get_n_clients (server), ==, 0);

  wait_for (both_closed, both, "both clients to see the close");
  g_assert_cmpuint (a->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpuint (b->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpstr (a->close_reason, !=, "");
}

static void
test_restart_same_port (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 20, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  guint port = sp_server_get_port (server);

  config->port = port;
  for (guint round = 0; round < 5; round++)
    {
      g_autoptr(TestClient) client = test_client_connect (port);
      g_autoptr(GError) error = NULL;

      wait_messages (client, 2);
      sp_server_stop (server);
      g_assert_false (sp_server_get_running (server));

      /* At once, on the same port, with clients just gone. */
      g_assert_true (sp_server_start (server, config, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (sp_server_get_port (server), ==, port);
    }

  {
    g_autoptr(TestClient) client = test_client_connect (port);

    wait_messages (client, 2);
  }
}

static void
test_port_in_use (void)
{
  g_autoptr(SpServer) first = start_server (NULL, 1000, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(SpServer) second = sp_server_new ();
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;

  config->port = sp_server_get_port (first);
  g_assert_false (sp_server_start (second, config, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_ADDRESS_IN_USE);
  port_text = g_strdup_printf ("%u", config->port);
  g_assert_nonnull (strstr (error->message, port_text));
  g_assert_nonnull (strstr (error->message, "in use"));
  g_assert_false (sp_server_get_running (second));

  /* The first server is unharmed. */
  {
    g_autoptr(TestClient) client = test_client_connect (config->port);

    wait_messages (client, 1);
  }
}

static void
test_bad_address (void)
{
  g_autoptr(SpServer) server = sp_server_new ();
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(GError) error = NULL;

  /* TEST-NET-1: never an address of this machine. Binding sends nothing. */
  g_assert_true (sp_server_config_set_bind (config, "192.0.2.1", NULL));
  config->port = 0;
  g_assert_false (sp_server_start (server, config, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_BAD_ADDRESS);
  g_assert_nonnull (strstr (error->message, "192.0.2.1"));
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
}

static void
on_http_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GBytes **body = user_data;
  g_autoptr(GError) error = NULL;

  *body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
body_ready (gpointer data)
{
  return *(GBytes **) data != NULL;
}

static void
test_http_page (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 1000, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = sp_server_dup_http_url (server);
  g_autofree char *missing = g_strconcat (url, "nope", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(SoupMessage) msg404 = soup_message_new ("GET", missing);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) body404 = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_http_done, &body);
  wait_for (body_ready, &body, "the HTTP page");

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg),
                                                          NULL), ==, "text/html");
  g_assert_nonnull (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                  "Content-Security-Policy"));
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (text, "<!DOCTYPE html>"));
  g_assert_nonnull (strstr (text, "StockPush"));
  g_assert_nonnull (strstr (text, "stockpush.js"));

  soup_session_send_and_read_async (session, msg404, G_PRIORITY_DEFAULT, NULL, on_http_done,
                                    &body404);
  wait_for (body_ready, &body404, "the 404 page");
  g_assert_cmpuint (soup_message_get_status (msg404), ==, SOUP_STATUS_NOT_FOUND);
}

static void
on_connected_info (SpServer     *server,
                   SpClientInfo *info,
                   gpointer      user_data)
{
  g_ptr_array_add (user_data, sp_client_info_ref (info));
}

static gboolean
array_not_empty (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

static void
test_client_snapshot (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 10, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(GPtrArray) joined = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_client_info_unref);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_client_info_unref);
  g_autoptr(TestClient) client = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(SoupMessageHeaders) request = NULL;
  g_autoptr(SoupMessageHeaders) response = NULL;
  g_autoptr(SpAcceptDerivation) derivation = NULL;
  g_autoptr(GError) error = NULL;
  SpClientInfo *info;
  const char *key;

  g_signal_connect (server, "client-connected", G_CALLBACK (on_connected_info), joined);
  g_signal_connect (server, "client-disconnected", G_CALLBACK (on_disconnected), gone);

  client = test_client_try_connect (sp_server_get_port (server), "http://example.test");
  g_assert_no_error (client->error);
  wait_messages (client, 6);
  wait_for (array_not_empty, joined, "client-connected");

  infos = sp_server_list_clients (server);
  g_assert_cmpuint (infos->len, ==, 1);
  info = g_ptr_array_index (infos, 0);
  g_assert_cmpuint (info->id, ==, ((SpClientInfo *) g_ptr_array_index (joined, 0))->id);
  g_assert_cmpstr (info->address, ==, "127.0.0.1");
  g_assert_cmpuint (info->port, >, 0);
  g_assert_cmpstr (info->origin, ==, "http://example.test");
  g_assert_cmpstr (info->user_agent, ==, "stockpush-test/1");
  g_assert_cmpint (ABS (g_get_real_time () - info->connected_at), <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (info->frames_sent, >=, 6);
  g_assert_cmpuint (info->bytes_sent, >, 6 * 50);

  /* The recorded handshake is the one the client made, and it checks out. */
  g_assert_true (g_str_has_prefix (info->request_text, "GET / HTTP/1.1\r\n"));
  g_assert_true (g_str_has_suffix (info->request_text, "\r\n\r\n"));
  g_assert_true (g_str_has_prefix (info->response_text, "HTTP/1.1 101 Switching Protocols\r\n"));
  key = soup_message_headers_get_one (soup_message_get_request_headers (client->msg),
                                      "Sec-WebSocket-Key");
  g_assert_nonnull (strstr (info->request_text, key));
  g_assert_nonnull (strstr (info->response_text,
                            soup_message_headers_get_one (soup_message_get_response_headers (client->msg),
                                                          "Sec-WebSocket-Accept")));
  g_assert_true (sp_handshake_verify (soup_message_get_request_headers (client->msg), 101,
                                      soup_message_get_response_headers (client->msg),
                                      &derivation, &error));
  g_assert_no_error (error);
  /* permessage-deflate stays off unless asked for. */
  g_assert_null (strstr (info->response_text, "permessage-deflate"));

  send_text (client, "{\"type\":\"ping\"}");
  wait_type (client, 6, "pong");
  g_clear_pointer (&infos, g_ptr_array_unref);
  infos = sp_server_list_clients (server);
  g_assert_cmpuint (((SpClientInfo *) g_ptr_array_index (infos, 0))->frames_received, ==, 1);
  g_assert_cmpuint (((SpClientInfo *) g_ptr_array_index (infos, 0))->bytes_received, ==, 15);

  soup_websocket_connection_close (client->conn, 4000, "bye now");
  wait_for (array_not_empty, gone, "client-disconnected");
  info = g_ptr_array_index (gone, 0);
  g_assert_cmpuint (info->close_code, ==, 4000);
  g_assert_cmpstr (info->close_reason, ==, "bye now");
  g_assert_cmpuint (sp_server_get_n_clients (server), ==, 0);
}

static gboolean
first_client_has_rtt (gpointer data)
{
  g_autoptr(GPtrArray) infos = sp_server_list_clients (data);

  return infos->len > 0 && ((SpClientInfo *) g_ptr_array_index (infos, 0))->ping_rtt_us >= 0;
}

/* The server pings each client and times the pong that echoes it. */
static void
test_ping_round_trip (void)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(SpServer) server = sp_server_new ();
  g_autoptr(TestClient) client = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  SpClientInfo *info;
  gint64 before;

  config->port = 0;
  config->interval_ms = 50;
  config->ping_interval_s = 1;
  g_assert_true (sp_server_start (server, config, &error));
  g_assert_no_error (error);

  before = g_get_real_time ();
  client = test_client_connect (sp_server_get_port (server));
  wait_messages (client, 1);
  /* Until the first pong (a second after the handshake, unless the machine
   * was slower than that) neither a round trip nor a pong time is known. */
  infos = sp_server_list_clients (server);
  g_assert_cmpuint (infos->len, ==, 1);
  info = g_ptr_array_index (infos, 0);
  g_assert_cmpint (info->ping_rtt_us == -1, ==, info->last_pong_at == 0);
  g_clear_pointer (&infos, g_ptr_array_unref);

  /* libsoup's client answers the ping by itself, echoing its payload. */
  wait_for (first_client_has_rtt, server, "a timed pong");
  infos = sp_server_list_clients (server);
  info = g_ptr_array_index (infos, 0);
  g_assert_cmpint (info->ping_rtt_us, >, 0);
  g_assert_cmpint (info->last_pong_at, >=, before);
  g_assert_cmpint (info->last_pong_at, <=, g_get_real_time ());
  /* The round trip lies within the time the client has been connected. */
  g_assert_cmpint (info->ping_rtt_us, <=, info->last_pong_at - before);
  /* Pings are not messages: the client's stream holds only ticks. */
  for (guint i = 0; i < client->messages->len; i++)
    g_assert_null (strstr (g_ptr_array_index (client->messages, i), "StockPush ping"));
}

static void
test_close_policy (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 10, SP_FORMAT_TEXT, SP_ON_MESSAGE_CLOSE);
  g_autoptr(TestClient) talker = test_client_connect (sp_server_get_port (server));
  g_autoptr(TestClient) listener = test_client_connect (sp_server_get_port (server));
  guint before;

  wait_messages (talker, 2);
  /* Text mode: the original demo's frames, no JSON at all. */
  for (guint i = 0; i < talker->messages->len; i++)
    g_assert_true (g_regex_match_simple ("^price = [0-9]+\\.[0-9][0-9]$",
                                         g_ptr_array_index (talker->messages, i), 0, 0));

  send_text (talker, "hello from the page");
  wait_for (client_closed, talker, "the server to close the talking client");
  g_assert_cmpuint (talker->close_code, ==, SOUP_WEBSOCKET_CLOSE_NORMAL);
  g_assert_cmpstr (talker->close_reason, !=, "");

  before = listener->messages->len;
  wait_messages (listener, before + 3);
  g_assert_false (listener->closed);
}

/* A client cut off without a close frame left with 1006 (RFC 6455 7.1.5),
 * which the Clients page reads as a lost connection, not as code 0. */
static void
test_dropped_client_1006 (void)
{
  g_autoptr(SpServer) server = start_server (NULL, 50, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_client_info_unref);
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = g_strdup_printf ("GET / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                                              "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                              "Sec-WebSocket-Version: 13\r\n\r\n", sp_server_get_port (server));
  char response[256];
  gssize got;

  g_signal_connect (server, "client-disconnected", G_CALLBACK (on_disconnected), gone);
  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", sp_server_get_port (server),
                                                NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, strlen (request), NULL, NULL, &error));
  got = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)), response,
                             sizeof response - 1, NULL, &error);
  g_assert_cmpint (got, >, 12);
  g_assert_cmpmem (response, 12, "HTTP/1.1 101", 12);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  wait_for (array_not_empty, gone, "client-disconnected");
  g_assert_cmpuint (((SpClientInfo *) g_ptr_array_index (gone, 0))->close_code, ==, 1006);
}

/* The ticks of @client's messages, from the first. */
static GPtrArray *
ticks_of (TestClient *client)
{
  GPtrArray *ticks = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < client->messages->len; i++)
    append_message_ticks (client, i, ticks);
  return ticks;
}

static gint64
open_cents (JsonObject *tick)
{
  return (gint64) round ((json_object_get_double_member (tick, "price") -
                          json_object_get_double_member (tick, "change")) * 100);
}

/* Stopped and started again with the same market settings, the server goes on
 * with the same market: its sequence continues and the session's open stays.
 * Other settings start another market. */
static void
test_restart_keeps_market (void)
{
  g_autoptr(SpServer) server = start_server ("ACME=250", 20, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS);
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(GError) error = NULL;
  gint64 last_seq;
  gint64 open;

  config->interval_ms = 20;
  config->have_seed = TRUE;
  config->seed = 1;
  g_assert_true (sp_server_config_set_symbols (config, "ACME=250", NULL));

  {
    g_autoptr(TestClient) client = test_client_connect (sp_server_get_port (server));
    g_autoptr(GPtrArray) ticks = NULL;

    wait_messages (client, 12);
    ticks = ticks_of (client);
    g_assert_cmpuint (ticks->len, >=, 10);
    last_seq = json_object_get_int_member (g_ptr_array_index (ticks, ticks->len - 1), "seq");
    open = open_cents (g_ptr_array_index (ticks, ticks->len - 1));
    g_assert_cmpint (open, ==, 25000);
  }
  sp_server_stop (server);

  config->port = 0;
  g_assert_true (sp_server_start (server, config, &error));
  g_assert_no_error (error);
  {
    g_autoptr(TestClient) client = test_client_connect (sp_server_get_port (server));
    g_autoptr(GPtrArray) ticks = NULL;

    wait_messages (client, 4);
    ticks = ticks_of (client);
    g_assert_cmpuint (ticks->len, >=, 1);
    g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (ticks, 0), "seq"), >, last_seq);
    g_assert_cmpint (open_cents (g_ptr_array_index (ticks, 0)), ==, open);
  }
  sp_server_stop (server);

  /* Another opening price: another market. */
  g_assert_true (sp_server_config_set_symbols (config, "ACME=100", NULL));
  g_assert_true (sp_server_start (server, config, &error));
  g_assert_no_error (error);
  {
    g_autoptr(TestClient) client = test_client_connect (sp_server_get_port (server));
    g_autoptr(GPtrArray) ticks = NULL;

    wait_messages (client, 4);
    ticks = ticks_of (client);
    g_assert_cmpuint (ticks->len, >=, 1);
    g_assert_cmpint (open_cents (g_ptr_array_index (ticks, 0)), ==, 10000);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/ticks-flow", test_ticks_flow);
  g_test_add_func ("/server/ping-round-trip", test_ping_round_trip);
  g_test_add_func ("/server/subscribe-filters", test_subscribe_filters);
  g_test_add_func ("/server/commands-and-errors", test_commands_and_errors);
  g_test_add_func ("/server/kick-one", test_kick_one);
  g_test_add_func ("/server/stop-sends-going-away", test_stop_sends_going_away);
  g_test_add_func ("/server/restart-same-port", test_restart_same_port);
  g_test_add_func ("/server/port-in-use", test_port_in_use);
  g_test_add_func ("/server/bad-address", test_bad_address);
  g_test_add_func ("/server/http-page", test_http_page);
  g_test_add_func ("/server/client-snapshot", test_client_snapshot);
  g_test_add_func ("/server/close-policy", test_close_policy);
  g_test_add_func ("/server/restart-keeps-market", test_restart_keeps_market);
  g_test_add_func ("/server/dropped-client-1006", test_dropped_client_1006);

  return g_test_run ();
}
