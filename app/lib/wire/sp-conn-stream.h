/* The stream of one accepted client, handed to libsoup in place of the
 * connection itself.
 *
 * Reads go to the connection unchanged. Writes, libsoup's (handshake
 * response, pongs, close frames, replies) and the server's own tick frames
 * (sp_conn_stream_send_frame), go through one ordered queue: what the socket
 * takes now is written at once, the rest waits in the queue and drains as the
 * socket takes more. libsoup never sees a write block, so the queue is the
 * one place that knows how far behind a client is: "lagging" is simply
 * "bytes queued", known for free at every send.
 *
 * A tick frame costs one sendmsg() of its header and the shared payload, with
 * no copy and no allocation; through libsoup it cost a copy of the payload, a
 * frame record, a GBytes and two debug messages.
 *
 * Plain TCP is written with sendmsg(); TLS through the TLS connection's
 * pollable output stream. Used on one thread at a time: that of the main
 * context it was made for, while it dispatches, or another that keeps it out
 * of its dispatch meanwhile (the server's tick and send threads, under the
 * engine's lock). */
#pragma once

#include <gio/gio.h>

/* Its frames and close codes: opcodes for sp_conn_stream_send_frame(). */
#include "sp-ws-frame.h"

G_BEGIN_DECLS

#define SP_TYPE_CONN_STREAM (sp_conn_stream_get_type ())
G_DECLARE_FINAL_TYPE (SpConnStream, sp_conn_stream, SP, CONN_STREAM, GIOStream)

/* The queue's limit: a peer that leaves this much unread is cut off (its
 * writes fail with G_IO_ERROR_NO_SPACE). The server stops sending ticks to a
 * lagging client long before; this bounds what libsoup's own writes can add. */
#define SP_CONN_STREAM_MAX_QUEUED (4 * 1024 * 1024)

/* @socket: the socket under @base, written directly; NULL when @base is TLS. */
SpConnStream *sp_conn_stream_new             (GIOStream    *base,
                                              GSocket      *socket,
                                              GMainContext *context);

/* The stream of a connection the viewer opened and did the handshake on
 * itself: frames from the first byte (@early: what came after the
 * response's head), a message over @max_message_size (0: no limit) or a
 * frame no server may send stops it as above, with a masked close frame;
 * writes queue in order as for a server's stream. */
SpConnStream *sp_conn_stream_new_client      (GIOStream    *base,
                                              GSocket      *socket,
                                              GMainContext *context,
                                              GBytes       *early,
                                              guint64       max_message_size);

/* Why the stream stopped the connection itself, if it did: the close code
 * it sent (or 400 for a request it refused), and the reason; 0 if not. */
guint         sp_conn_stream_get_stop        (SpConnStream  *self,
                                              const char   **reason);

/* Called once, when the stream stops the connection itself, with what
 * sp_conn_stream_get_stop() then returns. */
typedef void (*SpConnStreamStopFunc) (SpConnStream *stream,
                                      guint         code,
                                      const char   *reason,
                                      gpointer      user_data);
void          sp_conn_stream_set_stop_func   (SpConnStream         *self,
                                              SpConnStreamStopFunc  func,
                                              gpointer              user_data,
                                              GDestroyNotify        destroy);

/* The code in the peer's first close frame, 0 before one came. (On a
 * client's stream a server's 1012, 1013 or 1014 reaches libsoup as 1000,
 * which libsoup 3.2 would otherwise take for a protocol error: the true
 * code is this one.) */
guint         sp_conn_stream_get_peer_close_code (SpConnStream *self);

/* One unmasked, unfragmented frame, as a server sends it. Returns FALSE when
 * the stream is closed or broken (nothing sent). */
gboolean      sp_conn_stream_send_frame      (SpConnStream *self,
                                              guint8        opcode,
                                              const void   *payload,
                                              gsize         length);

/* A close frame with @code and @reason (cut to 123 bytes), as for
 * sp_conn_stream_send_frame(). */
gboolean      sp_conn_stream_send_close      (SpConnStream *self,
                                              guint16       code,
                                              const char   *reason);

/* Bytes written but not yet taken by the socket. */
gsize         sp_conn_stream_get_queued      (SpConnStream *self);

/* Called once, from @self's main context, each time the queue goes from
 * holding bytes to empty. */
typedef void (*SpConnStreamDrainedFunc) (SpConnStream *stream,
                                         gpointer      user_data);
void          sp_conn_stream_set_drained_func (SpConnStream            *self,
                                               SpConnStreamDrainedFunc  func,
                                               gpointer                 user_data);

/* Before the upgrade, requests the guard cannot read the end of exactly
 * (sp-ws-guard.h) get a 400 and the connection ends.
 *
 * The upgrade happened: from now on a message (data frame and its
 * continuations) longer than @max_message_size stops the connection: a close
 * frame 1009 is queued and reads fail with G_IO_ERROR_MESSAGE_TOO_LARGE; so
 * does a control frame over 125 bytes or in fragments, with 1002 and
 * G_IO_ERROR_INVALID_DATA. libsoup 3.2 bounds single frames but not the sum
 * of fragments, and takes pongs of any length. */
void          sp_conn_stream_limit_messages  (SpConnStream *self,
                                              guint64       max_message_size);

G_END_DECLS
