/* The window at rest: the chart draws when something changed, not on every
 * frame. Its live range moves at the pace of its span (a bounded number of
 * frame-clock ticks, counted, not wall time), new prices in view are drawn
 * and prices out of view are not, input is drawn at once, and a hidden page
 * or a minimised window draws nothing while its prices are still recorded,
 * then shows them when seen again. The window's own server streams on a
 * free port, every 100 ms. */
#include "config.h"

#include <locale.h>

#include "sp-application.h"
#include "sp-redraw-pace.h"
#include "sp-stream-page.h"
#include "sp-watchlist-row.h"
#include "sp-window.h"
#include "sptest-util.h"
#include "sptest-window.h"

#define S G_GINT64_CONSTANT (1000000)

static SpApplication *app;
static SpWindow *window;
static SpStreamPage *page;
static SpChart *chart;
static guint64 paints;

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  paints++;
}

/* ------------------------------------------------------------------------ */
/* Frame-clock ticks, counted                                                */

typedef struct
{
  guint  left;
  gint64 min_frame_time;   /* and at least this much frame time */
  guint  counted;
  gint64 first_frame_time;
  gint64 last_frame_time;
} Ticks;

static gboolean
ticks_done (gpointer data)
{
  Ticks *ticks = data;

  return ticks->left == 0 &&
         ticks->last_frame_time - ticks->first_frame_time >= ticks->min_frame_time;
}

static gboolean
count_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       data)
{
  Ticks *ticks = data;

  if (ticks->first_frame_time == 0)
    ticks->first_frame_time = gdk_frame_clock_get_frame_time (clock);
  ticks->last_frame_time = gdk_frame_clock_get_frame_time (clock);
  ticks->counted++;
  if (ticks->left > 0)
    ticks->left--;
  return ticks_done (ticks) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/* Runs the window for at least @n frame-clock ticks and @min_frame_time µs of
 * frame time (its own tick callback keeps the clock running, as an animation
 * would); returns the ticks, and in @spent the frame time they spanned. The
 * wall-time bound only catches a clock that stopped. */
static guint
run_ticks_for (guint   n,
               gint64  min_frame_time,
               gint64 *spent)
{
  Ticks ticks = { n, min_frame_time, 0, 0, 0 };
  guint id = gtk_widget_add_tick_callback (GTK_WIDGET (window), count_tick, &ticks, NULL);

  if (!sp_test_wait_until (NULL, ticks_done, &ticks, 120000))
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (window), id);
      g_error ("the frame clock stopped after %u ticks", ticks.counted);
    }
  if (spent != NULL)
    *spent = ticks.last_frame_time - ticks.first_frame_time;
  return ticks.counted;
}

static void
run_ticks (guint n)
{
  run_ticks_for (n, 0, NULL);
}

static gboolean
chart_drew (gpointer data)
{
  return sp_chart_get_draw_count (chart) > *(guint64 *) data;
}

/* Whether the chart draws within @n ticks. */
static gboolean
draws_within_ticks (guint n)
{
  guint64 before = sp_chart_get_draw_count (chart);
  Ticks ticks = { n, 0, 0, 0, 0 };
  guint id = gtk_widget_add_tick_callback (GTK_WIDGET (window), count_tick, &ticks, NULL);
  gboolean drew = FALSE;

  while (!ticks_done (&ticks) && !(drew = chart_drew (&before)))
    sp_test_wait_until (NULL, NULL, NULL, 5);
  if (!ticks_done (&ticks))
    gtk_widget_remove_tick_callback (GTK_WIDGET (window), id);
  return drew;
}

typedef struct
{
  SpSeries *series;
  guint     length;
} Growth;

static gboolean
series_grew (gpointer data)
{
  Growth *growth = data;

  return sp_series_get_length (growth->series) >= growth->length;
}

/* Waits (wall time: the stream's ticks) until the chart's series holds @more points. */
static void
wait_for_points (guint more)
{
  Growth growth = { sp_chart_get_series (chart), 0 };

  g_assert_nonnull (growth.series);
  growth.length = sp_series_get_length (growth.series) + more;
  g_assert_true (sp_test_wait_until (NULL, series_grew, &growth, 20000));
}

static gboolean
chart_has_points (gpointer data)
{
  SpSeries *series = sp_chart_get_series (chart);

  return series != NULL && sp_series_get_length (series) >= GPOINTER_TO_UINT (data);
}

