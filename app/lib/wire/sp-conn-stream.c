/* The stream of one accepted client: reads pass through, writes queue in order. */
#include "config.h"

#include <string.h>

#include "sp-conn-stream-private.h"

struct _SpConnStream
{
  GIOStream      parent_instance;

  GIOStream     *base;
  SpQueueOutput *output;
  SpGuardInput  *input;
};

G_DEFINE_FINAL_TYPE (SpConnStream, sp_conn_stream, G_TYPE_IO_STREAM)

static GInputStream *
sp_conn_stream_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (SP_CONN_STREAM (stream)->input);
}

static GOutputStream *
sp_conn_stream_get_output_stream (GIOStream *stream)
{
  return G_OUTPUT_STREAM (SP_CONN_STREAM (stream)->output);
}

static gboolean
sp_conn_stream_close (GIOStream     *stream,
                      GCancellable  *cancellable,
                      GError       **error)
{
  SpConnStream *self = SP_CONN_STREAM (stream);

  g_output_stream_close (G_OUTPUT_STREAM (self->output), NULL, NULL);
  _sp_queue_output_shutdown (self->output, NULL);

  return TRUE;
}

static void
sp_conn_stream_close_async (GIOStream           *stream,
                            int                  io_priority,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SpConnStream *self = SP_CONN_STREAM (stream);
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, sp_conn_stream_close_async);
  g_output_stream_close (G_OUTPUT_STREAM (self->output), NULL, NULL);
  _sp_queue_output_shutdown (self->output, task);
}

static gboolean
sp_conn_stream_close_finish (GIOStream     *stream,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sp_conn_stream_dispose (GObject *object)
{
  SpConnStream *self = SP_CONN_STREAM (object);

  /* GIOStream's dispose closes a stream still open: that needs the output. */
  G_OBJECT_CLASS (sp_conn_stream_parent_class)->dispose (object);

  if (self->output != NULL)
    g_object_set_data (G_OBJECT (self->output), "sp-conn-stream", NULL);
  if (self->input != NULL)
    self->input->output = NULL;
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->base);
}

static void
sp_conn_stream_class_init (SpConnStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = sp_conn_stream_dispose;
  stream_class->get_input_stream = sp_conn_stream_get_input_stream;
  stream_class->get_output_stream = sp_conn_stream_get_output_stream;
  stream_class->close_fn = sp_conn_stream_close;
  stream_class->close_async = sp_conn_stream_close_async;
  stream_class->close_finish = sp_conn_stream_close_finish;
}

static void
sp_conn_stream_init (SpConnStream *self)
{
}

static SpConnStream *
conn_stream_new (GIOStream    *base,
                 GSocket      *socket,
                 GMainContext *context)
{
  SpConnStream *self;
  SpQueueOutput *output;

  output = g_object_new (SP_TYPE_QUEUE_OUTPUT, NULL);
  output->base = g_object_ref (base);
  output->sink = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (base));
  if (socket != NULL)
    {
      output->socket = g_object_ref (socket);
      output->fd = g_socket_get_fd (socket);
    }
  output->context = g_main_context_ref (context != NULL ? context : g_main_context_default ());

  self = g_object_new (SP_TYPE_CONN_STREAM, NULL);
  self->base = g_object_ref (base);
  self->output = output;
  /* The drained callback names the stream; a pointer, not a reference. */
  g_object_set_data (G_OBJECT (output), "sp-conn-stream", self);
  self->input = g_object_new (SP_TYPE_GUARD_INPUT, NULL);
  self->input->base = g_object_ref (G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base)));
  self->input->output = output;

  return self;
}

#define BASE_IS_USABLE(base, socket)                                                         \
  (G_IS_IO_STREAM (base) && (socket == NULL || G_IS_SOCKET (socket)) &&                      \
   (socket != NULL || G_IS_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (base))) && \
   G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (base)))

SpConnStream *
sp_conn_stream_new (GIOStream    *base,
                    GSocket      *socket,
                    GMainContext *context)
{
  g_return_val_if_fail (BASE_IS_USABLE (base, socket), NULL);

  return conn_stream_new (base, socket, context);
}

