/* The send queue of one client, on a real loopback TCP connection with tiny
 * socket buffers: libsoup's writes and the server's own frames never block and
 * arrive whole and in order; a close waits (a while) for what is queued; a
 * peer that goes away or stops reading makes writes fail, not the process. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sptest-util.h"
#include "sp-conn-stream.h"

/* Asked of the kernel, which doubles it and keeps a floor of a few KiB. */
#define SMALL_BUFFER   4096
#define WAIT_MS        5000
#define LINGER_MS      2000

typedef struct
{
  GMainContext      *context;
  GSocket           *socket;      /* the server's end, under the stream */
  GSocketConnection *connection;
  SpConnStream      *stream;

  GSocket           *reader;      /* the client's end */
  GSource           *read_source; /* NULL: the client is not reading */
  GByteArray        *received;
  gboolean           reader_eof;
  GError            *read_error;

  GByteArray        *sent;        /* every byte handed to the stream, in order */
  GPtrArray         *frames;      /* Frame*, in the order written */

  guint              drained;     /* calls of the drained callback */
  gboolean           close_called;
  gboolean           close_done;
  GError            *close_error;
} Fixture;

typedef struct
{
  guint8  opcode;
  GBytes *payload;
} Frame;

static void
frame_free (Frame *frame)
{
  g_bytes_unref (frame->payload);
  g_free (frame);
}

/* ------------------------------------------------------------------------ */
/* Waiting, bounded                                                           */

/* Iterates @fx's context until @cond holds or @timeout_ms pass; returns
 * whether @cond holds. */
typedef struct
{
  Fixture   *fx;
  gboolean (*cond) (Fixture *);
} Wait;

static gboolean
wait_holds (gpointer data)
{
  Wait *wait = data;

  return wait->cond (wait->fx);
}

static gboolean
wait_until (Fixture   *fx,
            gboolean (*cond) (Fixture *),
            guint      timeout_ms)
{
  Wait wait = { fx, cond };

  return sp_test_wait_until (fx->context, cond != NULL ? wait_holds : NULL, &wait, timeout_ms);
}

/* Lets the context run for @ms, whatever happens. */
static void
spin (Fixture *fx,
      guint    ms)
{
  wait_until (fx, NULL, ms);
}

static gboolean
queue_empty (Fixture *fx)
{
  return sp_conn_stream_get_queued (fx->stream) == 0;
}

static gboolean
all_received (Fixture *fx)
{
  return fx->received->len >= fx->sent->len || fx->reader_eof;
}

static gboolean
reader_at_eof (Fixture *fx)
{
  return fx->reader_eof;
}

static gboolean
close_finished (Fixture *fx)
{
  return fx->close_done;
}

/* ------------------------------------------------------------------------ */
/* The client's end                                                           */

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  Fixture *fx = user_data;
  static guint8 buffer[64 * 1024];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      if (n <= 0)
        {
          fx->reader_eof = TRUE;
          if (error != NULL)
            fx->read_error = g_steal_pointer (&error);
          g_clear_pointer (&fx->read_source, g_source_unref);
          return G_SOURCE_REMOVE;
        }
      g_byte_array_append (fx->received, buffer, (guint) n);
    }
}

