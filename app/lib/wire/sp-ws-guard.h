/* A watch on the bytes a WebSocket peer sends, read as they pass on their
 * way to libsoup, which then cannot be made to hold more than it should.
 *
 * libsoup 3.2 assembles a fragmented message without a bound (fixed upstream
 * in 3.7.1): endless continuation frames, each under the limit, grow it
 * without end. The guard reads every frame header and stops the connection
 * once a message's fragments add up to more than the limit, or a frame is one
 * no peer may send (a control frame over 125 bytes or in fragments).
 *
 * On the server the bytes begin as HTTP, and the guard must know exactly
 * where the request libsoup upgraded ended, or it would read frames in the
 * wrong place (and a client could make it). So it reads the requests too, and
 * only those whose end it and libsoup agree on: every line ends in CR LF (no
 * bare LF, no bare CR), the head starts with its request line, no header is
 * folded, and no request has a body (Content-Length other than 0, or any
 * Transfer-Encoding). A request's head is passed on up to its end and no
 * further (SP_WS_GUARD_HEAD_END): what follows is held back until the caller
 * knows whether the request was upgraded (sp_ws_guard_begin_frames()), so
 * libsoup never has a byte of frames in its buffers that the guard took for
 * HTTP.
 *
 * Plain data, no I/O: the caller feeds what it read. Tested directly and by
 * a fuzz target (tests/fuzz/fuzz-ws-guard.c). */
#pragma once

#include <glib.h>

#include "sp-ws-frame.h"

G_BEGIN_DECLS

typedef enum
{
  SP_WS_GUARD_PASS,         /* all the bytes may pass */
  SP_WS_GUARD_HEAD_END,     /* a request's head ended: pass *taken bytes, hold the rest */
  SP_WS_GUARD_BAD_REQUEST,  /* refuse the request (400) */
  SP_WS_GUARD_TOO_BIG,      /* a message over the limit: close 1009 */
  SP_WS_GUARD_PROTOCOL,     /* a frame no peer may send: close 1002 */
} SpWsGuardVerdict;

#define SP_WS_GUARD_LINE_KEPT 48

typedef struct
{
  /*< private >*/
  guint64          limit;
  gboolean         frames;
  SpWsGuardVerdict stopped;     /* PASS while running */
  const char      *why;

  /* HTTP */
  gboolean         cr;
  guint            lines;       /* of the current head */
  gsize            line_len;
  char             line[SP_WS_GUARD_LINE_KEPT];

  /* Frames */
  guint8           header[SP_WS_FRAME_HEADER_MAX];
  gsize            header_len;
  gsize            header_need;
  guint64          payload_left;
  guint64          message_len;
  gboolean         in_close;     /* reading a close frame's payload */
  guint            close_read;   /* of its code bytes */
  guint8           close_code_hi;
  guint8           close_mask[4];  /* all zeros when the frame is not masked */
  gboolean         close_masked;
  guint            peer_close_code;
  gssize           rewrite_at;
} SpWsGuard;

/* A server's guard: the peer's bytes begin with HTTP requests. */
void             sp_ws_guard_init_http    (SpWsGuard *self);

/* From the next byte on, frames; a message over @limit bytes (0: none) stops. */
void             sp_ws_guard_begin_frames (SpWsGuard *self,
                                           guint64    limit);

/* Reads @size bytes. PASS: all of them may go on. HEAD_END: the first
 * *@taken may, and the head of a request ended there; the rest is not read
 * yet (scan it again later). Any other verdict stops the guard: *@taken bytes
 * were fine, the connection must end as the verdict says, *@why says why in a
 * sentence for the peer and the log, and every later call answers the same
 * with *@taken 0. */
SpWsGuardVerdict sp_ws_guard_scan         (SpWsGuard     *self,
                                           const guint8  *data,
                                           gsize          size,
                                           gsize         *taken,
                                           const char   **why);

/* The code of the first close frame the peer sent, 0 before one came. */
guint            sp_ws_guard_get_peer_close_code (const SpWsGuard *self);

/* libsoup 3.2 takes the registered codes 1012, 1013 and 1014 (service
 * restart, try again later, bad gateway) in a server's close frame for a
 * protocol error. After a scan, the offset in the bytes just scanned of the
 * code's second byte when it must be changed to 0xE8 (1012..1014 to 1000: the
 * first byte is the same) for libsoup to take the close as normal; -1 when
 * nothing is to change. Only unmasked (server) close frames. The true code
 * stays in sp_ws_guard_get_peer_close_code(). */
gssize           sp_ws_guard_close_rewrite_at (const SpWsGuard *self);

/* Whether the guard reads frames (after sp_ws_guard_begin_frames()). */
gboolean         sp_ws_guard_in_frames    (const SpWsGuard *self);

/* Whether the guard is between requests: nothing of a next one read yet. */
gboolean         sp_ws_guard_at_head_start (const SpWsGuard *self);

G_END_DECLS
