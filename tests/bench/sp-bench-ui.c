/* sp-bench-ui: the StockPush window under load or at rest, measured by its own
 * frame clock and its CPU time.
 *
 *   sp-bench-ui [--seconds S] [--warmup S] [--interval-ms MS] [--symbols LIST]
 *               [--connect URL | --no-connect] [--page NAME] [--minimise]
 *               [--redraw-every-frame]
 *
 * Opens the real window (run it under Xvfb, with GSETTINGS_BACKEND=memory and
 * GSETTINGS_SCHEMA_DIR pointing at the build's data/). Its built-in server runs
 * with the given interval and symbols on a free port, printed first as
 * "port=N" so a load client can join; the viewer watches that server, or URL,
 * or nothing (--no-connect). The page shown is NAME (stream, clients,
 * handshake); --minimise minimises the window as a window manager does.
 * After the warm-up (2 s by default) it counts painted frames and chart draws
 * for S seconds and prints one JSON object: the process's CPU time over those
 * seconds as a percentage of one core, frames a second, the longest frame,
 * chart draws a second, messages received a second, the process's peak and
 * final RSS, and how much the log and chart hold. With --redraw-every-frame
 * the chart is redrawn on every frame, as while scrolling or zooming, so the
 * frame clock runs flat out and shows how much room the stream leaves. */
#include "config.h"

#include <stdlib.h>
#include <sys/resource.h>

#include "sptest-util.h"
#include "sptest-window.h"
#include "sp-application.h"
#include "sp-stream-page.h"
#include "sp-window.h"

static gint64 first_paint;
static gint64 last_paint;
static gint64 longest;
static guint64 frames;
static guint64 slow_frames;   /* over 50 ms */
static gboolean measuring;
static double slow_at[16];  /* seconds into the measurement of the first slow frames */

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (measuring)
    {
      if (first_paint == 0)
        first_paint = now;
      else
        {
          frames++;
          longest = MAX (longest, now - last_paint);
          if (now - last_paint > 50 * G_TIME_SPAN_MILLISECOND)
            {
              /* When, so that a slow frame can be matched with what happened then. */
              if (slow_frames < G_N_ELEMENTS (slow_at))
                slow_at[slow_frames] = (now - first_paint) / 1e6;
              slow_frames++;
            }
        }
    }
  last_paint = now;
}

/* Something moves on every frame, as while scrolling or zooming: the frame
 * clock runs flat out and shows how much room the stream leaves. */
static gboolean
redraw_every_frame (GtkWidget     *widget,
                    GdkFrameClock *clock,
                    gpointer       user_data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static void
run_for (double seconds)
{
  sp_test_wait_until (NULL, NULL, NULL, (guint) (seconds * 1000));
}

/* User and system CPU time of the whole process (every thread: the window's,
 * the built-in server's), in µs. */
static gint64
cpu_time_us (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static long
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, field)) == NULL)
    return -1;
  return strtol (line + strlen (field), NULL, 10);
}

