/* Handshake maths: RFC 6455's sample, keys libsoup makes, a real exchange, and raw text. */
#include "config.h"

#include <string.h>

#include "sp-error.h"
#include "sp-handshake.h"
#include "sp-handshake-record.h"

static void
test_rfc_sample (void)
{
  g_autoptr(SpAcceptDerivation) steps = sp_accept_derivation_new ("dGhlIHNhbXBsZSBub25jZQ==");
  g_autoptr(SpAcceptDerivation) copy = sp_accept_derivation_copy (steps);

  g_assert_cmpstr (steps->key, ==, "dGhlIHNhbXBsZSBub25jZQ==");
  g_assert_cmpstr (steps->concatenated, ==,
                   "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  g_assert_cmpstr (steps->sha1_hex, ==, "b37a4f2cc0624f1690f64606cf385945b2bec4ea");
  g_assert_cmpstr (steps->accept, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  g_assert_cmpstr (copy->accept, ==, steps->accept);
  g_assert_true (copy->accept != steps->accept);
}

static void
test_key_validity (void)
{
  g_assert_true (sp_handshake_key_is_valid ("dGhlIHNhbXBsZSBub25jZQ=="));
  g_assert_false (sp_handshake_key_is_valid (NULL));
  g_assert_false (sp_handshake_key_is_valid (""));
  g_assert_false (sp_handshake_key_is_valid ("dGhlIHNhbXBsZSBub25jZQ"));     /* no padding */
  g_assert_false (sp_handshake_key_is_valid ("dGhlIHNhbXBsZSBub25jZQ=x"));
  g_assert_false (sp_handshake_key_is_valid ("dGhlIHNhbXBs!SBub25jZQ=="));  /* bad alphabet */
  g_assert_false (sp_handshake_key_is_valid ("dGhlIHNhbXBsZSBub25jZSBz"));  /* 18 bytes */
}

static void
test_libsoup_keys (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", "ws://127.0.0.1/");
      SoupMessageHeaders *request = soup_message_get_request_headers (msg);
      g_autoptr(SoupMessageHeaders) response = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
      g_autoptr(SpAcceptDerivation) steps = NULL;
      g_autoptr(GError) error = NULL;
      const char *key;

      soup_websocket_client_prepare_handshake (msg, NULL, NULL, NULL);
      key = soup_message_headers_get_one (request, "Sec-WebSocket-Key");
      g_assert_true (sp_handshake_key_is_valid (key));
      g_assert_true (g_hash_table_add (seen, g_strdup (key)));

      /* A response carrying our accept value verifies against libsoup's key. */
      steps = sp_accept_derivation_new (key);
      soup_message_headers_append (response, "Upgrade", "websocket");
      soup_message_headers_append (response, "Connection", "Upgrade");
      soup_message_headers_append (response, "Sec-WebSocket-Accept", steps->accept);
      g_assert_true (sp_handshake_verify (request, 101, response, NULL, &error));
      g_assert_no_error (error);
    }
}

typedef struct
{
  SoupWebsocketConnection *conn;
  GError                  *error;
  gboolean                 done;
} Connect;

static void
on_server_websocket (SoupServer              *server,
                     SoupServerMessage       *msg,
                     const char              *path,
                     SoupWebsocketConnection *connection,
                     gpointer                 user_data)
{
  /* Kept until the test ends. */
  g_ptr_array_add (user_data, g_object_ref (connection));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connect *connect = user_data;

  connect->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                        &connect->error);
  connect->done = TRUE;
}