/* ------------------------------------------------------------------------ */
/* The pace itself                                                           */

static void
test_pace (void)
{
  gint64 now = G_GINT64_CONSTANT (1800000000) * S;
  gint64 start, end, end_later, start_later;

  /* A stream older than the span slides with now, one pixel every span ÷ width. */
  g_assert_true (sp_redraw_pace_live_range (now, TRUE, now - 600 * S, now - S / 4, 300 * S, 2 * S,
                                            &start, &end));
  g_assert_cmpint (end, ==, now);
  g_assert_cmpint (start, ==, now - 300 * S);
  /* 5 minutes across 1,000 px: 300 ms; an hour: 3.6 s. */
  g_assert_cmpint (sp_redraw_pace_next_change (TRUE, now, start, end, 1000), ==, now + 300000);
  g_assert_cmpint (sp_redraw_pace_next_change (TRUE, now, now - 3600 * S, now, 1000), ==,
                   now + 3600000);

  /* A young stream fills the width: it starts at its first point and ends
   * past now by at most a quarter of its age. */
  g_assert_false (sp_redraw_pace_live_range (now, TRUE, now - 10 * S, now, 300 * S, 2 * S,
                                             &start, &end));
  g_assert_cmpint (start, ==, now - 10 * S);
  g_assert_cmpint (end, >=, now);
  g_assert_cmpint (end - start, <=, (gint64) (10 * S * SP_REDRAW_GROWTH) + 1);
  /* It stays put as time goes on, until now reaches its right edge… */
  g_assert_false (sp_redraw_pace_live_range (end - 1, TRUE, now - 10 * S, now, 300 * S, 2 * S,
                                             &start_later, &end_later));
  g_assert_cmpint (start_later, ==, start);
  g_assert_cmpint (end_later, ==, end);
  g_assert_cmpint (sp_redraw_pace_next_change (FALSE, now, start, end, 1000), ==,
                   end + SP_REDRAW_LAZY_US);
  /* …then grows by a quarter. */
  g_assert_false (sp_redraw_pace_live_range (end + 1, TRUE, now - 10 * S, now, 300 * S, 2 * S,
                                             &start_later, &end_later));
  g_assert_cmpint (end_later, >, end + 1);
  g_assert_cmpint (end_later - start_later, <=, (gint64) ((end - start) * SP_REDRAW_GROWTH) + 1);

  /* Never longer than the span, which it then slides with. */
  g_assert_false (sp_redraw_pace_live_range (now, TRUE, now - 290 * S, now, 300 * S, 2 * S,
                                             &start, &end));
  g_assert_cmpint (end - start, ==, 300 * S);
  /* "All of it" grows the same way, for ever. */
  g_assert_false (sp_redraw_pace_live_range (now, TRUE, now - 7200 * S, now, 0, 2 * S,
                                             &start, &end));
  g_assert_cmpint (start, ==, now - 7200 * S);
  g_assert_cmpint (end, >=, now);
  /* No points yet: the minimum span up to now. */
  g_assert_true (sp_redraw_pace_live_range (now, FALSE, 0, 0, 300 * S, 2 * S, &start, &end));
  g_assert_cmpint (end - start, ==, 2 * S);
}

/* ------------------------------------------------------------------------ */
/* The window                                                                */

/* New prices in view are drawn, ten times a second at most: the frame clock
 * ticking faster for something else does not draw the chart faster. */
static void
test_data_in_view (void)
{
  guint64 before, draws;
  gint64 spent;
  guint ticks;

  sp_window_show_page (window, "stream");
  g_assert_true (sp_test_wait_until (NULL, chart_has_points, GUINT_TO_POINTER (10), 20000));
  g_assert_true (sp_chart_get_follow_live (chart));

  /* Prices keep coming (10 a second): the chart draws them. */
  g_assert_true (draws_within_ticks (120));

  before = sp_chart_get_draw_count (chart);
  ticks = run_ticks_for (120, 2 * S, &spent);
  draws = sp_chart_get_draw_count (chart) - before;
  g_test_message ("%" G_GUINT64_FORMAT " draws in %u ticks (%.2f s of frame time)", draws, ticks,
                  spent / 1e6);
  g_assert_cmpuint (draws, >=, 1);
  g_assert_cmpuint (draws, <=, (guint64) (spent / SP_REDRAW_DATA_INTERVAL_US) + 3);
}

