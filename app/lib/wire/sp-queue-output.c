/* The conn stream's output side: every write, libsoup's and the server's
 * own frames, through one ordered queue that lingers for a slow peer on
 * close. Thread contract: that of sp-conn-stream.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "sp-conn-stream-private.h"

/* How long a closed stream keeps trying to hand what is queued (a close
 * frame, the end of a response) to a slow peer before it closes anyway. */
#define LINGER_MS 2000

static void sp_queue_output_pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpQueueOutput, sp_queue_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      sp_queue_output_pollable_iface_init))

/* A stream that failed fails every later call the same way. */
void
_sp_conn_stream_repeat_error (const GError  *stored,
                              GError       **error)
{
  g_set_error_literal (error, stored->domain, stored->code, stored->message);
}

gsize
_sp_queue_output_queued (SpQueueOutput *self)
{
  return self->queue != NULL ? self->queue->len - self->head : 0;
}

/* Writes what the socket takes now: the count, 0 when it takes nothing,
 * -1 (with @error) when the connection is broken. */
static gssize
write_now (SpQueueOutput      *self,
           const struct iovec *iov,
           int                 n_iov,
           GError            **error)
{
  if (self->fd >= 0)
    {
      struct msghdr msg = { .msg_iov = (struct iovec *) iov, .msg_iovlen = (size_t) n_iov };
      ssize_t n;

      do
        n = sendmsg (self->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n >= 0)
        return n;
      if (errno == EAGAIN)  /* EWOULDBLOCK on Linux */
        return 0;
      g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (errno), g_strerror (errno));
      return -1;
    }
  else
    {
      gsize total = 0;

      /* TLS: one record per write, so the pieces go in one by one only when
       * each was taken whole. */
      for (int i = 0; i < n_iov; i++)
        {
          g_autoptr(GError) local = NULL;
          gssize n = g_pollable_output_stream_write_nonblocking (self->sink, iov[i].iov_base,
                                                                 iov[i].iov_len, NULL, &local);

          if (n < 0)
            {
              if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                break;
              g_propagate_error (error, g_steal_pointer (&local));
              return -1;
            }
          total += (gsize) n;
          if ((gsize) n < iov[i].iov_len)
            break;
        }
      return (gssize) total;
    }
}

static void
fail (SpQueueOutput *self,
      GError        *error)
{
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  g_clear_pointer (&self->queue, g_byte_array_unref);
  self->head = 0;
}

static void finish_close (SpQueueOutput *self);

/* Room again (or the connection broke): hands the socket what it takes. */
static gboolean
drain (SpQueueOutput *self)
{
  while (self->error == NULL && _sp_queue_output_queued (self) > 0)
    {
      struct iovec iov = { self->queue->data + self->head, _sp_queue_output_queued (self) };
      GError *error = NULL;
      gssize n = write_now (self, &iov, 1, &error);

      if (n < 0)
        fail (self, error);
      else if (n == 0)
        return G_SOURCE_CONTINUE;
      else
        self->head += (gsize) n;
    }

  g_clear_pointer (&self->queue, g_byte_array_unref);
  self->head = 0;
  /* Returning G_SOURCE_REMOVE destroys it; only our reference goes here. */
  g_clear_pointer (&self->drain, g_source_unref);

  if (self->lingering)
    finish_close (self);
  else if (self->error == NULL && self->drained != NULL)
    self->drained ((SpConnStream *) g_object_get_data (G_OBJECT (self), "sp-conn-stream"),
                   self->drained_data);

  return G_SOURCE_REMOVE;
}

static gboolean
on_socket_writable (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  return drain (user_data);
}

static gboolean
on_sink_writable (GObject  *sink,
                  gpointer  user_data)
{
  return drain (user_data);
}

static void
watch_for_room (SpQueueOutput *self)
{
  if (self->drain != NULL)
    return;

  if (self->fd >= 0)
    {
      self->drain = g_socket_create_source (self->socket, G_IO_OUT, NULL);
      g_source_set_callback (self->drain, G_SOURCE_FUNC (on_socket_writable), self, NULL);
    }
  else
    {
      self->drain = g_pollable_output_stream_create_source (self->sink, NULL);
      g_source_set_callback (self->drain, G_SOURCE_FUNC (on_sink_writable), self, NULL);
    }
  g_source_set_static_name (self->drain, "[stockpush] send queue");
  g_source_attach (self->drain, self->context);
}

/* Takes all of @iov or fails: written at once as far as the socket takes
 * it, the rest queued behind whatever was queued before. */
