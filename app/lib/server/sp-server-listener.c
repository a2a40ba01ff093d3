/* The listening socket and the accept loop: StockPush accepts connections
 * itself (a backlog of 4096, the backlog emptied on each wake-up) and hands
 * each to libsoup over an SpConnStream, wrapped in TLS for wss://. Server
 * thread, under the engine's lock. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "sp-error.h"
#include "sp-server-private.h"

GSocket *
_sp_listener_new (SpEngine  *engine,
                  GError   **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *bind_address = engine->config->bind_address;

  address = g_inet_address_new_from_string (bind_address);
  if (address == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_ADDRESS,
                   _("“%s” is not an IP address; use 127.0.0.1, ::1, 0.0.0.0 or ::"), bind_address);
      return NULL;
    }

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED,
                   _("Could not create a socket for %s: %s"), bind_address, local_error->message);
      return NULL;
    }

  /* GLib's default backlog of 10 stalls bursts of connecting clients for seconds. */
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);

  socket_address = g_inet_socket_address_new (address, engine->config->port);
  if (!g_socket_bind (socket, socket_address, TRUE, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, SP_ERROR, SP_ERROR_ADDRESS_IN_USE,
                     _("Port %u on %s is already in use by another program. "
                        "Stop that program or choose another port."),
                     engine->config->port, bind_address);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_set_error (error, SP_ERROR, SP_ERROR_PERMISSION_DENIED,
                     _("Not allowed to listen on port %u of %s: ports below 1024 need "
                        "administrator rights. Choose a port from 1024 to 65535."),
                     engine->config->port, bind_address);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
               local_error->domain == G_IO_ERROR)
        g_set_error (error, SP_ERROR, SP_ERROR_BAD_ADDRESS,
                     _("Cannot listen on %s port %u (%s). Is %s an address of this machine? "
                        "Use 127.0.0.1 or ::1 for this machine only, 0.0.0.0 or :: for all "
                        "interfaces."),
                     bind_address, engine->config->port, local_error->message, bind_address);
      return NULL;
    }

  if (!g_socket_listen (socket, &local_error))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED,
                   _("Cannot listen on %s port %u: %s"),
                   bind_address, engine->config->port, local_error->message);
      return NULL;
    }

  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return NULL;
  engine->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  return g_steal_pointer (&socket);
}

/* One accepted socket, handed to libsoup. For wss it is wrapped in TLS here;
 * the handshake runs on the first read. libsoup gets an SpConnStream over it,
 * whose send queue the tick frames share (see sp-conn-stream.h). */

/* Who is behind a connection, for the refusal its guard may make. */
typedef struct
{
  /* Not a reference: the guard reads only while libsoup does, on the engine's
   * thread, while the engine (and its server) lives. A reference would keep
   * the server alive from its own connections. */
  SpEngine *engine;
  char     *address;
  guint16   port;
} Peer;

static gpointer
peer_new (SpEngine       *engine,
          GSocketAddress *remote)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->engine = engine;
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      peer->address = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
      peer->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote));
    }
  return peer;
}

static void
peer_free (gpointer data)
{
  Peer *peer = data;

  g_free (peer->address);
  g_free (peer);
}

/* The guard refused a request libsoup never saw whole (sp-ws-guard.h). */
static void
on_guard_stop (SpConnStream *stream,
               guint         code,
               const char   *reason,
               gpointer      user_data)
{
  Peer *peer = user_data;
  SpRefusal *refusal;

  /* After the upgrade the client's leaving is logged as usual. */
  if (code != 400)
    return;
  refusal = sp_refusal_new ();
  refusal->kind = SP_REFUSAL_BAD_REQUEST;
  refusal->at = g_get_real_time ();
  refusal->status = code;
  refusal->reason = g_strdup (reason);
  refusal->address = g_strdup (peer->address);
  refusal->port = peer->port;
  _sp_server_push_refusal (peer->engine->server, refusal);
}

static void
accept_one (SpEngine *engine,
            GSocket  *socket)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(SpConnStream) conn_stream = NULL;
  g_autoptr(GError) error = NULL;

  local = g_socket_get_local_address (socket, NULL);
  remote = g_socket_get_remote_address (socket, NULL);
  if (local == NULL || remote == NULL)
    return;  /* Reset before we got to it. */

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  connection = g_socket_connection_factory_create_connection (socket);
  if (engine->certificate != NULL)
    {
      stream = (GIOStream *) g_tls_server_connection_new (G_IO_STREAM (connection),
                                                          engine->certificate, &error);
      if (stream == NULL)
        {
          g_debug ("TLS for a new client: %s", error->message);
          return;
        }
    }
  else
    stream = G_IO_STREAM (g_steal_pointer (&connection));

  conn_stream = sp_conn_stream_new (stream, engine->certificate == NULL ? socket : NULL,
                                    engine->context);
  sp_conn_stream_set_stop_func (conn_stream, on_guard_stop, peer_new (engine, remote),
                                peer_free);
  g_object_set_data_full (G_OBJECT (remote), "sp-socket", g_object_ref (socket), g_object_unref);
  g_object_set_data_full (G_OBJECT (remote), "sp-stream", g_object_ref (conn_stream),
                          g_object_unref);
  if (!soup_server_accept_iostream (engine->soup, G_IO_STREAM (conn_stream), local, remote, &error))
    g_debug ("Could not take a new client: %s", error->message);
}

static gboolean
on_accept_retry (gpointer user_data)
{
  _sp_listener_watch (user_data);

  return G_SOURCE_REMOVE;
}

/* libsoup's own listener takes one connection per wake-up of the thread, and
 * each wake-up costs time in proportion to the clients already connected:
 * thousands connecting while ticks flow took minutes. Here each wake-up
 * empties the backlog, up to ACCEPT_BATCH connections. */
static gboolean
on_incoming (GSocket      *listener,
             GIOCondition  condition,
             gpointer      user_data)
{
  SpEngine *engine = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;

      _sp_engine_yield (engine, _sp_engine_yield_patience_us (engine));
      socket = g_socket_accept (listener, NULL, &error);

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* Out of descriptors or the like: the backlog stays readable, so
           * asking again at once would spin. Pause, then listen again. */
          g_warning ("Cannot accept a client: %s; trying again in %d ms",
                     error->message, ACCEPT_RETRY_MS);
          g_clear_pointer (&engine->accept_source, g_source_unref);
          engine->accept_source = g_timeout_source_new (ACCEPT_RETRY_MS);
          g_source_set_callback (engine->accept_source, on_accept_retry, engine, NULL);
          g_source_set_static_name (engine->accept_source, "[stockpush] accept retry");
          g_source_attach (engine->accept_source, engine->context);
          return G_SOURCE_REMOVE;
        }
      accept_one (engine, socket);
    }

  return G_SOURCE_CONTINUE;
}

void
_sp_listener_watch (SpEngine *engine)
{
  g_clear_pointer (&engine->accept_source, g_source_unref);
  engine->accept_source = g_socket_create_source (engine->listener, G_IO_IN, NULL);
  g_source_set_callback (engine->accept_source, G_SOURCE_FUNC (on_incoming), engine, NULL);
  g_source_set_static_name (engine->accept_source, "[stockpush] accept");
  g_source_attach (engine->accept_source, engine->context);
}