/* Looking back in time, prices of now are out of view: nothing to draw. A
 * zoom is drawn at once. */
static void
test_out_of_view_and_input (void)
{
  guint64 before;

  sp_window_show_page (window, "stream");
  g_assert_true (sp_test_wait_until (NULL, chart_has_points, GUINT_TO_POINTER (10), 20000));

  /* A minute back, then let what is queued be drawn. */
  sp_chart_pan (chart, 100000);
  g_assert_false (sp_chart_get_follow_live (chart));
  run_ticks (10);

  /* Ten prices, no draw for them. (GTK may redraw the chart once for a
   * reason of its own, such as the window's focus changing under Xvfb: one
   * draw is allowed, not one a price.) */
  before = sp_chart_get_draw_count (chart);
  wait_for_points (10);
  run_ticks (30);
  g_assert_cmpuint (sp_chart_get_draw_count (chart) - before, <=, 1);

  /* Input is drawn in the next frames. */
  sp_chart_zoom (chart, 0.5, 100);
  g_assert_true (draws_within_ticks (5));

  /* Following again draws the newest prices. */
  sp_chart_set_follow_live (chart, TRUE);
  g_assert_true (draws_within_ticks (5));
}

/* The live range slides one pixel every span ÷ width: with no prices coming
 * (the viewer disconnected) and an hour of history, a 30-minute span over
 * about 1,200 px draws about every 1.5 s, not on every tick. */
static void
test_live_pace (void)
{
  g_autoptr(SpSeries) series = sp_series_new (10000);
  gint64 now = g_get_real_time ();
  guint64 before, draws;
  gint64 spent;
  double pace_us;
  guint ticks;

  sp_window_show_page (window, "stream");
  sp_stream_client_disconnect (sp_window_get_client (window));
  for (gint64 t = now - 3600 * S; t < now - 5 * S; t += S)
    sp_series_append (series, t, 100.0 + (double) (t % (7 * S)) / S);
  sp_chart_set_series (chart, series);
  sp_chart_set_span (chart, 1800);
  g_assert_true (draws_within_ticks (10));
  /* What the disconnection queued (the last rate sample) is drawn. */
  run_ticks_for (10, SP_REDRAW_LAZY_US + S / 2, NULL);

  /* The plot is a little narrower than the widget: its pace a little slower. */
  pace_us = 1800.0 * S / gtk_widget_get_width (GTK_WIDGET (chart));
  before = sp_chart_get_draw_count (chart);
  ticks = run_ticks_for (120, (gint64) (3 * pace_us), &spent);
  draws = sp_chart_get_draw_count (chart) - before;
  g_test_message ("%" G_GUINT64_FORMAT " draws in %u ticks (%.2f s of frame time; a pixel every %.0f ms)",
                  draws, ticks, spent / 1e6, pace_us / 1000);
  g_assert_cmpuint (draws, >=, 1);
  g_assert_cmpuint (draws, <=, (guint64) (spent / pace_us) + 2);
  g_assert_cmpuint (draws, <, ticks / 4);

  /* A page that cannot be seen does not keep its pace. */
  sp_window_show_page (window, "clients");
  run_ticks (10);
  before = sp_chart_get_draw_count (chart);
  run_ticks_for (30, (gint64) (2 * pace_us), NULL);
  g_assert_cmpuint (sp_chart_get_draw_count (chart), ==, before);

  sp_window_show_page (window, "stream");
}

/* Another page shown: the chart draws nothing while its prices are
 * recorded, and shows them when its page comes back. */
static void
test_hidden_page (void)
{
  guint64 draws;
  SpSeries *series;
  guint length;

  sp_window_show_page (window, "stream");
  g_assert_true (sp_test_wait_until (NULL, chart_has_points, GUINT_TO_POINTER (10), 20000));
  sp_window_show_page (window, "clients");
  run_ticks (10);

  draws = sp_chart_get_draw_count (chart);
  series = sp_chart_get_series (chart);
  length = sp_series_get_length (series);
  wait_for_points (10);
  run_ticks (30);
  g_assert_cmpuint (sp_chart_get_draw_count (chart), ==, draws);
  g_assert_cmpuint (sp_series_get_length (series), >=, length + 10);

  sp_window_show_page (window, "stream");
  g_assert_true (draws_within_ticks (10));
}

/* Minimised: no frame at all, the prices still recorded (and the log still
 * taking them, more slowly); restored, the chart draws them. */