SpConnStream *
sp_conn_stream_new_client (GIOStream    *base,
                           GSocket      *socket,
                           GMainContext *context,
                           GBytes       *early,
                           guint64       max_message_size)
{
  SpConnStream *self;
  gsize size = 0;
  const guint8 *data;

  g_return_val_if_fail (BASE_IS_USABLE (base, socket), NULL);

  self = conn_stream_new (base, socket, context);
  self->output->masked = TRUE;
  self->input->client = TRUE;
  self->input->limit = max_message_size;
  sp_ws_guard_begin_frames (&self->input->guard, max_message_size);
  data = early != NULL ? g_bytes_get_data (early, &size) : NULL;
  if (size > 0)
    {
      self->input->held = g_memdup2 (data, size);
      self->input->held_len = size;
    }

  return self;
}

void
sp_conn_stream_set_stop_func (SpConnStream         *self,
                              SpConnStreamStopFunc  func,
                              gpointer              user_data,
                              GDestroyNotify        destroy)
{
  SpGuardInput *input;

  g_return_if_fail (SP_IS_CONN_STREAM (self));

  input = self->input;
  if (input->stop_destroy != NULL)
    input->stop_destroy (input->stop_data);
  input->stop_func = func;
  input->stop_data = user_data;
  input->stop_destroy = destroy;
}

guint
sp_conn_stream_get_peer_close_code (SpConnStream *self)
{
  g_return_val_if_fail (SP_IS_CONN_STREAM (self), 0);

  return self->input != NULL ? sp_ws_guard_get_peer_close_code (&self->input->guard) : 0;
}

guint
sp_conn_stream_get_stop (SpConnStream  *self,
                         const char   **reason)
{
  g_return_val_if_fail (SP_IS_CONN_STREAM (self), 0);

  if (reason != NULL)
    *reason = self->input != NULL ? self->input->stop_reason : NULL;
  return self->input != NULL ? self->input->stop_code : 0;
}

gboolean
sp_conn_stream_send_frame (SpConnStream *self,
                           guint8        opcode,
                           const void   *payload,
                           gsize         length)
{
  guint8 header[10];
  struct iovec iov[2];

  g_return_val_if_fail (SP_IS_CONN_STREAM (self), FALSE);

  if (self->output == NULL)
    return FALSE;
  iov[0].iov_base = header;
  iov[0].iov_len = sp_ws_frame_header (header, opcode, length);
  iov[1].iov_base = (void *) payload;
  iov[1].iov_len = length;

  return _sp_queue_output_write (self->output, iov, length > 0 ? 2 : 1, iov[0].iov_len + length,
                                 NULL);
}

gsize
sp_conn_stream_get_queued (SpConnStream *self)
{
  g_return_val_if_fail (SP_IS_CONN_STREAM (self), 0);

  return self->output != NULL ? _sp_queue_output_queued (self->output) : 0;
}

void
sp_conn_stream_set_drained_func (SpConnStream            *self,
                                 SpConnStreamDrainedFunc  func,
                                 gpointer                 user_data)
{
  g_return_if_fail (SP_IS_CONN_STREAM (self));

  if (self->output == NULL || self->output->closed)
    return;
  self->output->drained = func;
  self->output->drained_data = user_data;
}

void
sp_conn_stream_limit_messages (SpConnStream *self,
                               guint64       max_message_size)
{
  SpGuardInput *input;

  g_return_if_fail (SP_IS_CONN_STREAM (self));

  input = self->input;
  if (input == NULL || input->error != NULL || sp_ws_guard_in_frames (&input->guard))
    return;
  input->limit = max_message_size;
  /* libsoup upgraded the request whose head the guard passed last; had
   * anything after that head been passed on, the guard could not know where
   * the frames begin. libsoup reads nothing between the head and the
   * upgrade, so this is a safety net. */
  if (!sp_ws_guard_at_head_start (&input->guard))
    {
      _sp_guard_input_stop (input, SP_WS_GUARD_PROTOCOL, "Data before the handshake completed");
      return;
    }
  sp_ws_guard_begin_frames (&input->guard, max_message_size);
}

gboolean
sp_conn_stream_send_close (SpConnStream *self,
                           guint16       code,
                           const char   *reason)
{
  g_return_val_if_fail (SP_IS_CONN_STREAM (self), FALSE);

  return self->output != NULL && _sp_queue_output_close_frame (self->output, code, reason);
}