static void
start_reading (Fixture *fx)
{
  g_assert_null (fx->read_source);
  fx->read_source = g_socket_create_source (fx->reader, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (fx->read_source, G_SOURCE_FUNC (on_readable), fx, NULL);
  g_source_attach (fx->read_source, fx->context);
}

static void
stop_reading (Fixture *fx)
{
  if (fx->read_source != NULL)
    g_source_destroy (fx->read_source);
  g_clear_pointer (&fx->read_source, g_source_unref);
}

/* ------------------------------------------------------------------------ */
/* Set-up                                                                     */

static void
on_drained (SpConnStream *stream,
            gpointer      user_data)
{
  Fixture *fx = user_data;

  g_assert_true (stream == fx->stream);
  g_assert_cmpuint (sp_conn_stream_get_queued (stream), ==, 0);
  fx->drained++;
}

/* A connected loopback TCP pair; the writer's send buffer and the reader's
 * receive buffer as small as the kernel allows (set before connecting, so
 * the advertised window is small too). */
static void
make_tcp_pair (int *writer,
               int *reader)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
  socklen_t len = sizeof addr;
  int small = SMALL_BUFFER;
  int one = 1;
  int listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int client = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (listener, >=, 0);
  g_assert_cmpint (client, >=, 0);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_no_errno (setsockopt (listener, SOL_SOCKET, SO_SNDBUF, &small, sizeof small));
  g_assert_no_errno (bind (listener, (struct sockaddr *) &addr, sizeof addr));
  g_assert_no_errno (getsockname (listener, (struct sockaddr *) &addr, &len));
  g_assert_no_errno (listen (listener, 1));

  g_assert_no_errno (setsockopt (client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small));
  g_assert_no_errno (connect (client, (struct sockaddr *) &addr, sizeof addr));

  *writer = accept (listener, NULL, NULL);
  g_assert_cmpint (*writer, >=, 0);
  g_assert_no_errno (setsockopt (*writer, SOL_SOCKET, SO_SNDBUF, &small, sizeof small));
  g_assert_no_errno (setsockopt (*writer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
  *reader = client;
  close (listener);
}

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  int writer_fd, reader_fd;

  gboolean pollable = GPOINTER_TO_INT (data);

  /* The /pollable variants write through the connection's pollable output
   * stream, as for TLS, and run in the global default context. */
  fx->context = pollable ? g_main_context_ref (g_main_context_default ()) : g_main_context_new ();
  /* close_async's GTask completes in the thread-default context. */
  g_main_context_push_thread_default (fx->context);

  make_tcp_pair (&writer_fd, &reader_fd);
  fx->socket = g_socket_new_from_fd (writer_fd, &error);
  g_assert_no_error (error);
  fx->connection = g_socket_connection_factory_create_connection (fx->socket);
  fx->stream = sp_conn_stream_new (G_IO_STREAM (fx->connection),
                                   pollable ? NULL : fx->socket,
                                   pollable ? NULL : fx->context);
  g_assert_nonnull (fx->stream);
  sp_conn_stream_set_drained_func (fx->stream, on_drained, fx);

  fx->reader = g_socket_new_from_fd (reader_fd, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (fx->reader, FALSE);

  fx->received = g_byte_array_new ();
  fx->sent = g_byte_array_new ();
  fx->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);
}

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fx = user_data;

  g_assert_true (source == G_OBJECT (fx->stream));
  g_assert_false (fx->close_done);
  g_io_stream_close_finish (G_IO_STREAM (source), result, &fx->close_error);
  fx->close_done = TRUE;
}

static void
close_stream (Fixture *fx)
{
  g_assert_false (fx->close_called);
  fx->close_called = TRUE;
  g_io_stream_close_async (G_IO_STREAM (fx->stream), G_PRIORITY_DEFAULT, NULL, on_closed, fx);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  stop_reading (fx);
  /* Whatever lingers is done with before the context goes. */
  if (!fx->close_called)
    close_stream (fx);
  g_assert_true (wait_until (fx, close_finished, WAIT_MS));

  g_clear_object (&fx->stream);
  g_clear_object (&fx->connection);
  g_clear_object (&fx->socket);
  g_clear_object (&fx->reader);
  while (g_main_context_iteration (fx->context, FALSE))
    ;
  g_main_context_pop_thread_default (fx->context);
  g_clear_pointer (&fx->context, g_main_context_unref);

  g_clear_pointer (&fx->received, g_byte_array_unref);
  g_clear_pointer (&fx->sent, g_byte_array_unref);
  g_clear_pointer (&fx->frames, g_ptr_array_unref);
  g_clear_error (&fx->read_error);
  g_clear_error (&fx->close_error);
}

/* ------------------------------------------------------------------------ */
/* Writing frames, the four ways they reach the stream                        */

typedef enum
{
  WRITE_SEND_FRAME,    /* the server's own frames */
  WRITE_NONBLOCKING,   /* libsoup: a whole frame in one write */
  WRITEV_NONBLOCKING,  /* libsoup: header and payload as two vectors */
  WRITE_SPLIT,         /* a frame in two writes, header then payload */
  N_WRITE_KINDS
} WriteKind;

/* A payload no other frame has: its index up front, then noise from it. */
static GBytes *
make_payload (guint index,
              gsize size)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (index);
  guint8 *data = g_malloc (MAX (size, 1));

  for (gsize i = 0; i < size; i++)
    data[i] = i < 4 ? (guint8) (index >> (8 * i)) : (guint8) g_rand_int (rand);

  return g_bytes_new_take (data, size);
}