static void
test_minimised (void)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  GListModel *log = sp_stream_page_get_log (page);
  guint64 draws, painted;
  guint logged;

  sp_window_show_page (window, "stream");
  g_assert_true (sp_test_wait_until (NULL, chart_has_points, GUINT_TO_POINTER (10), 20000));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);

  if (!sp_test_window_set_minimized (GTK_WINDOW (window), TRUE))
    {
      g_test_skip ("this display cannot minimise the window");
      g_signal_handlers_disconnect_by_func (clock, on_after_paint, NULL);
      return;
    }
  sp_test_wait_until (NULL, NULL, NULL, 300);
  draws = sp_chart_get_draw_count (chart);
  painted = paints;
  logged = g_list_model_get_n_items (log);
  wait_for_points (20);
  g_assert_cmpuint (sp_chart_get_draw_count (chart), ==, draws);
  g_assert_cmpuint (paints, ==, painted);
  /* The log keeps taking messages, once a second. */
  sp_test_wait_until (NULL, NULL, NULL, 1200);
  g_assert_cmpuint (g_list_model_get_n_items (log), >, logged);

  g_assert_true (sp_test_window_set_minimized (GTK_WINDOW (window), FALSE));
  g_assert_true (sp_test_wait_until (NULL, chart_drew, &draws, 10000));
  g_assert_cmpuint (paints, >, painted);
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, NULL);
}

static gboolean
is_mapped_row (GtkWidget     *widget,
               gconstpointer  data)
{
  return SP_IS_WATCHLIST_ROW (widget) && gtk_widget_get_mapped (widget);
}

static gboolean
watchlist_shown (gpointer data)
{
  return sp_test_find_widget (GTK_WIDGET (page), is_mapped_row, NULL) != NULL;
}

/* With the watchlist beside the chart, a price is drawn in one frame, not a
 * run of them: the window's frames stay within about the chart's draws (the
 * rows, the labels and the log's new rows ride on those). Wall time, with no
 * tick callback of the test's own to keep the clock running. */
static void
test_frames_follow_data (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  guint64 draws, painted;

  /* The default stream's pace (4 a second), so that frames between prices show. */
  g_settings_set_uint (settings, "tick-interval-ms", 250);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  sp_window_show_page (window, "stream");
  g_assert_true (sp_test_wait_until (NULL, chart_has_points, GUINT_TO_POINTER (10), 20000));
  g_assert_true (sp_test_wait_until (NULL, watchlist_shown, NULL, 10000));
  sp_chart_set_span (chart, 300);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  wait_for_points (5);

  draws = sp_chart_get_draw_count (chart);
  painted = paints;
  wait_for_points (12);
  draws = sp_chart_get_draw_count (chart) - draws;
  painted = paints - painted;
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, NULL);
  g_settings_set_uint (settings, "tick-interval-ms", 100);
  g_test_message ("%" G_GUINT64_FORMAT " frames for %" G_GUINT64_FORMAT " chart draws over 12 prices",
                  painted, draws);
  g_assert_cmpuint (draws, >=, 1);
  g_assert_cmpuint (painted, <=, draws + draws / 2 + 4);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSettings) settings = NULL;
  int status;

  setlocale (LC_ALL, "");
  /* The renderer the window benchmark measures (GL under Xvfb is llvmpipe,
   * whose slow swaps merge frames and would hide a needless one). */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  settings = g_settings_new ("com.example.StockPush");
  g_settings_set_uint (settings, "server-port", sp_test_free_port ());
  g_settings_set_uint (settings, "tick-interval-ms", 100);
  g_settings_set_boolean (settings, "connect-at-launch", TRUE);

  app = sp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = SP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  chart = sp_stream_page_get_chart (page);

  g_test_add_func ("/window-idle/pace", test_pace);
  /* First: what the others leave (a zoom, pages and a window state changed
   * back and forth) is not what a window at rest looks like. */
  g_test_add_func ("/window-idle/frames-follow-data", test_frames_follow_data);
  g_test_add_func ("/window-idle/data-in-view", test_data_in_view);
  g_test_add_func ("/window-idle/out-of-view-and-input", test_out_of_view_and_input);
  g_test_add_func ("/window-idle/hidden-page", test_hidden_page);
  g_test_add_func ("/window-idle/minimised", test_minimised);
  g_test_add_func ("/window-idle/live-pace", test_live_pace);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);

  return status;
}