int
main (int   argc,
      char *argv[])
{
  double seconds = 30;
  double warmup = 2;
  int interval_ms = 250;
  g_autofree char *symbols = NULL;
  g_autofree char *url = NULL;
  gboolean split = FALSE;
  gboolean pause_log = FALSE;
  gboolean no_connect = FALSE;
  gboolean minimise = FALSE;
  gboolean redraw = FALSE;
  g_autofree char *page_name = NULL;
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Measure for S seconds", "S" },
    { "warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup, "Wait S seconds before measuring (default 2)", "S" },
    { "interval-ms", 0, 0, G_OPTION_ARG_INT, &interval_ms, "The built-in server's tick interval", "MS" },
    { "symbols", 0, 0, G_OPTION_ARG_STRING, &symbols, "The built-in server's symbols", "LIST" },
    { "split", 0, 0, G_OPTION_ARG_NONE, &split, "Ask for one frame per tick (needs --connect)", NULL },
    { "connect", 0, 0, G_OPTION_ARG_STRING, &url, "Watch this stream instead of the built-in server", "URL" },
    { "no-connect", 0, 0, G_OPTION_ARG_NONE, &no_connect, "Leave the viewer disconnected", NULL },
    { "page", 0, 0, G_OPTION_ARG_STRING, &page_name, "Show this page (stream, clients, handshake)", "NAME" },
    { "minimise", 0, 0, G_OPTION_ARG_NONE, &minimise, "Minimise the window before measuring", NULL },
    { "redraw-every-frame", 0, 0, G_OPTION_ARG_NONE, &redraw, "Redraw the chart on every frame", NULL },
    { "pause-log", 0, 0, G_OPTION_ARG_NONE, &pause_log, "Pause the message log (to see what it costs)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the window under load");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(SpApplication) app = NULL;
  g_autoptr(GString) slow_list = NULL;
  SpWindow *window;
  SpStreamClient *client;
  SpStreamPage *page;
  GdkFrameClock *clock;
  SpChart *chart;
  guint64 messages_before, messages_after;
  guint64 draws_before, draws_after;
  gint64 started, elapsed, cpu_before, cpu_used;
  long rss, hwm;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("sp-bench-ui: %s\n", error->message);
      return 2;
    }

  gtk_init ();
  settings = g_settings_new ("com.example.StockPush");
  g_settings_set_uint (settings, "server-port", sp_test_free_port ());
  g_settings_set_uint (settings, "tick-interval-ms", (guint) CLAMP (interval_ms, 1, 3600000));
  if (symbols != NULL)
    {
      g_auto(GStrv) list = g_strsplit (symbols, ",", -1);

      g_settings_set_strv (settings, "symbols", (const char * const *) list);
    }
  g_settings_set_boolean (settings, "connect-at-launch", url == NULL && !no_connect);
  if (g_getenv ("SP_BENCH_LOG_SIZE") != NULL)
    g_settings_set_uint (settings, "log-size", (guint) atoi (g_getenv ("SP_BENCH_LOG_SIZE")));

  app = sp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      g_printerr ("sp-bench-ui: %s\n", error->message);
      return 1;
    }
  g_application_activate (G_APPLICATION (app));
  window = SP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  g_print ("port=%u\n", sp_server_get_port (sp_window_get_server (window)));

  if (url != NULL && !no_connect)
    sp_window_connect (window, url);
  client = sp_window_get_client (window);
  page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  chart = sp_stream_page_get_chart (page);

  sp_stream_page_set_log_paused (page, pause_log);
  if (page_name != NULL)
    {
      if (sp_window_get_page (window, page_name) == NULL)
        {
          g_printerr ("sp-bench-ui: no page %s\n", page_name);
          return 2;
        }
      sp_window_show_page (window, page_name);
    }

  /* Warm up: connected, first frames painted, the load joining. */
  run_for (MIN (warmup, 1.0));
  if (minimise && !sp_test_window_set_minimized (GTK_WINDOW (window), TRUE))
    {
      g_printerr ("sp-bench-ui: could not minimise the window\n");
      return 1;
    }
  run_for (MAX (warmup - 1.0, 0));
  if (!no_connect && sp_stream_client_get_state (client) != SP_STREAM_OPEN)
    {
      g_printerr ("sp-bench-ui: the viewer is not connected (%s)\n",
                  sp_stream_client_get_error (client) ? sp_stream_client_get_error (client) : "?");
      return 1;
    }

  if (redraw)
    gtk_widget_add_tick_callback (GTK_WIDGET (chart), redraw_every_frame, NULL, NULL);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  messages_before = sp_stream_client_get_messages_in (client);
  draws_before = sp_chart_get_draw_count (chart);
  cpu_before = cpu_time_us ();
  started = g_get_monotonic_time ();
  measuring = TRUE;
  run_for (seconds);
  measuring = FALSE;
  elapsed = g_get_monotonic_time () - started;
  cpu_used = cpu_time_us () - cpu_before;
  draws_after = sp_chart_get_draw_count (chart);
  messages_after = sp_stream_client_get_messages_in (client);
  rss = status_kib ("VmRSS:");
  hwm = status_kib ("VmHWM:");

  slow_list = g_string_new ("[");
  for (guint i = 0; i < MIN (slow_frames, G_N_ELEMENTS (slow_at)); i++)
    g_string_append_printf (slow_list, "%s%.2f", i ? "," : "", slow_at[i]);
  g_string_append_c (slow_list, ']');

  g_print ("{\"seconds\":%.1f,\"cpu_percent\":%.2f,\"chart_draws_per_s\":%.2f,"
           "\"frames\":%" G_GUINT64_FORMAT ",\"fps\":%.1f,\"longest_frame_ms\":%.1f,"
           "\"frames_over_50ms\":%" G_GUINT64_FORMAT ",\"slow_frames_at_s\":%s,"
           "\"messages_per_s\":%.0f,\"messages\":%" G_GUINT64_FORMAT ",\"log_items\":%u,"
           "\"chart_points\":%u,\"rss_mb\":%.1f,\"peak_rss_mb\":%.1f}\n",
           elapsed / 1e6, 100.0 * (double) cpu_used / (double) elapsed,
           (draws_after - draws_before) / (elapsed / 1e6), frames,
           last_paint > first_paint ? frames / ((last_paint - first_paint) / 1e6) : 0.0,
           longest / 1000.0, slow_frames, slow_list->str,
           (messages_after - messages_before) / (elapsed / 1e6), messages_after,
           g_list_model_get_n_items (sp_stream_page_get_log (page)),
           sp_chart_get_series (chart) ? sp_series_get_length (sp_chart_get_series (chart)) : 0,
           rss / 1024.0, hwm / 1024.0);

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