static void
record (Fixture *fx,
        guint8   opcode,
        GBytes  *payload)
{
  Frame *frame = g_new0 (Frame, 1);
  guint8 header[10];
  gsize header_len = sp_ws_frame_header (header, opcode, g_bytes_get_size (payload));

  frame->opcode = opcode;
  frame->payload = g_bytes_ref (payload);
  g_ptr_array_add (fx->frames, frame);
  g_byte_array_append (fx->sent, header, (guint) header_len);
  g_byte_array_append (fx->sent, g_bytes_get_data (payload, NULL), (guint) g_bytes_get_size (payload));
}

/* Writes one frame; TRUE when the stream took it whole (then it is recorded
 * as sent). A refusal is returned in @error (send_frame gives none). No write
 * may report that it would block or that it took only part. */
static gboolean
write_frame (Fixture    *fx,
             WriteKind   kind,
             guint8      opcode,
             GBytes     *payload,
             GError    **error)
{
  GPollableOutputStream *out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (fx->stream)));
  gsize size = g_bytes_get_size (payload);
  const guint8 *data = g_bytes_get_data (payload, NULL);
  guint8 header[10];
  gsize header_len = sp_ws_frame_header (header, opcode, size);
  gboolean ok = FALSE;

  switch (kind)
    {
    case WRITE_SEND_FRAME:
      ok = sp_conn_stream_send_frame (fx->stream, opcode, data, size);
      if (!ok)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "send_frame refused");
      break;

    case WRITE_NONBLOCKING:
      {
        g_autoptr(GByteArray) whole = g_byte_array_sized_new ((guint) (header_len + size));
        gssize n;

        g_byte_array_append (whole, header, (guint) header_len);
        g_byte_array_append (whole, data, (guint) size);
        n = g_pollable_output_stream_write_nonblocking (out, whole->data, whole->len, NULL, error);
        g_assert_true (n < 0 || (gsize) n == whole->len);
        ok = n >= 0;
      }
      break;

    case WRITEV_NONBLOCKING:
      {
        GOutputVector vectors[2] = { { header, header_len }, { data, size } };
        gsize written = 0;
        GPollableReturn ret = g_pollable_output_stream_writev_nonblocking (out, vectors, 2, &written,
                                                                           NULL, error);

        g_assert_true (ret == G_POLLABLE_RETURN_OK || ret == G_POLLABLE_RETURN_FAILED);
        ok = ret == G_POLLABLE_RETURN_OK;
        if (ok)
          g_assert_cmpuint (written, ==, header_len + size);
      }
      break;

    case WRITE_SPLIT:
      {
        gssize n = g_pollable_output_stream_write_nonblocking (out, header, header_len, NULL, error);

        g_assert_true (n < 0 || (gsize) n == header_len);
        ok = n >= 0;
        if (ok && size > 0)
          {
            n = g_pollable_output_stream_write_nonblocking (out, data, size, NULL, error);
            g_assert_true (n < 0 || (gsize) n == size);
            /* Half a frame sent would break the stream for good. */
            g_assert_cmpint (n, >=, 0);
          }
      }
      break;

    case N_WRITE_KINDS:
    default:
      g_assert_not_reached ();
    }

  if (ok)
    record (fx, opcode, payload);
  else
    g_assert_true (error == NULL || *error != NULL);

  return ok;
}

/* Writes frames of assorted sizes until the socket is full and something is
 * queued, then @extra more behind them. */
static void
fill_queue (Fixture *fx,
            guint    extra)
{
  static const gsize sizes[] = { 0, 1, 125, 126, 1000, 65535, 65536, 70000, 200 * 1024, 4096 };
  static const guint8 opcodes[] = { SP_WS_OPCODE_TEXT, SP_WS_OPCODE_BINARY, SP_WS_OPCODE_PING };
  guint more = 0;
  guint start = fx->sent->len;

  for (guint i = fx->frames->len; more <= extra; i++)
    {
      g_autoptr(GBytes) payload = make_payload (i, sizes[i % G_N_ELEMENTS (sizes)]);
      g_autoptr(GError) error = NULL;
      /* PING payloads are at most 125 bytes; anything else is binary. */
      guint8 opcode = opcodes[i % G_N_ELEMENTS (opcodes)];

      if (opcode == SP_WS_OPCODE_PING && g_bytes_get_size (payload) > 125)
        opcode = SP_WS_OPCODE_BINARY;
      g_assert_true (write_frame (fx, (WriteKind) (i % N_WRITE_KINDS), opcode, payload, &error));
      g_assert_no_error (error);
      /* Never full, however much is queued: a write is always taken. */
      g_assert_true (g_pollable_output_stream_is_writable (
                       G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (fx->stream)))));
      if (sp_conn_stream_get_queued (fx->stream) > 0)
        more++;
      g_assert_cmpuint (fx->sent->len - start, <, SP_CONN_STREAM_MAX_QUEUED / 2);
    }
  g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), >, 0);
  g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), <=, fx->sent->len);
}

