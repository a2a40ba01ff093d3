/* The chart's price history: summaries equal a plain scan, the oldest points
 * leave at the capacity, gaps stay where the stream stopped, CSV export. */
#include "config.h"

#include "sp-series.h"

static void
brute_force (SpSeries        *series,
             guint            begin,
             guint            end,
             SpSeriesSummary *out)
{
  out->count = end - begin;
  out->min = G_MAXDOUBLE;
  out->max = -G_MAXDOUBLE;
  for (guint i = begin; i < end; i++)
    {
      const SpSeriesPoint *point = sp_series_get_point (series, i);

      out->min = MIN (out->min, point->price);
      out->max = MAX (out->max, point->price);
    }
  out->first = sp_series_get_point (series, begin)->price;
  out->last = sp_series_get_point (series, end - 1)->price;
}

static void
check_random_ranges (SpSeries *series,
                     GRand    *rand,
                     guint     n_ranges)
{
  guint len = sp_series_get_length (series);

  for (guint k = 0; k < n_ranges; k++)
    {
      guint begin = g_rand_int_range (rand, 0, len);
      guint end = begin + 1 + g_rand_int_range (rand, 0, len - begin);
      SpSeriesSummary fast, slow;

      g_assert_true (sp_series_summarize (series, begin, end, &fast));
      brute_force (series, begin, end, &slow);
      g_assert_cmpuint (fast.count, ==, slow.count);
      g_assert_cmpfloat (fast.min, ==, slow.min);
      g_assert_cmpfloat (fast.max, ==, slow.max);
      g_assert_cmpfloat (fast.first, ==, slow.first);
      g_assert_cmpfloat (fast.last, ==, slow.last);
    }
}

