/* Tick sources: the market ticks every symbol on its grid, a recording
 * passes its received messages on in order and waits for its receivers,
 * and the flush-group model splits clients only when a round of sends
 * would make ticks late. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "sp-error.h"

#include "sp-flush-groups.h"
#include "sp-frame-io.h"
#include "sp-market-source.h"
#include "sp-replay-source.h"

typedef struct
{
  GPtrArray *batches;   /* GArray of SpQuote, one per batch */
  GPtrArray *messages;  /* char *, the messages taken */
  guint      due;
  guint      take;      /* receivers to report for each message */
} Receiver;

static gboolean
on_due (SpTickSource *source,
        gpointer      user_data)
{
  Receiver *r = user_data;
  SpTickBatch batch;

  r->due++;
  while (sp_tick_source_next (source, &batch))
    {
      if (batch.message != NULL)
        {
          gsize size;
          const char *data = g_bytes_get_data (batch.message->payload, &size);

          if (r->take > 0)
            g_ptr_array_add (r->messages, g_strndup (data, size));
          sp_tick_source_taken (source, r->take, 1);
          continue;
        }
      {
        GArray *quotes = g_array_new (FALSE, FALSE, sizeof (SpQuote));

        g_array_append_vals (quotes, batch.quotes,
                             batch.n_steps * sp_tick_source_get_n_symbols (source));
        g_ptr_array_add (r->batches, quotes);
      }
    }
  return G_SOURCE_CONTINUE;
}

static void
receiver_init (Receiver *r)
{
  r->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  r->messages = g_ptr_array_new_with_free_func (g_free);
  r->due = 0;
  r->take = 1;
}

static void
receiver_clear (Receiver *r)
{
  g_ptr_array_unref (r->batches);
  g_ptr_array_unref (r->messages);
}

static void
test_market (void)
{
  const char *symbols[] = { "ACME=299.90", "HOOLI", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SpTickSource) source = sp_market_source_new (symbols, 42, 10, &error);
  g_autoptr(GMainContext) context = g_main_context_new ();
  Receiver r;

  g_assert_no_error (error);
  g_assert_cmpuint (sp_tick_source_get_n_symbols (source), ==, 2);
  g_assert_cmpstr (sp_tick_source_get_symbols (source)[0], ==, "ACME");
  g_assert_cmpint (sp_tick_source_find_symbol (source, "HOOLI"), ==, 1);
  g_assert_cmpint (sp_tick_source_find_symbol (source, "NOPE"), ==, -1);

  receiver_init (&r);
  sp_tick_source_start (source, context, on_due, &r);
  while (r.batches->len < 3)
    g_main_context_iteration (context, TRUE);

  /* Every batch has every symbol, steps in order, each symbol's own. */
  for (guint b = 0, seq = 0; b < r.batches->len; b++)
    {
      GArray *quotes = g_ptr_array_index (r.batches, b);

      g_assert_cmpuint (quotes->len % 2, ==, 0);
      for (guint i = 0; i < quotes->len; i += 2)
        {
          SpQuote *acme = &g_array_index (quotes, SpQuote, i);
          SpQuote *hooli = &g_array_index (quotes, SpQuote, i + 1);

          g_assert_cmpstr (acme->symbol, ==, "ACME");
          g_assert_cmpstr (hooli->symbol, ==, "HOOLI");
          g_assert_cmpuint (acme->seq, >, seq);
          g_assert_cmpint (acme->open_cents, ==, 29990);
          seq = acme->seq;
        }
    }

  /* Stopped, it says nothing more. */
  sp_tick_source_stop (source);
  r.due = 0;
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (context, FALSE);
  g_assert_cmpuint (r.due, ==, 0);
  receiver_clear (&r);

  g_clear_error (&error);
  g_assert_null (sp_market_source_new ((const char *[]) { "A", "A", NULL }, 1, 10, &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "listed twice"));
}