/* The client takes what has arrived, without the context running, until
 * the server's socket has room again: the queue's source has not run yet. */
static void
make_room (Fixture *fx)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  guint8 buffer[4096];

  while ((g_socket_condition_check (fx->socket, G_IO_OUT) & G_IO_OUT) == 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_socket_condition_timed_wait (fx->reader, G_IO_IN, 100 * 1000, NULL, NULL);
      n = g_socket_receive (fx->reader, (char *) buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          continue;
        }
      g_assert_cmpint (n, >, 0);
      g_byte_array_append (fx->received, buffer, (guint) n);
    }
}

/* ------------------------------------------------------------------------ */
/* Reading frames back                                                        */

static guint64
read_be (const guint8 *p,
         guint         n)
{
  guint64 value = 0;

  for (guint i = 0; i < n; i++)
    value = (value << 8) | p[i];
  return value;
}

/* Parses @bytes as server frames and checks them against the first ones
 * written: each whole, in order, with its payload. Returns how many. */
static guint
check_frames (Fixture          *fx,
              const GByteArray *bytes,
              gboolean          need_all)
{
  gsize pos = 0;
  guint count = 0;

  while (pos < bytes->len)
    {
      const guint8 *p = bytes->data + pos;
      gsize avail = bytes->len - pos;
      gsize header_len = 2;
      guint64 length;
      const Frame *expected;
      gconstpointer want;
      gsize want_size;

      if (avail < 2)
        break;
      length = p[1] & 0x7f;
      if (length == 126)
        header_len = 4;
      else if (length == 127)
        header_len = 10;
      if (avail < header_len)
        break;
      if (header_len == 4)
        length = read_be (p + 2, 2);
      else if (header_len == 10)
        length = read_be (p + 2, 8);
      if (avail - header_len < length)
        break;

      g_assert_cmpuint (count, <, fx->frames->len);
      expected = g_ptr_array_index (fx->frames, count);
      want = g_bytes_get_data (expected->payload, &want_size);
      if (length != want_size || (p[0] & 0x0f) != expected->opcode)
        g_error ("Frame %u at byte %" G_GSIZE_FORMAT ": opcode %u, %" G_GUINT64_FORMAT
                 " bytes; expected opcode %u, %" G_GSIZE_FORMAT " bytes",
                 count, pos, p[0] & 0x0f, length, expected->opcode, want_size);
      g_assert_cmphex (p[0] & 0xf0, ==, 0x80);   /* FIN, no RSV bits */
      g_assert_cmphex (p[1] & 0x80, ==, 0);      /* a server never masks */
      if (length > 0 && memcmp (p + header_len, want, length) != 0)
        g_error ("Frame %u at byte %" G_GSIZE_FORMAT ": wrong payload", count, pos);

      pos += header_len + length;
      count++;
    }

  if (need_all)
    {
      g_assert_cmpuint (pos, ==, bytes->len);   /* nothing after the last frame */
      g_assert_cmpuint (count, ==, fx->frames->len);
    }

  return count;
}

/* ------------------------------------------------------------------------ */
/* The tests                                                                  */

