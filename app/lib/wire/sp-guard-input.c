/* The conn stream's input side, a watch on the size of messages. Thread
 * contract: that of sp-conn-stream.h.
 *
 * The client's bytes pass through an SpWsGuard (sp-ws-guard.h): requests
 * whose end it cannot be sure of are refused with 400, what follows a
 * request's head is held back here until the server knows whether it was
 * upgraded, and after the upgrade a message over the limit or a frame no
 * client may send stops the connection with our close frame. */
#include "config.h"

#include <string.h>

#include "sp-conn-stream-private.h"

static void sp_guard_input_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpGuardInput, sp_guard_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      sp_guard_input_pollable_iface_init))

static gsize
held (SpGuardInput *self)
{
  return self->held_len - self->held_off;
}

/* The response to a request the guard cannot read the end of. */
static void
queue_bad_request (SpQueueOutput *output,
                   const char    *why)
{
  g_autofree char *response =
    g_strdup_printf ("HTTP/1.1 400 Bad Request\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                     "Connection: close\r\n"
                     "\r\n"
                     "%s\n", strlen (why) + 1, why);
  struct iovec iov = { response, strlen (response) };

  _sp_queue_output_write (output, &iov, 1, iov.iov_len, NULL);
}

/* The guard stopped the connection: our own answer goes out (libsoup's
 * writes fail from now on, so nothing follows it), and every read fails. */
void
_sp_guard_input_stop (SpGuardInput     *self,
                      SpWsGuardVerdict  verdict,
                      const char       *why)
{
  if (verdict == SP_WS_GUARD_TOO_BIG)
    self->error = g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                               "A message of more than %" G_GUINT64_FORMAT " bytes, in fragments",
                               self->limit);
  else
    self->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, why);
  g_clear_pointer (&self->held, g_free);
  self->held_len = self->held_off = 0;
  self->stop_code = verdict == SP_WS_GUARD_BAD_REQUEST ? 400
                    : verdict == SP_WS_GUARD_TOO_BIG ? SP_WS_CLOSE_TOO_BIG : SP_WS_CLOSE_PROTOCOL;
  self->stop_reason = g_strdup (verdict == SP_WS_GUARD_TOO_BIG ? SP_WS_CLOSE_TOO_BIG_REASON : why);

  if (self->stop_func != NULL)
    self->stop_func ((SpConnStream *) (self->output != NULL
                                         ? g_object_get_data (G_OBJECT (self->output), "sp-conn-stream")
                                         : NULL),
                     self->stop_code, self->stop_reason, self->stop_data);

  if (self->output == NULL || self->output->closed)
    return;
  if (verdict == SP_WS_GUARD_BAD_REQUEST)
    queue_bad_request (self->output, why);
  else
    _sp_queue_output_close_frame (self->output,
                                  verdict == SP_WS_GUARD_TOO_BIG ? SP_WS_CLOSE_TOO_BIG : SP_WS_CLOSE_PROTOCOL,
                                  verdict == SP_WS_GUARD_TOO_BIG ? SP_WS_CLOSE_TOO_BIG_REASON : why);
  self->output->closed = TRUE;
  self->output->discard_input = TRUE;
}

/* One read: what was held back first, else the connection; then the guard
 * says how much of it passes. */
