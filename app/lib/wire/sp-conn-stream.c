/* The stream of one accepted client: reads pass through, writes queue in order. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sp-conn-stream.h"
#include "sp-ws-guard.h"

/* How long a closed stream keeps trying to hand what is queued (a close
 * frame, the end of a response) to a slow peer before it closes anyway. */
#define LINGER_MS 2000

/* ------------------------------------------------------------------------ */
/* The output side: the queue                                                 */

#define SP_TYPE_QUEUE_OUTPUT (sp_queue_output_get_type ())
G_DECLARE_FINAL_TYPE (SpQueueOutput, sp_queue_output, SP, QUEUE_OUTPUT, GOutputStream)

struct _SpQueueOutput
{
  GOutputStream          parent_instance;

  GIOStream             *base;       /* closed by us, when the queue is done */
  GPollableOutputStream *sink;       /* base's output (TLS) */
  int                    fd;         /* the socket, written directly; -1 for TLS */
  GSocket               *socket;
  GMainContext          *context;

  GByteArray            *queue;      /* what the socket did not take yet; NULL: empty */
  gsize                  head;       /* bytes of queue already written */
  GSource               *drain;      /* waiting for room, while queue is not empty */
  GError                *error;      /* the write that failed: every later one fails too */
  gboolean               closed;     /* no more writes */
  gboolean               masked;     /* a client's: our close frames are masked */

  /* Closing with bytes still queued: lingers for them. */
  gboolean               lingering;
  /* The peer was stopped mid-message: after our close frame, what it still
   * sends is read and dropped until it closes, so that closing with its data
   * unread does not reset the connection and lose the close frame. */
  gboolean               discard_input;
  GSource               *linger_timeout;
  GTask                 *close_task; /* close_async's, if any */

  SpConnStreamDrainedFunc drained;
  gpointer               drained_data;
};

static void sp_queue_output_pollable_iface_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SpQueueOutput, sp_queue_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      sp_queue_output_pollable_iface_init))

/* A stream that failed fails every later call the same way. */
static void
repeat_error (const GError  *stored,
              GError       **error)
{
  g_set_error_literal (error, stored->domain, stored->code, stored->message);
}

static gsize
queued (SpQueueOutput *self)
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
  while (self->error == NULL && queued (self) > 0)
    {
      struct iovec iov = { self->queue->data + self->head, queued (self) };
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
static gboolean
queue_write (SpQueueOutput      *self,
             const struct iovec *iov,
             int                 n_iov,
             gsize               total,
             GError            **error)
{
  gsize done = 0;

  if (self->error != NULL)
    {
      repeat_error (self->error, error);
      return FALSE;
    }
  if (self->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Stream is closed");
      return FALSE;
    }
  if (total == 0)
    return TRUE;

  if (queued (self) == 0)
    {
      GError *local = NULL;
      gssize n = write_now (self, iov, n_iov, &local);

      if (n < 0)
        {
          fail (self, local);
          repeat_error (self->error, error);
          return FALSE;
        }
      done = (gsize) n;
      if (done == total)
        return TRUE;
    }

  if (queued (self) + (total - done) > SP_CONN_STREAM_MAX_QUEUED)
    {
      fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               "The peer left more than %d MiB unread",
                               SP_CONN_STREAM_MAX_QUEUED / (1024 * 1024)));
      repeat_error (self->error, error);
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
static gboolean
queue_close_frame (SpQueueOutput *self,
                   guint16        code,
                   const char    *reason)
{
  guint8 frame[SP_WS_CLOSE_FRAME_MAX];
  struct iovec iov = { frame, sp_ws_close_frame_encode (frame, code, reason, self->masked) };

  return queue_write (self, &iov, 1, iov.iov_len, NULL);
}

static gssize
sp_queue_output_write_nonblocking (GPollableOutputStream *stream,
                                   const void            *buffer,
                                   gsize                  count,
                                   GError               **error)
{
  struct iovec iov = { (void *) buffer, count };

  return queue_write (SP_QUEUE_OUTPUT (stream), &iov, 1, count, error) ? (gssize) count : -1;
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
  if (!queue_write (SP_QUEUE_OUTPUT (stream), iov, (int) n, total, error))
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
           queued (self));
  finish_close (self);

  return G_SOURCE_REMOVE;
}

/* Stops writes; closes the connection once the queue is out (or after
 * LINGER_MS). @task, if given, completes then. */
static void
queue_shutdown (SpQueueOutput *self,
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

  if (self->error != NULL || queued (self) == 0)
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

/* ------------------------------------------------------------------------ */
/* The input side: a watch on the size of messages                           */

/* The client's bytes pass through an SpWsGuard (sp-ws-guard.h): requests
 * whose end it cannot be sure of are refused with 400, what follows a
 * request's head is held back here until the server knows whether it was
 * upgraded, and after the upgrade a message over the limit or a frame no
 * client may send stops the connection with our close frame. */

#define SP_TYPE_GUARD_INPUT (sp_guard_input_get_type ())
G_DECLARE_FINAL_TYPE (SpGuardInput, sp_guard_input, SP, GUARD_INPUT, GInputStream)

struct _SpGuardInput
{
  GInputStream           parent_instance;

  GPollableInputStream  *base;
  SpQueueOutput         *output;     /* the connection's: for the refusal (not owned) */
  GError                *error;      /* the stop, repeated to every later read */
  guint                  stop_code;  /* the close code (or HTTP status) it sent */
  char                  *stop_reason;
  SpConnStreamStopFunc   stop_func;
  gpointer               stop_data;
  GDestroyNotify         stop_destroy;

  SpWsGuard              guard;
  gboolean               client;     /* the viewer's connection */
  guint64                limit;
  /* Read from the connection but not passed on yet: what followed a
   * request's head. At most one read's worth, never added to: while it is
   * not empty nothing more is read. */
  guint8                *held;
  gsize                  held_len;
  gsize                  held_off;
};

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

  queue_write (output, &iov, 1, iov.iov_len, NULL);
}

/* The guard stopped the connection: our own answer goes out (libsoup's
 * writes fail from now on, so nothing follows it), and every read fails. */
static void
guard_stop (SpGuardInput     *self,
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
    queue_close_frame (self->output,
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
      repeat_error (self->error, error);
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
      guard_stop (self, verdict, why);
      repeat_error (self->error, error);
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

/* ------------------------------------------------------------------------ */
/* The stream                                                                 */

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
  queue_shutdown (self->output, NULL);

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
  queue_shutdown (self->output, task);
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

  return queue_write (self->output, iov, length > 0 ? 2 : 1, iov[0].iov_len + length, NULL);
}

gsize
sp_conn_stream_get_queued (SpConnStream *self)
{
  g_return_val_if_fail (SP_IS_CONN_STREAM (self), 0);

  return self->output != NULL ? queued (self->output) : 0;
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
      guard_stop (input, SP_WS_GUARD_PROTOCOL, "Data before the handshake completed");
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

  return self->output != NULL && queue_close_frame (self->output, code, reason);
}