static void
test_frame_header (void)
{
  static const struct
  {
    guint8  opcode;
    guint64 length;
    gsize   header_len;
    guint8  bytes[10];
  } cases[] = {
    { SP_WS_OPCODE_TEXT,   0,                              2,  { 0x81, 0 } },
    { SP_WS_OPCODE_BINARY, 125,                            2,  { 0x82, 125 } },
    { SP_WS_OPCODE_TEXT,   126,                            4,  { 0x81, 126, 0x00, 0x7e } },
    { SP_WS_OPCODE_PING,   65535,                          4,  { 0x89, 126, 0xff, 0xff } },
    { SP_WS_OPCODE_BINARY, 65536,                          10, { 0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0 } },
    { SP_WS_OPCODE_CLOSE,  G_GUINT64_CONSTANT (1) << 32,   10, { 0x88, 127, 0, 0, 0, 1, 0, 0, 0, 0 } },
    { 0xA /* pong */,      G_GUINT64_CONSTANT (0x0102030405060708), 10,
      { 0x8a, 127, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 out[16];
      gsize len;

      memset (out, 0xaa, sizeof out);
      len = sp_ws_frame_header (out, cases[i].opcode, cases[i].length);
      g_test_message ("opcode %u, length %" G_GUINT64_FORMAT, cases[i].opcode, cases[i].length);
      g_assert_cmpuint (len, ==, cases[i].header_len);
      g_assert_cmpmem (out, len, cases[i].bytes, cases[i].header_len);
      g_assert_cmphex (out[0] & 0x80, ==, 0x80);            /* FIN */
      g_assert_cmphex (out[0] & 0x0f, ==, cases[i].opcode);
      g_assert_cmphex (out[1] & 0x80, ==, 0);               /* no mask */
      for (gsize j = len; j < sizeof out; j++)
        g_assert_cmphex (out[j], ==, 0xaa);                 /* nothing written past it */
    }
}

static void
test_order_under_backpressure (Fixture       *fx,
                               gconstpointer  data)
{
  GPollableOutputStream *out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (fx->stream)));
  guint before;

  g_assert_true (g_pollable_output_stream_can_poll (out));

  /* The client reads nothing: the socket fills, then the queue. */
  fill_queue (fx, 24);
  g_test_message ("%u frames, %u bytes written, %" G_GSIZE_FORMAT " queued",
                  fx->frames->len, fx->sent->len, sp_conn_stream_get_queued (fx->stream));
  spin (fx, 50);
  g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), >, 0);
  g_assert_cmpuint (fx->drained, ==, 0);

  /* The socket has room again before the queue's source runs (another
   * source of the context writes first): later writes still go behind
   * what is queued, not straight to the socket. */
  make_room (fx);
  g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), >, 0);
  before = fx->frames->len;
  fill_queue (fx, 8);
  g_test_message ("client took %u bytes early; %u frames behind the queue",
                  fx->received->len, fx->frames->len - before);

  /* The client reads: everything arrives, whole and in order. */
  start_reading (fx);
  g_assert_true (wait_until (fx, queue_empty, WAIT_MS));
  g_assert_true (wait_until (fx, all_received, WAIT_MS));
  g_assert_false (fx->reader_eof);
  g_assert_cmpuint (fx->received->len, ==, fx->sent->len);
  check_frames (fx, fx->received, TRUE);
  g_assert_cmpmem (fx->received->data, fx->received->len, fx->sent->data, fx->sent->len);
  g_assert_cmpuint (fx->drained, ==, 1);

  /* A write the socket takes at once: nothing was queued, no callback. */
  {
    g_autoptr(GBytes) payload = make_payload (fx->frames->len, 10);
    g_autoptr(GError) error = NULL;

    g_assert_true (write_frame (fx, WRITE_SEND_FRAME, SP_WS_OPCODE_TEXT, payload, &error));
    g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), ==, 0);
    g_assert_true (wait_until (fx, all_received, WAIT_MS));
    spin (fx, 20);
    g_assert_cmpuint (fx->drained, ==, 1);
  }

  /* A second round: one more transition, one more callback. */
  stop_reading (fx);
  before = fx->frames->len;
  fill_queue (fx, 8);
  g_assert_cmpuint (fx->frames->len, >, before);
  spin (fx, 20);
  g_assert_cmpuint (fx->drained, ==, 1);
  start_reading (fx);
  g_assert_true (wait_until (fx, queue_empty, WAIT_MS));
  g_assert_true (wait_until (fx, all_received, WAIT_MS));
  g_assert_cmpuint (fx->received->len, ==, fx->sent->len);
  check_frames (fx, fx->received, TRUE);
  g_assert_cmpuint (fx->drained, ==, 2);
}

static void
test_linger_drains (Fixture       *fx,
                    gconstpointer  data)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (fx->stream));
  g_autoptr(GBytes) late = make_payload (9999, 100);
  g_autoptr(GError) error = NULL;
  gint64 closed_at;

  fill_queue (fx, 4);
  close_stream (fx);
  closed_at = g_get_monotonic_time ();

  /* Nothing more goes in once closed. */
  g_assert_false (sp_conn_stream_send_frame (fx->stream, SP_WS_OPCODE_TEXT, "late", 4));
  g_assert_cmpint (g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (out),
                                                                "late", 4, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);

  /* While the client reads nothing, the connection stays open. */
  spin (fx, 200);
  g_assert_false (fx->close_done);
  g_assert_false (g_io_stream_is_closed (G_IO_STREAM (fx->connection)));
  g_assert_false (g_socket_is_closed (fx->socket));
  g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), >, 0);

  /* The client reads: all of it, then the end. */
  start_reading (fx);
  g_assert_true (wait_until (fx, reader_at_eof, WAIT_MS));
  g_assert_no_error (fx->read_error);
  g_assert_cmpuint (fx->received->len, ==, fx->sent->len);
  check_frames (fx, fx->received, TRUE);

  g_assert_true (wait_until (fx, close_finished, WAIT_MS));
  g_assert_no_error (fx->close_error);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (fx->connection)));
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (fx->stream)));
  /* Closed because the queue was out, not because the linger ran out: a
   * linger that runs out drops the queue (linger_times_out), and here every
   * byte arrived. How long the drain took is a figure, not a condition. */
  g_test_message ("closed %.2f s after the close was asked for (linger %d ms)",
                  (g_get_monotonic_time () - closed_at) / (double) G_USEC_PER_SEC, LINGER_MS);
  /* Only a drain that leaves the stream open is reported. */
  g_assert_cmpuint (fx->drained, ==, 0);
}