static char *
write_recording (const char * const *texts)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("sp-replay-XXXXXX.jsonl", &path, &error);

  g_assert_no_error (error);
  close (fd);
  for (guint i = 0; texts[i] != NULL; i++)
    {
      g_autoptr(GBytes) payload = g_bytes_new (texts[i], strlen (texts[i]));
      g_autoptr(SpFrame) frame = sp_frame_new (SP_FRAME_IN, SP_FRAME_TEXT, payload);
      g_autoptr(SpFrame) sent = sp_frame_new (SP_FRAME_OUT, SP_FRAME_TEXT, payload);

      frame->time_us = 1000000 + i * 1000;
      sent->time_us = frame->time_us;
      sp_frame_append_json_line (out, frame);
      sp_frame_append_json_line (out, sent);  /* sent ones are not replayed */
    }
  g_assert_true (g_file_set_contents (path, out->str, (gssize) out->len, &error));
  return path;
}

static void
test_replay (void)
{
  const char *texts[] = { "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", NULL };
  g_autofree char *path = write_recording (texts);
  g_autoptr(GError) error = NULL;
  g_autoptr(SpTickSource) source = sp_replay_source_new (path, 0, NULL, &error);
  g_autoptr(GMainContext) context = g_main_context_new ();
  Receiver r;

  g_assert_no_error (error);
  /* It answers to the default symbols, as the market would. */
  g_assert_cmpint (sp_tick_source_find_symbol (source, "ACME"), ==, 0);

  /* Nobody takes them: the first waits, none is lost. */
  receiver_init (&r);
  r.take = 0;
  sp_tick_source_start (source, context, on_due, &r);
  while (r.due < 3)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (r.messages->len, ==, 0);

  /* Taken: in order, from the start again at the end. */
  r.take = 1;
  while (r.messages->len < 7)
    g_main_context_iteration (context, TRUE);
  for (guint i = 0; i < 7; i++)
    g_assert_cmpstr (g_ptr_array_index (r.messages, i), ==, texts[i % 3]);
  sp_tick_source_stop (source);
  receiver_clear (&r);
  g_unlink (path);

  g_assert_null (sp_replay_source_new ("/nonexistent/recording.jsonl", 1, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/recording.jsonl"));
}

static void
test_replay_nothing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("sp-replay-XXXXXX.jsonl", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_null (sp_replay_source_new (path, 1, NULL, &error));
  g_assert_nonnull (error);
  g_unlink (path);
}

static void
test_flush_groups (void)
{
  SpFlushGroups model;
  double interval_us = 25000;  /* 40 ticks a second */

  /* 5,000 clients at 7.6 µs a frame: a full round (38 ms) is longer than
   * the interval; two groups make the worst delay shortest (44 ms). */
  g_assert_cmpfloat_with_epsilon (sp_flush_groups_worst_delay_us (38000, interval_us, 2),
                                  44000, 1);
  g_assert_cmpfloat_with_epsilon (sp_flush_groups_worst_delay_us (38000, interval_us, 3),
                                  62666.7, 1);
  sp_flush_groups_init (&model);
  g_assert_cmpuint (model.groups, ==, 1);
  g_assert_cmpuint (sp_flush_groups_update (&model, interval_us, 5000, 5000, 38000), ==, 2);
  /* Rounds half as long then (one group of two): it stays. */
  for (guint i = 0; i < 50; i++)
    sp_flush_groups_update (&model, interval_us, 5000, 2500, 19000);
  g_assert_cmpuint (model.groups, ==, 2);

  /* One tick a second, as by default: always one group. */
  sp_flush_groups_init (&model);
  g_assert_cmpuint (sp_flush_groups_update (&model, 1000000, 5000, 5000, 38000), ==, 1);

  /* Too few frames to time: no change. */
  sp_flush_groups_init (&model);
  g_assert_cmpuint (sp_flush_groups_update (&model, interval_us, 5000, 10, 100000), ==, 1);

  /* Rounds that became cheap bring it back to one group. */
  sp_flush_groups_init (&model);
  sp_flush_groups_update (&model, interval_us, 5000, 5000, 38000);
  for (guint i = 0; i < 100; i++)
    sp_flush_groups_update (&model, interval_us, 5000, 2500, 1000);
  g_assert_cmpuint (model.groups, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tick-source/market", test_market);
  g_test_add_func ("/tick-source/replay", test_replay);
  g_test_add_func ("/tick-source/replay-nothing", test_replay_nothing);
  g_test_add_func ("/tick-source/flush-groups", test_flush_groups);
  return g_test_run ();
}