gboolean
_sp_queue_output_write (SpQueueOutput      *self,
                        const struct iovec *iov,
                        int                 n_iov,
                        gsize               total,
                        GError            **error)
{
  gsize done = 0;

  if (self->error != NULL)
    {
      _sp_conn_stream_repeat_error (self->error, error);
      return FALSE;
    }
  if (self->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Stream is closed");
      return FALSE;
    }
  if (total == 0)
    return TRUE;

  if (_sp_queue_output_queued (self) == 0)
    {
      GError *local = NULL;
      gssize n = write_now (self, iov, n_iov, &local);

      if (n < 0)
        {
          fail (self, local);
          _sp_conn_stream_repeat_error (self->error, error);
          return FALSE;
        }
      done = (gsize) n;
      if (done == total)
        return TRUE;
    }

  if (_sp_queue_output_queued (self) + (total - done) > SP_CONN_STREAM_MAX_QUEUED)
    {
      fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               "The peer left more than %d MiB unread",
                               SP_CONN_STREAM_MAX_QUEUED / (1024 * 1024)));
      _sp_conn_stream_repeat_error (self->error, error);
      return FALSE;
    }

  if (self->queue == NULL)
    self->queue = g_byte_array_sized_new ((guint) (total - done));
  for (int i = 0; i < n_iov; i++)
    {
      gsize len = iov[i].iov_len;
      const guint8 *data = iov[i].iov_base;

      if (done >= len)
        {
          done -= len;
          continue;
        }
      g_byte_array_append (self->queue, data + done, (guint) (len - done));
      done = 0;
    }
  watch_for_room (self);

  return TRUE;
}

/* A close frame (sp_ws_close_frame_encode()); masked on a client's connection. */
gboolean
_sp_queue_output_close_frame (SpQueueOutput *self,
                              guint16        code,
                              const char    *reason)
{
  guint8 frame[SP_WS_CLOSE_FRAME_MAX];
  struct iovec iov = { frame, sp_ws_close_frame_encode (frame, code, reason, self->masked) };

  return _sp_queue_output_write (self, &iov, 1, iov.iov_len, NULL);
}

static gssize
sp_queue_output_write_nonblocking (GPollableOutputStream *stream,
                                   const void            *buffer,
                                   gsize                  count,
                                   GError               **error)
{
  struct iovec iov = { (void *) buffer, count };

  return _sp_queue_output_write (SP_QUEUE_OUTPUT (stream), &iov, 1, count, error) ? (gssize) count : -1;
}

static GPollableReturn
sp_queue_output_writev_nonblocking (GPollableOutputStream *stream,
                                    const GOutputVector   *vectors,
                                    gsize                  n_vectors,
                                    gsize                 *bytes_written,
                                    GError               **error)
{
  struct iovec iov[16];
  gsize total = 0;
  gsize n = MIN (n_vectors, G_N_ELEMENTS (iov));

  for (gsize i = 0; i < n; i++)
    {
      iov[i].iov_base = (void *) vectors[i].buffer;
      iov[i].iov_len = vectors[i].size;
      total += vectors[i].size;
    }
  if (!_sp_queue_output_write (SP_QUEUE_OUTPUT (stream), iov, (int) n, total, error))
    return G_POLLABLE_RETURN_FAILED;
  if (bytes_written != NULL)
    *bytes_written = total;

  return G_POLLABLE_RETURN_OK;
}

static gboolean
sp_queue_output_can_poll (GPollableOutputStream *stream)
{
  return TRUE;
}

/* Never full: a write is always taken (or fails). */
static gboolean
sp_queue_output_is_writable (GPollableOutputStream *stream)
{
  return TRUE;
}

static GSource *
sp_queue_output_create_source (GPollableOutputStream *stream,
                               GCancellable          *cancellable)
{
  GSource *source = g_pollable_source_new (G_OBJECT (stream));
  g_autoptr(GSource) ready = g_timeout_source_new (0);

  g_source_add_child_source (source, ready);
  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancel = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancel);
      g_source_add_child_source (source, cancel);
    }

  return source;
}

static gssize
sp_queue_output_write (GOutputStream *stream,
                       const void    *buffer,
                       gsize          count,
                       GCancellable  *cancellable,
                       GError       **error)
{
  return sp_queue_output_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (stream), buffer, count, error);
}

/* The stream's own close only stops writes; the queue and the connection
 * are closed by SpConnStream, which may linger for the queue first. */
static gboolean
sp_queue_output_close (GOutputStream *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  SP_QUEUE_OUTPUT (stream)->closed = TRUE;

  return TRUE;
}

static void
sp_queue_output_finalize (GObject *object)
{
  SpQueueOutput *self = SP_QUEUE_OUTPUT (object);

  if (self->drain != NULL)
    g_source_destroy (self->drain);
  g_clear_pointer (&self->drain, g_source_unref);
  g_clear_pointer (&self->queue, g_byte_array_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->socket);
  g_clear_object (&self->base);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sp_queue_output_parent_class)->finalize (object);
}