static void
test_linger_times_out (Fixture       *fx,
                       gconstpointer  data)
{
  gint64 closed_at, elapsed;
  guint count;

  fill_queue (fx, 4);
  close_stream (fx);
  closed_at = g_get_monotonic_time ();

  /* The client never reads: the connection is closed anyway, after the linger. */
  g_assert_true (wait_until (fx, close_finished, WAIT_MS));
  elapsed = g_get_monotonic_time () - closed_at;
  g_test_message ("closed after %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_no_error (fx->close_error);
  g_assert_cmpint (elapsed, >=, (LINGER_MS - 100) * 1000);
  g_assert_cmpint (elapsed, <, (LINGER_MS + 2000) * 1000);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (fx->connection)));
  g_assert_true (g_socket_is_closed (fx->socket));
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (fx->stream)));
  g_assert_cmpuint (fx->drained, ==, 0);

  /* What the kernel had taken still arrives, whole frames in order, then the
   * end; what was left in the queue does not. */
  start_reading (fx);
  g_assert_true (wait_until (fx, reader_at_eof, WAIT_MS));
  g_assert_no_error (fx->read_error);
  g_assert_cmpuint (fx->received->len, <, fx->sent->len);
  g_assert_cmpmem (fx->received->data, fx->received->len, fx->sent->data, fx->received->len);
  count = check_frames (fx, fx->received, FALSE);
  g_assert_cmpuint (count, <, fx->frames->len);
}

/* Writes until one fails; then every later one fails too. */
static void
write_until_failure (Fixture *fx,
                     GError **error)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  guint written = 0;

  for (guint i = 0;; i++)
    {
      g_autoptr(GBytes) payload = make_payload (fx->frames->len, 100 + i % 3000);
      WriteKind kind = i % 2 == 0 ? WRITE_NONBLOCKING : WRITEV_NONBLOCKING;

      if (!write_frame (fx, kind, SP_WS_OPCODE_BINARY, payload, error))
        break;
      written++;
      g_main_context_iteration (fx->context, FALSE);
      if (g_get_monotonic_time () > deadline)
        g_error ("Writes to a gone peer still succeed after %u of them", written);
    }
  g_test_message ("failed after %u more writes: %s", written, (*error)->message);
  g_assert_error (*error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);

  for (guint i = 0; i < 4 * N_WRITE_KINDS; i++)
    {
      g_autoptr(GBytes) payload = make_payload (1000 + i, 50);
      g_autoptr(GError) again = NULL;

      g_assert_false (write_frame (fx, (WriteKind) (i % N_WRITE_KINDS), SP_WS_OPCODE_TEXT,
                                   payload, &again));
      if ((WriteKind) (i % N_WRITE_KINDS) != WRITE_SEND_FRAME)
        g_assert_error (again, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
      g_main_context_iteration (fx->context, FALSE);
    }
  g_assert_false (sp_conn_stream_send_frame (fx->stream, SP_WS_OPCODE_TEXT, "x", 1));
  g_assert_false (sp_conn_stream_send_frame (fx->stream, SP_WS_OPCODE_TEXT, NULL, 0));
  g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), ==, 0);
}

/* Restores SIGPIPE's default action, which GSocket sets to ignore: a write
 * that raised it would kill the test. */
static void
default_sigpipe (struct sigaction *old)
{
  struct sigaction action = { .sa_handler = SIG_DFL };

  sigemptyset (&action.sa_mask);
  g_assert_no_errno (sigaction (SIGPIPE, &action, old));
}

