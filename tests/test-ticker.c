/* The ticker: deliveries on a fixed grid of the monotonic clock, no drift, no bursts. */
#include "config.h"

#include "sp-ticker.h"

#define INTERVAL_US (10 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GMainLoop *loop;
  gint64     first_deadline;
  GArray    *deadlines;   /* gint64 */
  GArray    *dispatched;  /* gint64, monotonic time of each call */
  GArray    *missed;      /* guint */
  guint      block_at;    /* call index that stalls the loop, or G_MAXUINT */
  gint64     stall_end;   /* monotonic time the stall ended */
  guint      stop_after;
  gboolean   destroyed;
} Run;

static gboolean
on_tick (gint64   deadline_us,
         guint    missed,
         gpointer user_data)
{
  Run *run = user_data;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (run->deadlines, deadline_us);
  g_array_append_val (run->dispatched, now);
  g_array_append_val (run->missed, missed);

  if (run->deadlines->len == run->block_at)
    {
      g_usleep (35 * G_TIME_SPAN_MILLISECOND);
      run->stall_end = g_get_monotonic_time ();
    }

  if (run->deadlines->len >= run->stop_after)
    {
      g_main_loop_quit (run->loop);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
on_destroy (gpointer user_data)
{
  ((Run *) user_data)->destroyed = TRUE;
}

static void
run_ticker (Run *run)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  GSource *source;
  gint64 before, after;

  run->loop = g_main_loop_new (context, FALSE);
  run->deadlines = g_array_new (FALSE, FALSE, sizeof (gint64));
  run->dispatched = g_array_new (FALSE, FALSE, sizeof (gint64));
  run->missed = g_array_new (FALSE, FALSE, sizeof (guint));

  before = g_get_monotonic_time ();
  source = sp_ticker_source_new (INTERVAL_US, on_tick, run, on_destroy);
  after = g_get_monotonic_time ();
  g_source_attach (source, context);
  g_source_unref (source);
  g_main_loop_run (run->loop);
  g_main_loop_unref (run->loop);

  /* The grid starts one interval after creation. The first call is for
   * that point, or for a later one when the loop came late (a busy
   * machine), and then says how many it missed. */
  run->first_deadline = g_array_index (run->deadlines, gint64, 0) -
                        (gint64) g_array_index (run->missed, guint, 0) * INTERVAL_US;
  g_assert_cmpint (run->first_deadline, >=, before + INTERVAL_US);
  g_assert_cmpint (run->first_deadline, <=, after + INTERVAL_US);
}

static void
run_free (Run *run)
{
  g_array_unref (run->deadlines);
  g_array_unref (run->dispatched);
  g_array_unref (run->missed);
}

static void
test_grid_without_drift (void)
{
  Run run = { .block_at = G_MAXUINT, .stop_after = 40 };

  run_ticker (&run);

  for (guint i = 0; i < run.deadlines->len; i++)
    {
      gint64 deadline = g_array_index (run.deadlines, gint64, i);
      gint64 dispatched = g_array_index (run.dispatched, gint64, i);
      guint missed = g_array_index (run.missed, guint, i);
      gint64 k = (deadline - run.first_deadline) / INTERVAL_US;

      /* Exactly on the grid, never early, and the k-th grid point after the
       * skipped ones: after 40 calls no drift has accumulated. */
      g_assert_cmpint ((deadline - run.first_deadline) % INTERVAL_US, ==, 0);
      g_assert_cmpint (dispatched, >=, deadline);
      if (i > 0)
        g_assert_cmpint (k, ==, (g_array_index (run.deadlines, gint64, i - 1) -
                                 run.first_deadline) / INTERVAL_US + 1 + missed);
    }

  g_assert_true (run.destroyed);
  run_free (&run);
}

static void
test_no_burst_after_stall (void)
{
  Run run = { .block_at = 5, .stop_after = 12 };
  gint64 stall_deadline;
  gint64 next_deadline;
  gint64 next_dispatch;
  guint missed;

  run_ticker (&run);

  stall_deadline = g_array_index (run.deadlines, gint64, 4);
  next_deadline = g_array_index (run.deadlines, gint64, 5);
  next_dispatch = g_array_index (run.dispatched, gint64, 5);
  missed = g_array_index (run.missed, guint, 5);
  g_test_message ("after a 35 ms stall: next deadline +%" G_GINT64_FORMAT " µs, missed %u",
                  next_deadline - stall_deadline, missed);

  /* The stall covered at least three grid points: the latest one reached
   * when the loop came back is delivered once, the ones before it are
   * reported as missed and dropped. How many more than three depends on
   * how long the machine took to wake the loop: bounded by what it took. */
  g_assert_cmpuint (missed, >=, 2);
  g_assert_cmpint (next_deadline - stall_deadline, ==, (gint64) (missed + 1) * INTERVAL_US);
  g_assert_cmpint ((next_deadline - run.first_deadline) % INTERVAL_US, ==, 0);
  g_assert_cmpint (next_deadline, >, run.stall_end - INTERVAL_US);
  g_assert_cmpint (next_deadline, <=, next_dispatch);

  /* No burst: every later call is for a later grid point, none repeated. */
  for (guint i = 6; i < run.deadlines->len; i++)
    g_assert_cmpint (g_array_index (run.deadlines, gint64, i) -
                     g_array_index (run.deadlines, gint64, i - 1), >=, INTERVAL_US);
  run_free (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ticker/grid-without-drift", test_grid_without_drift);
  g_test_add_func ("/ticker/no-burst-after-stall", test_no_burst_after_stall);

  return g_test_run ();
}
