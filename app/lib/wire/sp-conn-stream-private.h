/* What the conn stream's files share: its output side, the ordered send
 * queue (sp-queue-output.c), and its input side, the reader that passes the
 * peer's bytes through the guard (sp-guard-input.c). Same thread contract as
 * sp-conn-stream.h. */
#pragma once

#include <gio/gio.h>
#include <sys/uio.h>

#include "sp-conn-stream.h"
#include "sp-ws-guard.h"

G_BEGIN_DECLS

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


/* A stream that failed fails every later call the same way. */
void     _sp_conn_stream_repeat_error  (const GError        *stored,
                                        GError             **error);

/* Bytes written but not yet taken by the socket. */
gsize    _sp_queue_output_queued       (SpQueueOutput       *self);
/* Takes all of @iov or fails: written at once as far as the socket takes
 * it, the rest queued behind whatever was queued before. */
gboolean _sp_queue_output_write        (SpQueueOutput       *self,
                                        const struct iovec  *iov,
                                        int                  n_iov,
                                        gsize                total,
                                        GError             **error);
gboolean _sp_queue_output_close_frame  (SpQueueOutput       *self,
                                        guint16              code,
                                        const char          *reason);
/* Stops writes; closes the connection once the queue is out (or after a
 * linger). @task, if given, completes then. */
void     _sp_queue_output_shutdown     (SpQueueOutput       *self,
                                        GTask               *task);

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


/* The guard stopped the connection: our own answer goes out, and every read fails. */
void     _sp_guard_input_stop          (SpGuardInput        *self,
                                        SpWsGuardVerdict     verdict,
                                        const char          *why);

G_END_DECLS
