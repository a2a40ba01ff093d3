/* Fuzz target: the guard under the server's and the viewer's WebSocket
 * connections (sp-ws-guard.h). The first byte chooses the mode (HTTP first or
 * frames only, upgrade after the first head or not) and the message limit,
 * the next eight how the rest is cut into reads; the rest is what the peer
 * sent. Whatever the cuts, the guard must see the same thing: the same
 * verdicts, heads ending at the same offsets, as when the bytes come in one
 * read. A head
 * ends only after CR LF CR LF, a stop says why in a close frame's room, and a
 * stopped guard stays stopped. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "sp-ws-guard.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  SpWsGuardVerdict verdict;
  gsize            at;
} Event;

static GArray *
run (const guint8 *data,
     gsize         size,
     guint8        mode,
     const guint8 *cuts,
     gsize         n_cuts)
{
  static const guint64 limits[] = { 0, 1, 125, 126, 65535, 65536, G_MAXUINT32, G_MAXUINT64 };
  GArray *events = g_array_new (FALSE, FALSE, sizeof (Event));
  guint64 limit = limits[(mode >> 2) % G_N_ELEMENTS (limits)];
  gboolean upgrade = (mode & 2) != 0;
  SpWsGuard guard;
  gsize pos = 0;
  guint k = 0;

  sp_ws_guard_init_http (&guard);
  if (mode & 1)
    sp_ws_guard_begin_frames (&guard, limit);

  while (pos < size)
    {
      gsize chunk = n_cuts > 0 ? 1 + cuts[k++ % n_cuts] % 97 : size - pos;
      const char *why = NULL;
      gsize taken = G_MAXSIZE;
      SpWsGuardVerdict verdict;
      Event event;

      chunk = MIN (chunk, size - pos);
      verdict = sp_ws_guard_scan (&guard, data + pos, chunk, &taken, &why);
      g_assert_cmpuint (taken, <=, chunk);
      if (verdict == SP_WS_GUARD_PASS)
        {
          g_assert_cmpuint (taken, ==, chunk);
          g_assert_null (why);
          pos += chunk;
          continue;
        }

      event.verdict = verdict;
      event.at = pos + taken;
      g_array_append_val (events, event);

      if (verdict == SP_WS_GUARD_HEAD_END)
        {
          g_assert_false (sp_ws_guard_in_frames (&guard));
          g_assert_null (why);
          g_assert_cmpuint (event.at, >=, 4);
          g_assert_cmpmem (data + event.at - 4, 4, "\r\n\r\n", 4);
          g_assert_true (sp_ws_guard_at_head_start (&guard));
          pos = event.at;
          if (upgrade)
            {
              sp_ws_guard_begin_frames (&guard, limit);
              upgrade = FALSE;
            }
          continue;
        }

      /* A stop: said why, short enough for a close frame; and it stays. */
      g_assert_nonnull (why);
      g_assert_cmpuint (strlen (why), <=, 123);
      g_assert_true (g_utf8_validate (why, -1, NULL));
      g_assert_true (verdict == SP_WS_GUARD_BAD_REQUEST ? !sp_ws_guard_in_frames (&guard)
                                                        : sp_ws_guard_in_frames (&guard));
      taken = G_MAXSIZE;
      g_assert_cmpint (sp_ws_guard_scan (&guard, data, size, &taken, NULL), ==, verdict);
      g_assert_cmpuint (taken, ==, 0);
      break;
    }

  return events;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GArray *whole, *cut;
  guint8 mode;

  if (size < 9)
    return 0;
  mode = data[0];

  whole = run (data + 9, size - 9, mode, NULL, 0);
  cut = run (data + 9, size - 9, mode, data + 1, 8);
  g_assert_cmpuint (cut->len, ==, whole->len);
  for (guint i = 0; i < whole->len; i++)
    {
      g_assert_cmpint (g_array_index (cut, Event, i).verdict, ==,
                       g_array_index (whole, Event, i).verdict);
      /* Heads end at the same byte; a stop may be told a read later. */
      if (g_array_index (whole, Event, i).verdict == SP_WS_GUARD_HEAD_END)
        g_assert_cmpuint (g_array_index (cut, Event, i).at, ==, g_array_index (whole, Event, i).at);
      else
        g_assert_cmpuint (g_array_index (cut, Event, i).at, >=, g_array_index (whole, Event, i).at);
    }
  g_array_unref (whole);
  g_array_unref (cut);

  return 0;
}
