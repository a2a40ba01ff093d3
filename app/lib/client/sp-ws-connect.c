/* The viewer's opening handshake, by hand, over GSocketClient. */
#include "config.h"

#include <string.h>

#include "sp-conn-stream.h"
#include "sp-handshake.h"
#include "sp-ws-connect.h"

/* The answer's head: a server has no reason for more (libsoup's client
 * takes up to 64 KiB; the server side here allows 16 KiB of headers). */
#define MAX_HEAD  (16 * 1024)
#define READ_SIZE 4096

void
sp_ws_exchange_free (SpWsExchange *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->request, soup_message_headers_unref);
  g_free (self->request_text);
  g_free (self->reason);
  g_clear_pointer (&self->response, soup_message_headers_unref);
  g_free (self->body_start);
  g_free (self);
}

typedef struct
{
  GUri                *uri;
  char                *origin;
  char               **protocols;
  guint64              max_message_size;
  gboolean             tls;
  SpWsCertificateFunc  accept_certificate;
  gpointer             certificate_data;

  GSocketClient       *client;
  GSocketConnection   *connection;
  SpWsExchange        *exchange;
  GByteArray          *head;      /* read so far */
  guint8               buffer[READ_SIZE];
} Connect;

static void
connect_free (Connect *data)
{
  g_uri_unref (data->uri);
  g_free (data->origin);
  g_strfreev (data->protocols);
  if (data->client != NULL)
    g_signal_handlers_disconnect_by_data (data->client, data);
  g_clear_object (&data->client);
  g_clear_object (&data->connection);
  sp_ws_exchange_free (data->exchange);
  g_clear_pointer (&data->head, g_byte_array_unref);
  g_free (data);
}

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Connect *data = user_data;

  return data->accept_certificate != NULL &&
         data->accept_certificate (certificate, errors, data->certificate_data);
}

static void
on_client_event (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CLIENT_CONNECTION (connection))
    {
      static const char *alpn[] = { "http/1.1", NULL };

      g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (connection), alpn);
      g_signal_connect (connection, "accept-certificate", G_CALLBACK (on_accept_certificate),
                        user_data);
    }
}

/* Where the head ends (after its blank line), or 0 while it has not. */
static gsize
head_end (const GByteArray *head)
{
  for (gsize i = 0; i + 1 < head->len; i++)
    if (head->data[i] == '\n')
      {
        if (head->data[i + 1] == '\n')
          return i + 2;
        if (i + 2 < head->len && head->data[i + 1] == '\r' && head->data[i + 2] == '\n')
          return i + 3;
      }
  return 0;
}

static gboolean
offered (Connect    *data,
         const char *protocol)
{
  for (guint i = 0; data->protocols != NULL && data->protocols[i] != NULL; i++)
    if (g_str_equal (data->protocols[i], protocol))
      return TRUE;
  return FALSE;
}

/* The head is in: parse it, check it, and make the connection. */
static void
answered (GTask *task,
          gsize  end)
{
  Connect *data = g_task_get_task_data (task);
  SpWsExchange *exchange = data->exchange;
  g_autoptr(GBytes) early = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpConnStream) stream = NULL;
  SoupWebsocketConnection *conn;
  const char *protocol;
  GSocket *socket = NULL;

  exchange->response = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  if (!soup_headers_parse_response ((const char *) data->head->data, (int) end, exchange->response,
                                    &exchange->version, &exchange->status, &exchange->reason))
    {
      exchange->status = 0;
      g_clear_pointer (&exchange->response, soup_message_headers_unref);
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
                               "The server answered with something that is not HTTP");
      return;
    }

  if (exchange->status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      /* A refusal often says why in its body: keep its first line. */
      if (data->head->len > end)
        {
          g_autofree char *body = g_strndup ((const char *) data->head->data + end,
                                             data->head->len - end);
          char *line_end = strpbrk (body, "\r\n");

          if (line_end != NULL)
            *line_end = '\0';
          g_strstrip (body);
          if (*body != '\0' && g_utf8_validate (body, -1, NULL))
            exchange->body_start = g_utf8_substring (body, 0, MIN (g_utf8_strlen (body, -1), 200));
        }
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
                               "The server answered %u %s, not 101 Switching Protocols",
                               exchange->status, exchange->reason ? exchange->reason : "");
      return;
    }

  if (!sp_handshake_verify (exchange->request, exchange->status, exchange->response, NULL, &error))
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                               "%s", error->message);
      return;
    }
  protocol = soup_message_headers_get_one (exchange->response, "Sec-WebSocket-Protocol");
  if (protocol != NULL && !offered (data, protocol))
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                               "The server chose the subprotocol “%s”, which was not offered",
                               protocol);
      return;
    }
  if (soup_message_headers_get_one (exchange->response, "Sec-WebSocket-Extensions") != NULL)
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                               "The server turned on an extension that was not offered (%s)",
                               soup_message_headers_get_one (exchange->response,
                                                             "Sec-WebSocket-Extensions"));
      return;
    }

  /* What came after the head is the first frames. Plain TCP is written on
   * the socket itself; with TLS the socket under the wrapper is not ours. */
  early = g_bytes_new (data->head->data + end, data->head->len - end);
  if (!data->tls)
    socket = g_socket_connection_get_socket (data->connection);
  stream = sp_conn_stream_new_client (G_IO_STREAM (data->connection), socket,
                                      g_main_context_get_thread_default (), early,
                                      data->max_message_size);
  conn = soup_websocket_connection_new (G_IO_STREAM (stream), data->uri,
                                        SOUP_WEBSOCKET_CONNECTION_CLIENT, data->origin, protocol,
                                        NULL);
  g_task_return_pointer (task, conn, g_object_unref);
}