static void
test_real_exchange (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GPtrArray) server_conns = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SpAcceptDerivation) steps = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  Connect connect = { 0 };
  GSList *uris;
  gint64 deadline;

  soup_server_add_websocket_handler (server, NULL, NULL, NULL, on_server_websocket,
                                     server_conns, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("ws://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  msg = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, &connect);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!connect.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (connect.done);
  g_assert_no_error (connect.error);

  /* libsoup's server answered libsoup's client; our maths agrees with both. */
  g_assert_true (sp_handshake_verify (soup_message_get_request_headers (msg),
                                      soup_message_get_status (msg),
                                      soup_message_get_response_headers (msg), &steps, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (steps->accept, ==,
                   soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Sec-WebSocket-Accept"));

  soup_websocket_connection_close (connect.conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&connect.conn);
  soup_server_disconnect (server);
}

static SoupMessageHeaders *
good_request (void)
{
  SoupMessageHeaders *request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);

  soup_message_headers_append (request, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  return request;
}

static SoupMessageHeaders *
good_response (void)
{
  SoupMessageHeaders *response = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);

  soup_message_headers_append (response, "Upgrade", "websocket");
  soup_message_headers_append (response, "Connection", "Upgrade");
  soup_message_headers_append (response, "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  return response;
}

static void
test_verify_failures (void)
{
  static const struct { const char *what; guint status; const char *mention; } cases[] = {
    { "good", 101, NULL },
    { "status-200", 200, "200 OK instead of 101" },
    { "status-404", 404, "404 Not Found instead of 101" },
    { "tampered", 101, "should be s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" },
    { "missing-accept", 101, "lacks Sec-WebSocket-Accept" },
    { "missing-upgrade", 101, "Upgrade: websocket" },
    { "missing-key", 101, "Sec-WebSocket-Key" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupMessageHeaders) request = good_request ();
      g_autoptr(SoupMessageHeaders) response = good_response ();
      g_autoptr(SpAcceptDerivation) steps = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (g_str_equal (cases[i].what, "tampered"))
        soup_message_headers_replace (response, "Sec-WebSocket-Accept", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
      else if (g_str_equal (cases[i].what, "missing-accept"))
        soup_message_headers_remove (response, "Sec-WebSocket-Accept");
      else if (g_str_equal (cases[i].what, "missing-upgrade"))
        soup_message_headers_remove (response, "Upgrade");
      else if (g_str_equal (cases[i].what, "missing-key"))
        soup_message_headers_remove (request, "Sec-WebSocket-Key");

      ok = sp_handshake_verify (request, cases[i].status, response, &steps, &error);
      g_test_message ("%s: %s", cases[i].what, error ? error->message : "ok");
      if (cases[i].mention == NULL)
        {
          g_assert_true (ok);
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, SP_ERROR, SP_ERROR_HANDSHAKE);
          g_assert_nonnull (strstr (error->message, cases[i].mention));
        }

      /* The steps are there to show whenever the request had a key. */
      if (g_str_equal (cases[i].what, "missing-key"))
        g_assert_null (steps);
      else
        g_assert_cmpstr (steps->accept, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}

/* No answer came: the record says so, and still holds the steps from the key. */
static void
test_record_without_answer (void)
{
  g_autoptr(SoupMessageHeaders) request = good_request ();
  g_autofree char *text = sp_handshake_render_request ("GET", "/", SOUP_HTTP_1_1, request);
  g_autoptr(SpHandshakeRecord) record = sp_handshake_record_new (text, request, 0, SOUP_HTTP_1_1,
                                                                 NULL, NULL);

  g_assert_cmpstr (record->request_text, ==, text);
  g_assert_null (record->response_text);
  g_assert_cmpuint (record->status, ==, 0);
  g_assert_false (record->verified);
  g_assert_cmpstr (record->verify_error, ==, "The server did not answer");
  g_assert_nonnull (record->derivation);
  g_assert_cmpstr (record->derivation->accept, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* A server's raw heads read back: parsed, the accept values, the verdict. */
static void
test_record_from_text (void)
{
  static const char request[] = "GET /feed HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  static const char response[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  g_autoptr(SpHandshakeRecord) record = sp_handshake_record_new_from_text (request, response);
  g_autoptr(SpHandshakeRecord) copy = sp_handshake_record_copy (record);
  g_autoptr(GString) tampered = g_string_new (response);
  g_autoptr(SpHandshakeRecord) bad = NULL;
  g_autoptr(SpHandshakeRecord) unanswered = sp_handshake_record_new_from_text (request, NULL);

  g_assert_true (record->verified);
  g_assert_null (record->verify_error);
  g_assert_cmpuint (record->status, ==, 101);
  g_assert_cmpstr (record->request_line, ==, "GET /feed HTTP/1.1");
  g_assert_cmpstr (record->response_line, ==, "HTTP/1.1 101 Switching Protocols");
  g_assert_cmpstr (soup_message_headers_get_one (record->request_headers, "Host"), ==, "x");
  g_assert_cmpstr (record->derivation->key, ==, "dGhlIHNhbXBsZSBub25jZQ==");
  g_assert_cmpstr (record->derivation->accept, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  g_assert_cmpstr (record->received_accept, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  g_assert_cmpstr (copy->response_text, ==, response);
  g_assert_true (copy->verified);
  g_assert_cmpstr (soup_message_headers_get_one (copy->response_headers, "Upgrade"), ==,
                   "websocket");

  g_string_replace (tampered, "s3pPL", "XXXXX", 1);
  bad = sp_handshake_record_new_from_text (request, tampered->str);
  g_assert_false (bad->verified);
  g_assert_cmpstr (bad->received_accept, ==, "XXXXXMBiTxaQ9kYGzzhZRbK+xOo=");
  g_assert_nonnull (strstr (bad->verify_error, "should be s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));

  g_assert_false (unanswered->verified);
  g_assert_null (unanswered->response_line);
  g_assert_null (unanswered->received_accept);
  g_assert_nonnull (unanswered->derivation);

  g_assert_true (sp_handshake_is_upgrade_header ("sec-websocket-key"));
  g_assert_true (sp_handshake_is_upgrade_header ("Connection"));
  g_assert_false (sp_handshake_is_upgrade_header ("Host"));
}

static void
test_render (void)
{
  g_autoptr(SoupMessageHeaders) request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr(SoupMessageHeaders) response = good_response ();
  g_autofree char *request_text = NULL;
  g_autofree char *response_text = NULL;

  soup_message_headers_append (request, "Host", "127.0.0.1:8765");
  soup_message_headers_append (request, "Upgrade", "websocket");
  soup_message_headers_append (request, "Connection", "Upgrade");
  soup_message_headers_append (request, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  soup_message_headers_append (request, "Sec-WebSocket-Version", "13");
  soup_message_headers_append (request, "X-Custom", "1");

  request_text = sp_handshake_render_request ("GET", "/feed?x=1", SOUP_HTTP_1_1, request);
  g_assert_cmpstr (request_text, ==,
                   "GET /feed?x=1 HTTP/1.1\r\n"
                   "Host: 127.0.0.1:8765\r\n"
                   "Upgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n"
                   "X-Custom: 1\r\n"
                   "\r\n");

  response_text = sp_handshake_render_response (SOUP_HTTP_1_1, 101, NULL, response);
  g_assert_cmpstr (response_text, ==,
                   "HTTP/1.1 101 Switching Protocols\r\n"
                   "Upgrade: websocket\r\n"
                   "Connection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                   "\r\n");

  g_clear_pointer (&response_text, g_free);
  response_text = sp_handshake_render_response (SOUP_HTTP_1_0, 404, "Nope", NULL);
  g_assert_cmpstr (response_text, ==, "HTTP/1.0 404 Nope\r\n\r\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/handshake/rfc-sample", test_rfc_sample);
  g_test_add_func ("/handshake/key-validity", test_key_validity);
  g_test_add_func ("/handshake/libsoup-keys", test_libsoup_keys);
  g_test_add_func ("/handshake/real-exchange", test_real_exchange);
  g_test_add_func ("/handshake/verify-failures", test_verify_failures);
  g_test_add_func ("/handshake/render", test_render);
  g_test_add_func ("/handshake/record-without-answer", test_record_without_answer);
  g_test_add_func ("/handshake/record-from-text", test_record_from_text);

  return g_test_run ();
}