/* The client goes away with unread data (a reset), with bytes queued. */
static void
test_peer_gone_queued (Fixture       *fx,
                       gconstpointer  data)
{
  struct sigaction old;
  g_autoptr(GError) error = NULL;

  default_sigpipe (&old);
  fill_queue (fx, 4);
  g_assert_true (g_socket_close (fx->reader, NULL));

  write_until_failure (fx, &error);
  g_assert_no_errno (sigaction (SIGPIPE, &old, NULL));
}

/* The client reads everything, then goes away: the direct write fails. */
static void
test_peer_gone_idle (Fixture       *fx,
                     gconstpointer  data)
{
  struct sigaction old;
  g_autoptr(GError) error = NULL;

  default_sigpipe (&old);
  fill_queue (fx, 2);
  start_reading (fx);
  g_assert_true (wait_until (fx, queue_empty, WAIT_MS));
  g_assert_true (wait_until (fx, all_received, WAIT_MS));
  check_frames (fx, fx->received, TRUE);
  stop_reading (fx);
  g_assert_true (g_socket_close (fx->reader, NULL));

  write_until_failure (fx, &error);
  g_assert_no_errno (sigaction (SIGPIPE, &old, NULL));
}

static void
test_limit (Fixture       *fx,
            gconstpointer  data)
{
  const gsize size = 256 * 1024;
  g_autoptr(GError) error = NULL;
  gboolean refused = FALSE;

  /* Well under the limit: taken, by both ways in. */
  for (guint i = 0; !refused; i++)
    {
      g_autoptr(GBytes) payload = make_payload (i, size);
      gsize queued = sp_conn_stream_get_queued (fx->stream);
      WriteKind kind = queued + 2 * (size + 10) <= SP_CONN_STREAM_MAX_QUEUED ? (WriteKind) (i % N_WRITE_KINDS)
                                                                             : WRITE_NONBLOCKING;

      if (!write_frame (fx, kind, SP_WS_OPCODE_BINARY, payload, &error))
        {
          g_test_message ("refused with %" G_GSIZE_FORMAT " queued, %u bytes written", queued, fx->sent->len);
          /* Only a write past the limit is refused, and as such. */
          g_assert_cmpuint (queued + size + 10, >, SP_CONN_STREAM_MAX_QUEUED);
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
          refused = TRUE;
        }
      else
        g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), <=, SP_CONN_STREAM_MAX_QUEUED);
      g_assert_cmpuint (i, <, 2 * SP_CONN_STREAM_MAX_QUEUED / size);
    }
  g_assert_cmpuint (fx->sent->len, >, SP_CONN_STREAM_MAX_QUEUED - size - 10);

  /* The peer is cut off: nothing more is taken. */
  g_clear_error (&error);
  g_assert_false (sp_conn_stream_send_frame (fx->stream, SP_WS_OPCODE_TEXT, "x", 1));
  g_assert_cmpint (g_pollable_output_stream_write_nonblocking (
                     G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (fx->stream))),
                     "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  spin (fx, 20);
  g_assert_cmpuint (fx->drained, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* The input side: the size of fragmented messages                            */

/* What a client sends: a masked frame. */
static void
client_frame (GByteArray *out,
              guint8      opcode,
              gboolean    fin,
              gsize       length)
{
  static const guint8 mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
  guint8 header[10];
  gsize header_len = sp_ws_frame_header (header, opcode, length);

  if (!fin)
    header[0] &= 0x7f;
  header[1] |= 0x80;
  g_byte_array_append (out, header, (guint) header_len);
  g_byte_array_append (out, mask, 4);
  for (gsize i = 0; i < length; i++)
    {
      guint8 byte = (guint8) ('a' + i % 26) ^ mask[i % 4];

      g_byte_array_append (out, &byte, 1);
    }
}

static void
client_send (Fixture    *fx,
             GByteArray *bytes)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_socket_send (fx->reader, (const char *) bytes->data, bytes->len, NULL, &error),
                   ==, (gssize) bytes->len);
  g_assert_no_error (error);
}

/* Reads through the stream until @want bytes came or a read failed. */
static GByteArray *
stream_read (Fixture  *fx,
             gsize     want,
             GError  **error)
{
  GPollableInputStream *input =
    G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (fx->stream)));
  GByteArray *got = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (got->len < want && g_get_monotonic_time () < deadline)
    {
      guint8 buffer[4096];
      g_autoptr(GError) local = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (input, buffer, sizeof buffer, NULL, &local);

      if (n > 0)
        g_byte_array_append (got, buffer, (guint) n);
      else if (n == 0 || !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          break;
        }
      else
        spin (fx, 1);
    }

  return got;
}