static void
sp_queue_output_class_init (SpQueueOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  object_class->finalize = sp_queue_output_finalize;
  stream_class->write_fn = sp_queue_output_write;
  stream_class->close_fn = sp_queue_output_close;
}

static void
sp_queue_output_pollable_iface_init (GPollableOutputStreamInterface *iface)
{
  iface->can_poll = sp_queue_output_can_poll;
  iface->is_writable = sp_queue_output_is_writable;
  iface->create_source = sp_queue_output_create_source;
  iface->write_nonblocking = sp_queue_output_write_nonblocking;
  iface->writev_nonblocking = sp_queue_output_writev_nonblocking;
}

static void
sp_queue_output_init (SpQueueOutput *self)
{
  self->fd = -1;
}

/* Reads and drops what the peer sends, until it closes (or breaks). */
static gboolean
on_discard_readable (GObject  *input,
                     gpointer  user_data)
{
  GIOStream *base = user_data;
  char buffer[16384];
  gssize n;

  for (;;)
    {
      g_autoptr(GError) error = NULL;

      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer,
                                                    sizeof buffer, NULL, &error);
      if (n > 0)
        continue;
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      break;
    }

  g_io_stream_close (base, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_discard_timeout (gpointer user_data)
{
  GSource *reader = user_data;

  g_source_destroy (reader);  /* its destroy notify closes the connection */
  return G_SOURCE_REMOVE;
}

static void
close_base_unref (gpointer data)
{
  g_io_stream_close (data, NULL, NULL);
  g_object_unref (data);
}

/* Drops what the peer still sends, up to LINGER_MS, then closes. On a plain
 * socket our side is shut first (FIN), which tells the peer to close too. */
static void
close_after_discarding (SpQueueOutput *self)
{
  GPollableInputStream *input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (self->base));
  GSource *reader, *timeout;

  if (self->fd >= 0)
    shutdown (self->fd, SHUT_WR);
  reader = g_pollable_input_stream_create_source (input, NULL);
  g_source_set_callback (reader, G_SOURCE_FUNC (on_discard_readable), g_object_ref (self->base),
                         close_base_unref);
  g_source_set_static_name (reader, "[stockpush] discard");
  timeout = g_timeout_source_new (LINGER_MS);
  g_source_set_callback (timeout, on_discard_timeout, g_source_ref (reader),
                         (GDestroyNotify) g_source_unref);
  g_source_attach (reader, self->context);
  g_source_attach (timeout, self->context);
  g_source_unref (reader);
  g_source_unref (timeout);
}

/* Closes the connection now: the queue is empty, broke, or took too long. */
static void
finish_close (SpQueueOutput *self)
{
  g_autoptr(GError) error = NULL;
  GTask *task = g_steal_pointer (&self->close_task);
  gboolean was_lingering = self->lingering;

  self->lingering = FALSE;
  if (self->linger_timeout != NULL)
    g_source_destroy (self->linger_timeout);
  g_clear_pointer (&self->linger_timeout, g_source_unref);
  if (self->drain != NULL)
    g_source_destroy (self->drain);
  g_clear_pointer (&self->drain, g_source_unref);
  g_clear_pointer (&self->queue, g_byte_array_unref);
  self->head = 0;

  if (self->discard_input && self->error == NULL)
    close_after_discarding (self);
  else
    g_io_stream_close (self->base, NULL, &error);
  if (task != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  if (was_lingering)
    g_object_unref (self);  /* taken when lingering began */
}

static gboolean
on_linger_timeout (gpointer user_data)
{
  SpQueueOutput *self = user_data;

  g_debug ("Closing a connection with %" G_GSIZE_FORMAT " bytes its peer never read",
           _sp_queue_output_queued (self));
  finish_close (self);

  return G_SOURCE_REMOVE;
}

/* Stops writes; closes the connection once the queue is out (or after
 * LINGER_MS). @task, if given, completes then. */
void
_sp_queue_output_shutdown (SpQueueOutput *self,
                           GTask         *task)
{
  self->closed = TRUE;
  self->drained = NULL;
  if (self->lingering)
    {
      /* A second close while the first lingers: it ends with the first. */
      if (task != NULL)
        g_task_return_boolean (task, TRUE);
      return;
    }
  self->close_task = task != NULL ? g_object_ref (task) : NULL;

  if (self->error != NULL || _sp_queue_output_queued (self) == 0)
    {
      finish_close (self);
      return;
    }

  self->lingering = TRUE;
  g_object_ref (self);
  self->linger_timeout = g_timeout_source_new (LINGER_MS);
  g_source_set_callback (self->linger_timeout, on_linger_timeout, self, NULL);
  g_source_set_static_name (self->linger_timeout, "[stockpush] close linger");
  g_source_attach (self->linger_timeout, self->context);
}