/* Whatever range the chart asks about, the summary is the one a full scan gives. */
static void
test_summaries (void)
{
  g_autoptr(SpSeries) series = sp_series_new (1000000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  SpSeriesSummary summary;
  double price = 100;

  g_assert_false (sp_series_summarize (series, 0, 10, &summary));
  g_assert_cmpuint (summary.count, ==, 0);

  for (guint i = 0; i < 300000; i++)
    {
      price *= 1 + g_rand_double_range (rand, -0.001, 0.001);
      sp_series_append (series, 1000000 + (gint64) i * 1000, price);
    }
  g_assert_cmpuint (sp_series_get_length (series), ==, 300000);
  check_random_ranges (series, rand, 2000);

  /* The whole series, and ranges that are exactly whole blocks. */
  g_assert_true (sp_series_summarize (series, 0, 300000, &summary));
  g_assert_cmpuint (summary.count, ==, 300000);
  g_assert_true (sp_series_summarize (series, 4096, 8192, &summary));
  g_assert_cmpuint (summary.count, ==, 4096);
  g_assert_cmpint (summary.t_first, ==, 1000000 + 4096 * 1000);
  g_assert_cmpint (summary.t_last, ==, 1000000 + 8191 * 1000);
  /* Past the end is cut at the end. */
  g_assert_true (sp_series_summarize (series, 299990, 400000, &summary));
  g_assert_cmpuint (summary.count, ==, 10);
}

static void
test_lower_bound (void)
{
  g_autoptr(SpSeries) series = sp_series_new (100);

  g_assert_cmpuint (sp_series_lower_bound (series, 0), ==, 0);
  for (int i = 0; i < 10; i++)
    sp_series_append (series, 100 * (i / 2), i);   /* two points per time */

  g_assert_cmpuint (sp_series_lower_bound (series, -5), ==, 0);
  g_assert_cmpuint (sp_series_lower_bound (series, 0), ==, 0);
  g_assert_cmpuint (sp_series_lower_bound (series, 1), ==, 2);
  g_assert_cmpuint (sp_series_lower_bound (series, 100), ==, 2);
  g_assert_cmpuint (sp_series_lower_bound (series, 400), ==, 8);
  g_assert_cmpuint (sp_series_lower_bound (series, 401), ==, 10);

  /* A point from the past (a server clock that jumped back) keeps the order. */
  sp_series_append (series, 50, 1);
  g_assert_cmpint (sp_series_get_point (series, 10)->t_us, ==, 400);
}

/* Memory is bounded: past the capacity the oldest points leave, the newest stay
 * intact, and the summaries remain right. */
static void
test_capacity (void)
{
  g_autoptr(SpSeries) series = sp_series_new (100000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint len;

  for (guint i = 0; i < 1000000; i++)
    {
      sp_series_append (series, i, g_rand_double_range (rand, 1, 2));
      g_assert_cmpuint (sp_series_get_length (series), <, 100000 + 100000 / 16 + 1);
    }

  len = sp_series_get_length (series);
  g_assert_cmpuint (len, >=, 100000);
  g_assert_cmpint (sp_series_get_point (series, len - 1)->t_us, ==, 999999);
  g_assert_cmpint (sp_series_get_point (series, 0)->t_us, ==, 1000000 - len);
  g_assert_cmpuint (sp_series_get_first_serial (series), ==, 1000000 - len);
  check_random_ranges (series, rand, 500);

  /* A smaller capacity takes effect at once and at any size. */
  sp_series_set_capacity (series, 1000);
  g_assert_cmpuint (sp_series_get_length (series), ==, 1000);
  g_assert_cmpint (sp_series_get_point (series, 999)->t_us, ==, 999999);
  check_random_ranges (series, rand, 500);
  for (guint i = 0; i < 5000; i++)
    sp_series_append (series, 1000000 + i, g_rand_double_range (rand, 1, 2));
  g_assert_cmpuint (sp_series_get_length (series), <, 1000 + 64 + 1);
  check_random_ranges (series, rand, 500);
}

/* A reconnect leaves a gap: the line is not drawn across it, and it moves with
 * the points as old ones leave. */
static void
test_gaps (void)
{
  g_autoptr(SpSeries) series = sp_series_new (1000);
  gint64 start, end;
  guint index;

  sp_series_mark_gap (series, 5);   /* nothing to separate yet */
  g_assert_cmpuint (sp_series_get_n_gaps (series), ==, 0);

  for (int i = 0; i < 10; i++)
    sp_series_append (series, i * 10, 1);
  sp_series_mark_gap (series, 95);
  sp_series_mark_gap (series, 99);  /* still down: the same gap */
  g_assert_cmpuint (sp_series_get_n_gaps (series), ==, 1);
  sp_series_get_gap (series, 0, &start, &end, &index);
  g_assert_cmpint (start, ==, 95);
  g_assert_cmpint (end, ==, G_MAXINT64);
  g_assert_cmpuint (index, ==, 10);

  sp_series_append (series, 500, 2);
  sp_series_get_gap (series, 0, &start, &end, &index);
  g_assert_cmpint (end, ==, 500);
  g_assert_true (sp_series_gap_before (series, 10));
  g_assert_false (sp_series_gap_before (series, 9));
  g_assert_false (sp_series_gap_before (series, 11));

  /* After 2,000 more points the gap and its points are gone. */
  for (int i = 0; i < 2000; i++)
    sp_series_append (series, 1000 + i, 3);
  g_assert_cmpuint (sp_series_get_n_gaps (series), ==, 0);
  g_assert_false (sp_series_gap_before (series, 0));

  sp_series_clear (series);
  g_assert_cmpuint (sp_series_get_length (series), ==, 0);
}

/* A chart point leads back to the message it came from. */
static void
test_refs (void)
{
  g_autoptr(SpSeries) series = sp_series_new (100);

  g_assert_cmpint (sp_series_find_ref (series, 5), ==, -1);
  for (int i = 0; i < 10; i++)
    sp_series_append_full (series, i, i, 1000 + 10 * (i / 2));   /* two points per message */
  g_assert_cmpint (sp_series_find_ref (series, 999), ==, -1);
  g_assert_cmpint (sp_series_find_ref (series, 1000), ==, 1);
  g_assert_cmpint (sp_series_find_ref (series, 1015), ==, 3);
  g_assert_cmpint (sp_series_find_ref (series, 1040), ==, 9);
  g_assert_cmpint (sp_series_find_ref (series, 99999), ==, 9);
  g_assert_cmpint (sp_series_get_point (series, 9)->ref, ==, 1040);
}

static void
test_csv (void)
{
  g_autoptr(SpSeries) series = sp_series_new (10);
  g_autoptr(GBytes) csv = NULL;
  const char *expected =
    "time,symbol,price\n"
    "2026-11-24T12:00:00.250000Z,\"A,\"\"B\"\"\",299.9\n"
    "2026-11-24T12:00:01.000001Z,\"A,\"\"B\"\"\",0.000123\n";
  gint64 noon = G_GINT64_CONSTANT (1795521600) * G_USEC_PER_SEC;

  sp_series_append (series, noon + 250000, 299.9);
  sp_series_append (series, noon + 1000001, 0.000123);
  csv = sp_series_to_csv (series, "A,\"B\"");
  g_assert_cmpmem (g_bytes_get_data (csv, NULL), g_bytes_get_size (csv), expected, strlen (expected));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/series/summaries", test_summaries);
  g_test_add_func ("/series/lower-bound", test_lower_bound);
  g_test_add_func ("/series/capacity", test_capacity);
  g_test_add_func ("/series/gaps", test_gaps);
  g_test_add_func ("/series/refs", test_refs);
  g_test_add_func ("/series/csv", test_csv);

  return g_test_run ();
}
