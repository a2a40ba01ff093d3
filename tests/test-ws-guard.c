/* The guard: where a request ends, which requests it refuses, and which
 * frames stop a connection. Each input is read whole and byte by byte. */
#include "config.h"

#include <string.h>

#include "sp-ws-guard.h"

#define REQUEST "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" \
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
                "Sec-WebSocket-Version: 13\r\n"

typedef struct
{
  SpWsGuardVerdict verdict;   /* the first that is not PASS, or PASS */
  gsize            at;        /* where it came */
  const char      *why;
} Outcome;

/* Reads @size bytes in pieces of @step (0: whole), as a server would: HTTP
 * first, frames from the end of the first head on when @upgrade. */
static Outcome
scan (const char *data,
      gsize       size,
      gsize       step,
      gboolean    upgrade,
      guint64     limit)
{
  SpWsGuard guard;
  Outcome outcome = { SP_WS_GUARD_PASS, size, NULL };
  gsize pos = 0;

  sp_ws_guard_init_http (&guard);
  while (pos < size)
    {
      gsize chunk = MIN (step > 0 ? step : size, size - pos);
      gsize taken;
      SpWsGuardVerdict verdict = sp_ws_guard_scan (&guard, (const guint8 *) data + pos, chunk,
                                                   &taken, &outcome.why);

      if (verdict == SP_WS_GUARD_PASS)
        {
          pos += chunk;
          continue;
        }
      if (verdict == SP_WS_GUARD_HEAD_END && upgrade)
        {
          pos += taken;
          upgrade = FALSE;
          sp_ws_guard_begin_frames (&guard, limit);
          continue;
        }
      outcome.verdict = verdict;
      outcome.at = pos + taken;
      return outcome;
    }

  return outcome;
}

/* The same outcome read whole and byte by byte. */
static Outcome
scan_both (const char *data,
           gsize       size,
           gboolean    upgrade,
           guint64     limit)
{
  Outcome whole = scan (data, size, 0, upgrade, limit);
  Outcome bytes = scan (data, size, 1, upgrade, limit);

  g_assert_cmpint (bytes.verdict, ==, whole.verdict);
  g_assert_cmpstr (bytes.why, ==, whole.why);
  if (whole.verdict == SP_WS_GUARD_HEAD_END || whole.verdict == SP_WS_GUARD_BAD_REQUEST)
    g_assert_cmpuint (bytes.at, ==, whole.at);

  return whole;
}

static void
assert_refused (const char *request,
                const char *why_part)
{
  Outcome outcome = scan_both (request, strlen (request), FALSE, 0);

  g_assert_cmpint (outcome.verdict, ==, SP_WS_GUARD_BAD_REQUEST);
  g_assert_nonnull (strstr (outcome.why, why_part));
}