static void
test_message_limit (Fixture       *fx,
                    gconstpointer  data)
{
  static const char request[] = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n";
  static const guint8 close_1009[] = { 0x88, 0x11, 0x03, 0xF1, 'M', 'e', 's', 's', 'a', 'g', 'e',
                                       ' ', 't', 'o', 'o', ' ', 'b', 'i', 'g' };
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GByteArray) got = NULL;
  g_autoptr(GError) error = NULL;

  /* Before the upgrade: the request's head, and not a byte past its end,
   * although frames sent early came with it in one read ... */
  g_byte_array_append (bytes, (const guint8 *) request, sizeof request - 1);
  client_frame (bytes, 0x1, FALSE, 400);
  client_frame (bytes, 0x0, TRUE, 500);
  client_send (fx, bytes);
  spin (fx, 50);
  got = stream_read (fx, sizeof request - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got->data, got->len, request, sizeof request - 1);
  g_clear_pointer (&got, g_byte_array_unref);

  /* ... which wait for the upgrade, and then are frames, counted. */
  sp_conn_stream_limit_messages (fx->stream, 1000);
  got = stream_read (fx, bytes->len - (sizeof request - 1), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got->data, got->len, bytes->data + sizeof request - 1,
                   bytes->len - (sizeof request - 1));
  g_clear_pointer (&got, g_byte_array_unref);

  /* 950 bytes in three fragments and a ping between them: passed on whole. */
  g_byte_array_set_size (bytes, 0);
  client_frame (bytes, 0x1, FALSE, 400);
  client_frame (bytes, 0x0, FALSE, 400);
  client_frame (bytes, 0x9, TRUE, 5);
  client_frame (bytes, 0x0, TRUE, 150);
  /* A new message counts from zero. */
  client_frame (bytes, 0x2, FALSE, 999);
  client_frame (bytes, 0x0, TRUE, 1);
  client_send (fx, bytes);
  got = stream_read (fx, bytes->len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (got->data, got->len, bytes->data, bytes->len);
  g_clear_pointer (&got, g_byte_array_unref);
  g_assert_cmpuint (sp_conn_stream_get_queued (fx->stream), ==, 0);

  /* 1,200 bytes in two fragments, each under the limit: stopped. */
  g_byte_array_set_size (bytes, 0);
  client_frame (bytes, 0x1, FALSE, 600);
  client_frame (bytes, 0x0, TRUE, 600);
  client_send (fx, bytes);
  got = stream_read (fx, bytes->len, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_cmpuint (got->len, <, bytes->len);
  g_clear_error (&error);
  g_clear_pointer (&got, g_byte_array_unref);
  /* ... for good. */
  got = stream_read (fx, 1, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error (&error);

  /* The client goes on sending, as a client that streams a huge message
   * does; nothing reads those bytes any more. */
  g_byte_array_set_size (bytes, 0);
  for (guint i = 0; i < 4; i++)
    client_frame (bytes, 0x0, FALSE, 30000);
  g_assert_cmpint (g_socket_send (fx->reader, (const char *) bytes->data, bytes->len, NULL, NULL), >, 0);
  spin (fx, 50);

  /* The client is told why, and the connection then ends without a reset
   * (which could destroy the close frame in flight) although the client's
   * last bytes were never read. */
  start_reading (fx);
  close_stream (fx);
  g_assert_true (wait_until (fx, reader_at_eof, WAIT_MS));
  g_assert_no_error (fx->read_error);
  g_assert_cmpmem (fx->received->data, fx->received->len, close_1009, sizeof close_1009);
}

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char *path;
    void      (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "order-under-backpressure", test_order_under_backpressure },
    { "linger-on-close", test_linger_drains },
    { "linger-on-close/timeout", test_linger_times_out },
    { "peer-gone", test_peer_gone_queued },
    { "peer-gone/idle", test_peer_gone_idle },
    { "limit", test_limit },
    { "message-limit", test_message_limit },
  };

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/conn-stream/frame-header", test_frame_header);
  /* Each twice: writing to the socket directly, and (/pollable) through the
   * connection's pollable output stream, as for TLS, in the default context. */
  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < G_N_ELEMENTS (tests); j++)
      {
        g_autofree char *path = g_strconcat (i == 0 ? "/conn-stream/" : "/conn-stream/pollable/",
                                             tests[j].path, NULL);

        g_test_add (path, Fixture, GINT_TO_POINTER (i), fixture_set_up, tests[j].func, fixture_tear_down);
      }

  return g_test_run ();
}