static void on_read (GObject *source, GAsyncResult *result, gpointer user_data);

/* The next piece of the answer's head (taking the task). */
static void
read_more (GTask *task)
{
  Connect *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (data->connection)),
                             data->buffer, sizeof data->buffer, G_PRIORITY_DEFAULT, cancellable,
                             on_read, task);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *data = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  gsize end;

  if (n < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  if (n == 0)
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
                               data->head->len == 0
                                 ? "The server closed the connection without answering"
                                 : "The server closed the connection in the middle of its answer");
      return;
    }

  g_byte_array_append (data->head, data->buffer, (guint) n);
  end = head_end (data->head);
  if (end > 0)
    {
      answered (task, end);
      return;
    }
  if (data->head->len > MAX_HEAD)
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
                               "The server's answer has more than %d KiB of headers",
                               MAX_HEAD / 1024);
      return;
    }

  read_more (g_steal_pointer (&task));
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data->head = g_byte_array_new ();
  read_more (g_steal_pointer (&task));
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Connect *data = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  data->connection = g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (source), result,
                                                            &error);
  if (data->connection == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  cancellable = g_task_get_cancellable (task);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (data->connection)),
                                   data->exchange->request_text,
                                   strlen (data->exchange->request_text), G_PRIORITY_DEFAULT,
                                   cancellable, on_written, g_steal_pointer (&task));
}

/* "host" or "host:port", IPv6 in brackets, the port only when not the default. */
static char *
host_header (GUri     *uri,
             gboolean  tls)
{
  const char *host = g_uri_get_host (uri);
  int port = g_uri_get_port (uri);
  g_autofree char *name = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]", host)
                                                     : g_strdup (host);

  if (port < 0 || port == (tls ? 443 : 80))
    return g_steal_pointer (&name);
  return g_strdup_printf ("%s:%d", name, port);
}

static void
copy_header (const char *name,
             const char *value,
             gpointer    user_data)
{
  soup_message_headers_append (user_data, name, value);
}

void
sp_ws_connect_async (GUri                *uri,
                     const char          *origin,
                     char               **protocols,
                     SoupMessageHeaders  *headers,
                     const char          *user_agent,
                     guint64              max_message_size,
                     SpWsCertificateFunc  accept_certificate,
                     gpointer             certificate_data,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) http_uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autofree char *key = NULL;
  g_autofree char *http = NULL;
  guint8 nonce[16];
  Connect *data;
  SoupMessageHeaders *request;

  g_return_if_fail (uri != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sp_ws_connect_async);
  data = g_new0 (Connect, 1);
  data->uri = g_uri_ref (uri);
  data->origin = g_strdup (origin);
  data->protocols = g_strdupv (protocols);
  data->max_message_size = max_message_size;
  data->tls = g_ascii_strcasecmp (g_uri_get_scheme (uri), "wss") == 0;
  data->accept_certificate = accept_certificate;
  data->certificate_data = certificate_data;
  g_task_set_task_data (task, data, (GDestroyNotify) connect_free);

  /* The request, exactly as it will be written. */
  for (guint i = 0; i < sizeof nonce; i += 4)
    {
      guint32 r = g_random_int ();

      memcpy (nonce + i, &r, 4);
    }
  key = g_base64_encode (nonce, sizeof nonce);
  host = host_header (uri, data->tls);
  request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_append (request, "Host", host);
  soup_message_headers_append (request, "Upgrade", "websocket");
  soup_message_headers_append (request, "Connection", "Upgrade");
  soup_message_headers_append (request, "Sec-WebSocket-Key", key);
  soup_message_headers_append (request, "Sec-WebSocket-Version", "13");
  if (origin != NULL)
    soup_message_headers_append (request, "Origin", origin);
  if (protocols != NULL && protocols[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", protocols);

      soup_message_headers_append (request, "Sec-WebSocket-Protocol", list);
    }
  if (user_agent != NULL)
    soup_message_headers_append (request, "User-Agent", user_agent);
  if (headers != NULL)
    soup_message_headers_foreach (headers, copy_header, request);

  path = g_uri_get_query (uri) != NULL
           ? g_strconcat (*g_uri_get_path (uri) ? g_uri_get_path (uri) : "/", "?",
                          g_uri_get_query (uri), NULL)
           : g_strdup (*g_uri_get_path (uri) ? g_uri_get_path (uri) : "/");
  data->exchange = g_new0 (SpWsExchange, 1);
  data->exchange->request = request;
  data->exchange->request_text = sp_handshake_render_request ("GET", path, SOUP_HTTP_1_1, request);

  /* http(s) for the connection: the desktop's proxy settings are for those. */
  http_uri = g_uri_build (G_URI_FLAGS_NONE, data->tls ? "https" : "http", NULL,
                          g_uri_get_host (uri), g_uri_get_port (uri), "/", NULL, NULL);
  http = g_uri_to_string (http_uri);

  data->client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (data->client, TRUE);
  g_socket_client_set_tls (data->client, data->tls);
  g_signal_connect (data->client, "event", G_CALLBACK (on_client_event), data);
  g_socket_client_connect_to_uri_async (data->client, http, data->tls ? 443 : 80, cancellable,
                                        on_connected, g_steal_pointer (&task));
}

SoupWebsocketConnection *
sp_ws_connect_finish (GAsyncResult  *result,
                      SpWsExchange **exchange,
                      GError       **error)
{
  GTask *task = G_TASK (result);
  Connect *data = g_task_get_task_data (task);

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (exchange != NULL)
    *exchange = data->connection != NULL ? g_steal_pointer (&data->exchange) : NULL;
  return g_task_propagate_pointer (task, error);
}