static void
test_head_end (void)
{
  const char *two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" REQUEST "\r\n" "\x81\x85";
  Outcome outcome = scan_both (two, strlen (two), FALSE, 0);
  SpWsGuard guard;
  gsize taken;

  /* The first head ends after its CR LF CR LF, not one byte later. */
  g_assert_cmpint (outcome.verdict, ==, SP_WS_GUARD_HEAD_END);
  g_assert_cmpuint (outcome.at, ==, strlen ("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));

  /* Then the second, and what follows it is not read as HTTP. */
  sp_ws_guard_init_http (&guard);
  g_assert_cmpint (sp_ws_guard_scan (&guard, (const guint8 *) two, strlen (two), &taken, NULL),
                   ==, SP_WS_GUARD_HEAD_END);
  g_assert_true (sp_ws_guard_at_head_start (&guard));
  g_assert_cmpint (sp_ws_guard_scan (&guard, (const guint8 *) two + taken, strlen (two) - taken,
                                     &taken, NULL), ==, SP_WS_GUARD_HEAD_END);
  g_assert_cmpuint (taken, ==, strlen (REQUEST "\r\n"));

  /* Half a head: not at a head's start. */
  sp_ws_guard_init_http (&guard);
  g_assert_cmpint (sp_ws_guard_scan (&guard, (const guint8 *) "GET", 3, &taken, NULL), ==,
                   SP_WS_GUARD_PASS);
  g_assert_false (sp_ws_guard_at_head_start (&guard));
}

static void
test_refused_requests (void)
{
  g_autofree char *bare_lf = g_strdup (REQUEST "\r\n");

  for (char *p = bare_lf; (p = strstr (p, "\r\n")) != NULL;)
    memmove (p, p + 1, strlen (p));
  assert_refused (bare_lf, "bare LF");
  assert_refused ("GET / HTTP/1.1\r\nHost: x\n\r\n", "bare LF");
  assert_refused ("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", "CR not followed by LF");
  assert_refused ("\r\n" REQUEST "\r\n", "request line");
  assert_refused (REQUEST "X-A: a\r\n folded\r\n\r\n", "Folded");
  assert_refused (REQUEST "X-A: a\r\n\tfolded\r\n\r\n", "Folded");
  assert_refused (REQUEST "Content-Length: 4\r\n\r\nbody", "no body");
  assert_refused (REQUEST "content-length:1\r\n\r\n", "no body");
  assert_refused (REQUEST "Content-Length : 0\r\n\r\n", "no body");
  assert_refused (REQUEST "Content-Length: 0, 0\r\n\r\n", "no body");
  assert_refused (REQUEST "Content-Length:\r\n\r\n", "no body");
  assert_refused (REQUEST "Transfer-Encoding: chunked\r\n\r\n", "no body");
  assert_refused (REQUEST "TRANSFER-ENCODING: identity\r\n\r\n", "no body");
  assert_refused (REQUEST "Content-Length: 00000000000000000000000000000000000000000001\r\n\r\n",
                  "no body");

  /* A length of zero is no body; a header that only starts alike is another. */
  {
    const char *ok[] = { REQUEST "Content-Length: 0\r\n\r\n", REQUEST "content-length:\t000 \r\n\r\n",
                         REQUEST "Content-Lengthy: 5\r\n\r\n", REQUEST "X-Transfer-Encoding: a\r\n\r\n" };

    for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
      g_assert_cmpint (scan_both (ok[i], strlen (ok[i]), FALSE, 0).verdict, ==,
                       SP_WS_GUARD_HEAD_END);
  }
  /* A stopped guard stays stopped. */
  {
    SpWsGuard guard;
    gsize taken;

    sp_ws_guard_init_http (&guard);
    g_assert_cmpint (sp_ws_guard_scan (&guard, (const guint8 *) "G\n", 2, &taken, NULL), ==,
                     SP_WS_GUARD_BAD_REQUEST);
    g_assert_cmpuint (taken, ==, 1);
    g_assert_cmpint (sp_ws_guard_scan (&guard, (const guint8 *) REQUEST, 4, &taken, NULL), ==,
                     SP_WS_GUARD_BAD_REQUEST);
    g_assert_cmpuint (taken, ==, 0);
  }
}

/* A masked client frame header for @length bytes, written to @out. */
static gsize
client_header (guint8 *out,
               guint8  first,
               guint64 length)
{
  gsize n;

  out[0] = first;
  if (length < 126)
    out[1] = 0x80 | (guint8) length, n = 2;
  else if (length <= G_MAXUINT16)
    out[1] = 0x80 | 126, out[2] = (guint8) (length >> 8), out[3] = (guint8) length, n = 4;
  else
    {
      out[1] = 0x80 | 127;
      for (int i = 0; i < 8; i++)
        out[2 + i] = (guint8) (length >> (56 - 8 * i));
      n = 10;
    }
  memset (out + n, 0, 4);
  return n + 4;
}

#define END G_MAXUINT

/* REQUEST, its end, then frames: first bytes and lengths, in pairs, up to END. */
static GByteArray *
upgrade_then (const guint *frames)
{
  GByteArray *bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *) REQUEST "\r\n", strlen (REQUEST "\r\n"));
  for (guint i = 0; frames[i] != END; i += 2)
    {
      guint8 header[14];
      gsize at = bytes->len;

      g_byte_array_append (bytes, header, (guint) client_header (header, (guint8) frames[i],
                                                                 frames[i + 1]));
      g_byte_array_set_size (bytes, (guint) (bytes->len + frames[i + 1]));
      memset (bytes->data + at + client_header (header, (guint8) frames[i], frames[i + 1]), 'x',
              frames[i + 1]);
    }

  return bytes;
}

static Outcome
frames_outcome (const guint *frames,
                guint64      limit)
{
  g_autoptr(GByteArray) bytes = upgrade_then (frames);

  return scan_both ((const char *) bytes->data, bytes->len, TRUE, limit);
}