static gssize
guard_read (SpGuardInput  *self,
            void          *buffer,
            gsize          count,
            gboolean       blocking,
            GCancellable  *cancellable,
            GError       **error)
{
  gboolean from_held = held (self) > 0;
  SpWsGuardVerdict verdict;
  const char *why;
  gsize pass;
  gssize n;

  if (self->error != NULL)
    {
      _sp_conn_stream_repeat_error (self->error, error);
      return -1;
    }
  if (count == 0)
    return 0;

  if (from_held)
    {
      n = (gssize) MIN (count, held (self));
      memcpy (buffer, self->held + self->held_off, (gsize) n);
    }
  else if (blocking)
    n = g_input_stream_read (G_INPUT_STREAM (self->base), buffer, count, cancellable, error);
  else
    n = g_pollable_input_stream_read_nonblocking (self->base, buffer, count, cancellable, error);
  if (n <= 0)
    return n;

  verdict = sp_ws_guard_scan (&self->guard, buffer, (gsize) n, &pass, &why);
  if (verdict == SP_WS_GUARD_PASS)
    pass = (gsize) n;
  else if (verdict != SP_WS_GUARD_HEAD_END)
    {
      _sp_guard_input_stop (self, verdict, why);
      _sp_conn_stream_repeat_error (self->error, error);
      return -1;
    }
  /* A server's close with 1012..1014 reaches libsoup as 1000 (sp-ws-guard.h). */
  if (self->client && sp_ws_guard_close_rewrite_at (&self->guard) >= 0 &&
      (gsize) sp_ws_guard_close_rewrite_at (&self->guard) < pass)
    ((guint8 *) buffer)[sp_ws_guard_close_rewrite_at (&self->guard)] = 0xe8;

  if (from_held)
    {
      self->held_off += pass;
      if (held (self) == 0)
        {
          g_clear_pointer (&self->held, g_free);
          self->held_len = self->held_off = 0;
        }
    }
  else if (pass < (gsize) n)
    {
      self->held = g_memdup2 ((const guint8 *) buffer + pass, (gsize) n - pass);
      self->held_len = (gsize) n - pass;
      self->held_off = 0;
    }

  return (gssize) pass;
}

static gssize
sp_guard_input_read (GInputStream  *stream,
                     void          *buffer,
                     gsize          count,
                     GCancellable  *cancellable,
                     GError       **error)
{
  return guard_read (SP_GUARD_INPUT (stream), buffer, count, TRUE, cancellable, error);
}

static gssize
sp_guard_input_read_nonblocking (GPollableInputStream *stream,
                                 void                 *buffer,
                                 gsize                 count,
                                 GError              **error)
{
  return guard_read (SP_GUARD_INPUT (stream), buffer, count, FALSE, NULL, error);
}

static gboolean
sp_guard_input_can_poll (GPollableInputStream *stream)
{
  return g_pollable_input_stream_can_poll (SP_GUARD_INPUT (stream)->base);
}

static gboolean
sp_guard_input_is_readable (GPollableInputStream *stream)
{
  SpGuardInput *self = SP_GUARD_INPUT (stream);

  return self->error != NULL || held (self) > 0 ||
         g_pollable_input_stream_is_readable (self->base);
}

/* With bytes held back (or a stop to report) the stream is readable now,
 * whatever the connection is. */
static GSource *
sp_guard_input_create_source (GPollableInputStream *stream,
                              GCancellable         *cancellable)
{
  SpGuardInput *self = SP_GUARD_INPUT (stream);
  g_autoptr(GSource) child = NULL;

  if (self->error != NULL || held (self) > 0)
    child = g_timeout_source_new (0);
  else
    child = g_pollable_input_stream_create_source (self->base, NULL);

  return g_pollable_source_new_full (stream, child, cancellable);
}

/* The connection is closed by SpConnStream. */
static gboolean
sp_guard_input_close (GInputStream  *stream,
                      GCancellable  *cancellable,
                      GError       **error)
{
  return TRUE;
}

static void
sp_guard_input_finalize (GObject *object)
{
  SpGuardInput *self = SP_GUARD_INPUT (object);

  g_clear_error (&self->error);
  g_clear_object (&self->base);
  g_free (self->held);
  g_free (self->stop_reason);
  if (self->stop_destroy != NULL)
    self->stop_destroy (self->stop_data);

  G_OBJECT_CLASS (sp_guard_input_parent_class)->finalize (object);
}

static void
sp_guard_input_class_init (SpGuardInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = sp_guard_input_finalize;
  stream_class->read_fn = sp_guard_input_read;
  stream_class->close_fn = sp_guard_input_close;
}

static void
sp_guard_input_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = sp_guard_input_can_poll;
  iface->is_readable = sp_guard_input_is_readable;
  iface->create_source = sp_guard_input_create_source;
  iface->read_nonblocking = sp_guard_input_read_nonblocking;
}

static void
sp_guard_input_init (SpGuardInput *self)
{
  sp_ws_guard_init_http (&self->guard);
}
