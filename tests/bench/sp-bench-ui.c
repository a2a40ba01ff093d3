/* sp-bench-ui: the StockPush window under load, measured by its own frame clock.
 *
 *   sp-bench-ui [--seconds S] [--interval-ms MS] [--symbols LIST] [--connect URL]
 *
 * Opens the real window (run it under Xvfb, with GSETTINGS_BACKEND=memory and
 * GSETTINGS_SCHEMA_DIR pointing at the build's data/). Its built-in server runs
 * with the given interval and symbols on a free port, printed first as
 * "port=N" so a load client can join; the viewer watches that server, or URL.
 * After a warm-up of 2 s it counts painted frames for S seconds and prints one
 * JSON object: frames a second, the longest frame, messages received a second,
 * the process's peak and final RSS, and how much the log and chart hold. */
#include "config.h"

#include <stdlib.h>

#include "sptest-util.h"
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
  int interval_ms = 250;
  g_autofree char *symbols = NULL;
  g_autofree char *url = NULL;
  gboolean split = FALSE;
  gboolean pause_log = FALSE;
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Measure for S seconds", "S" },
    { "interval-ms", 0, 0, G_OPTION_ARG_INT, &interval_ms, "The built-in server's tick interval", "MS" },
    { "symbols", 0, 0, G_OPTION_ARG_STRING, &symbols, "The built-in server's symbols", "LIST" },
    { "split", 0, 0, G_OPTION_ARG_NONE, &split, "Ask for one frame per tick (needs --connect)", NULL },
    { "connect", 0, 0, G_OPTION_ARG_STRING, &url, "Watch this stream instead of the built-in server", "URL" },
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
  guint64 messages_before, messages_after;
  gint64 started, elapsed;
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
  g_settings_set_boolean (settings, "connect-at-launch", url == NULL);
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

  if (url != NULL)
    sp_window_connect (window, url);
  client = sp_window_get_client (window);
  page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));

  sp_stream_page_set_log_paused (page, pause_log);

  /* Warm up: connected, first frames painted, the load joining. */
  run_for (2.0);
  if (sp_stream_client_get_state (client) != SP_STREAM_OPEN)
    {
      g_printerr ("sp-bench-ui: the viewer is not connected (%s)\n",
                  sp_stream_client_get_error (client) ? sp_stream_client_get_error (client) : "?");
      return 1;
    }

  gtk_widget_add_tick_callback (GTK_WIDGET (sp_stream_page_get_chart (page)), redraw_every_frame, NULL, NULL);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  messages_before = sp_stream_client_get_messages_in (client);
  started = g_get_monotonic_time ();
  measuring = TRUE;
  run_for (seconds);
  measuring = FALSE;
  elapsed = g_get_monotonic_time () - started;
  messages_after = sp_stream_client_get_messages_in (client);
  rss = status_kib ("VmRSS:");
  hwm = status_kib ("VmHWM:");

  slow_list = g_string_new ("[");
  for (guint i = 0; i < MIN (slow_frames, G_N_ELEMENTS (slow_at)); i++)
    g_string_append_printf (slow_list, "%s%.2f", i ? "," : "", slow_at[i]);
  g_string_append_c (slow_list, ']');

  g_print ("{\"seconds\":%.1f,\"frames\":%" G_GUINT64_FORMAT ",\"fps\":%.1f,\"longest_frame_ms\":%.1f,"
           "\"frames_over_50ms\":%" G_GUINT64_FORMAT ",\"slow_frames_at_s\":%s,"
           "\"messages_per_s\":%.0f,\"messages\":%" G_GUINT64_FORMAT ",\"log_items\":%u,"
           "\"chart_points\":%u,\"rss_mb\":%.1f,\"peak_rss_mb\":%.1f}\n",
           elapsed / 1e6, frames,
           last_paint > first_paint ? frames / ((last_paint - first_paint) / 1e6) : 0.0,
           longest / 1000.0, slow_frames, slow_list->str,
           (messages_after - messages_before) / (elapsed / 1e6), messages_after,
           g_list_model_get_n_items (sp_stream_page_get_log (page)),
           sp_chart_get_series (sp_stream_page_get_chart (page))
             ? sp_series_get_length (sp_chart_get_series (sp_stream_page_get_chart (page))) : 0,
           rss / 1024.0, hwm / 1024.0);

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