static void
test_frames (void)
{
  /* Whole messages up to the limit pass, in one frame or in fragments, and
   * pings between fragments belong to no message. */
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x81, 100, 0x81, 100, END }, 100).verdict, ==,
                   SP_WS_GUARD_PASS);
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x01, 50, 0x89, 125, 0x00, 25, 0x80, 25, 0x82, 100, END },
                                   100).verdict, ==, SP_WS_GUARD_PASS);

  /* One byte more, in any frame of the message: too big. */
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x81, 101, END }, 100).verdict, ==,
                   SP_WS_GUARD_TOO_BIG);
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x01, 50, 0x00, 25, 0x80, 26, END }, 100).verdict,
                   ==, SP_WS_GUARD_TOO_BIG);
  /* Endless continuations of empty frames are no growth; of 1 byte they are. */
  {
    guint many[2 * 300 + 3] = { 0x02, 0 };

    for (guint i = 1; i < 300; i++)
      many[2 * i] = 0x00, many[2 * i + 1] = 1;
    many[2 * 300] = END;
    g_assert_cmpint (frames_outcome (many, 100).verdict, ==, SP_WS_GUARD_TOO_BIG);
  }
  /* No limit: nothing is too big. */
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x81, 70000, END }, 0).verdict, ==,
                   SP_WS_GUARD_PASS);

  /* Control frames: at most 125 bytes, never fragmented (RFC 6455, 5.5). */
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x8a, 126, END }, 0).verdict, ==,
                   SP_WS_GUARD_PROTOCOL);
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x89, 126, END }, 0).verdict, ==,
                   SP_WS_GUARD_PROTOCOL);
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x88, 126, END }, 0).verdict, ==,
                   SP_WS_GUARD_PROTOCOL);
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x09, 1, END }, 0).verdict, ==,
                   SP_WS_GUARD_PROTOCOL);
  g_assert_cmpint (frames_outcome ((const guint[]) { 0x8a, 125, END }, 0).verdict, ==,
                   SP_WS_GUARD_PASS);
  g_assert_nonnull (strstr (frames_outcome ((const guint[]) { 0x8a, 126, END }, 0).why, "125"));

  /* A 64-bit length with its top bit set. */
  {
    SpWsGuard guard;
    const guint8 header[] = { 0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 };

    sp_ws_guard_init_http (&guard);
    sp_ws_guard_begin_frames (&guard, 0);
    g_assert_cmpint (sp_ws_guard_scan (&guard, header, sizeof header, NULL, NULL), ==,
                     SP_WS_GUARD_PROTOCOL);
  }
}

/* A server's 1012..1014 close: its code kept, libsoup shown 1000 (the second
 * byte's offset), also when the code arrives a byte at a time. */
static void
test_close_codes (void)
{
  static const guint8 close_1013[] = { 0x88, 0x06, 0x03, 0xf5, 'b', 'u', 's', 'y' };
  static const guint8 close_1000[] = { 0x88, 0x02, 0x03, 0xe8 };
  static const guint8 masked_1012[] = { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xf4 };

  for (gsize step = 1; step <= sizeof close_1013; step += sizeof close_1013 - 1)
    {
      SpWsGuard guard;
      gssize rewrite = -1;

      sp_ws_guard_init_http (&guard);
      sp_ws_guard_begin_frames (&guard, 0);
      for (gsize pos = 0; pos < sizeof close_1013; pos += step)
        {
          gsize n = MIN (step, sizeof close_1013 - pos);

          g_assert_cmpint (sp_ws_guard_scan (&guard, close_1013 + pos, n, NULL, NULL), ==,
                           SP_WS_GUARD_PASS);
          if (sp_ws_guard_close_rewrite_at (&guard) >= 0)
            rewrite = (gssize) pos + sp_ws_guard_close_rewrite_at (&guard);
        }
      g_assert_cmpuint (sp_ws_guard_get_peer_close_code (&guard), ==, 1013);
      g_assert_cmpint (rewrite, ==, 3);
    }

  /* 1000 needs nothing; a masked (client's) close is never rewritten. */
  {
    SpWsGuard guard;

    sp_ws_guard_init_http (&guard);
    sp_ws_guard_begin_frames (&guard, 0);
    sp_ws_guard_scan (&guard, close_1000, sizeof close_1000, NULL, NULL);
    g_assert_cmpuint (sp_ws_guard_get_peer_close_code (&guard), ==, 1000);
    g_assert_cmpint (sp_ws_guard_close_rewrite_at (&guard), ==, -1);

    sp_ws_guard_init_http (&guard);
    sp_ws_guard_begin_frames (&guard, 0);
    sp_ws_guard_scan (&guard, masked_1012, sizeof masked_1012, NULL, NULL);
    g_assert_cmpuint (sp_ws_guard_get_peer_close_code (&guard), ==, 1012);
    g_assert_cmpint (sp_ws_guard_close_rewrite_at (&guard), ==, -1);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ws-guard/head-end", test_head_end);
  g_test_add_func ("/ws-guard/refused-requests", test_refused_requests);
  g_test_add_func ("/ws-guard/frames", test_frames);
  g_test_add_func ("/ws-guard/close-codes", test_close_codes);

  return g_test_run ();
}
