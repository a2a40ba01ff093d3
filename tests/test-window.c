/* The window under Xvfb: the embedded default, the server switch, the client list,
 * the handshake check, and (with STOCKPUSH_SCREENSHOT_DIR) a picture of every page. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <signal.h>

#include "sp-application.h"
#include "sp-client-item.h"
#include "sp-clients-page.h"
#include "sp-connection-bar.h"
#include "sp-handshake-page-private.h"
#include "sp-frame-io.h"
#include "sp-log-item.h"
#include "sp-log-view.h"
#include "sp-send-bar.h"
#include "sp-stream-page.h"
#include "sp-window.h"
#include "sptest-util.h"

#define WAIT_MS 10000

static SpApplication *app;
static SpWindow *window;

static void
run_for (guint ms)
{
  sp_test_wait_until (NULL, NULL, NULL, ms);
}

static gboolean
wait_until (gboolean (*condition) (gpointer), gpointer data)
{
  return sp_test_wait_until (NULL, condition, data, WAIT_MS);
}

static void
screenshot_widget (GtkWidget  *widget,
                   const char *name)
{
  const char *dir = g_getenv ("STOCKPUSH_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width;
  int height;

  if (dir == NULL)
    return;

  run_for (400);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_mkdir_with_parents (dir, 0755);
  gdk_texture_save_to_png (texture, path);
  g_test_message ("screenshot: %s", path);
}

static void
screenshot (const char *name)
{
  screenshot_widget (GTK_WIDGET (window), name);
}

static gboolean
viewer_has_prices (gpointer data)
{
  SpStreamClient *client = sp_window_get_client (window);

  return sp_stream_client_get_state (client) == SP_STREAM_OPEN &&
         sp_stream_client_get_messages_in (client) >= 4;
}

static gboolean
log_has_items (gpointer data)
{
  GListModel *log = sp_stream_page_get_log (SP_STREAM_PAGE (sp_window_get_page (window, "stream")));

  return g_list_model_get_n_items (log) >= GPOINTER_TO_UINT (data);
}

static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
window_shows_label (gpointer text)
{
  return shows_label (GTK_WIDGET (window), text);
}

static void
test_embedded_default (void)
{
  SpServer *server = sp_window_get_server (window);
  GListModel *log = sp_stream_page_get_log (SP_STREAM_PAGE (sp_window_get_page (window, "stream")));
  gint64 started = g_get_monotonic_time ();

  /* With no clicks: the server serves 127.0.0.1:8765 and the viewer shows its stream. */
  g_assert_true (sp_server_get_running (server));
  g_assert_cmpuint (sp_server_get_port (server), ==, 8765);
  /* How soon is a figure (a loaded machine takes longer to lay out the
   * first frame), not a condition: wait_until's deadline is the bound. */
  g_assert_true (wait_until (viewer_has_prices, NULL));
  g_test_message ("prices shown %.2f s after the window opened",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_true (gtk_switch_get_active (sp_window_get_server_switch (window)));

  g_assert_true (wait_until (log_has_items, GUINT_TO_POINTER (4)));
  g_assert_cmpuint (g_list_model_get_n_items (log), >=, 4);

  /* It says where it finds the prices. */
  g_assert_cmpstr (sp_stream_client_get_price_source (sp_window_get_client (window)), ==,
                   _("StockPush ticks"));
  {
    g_autofree char *shown = g_strdup_printf (_("Prices: %s"), _("StockPush ticks"));

    g_assert_true (wait_until (window_shows_label, shown));
  }
}

static SpChart *
get_chart (void)
{
  return sp_stream_page_get_chart (SP_STREAM_PAGE (sp_window_get_page (window, "stream")));
}

static gboolean
chart_has_points (gpointer data)
{
  SpSeries *series = sp_chart_get_series (get_chart ());

  return series != NULL && sp_series_get_length (series) >= GPOINTER_TO_UINT (data);
}

/* Pixels of the chart's picture close to @color. */
static guint
count_color (cairo_surface_t *surface,
             const GdkRGBA   *color)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint n = 0;

  cairo_surface_flush (surface);
  for (int y = 0; y < cairo_image_surface_get_height (surface); y++)
    for (int x = 0; x < cairo_image_surface_get_width (surface); x++)
      {
        guint32 pixel = *(const guint32 *) (data + y * stride + x * 4);

        n += ABS ((int) ((pixel >> 16) & 0xff) - (int) (color->red * 255)) < 30 &&
             ABS ((int) ((pixel >> 8) & 0xff) - (int) (color->green * 255)) < 30 &&
             ABS ((int) (pixel & 0xff) - (int) (color->blue * 255)) < 30;
      }

  return n;
}

/* The live chart follows the built-in server's prices; its tools change what
 * it shows; the prices and the picture can be saved. */
static void
test_chart (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  SpChart *chart = sp_stream_page_get_chart (page);
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autofree char *dir = g_dir_make_tmp ("stockpush-test-XXXXXX", NULL);
  g_autoptr(GFile) csv_file = g_file_new_build_filename (dir, "prices.csv", NULL);
  g_autoptr(GFile) png_file = g_file_new_build_filename (dir, "chart.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  cairo_surface_t *surface;
  SpSeries *series;
  const SpSeriesPoint *last;
  GdkRGBA accent;
  gint64 start, end;

  /* For the pictures, a minute of prices (the log keeps up meanwhile). */
  g_assert_true (wait_until (chart_has_points, GUINT_TO_POINTER (8)));
  if (g_getenv ("STOCKPUSH_SCREENSHOT_DIR") != NULL)
    {
      run_for (60000);
      screenshot ("stream.png");
    }
  series = sp_chart_get_series (chart);
  g_assert_true (sp_chart_get_follow_live (chart));

  /* The chart draws the stream: the accent-coloured line is there. */
  g_assert_true (gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (chart)),
                                                 "accent_bg_color", &accent));
  surface = sp_chart_render_surface (chart, 1);
  g_assert_cmpuint (count_color (surface, &accent), >, 100);
  cairo_surface_destroy (surface);

  /* Live: the newest price is inside the visible range, at its right end. */
  sp_chart_get_range (chart, &start, &end);
  last = sp_series_get_point (series, sp_series_get_length (series) - 1);
  g_assert_cmpint (last->t_us, >=, start);
  g_assert_cmpint (last->t_us, <=, end);

  /* Chart ↔ log: a click on a point selects its message; the message is marked. */
  {
    gint64 ref = last->ref;
    SpFrame *selected;

    g_assert_cmpint (ref, !=, 0);
    g_signal_emit_by_name (chart, "point-activated", ref);
    selected = sp_stream_page_get_selected_frame (page);
    g_assert_nonnull (selected);
    g_assert_cmpint (selected->time_us, ==, ref);
    g_assert_nonnull (strstr (g_bytes_get_data (selected->payload, NULL), "\"ACME\""));
    g_assert_cmpint (sp_chart_get_marker (chart), ==, ref);
    /* The chart maps its own pixels back to points. */
    g_assert_cmpint (sp_chart_ref_at (chart, gtk_widget_get_width (GTK_WIDGET (chart)) / 2.0), !=, 0);
  }

  /* Dragging back in time stops following; a span preset follows again. */
  sp_chart_pan (chart, 300);
  g_assert_false (sp_chart_get_follow_live (chart));
  gtk_widget_activate_action (GTK_WIDGET (page), "chart.span", "d", 60.0);
  g_assert_true (sp_chart_get_follow_live (chart));
  g_assert_cmpfloat (sp_chart_get_span (chart), ==, 60.0);

  /* Candles, remembered in the settings. */
  gtk_widget_activate_action (GTK_WIDGET (page), "chart.mode", "s", "candles");
  g_assert_cmpint (sp_chart_get_mode (chart), ==, SP_CHART_CANDLES);
  g_assert_cmpint (g_settings_get_enum (settings, "chart-mode"), ==, SP_CHART_CANDLES);
  screenshot ("stream-candles.png");
  gtk_widget_activate_action (GTK_WIDGET (page), "chart.mode", "s", "line");
  g_assert_cmpint (sp_chart_get_mode (chart), ==, SP_CHART_LINE);

  /* Export: one CSV row per stored price, and a PNG the size of the chart. */
  g_assert_true (sp_stream_page_export_prices (page, csv_file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_load_contents (csv_file, NULL, &csv, NULL, NULL, &error));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "time,symbol,price");
  g_assert_cmpuint (g_strv_length (lines), >=, 1 + 8 + 1);
  g_assert_nonnull (strstr (lines[1], ",ACME,"));

  g_assert_true (sp_stream_page_save_chart (page, png_file, &error));
  g_assert_no_error (error);
  texture = gdk_texture_new_from_file (png_file, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==,
                   gtk_widget_get_width (GTK_WIDGET (chart)) * gtk_widget_get_scale_factor (GTK_WIDGET (chart)));

  g_file_delete (csv_file, NULL, NULL);
  g_file_delete (png_file, NULL, NULL);
  g_rmdir (dir);
}

/* The log's tools: an exported log imports back identical; regular-expression
 * search; ping and pong can be hidden. */
static void
test_log_tools (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  GListModel *log = sp_stream_page_get_log (page);
  GListModel *shown = sp_stream_page_get_shown_log (page);
  g_autofree char *dir = g_dir_make_tmp ("stockpush-log-XXXXXX", NULL);
  g_autoptr(GFile) first = g_file_new_build_filename (dir, "first.jsonl", NULL);
  g_autoptr(GFile) second = g_file_new_build_filename (dir, "second.jsonl", NULL);
  g_autoptr(GFile) csv = g_file_new_build_filename (dir, "log.csv", NULL);
  g_autoptr(GFile) pings = g_file_new_build_filename (dir, "pings.jsonl", NULL);
  g_autoptr(GRegex) pattern = g_regex_new ("\"type\":\"(welcome|pong)\"", G_REGEX_CASELESS, 0, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  gsize a_len, b_len;
  guint n;
  const char *ping_log =
    "{\"t\":1795521600000000,\"dir\":\"in\",\"kind\":\"text\",\"size\":5,\"text\":\"hello\"}\n"
    "{\"t\":1795521600100000,\"dir\":\"out\",\"kind\":\"ping\",\"size\":0}\n"
    "{\"t\":1795521600200000,\"dir\":\"in\",\"kind\":\"pong\",\"size\":0}\n";

  g_assert_true (wait_until (log_has_items, GUINT_TO_POINTER (10)));

  /* Export, import, export again: the same bytes. */
  g_assert_true (sp_stream_page_export_log (page, first, FALSE, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (sp_stream_page_import_log (page, first, &error));
  g_assert_no_error (error);
  n = g_list_model_get_n_items (log);
  g_assert_cmpuint (n, >=, 10);
  run_for (600);   /* paused by the import: the stream adds nothing */
  g_assert_cmpuint (g_list_model_get_n_items (log), ==, n);
  g_assert_true (sp_stream_page_export_log (page, second, FALSE, FALSE, &error));
  g_assert_true (g_file_load_contents (first, NULL, &a, &a_len, NULL, NULL));
  g_assert_true (g_file_load_contents (second, NULL, &b, &b_len, NULL, NULL));
  g_assert_cmpmem (a, a_len, b, b_len);
  g_assert_true (sp_stream_page_export_log (page, csv, FALSE, TRUE, &error));
  g_assert_true (g_file_load_contents (csv, NULL, &c, NULL, NULL, NULL));
  g_assert_true (g_str_has_prefix (c, "time,direction,kind,size,code,content\n"));

  /* A regular expression picks the welcome out of the ticks. */
  sp_stream_page_set_search (page, "\"type\":\"(welcome|pong)\"", TRUE);
  g_assert_false (sp_stream_page_get_search_error (page));
  g_assert_cmpuint (g_list_model_get_n_items (shown), >=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (shown), <, n);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(SpLogItem) item = g_list_model_get_item (shown, i);
      SpFrame *frame = sp_log_item_get_frame (item);

      g_assert_true (g_regex_match_full (pattern, g_bytes_get_data (frame->payload, NULL), frame->size,
                                         0, 0, NULL, NULL));
    }
  sp_stream_page_set_search (page, "(unclosed", TRUE);
  g_assert_true (sp_stream_page_get_search_error (page));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, n);
  sp_stream_page_set_search (page, "", FALSE);

  /* Ping and pong shown, then hidden. */
  g_assert_true (g_file_replace_contents (pings, ping_log, strlen (ping_log), NULL, FALSE, 0, NULL, NULL, NULL));
  g_assert_true (sp_stream_page_import_log (page, pings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);
  gtk_widget_activate_action (GTK_WIDGET (page), "log.hide-ping-pong", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  gtk_widget_activate_action (GTK_WIDGET (page), "log.hide-ping-pong", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 3);

  /* Back to the live stream for the tests that follow. */
  gtk_widget_activate_action (GTK_WIDGET (page), "stream.clear-log", NULL);
  sp_stream_page_set_log_paused (page, FALSE);

  /* Recording: every frame from now on, in a file the server can replay. */
  {
    g_autoptr(GFile) recording = g_file_new_build_filename (dir, "recording.jsonl", NULL);
    g_autoptr(GPtrArray) frames = NULL;
    guint64 recorded;

    g_assert_true (sp_stream_page_start_recording (page, recording, &error));
    g_assert_no_error (error);
    /* Three more messages in the log: three more frames to record. */
    g_assert_true (wait_until (log_has_items,
                               GUINT_TO_POINTER (g_list_model_get_n_items (log) + 3)));
    recorded = sp_stream_page_stop_recording (page, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (recorded, >=, 3);
    frames = sp_frames_load (recording, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (frames->len, ==, recorded);
    g_assert_cmpint (((SpFrame *) g_ptr_array_index (frames, 0))->direction, ==, SP_FRAME_IN);
    g_file_delete (recording, NULL, NULL);
  }
  g_file_delete (first, NULL, NULL);
  g_file_delete (second, NULL, NULL);
  g_file_delete (csv, NULL, NULL);
  g_file_delete (pings, NULL, NULL);
  g_rmdir (dir);
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_descendant (child, type)) != NULL)
        return found;
    }

  return NULL;
}

static gboolean
viewer_lists_symbols (gpointer data)
{
  SpStreamClient *client = sp_window_get_client (window);

  return sp_stream_client_get_state (client) == SP_STREAM_OPEN &&
         g_list_model_get_n_items (data) > 0;
}

/* The page's parts reach its actions, and its stateful actions show what the
 * parts do: the span and ping-pong toggles, the recording, a recent address and
 * a recent message picked from their menus. */
static void
test_stream_actions (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  SpChart *chart = sp_stream_page_get_chart (page);
  GtkWidget *bar = find_descendant (GTK_WIDGET (page), SP_TYPE_CONNECTION_BAR);
  GtkWidget *send_bar = find_descendant (GTK_WIDGET (page), SP_TYPE_SEND_BAR);
  SpStreamClient *client = sp_window_get_client (window);
  g_autofree char *url = g_strdup (sp_stream_client_get_options (client)->url);
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autofree char *dir = g_dir_make_tmp ("stockpush-actions-XXXXXX", NULL);
  g_autoptr(GFile) recording = g_file_new_build_filename (dir, "recording.jsonl", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recent = NULL;
  gboolean active;
  double span;

  g_assert_nonnull (bar);
  g_assert_nonnull (send_bar);

  gtk_widget_activate_action (GTK_WIDGET (page), "chart.span", "d", 900.0);
  g_object_get (page, "span", &span, NULL);
  g_assert_cmpfloat (span, ==, 900.0);
  g_assert_cmpfloat (sp_chart_get_span (chart), ==, 900.0);
  gtk_widget_activate_action (GTK_WIDGET (page), "chart.span", "d", 300.0);

  gtk_widget_activate_action (GTK_WIDGET (page), "log.hide-ping-pong", NULL);
  g_object_get (page, "hide-ping-pong", &active, NULL);
  g_assert_true (active);
  gtk_widget_activate_action (GTK_WIDGET (page), "log.hide-ping-pong", NULL);
  g_object_get (page, "hide-ping-pong", &active, NULL);
  g_assert_false (active);

  /* Recording shows in the Record item; choosing it again stops. */
  g_assert_true (sp_stream_page_start_recording (page, recording, &error));
  g_assert_no_error (error);
  g_object_get (page, "recording", &active, NULL);
  g_assert_true (active);
  gtk_widget_activate_action (GTK_WIDGET (page), "log.record", NULL);
  g_object_get (page, "recording", &active, NULL);
  g_assert_false (active);
  g_assert_false (sp_watch_get_recording (sp_stream_page_get_watch (page)));
  g_file_delete (recording, NULL, NULL);
  g_rmdir (dir);

  /* A recent address, from the bar's menu, connects through the page: the
   * symbols are listed anew as they come. */
  gtk_widget_activate_action (bar, "stream.connect-url", "s", url);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sp_stream_page_get_watch (page))), ==, 0);
  g_assert_true (wait_until (viewer_lists_symbols, sp_stream_page_get_watch (page)));
  g_assert_cmpstr (sp_stream_client_get_options (client)->url, ==, url);
  recent = g_settings_get_strv (settings, "recent-urls");
  g_assert_cmpstr (recent[0], ==, url);

  gtk_widget_activate_action (send_bar, "stream.use-message", "s", "{\"type\":\"ping\"}");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_descendant (send_bar, GTK_TYPE_ENTRY))),
                   ==, "{\"type\":\"ping\"}");
  gtk_editable_set_text (GTK_EDITABLE (find_descendant (send_bar, GTK_TYPE_ENTRY)), "");
}

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *conn;
  GError                  *error;
  gboolean                 done;
} Probe;

static void
on_probe (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Probe *probe = data;

  probe->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &probe->error);
  probe->done = TRUE;
}

static gboolean
probe_done (gpointer data)
{
  return ((Probe *) data)->done;
}

/* A client of the window's server; a browser page from @origin if given. */
static void
probe_connect_from (Probe      *probe,
                    const char *origin)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", "ws://127.0.0.1:8765/");

  memset (probe, 0, sizeof *probe);
  probe->session = soup_session_new_with_options ("user-agent", "window-test-probe", NULL);
  soup_session_websocket_connect_async (probe->session, msg, origin, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_probe, probe);
  g_assert_true (wait_until (probe_done, probe));
}

static void
probe_connect (Probe *probe)
{
  probe_connect_from (probe, NULL);
}

static void
probe_clear (Probe *probe)
{
  if (probe->conn != NULL &&
      soup_websocket_connection_get_state (probe->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (probe->conn, 1000, NULL);
  g_clear_object (&probe->conn);
  g_clear_object (&probe->session);
  g_clear_error (&probe->error);
}

static gboolean
server_stopped (gpointer data)
{
  SpServer *server = sp_window_get_server (window);

  return !sp_server_get_running (server) && !sp_server_get_stopping (server);
}

static gboolean
server_running (gpointer data)
{
  return sp_server_get_running (sp_window_get_server (window));
}

static void
test_server_switch (void)
{
  GtkSwitch *server_switch = sp_window_get_server_switch (window);
  SpSeries *series = sp_chart_get_series (get_chart ());
  guint before = sp_series_get_length (series);
  Probe probe;

  gtk_switch_set_active (server_switch, FALSE);
  g_assert_true (wait_until (server_stopped, NULL));
  probe_connect (&probe);
  g_assert_null (probe.conn);
  g_assert_error (probe.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  probe_clear (&probe);

  gtk_switch_set_active (server_switch, TRUE);
  g_assert_true (wait_until (server_running, NULL));
  probe_connect (&probe);
  g_assert_no_error (probe.error);
  g_assert_nonnull (probe.conn);
  probe_clear (&probe);

  /* The viewer comes back by itself once the server is up again; the chart
   * kept its history and shows the gap. */
  g_assert_true (wait_until (viewer_has_prices, NULL));
  g_assert_true (wait_until (chart_has_points, GUINT_TO_POINTER (before + 2)));
  g_assert_true (sp_chart_get_series (get_chart ()) == series);
  g_assert_cmpuint (sp_series_get_n_gaps (series), >=, 1);
}

static gboolean
viewer_watches (gpointer data)
{
  SpStreamClient *client = sp_window_get_client (window);
  const SpStreamOptions *options = sp_stream_client_get_options (client);

  return options != NULL && g_strcmp0 (options->url, data) == 0 &&
         sp_stream_client_get_state (client) == SP_STREAM_OPEN;
}

static void
restart_server (void)
{
  GtkSwitch *server_switch = sp_window_get_server_switch (window);

  gtk_switch_set_active (server_switch, FALSE);
  g_assert_true (wait_until (server_stopped, NULL));
  gtk_switch_set_active (server_switch, TRUE);
  g_assert_true (wait_until (server_running, NULL));
}

/* The line's start for a role and a broker state, in the window's language. */
static char *
label_start (const char *role,
             const char *state)
{
  return g_strdup_printf (_("%s, %s · %s"), _(role), _(state), "");
}

static gboolean
label_says (gpointer data)
{
  return g_str_has_prefix (gtk_label_get_text (sp_window_get_server_label (window)), data);
}

/* Waits for the server's line to start with @start, and says what it said if not. */
static void
wait_for_label (const char *start)
{
  if (!wait_until (label_says, (gpointer) start))
    g_error ("The server's line says “%s”, not “%s…”",
             gtk_label_get_text (sp_window_get_server_label (window)), start);
}

static GSubprocess *
start_redis (guint port)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  GSubprocess *redis = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "redis-server",
                                         "--port", port_text, "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", NULL);

  g_assert_no_error (error);
  return redis;
}

static void
stop_process (GSubprocess *process)
{
  g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

/* Preferences → Server → Several Machines: the built-in server as a publisher,
 * then as an edge of another publisher, on a real redis-server; the server's
 * line says which, and how it stands with the broker as the broker goes away
 * and comes back, and as the publisher falls silent. */
static void
test_broker_role (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autoptr(GSubprocess) redis = NULL;
  g_autoptr(GSubprocess) publisher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint port = sp_test_free_port ();
  g_autofree char *connected = label_start ("Publisher", "broker connected");
  g_autofree char *reconnecting = label_start ("Publisher", "reconnecting to the broker");
  g_autofree char *in_sync = label_start ("Edge", "in sync");
  g_autofree char *out_of_sync = label_start ("Edge", "out of sync");
  const char *bin = g_getenv ("STOCKPUSH_BIN");
  g_autofree char *redis_server = g_find_program_in_path ("redis-server");

  if (redis_server == NULL || bin == NULL)
    {
      g_test_skip ("redis-server is not installed (build-aux/dev.sh installs it)");
      return;
    }

  redis = start_redis (port);
  url = g_strdup_printf ("redis://127.0.0.1:%u", port);
  g_settings_set_string (settings, "broker-url", url);
  g_settings_set_string (settings, "server-role", "publisher");
  run_for (300);
  restart_server ();
  wait_for_label (connected);

  stop_process (redis);
  wait_for_label (reconnecting);
  g_clear_object (&redis);
  redis = start_redis (port);
  wait_for_label (connected);

  /* An edge switched on before any publisher has published: the window says
   * it waits (so it did not block on the broker), and serves once one has. */
  {
    guint port2 = sp_test_free_port ();
    g_autoptr(GSubprocess) redis2 = start_redis (port2);
    g_autofree char *url2 = g_strdup_printf ("redis://127.0.0.1:%u", port2);
    GtkSwitch *server_switch = sp_window_get_server_switch (window);

    g_settings_set_string (settings, "broker-url", url2);
    g_settings_set_string (settings, "server-role", "edge");
    gtk_switch_set_active (server_switch, FALSE);
    g_assert_true (wait_until (server_stopped, NULL));
    gtk_switch_set_active (server_switch, TRUE);
    g_assert_cmpstr (gtk_label_get_text (sp_window_get_server_label (window)), ==,
                     _("Edge, waiting for the publisher’s market…"));
    g_assert_false (sp_server_get_running (sp_window_get_server (window)));
    g_assert_true (gtk_switch_get_active (server_switch));
    publisher = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                  &error, bin, "--headless", "--port", "0", "--broker", url2,
                                  "--role", "publisher", "--interval-ms", "100", NULL);
    g_assert_no_error (error);
    wait_for_label (in_sync);
    stop_process (publisher);
    g_clear_object (&publisher);
    g_settings_set_string (settings, "broker-url", url);
    g_settings_set_string (settings, "server-role", "publisher");
    restart_server ();
    stop_process (redis2);
    wait_for_label (connected);
  }

  /* An edge of a publisher of its own. */
  publisher = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                &error, bin, "--headless", "--port", "0", "--broker", url,
                                "--role", "publisher", "--interval-ms", "100", NULL);
  g_assert_no_error (error);
  run_for (500);
  g_settings_set_string (settings, "server-role", "edge");
  restart_server ();
  wait_for_label (in_sync);
  run_for (300);
  screenshot ("window-edge.png");

  /* The publisher paused: no tick, no heartbeat. */
  g_subprocess_send_signal (publisher, SIGSTOP);
  wait_for_label (out_of_sync);
  g_subprocess_send_signal (publisher, SIGCONT);
  wait_for_label (in_sync);

  stop_process (publisher);
  g_settings_reset (settings, "server-role");
  g_settings_reset (settings, "broker-url");
  restart_server ();
  /* Standalone again: the line names no role. */
  g_assert_false (g_str_has_prefix (gtk_label_get_text (sp_window_get_server_label (window)),
                                    _("Edge")));
  g_assert_false (g_str_has_prefix (gtk_label_get_text (sp_window_get_server_label (window)),
                                    _("Publisher")));
  stop_process (redis);
}

/* A port changed in Preferences takes effect at the server's next start, and the
 * viewer that watched the built-in server follows it there instead of retrying the
 * old port. */
static void
test_port_follows (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autofree char *before = sp_server_dup_ws_url (sp_window_get_server (window));
  g_autofree char *after = NULL;
  g_autofree char *back = NULL;
  g_autofree char *port = NULL;
  guint new_port = sp_test_free_port ();

  g_assert_true (wait_until (viewer_watches, before));
  g_settings_set_uint (settings, "server-port", new_port);
  restart_server ();
  after = sp_server_dup_ws_url (sp_window_get_server (window));
  port = g_strdup_printf (":%u/", new_port);
  g_assert_nonnull (strstr (after, port));
  g_assert_true (wait_until (viewer_watches, after));

  g_settings_reset (settings, "server-port");
  restart_server ();
  back = sp_server_dup_ws_url (sp_window_get_server (window));
  g_assert_true (wait_until (viewer_watches, back));
}

static gboolean
has_probe_row (gpointer data)
{
  GListModel *clients = data;

  for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (clients, i);

      if (g_strcmp0 (sp_client_item_get_info (item)->user_agent, "window-test-probe") == 0 &&
          sp_client_item_get_info (item)->left_at == 0)
        return TRUE;
    }

  return FALSE;
}

/* After it leaves, its row stays a minute, saying how it left. */
static guint64 kicked_id;

static gboolean
probe_row_left (gpointer data)
{
  GListModel *clients = data;

  for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (clients, i);
      SpClientInfo *info = sp_client_item_get_info (item);

      if (info->id == kicked_id)
        return info->left_at != 0 && info->close_code == 1000;
    }

  return FALSE;
}

static gboolean
probe_closed (gpointer data)
{
  Probe *probe = data;

  return soup_websocket_connection_get_state (probe->conn) == SOUP_WEBSOCKET_STATE_CLOSED;
}

static void
click_disconnect_of_probe (SpClientsPage *page)
{
  GListModel *clients = sp_clients_page_get_clients (page);

  for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (clients, i);

      if (g_strcmp0 (sp_client_item_get_info (item)->user_agent, "window-test-probe") == 0 &&
          sp_client_item_get_info (item)->left_at == 0)
        {
          /* The row's button does exactly this. */
          kicked_id = sp_client_item_get_info (item)->id;
          g_assert_true (sp_server_kick_client (sp_window_get_server (window), kicked_id));
          return;
        }
    }
  g_assert_not_reached ();
}

static void
test_clients_page (void)
{
  SpClientsPage *page = SP_CLIENTS_PAGE (sp_window_get_page (window, "clients"));
  GListModel *clients = sp_clients_page_get_clients (page);
  Probe probe;

  sp_window_show_page (window, "clients");
  probe_connect (&probe);
  g_assert_no_error (probe.error);
  g_assert_true (wait_until (has_probe_row, clients));
  /* The viewer's own connection is listed too. */
  g_assert_cmpuint (g_list_model_get_n_items (clients), >=, 2);
  screenshot ("clients.png");

  click_disconnect_of_probe (page);
  g_assert_true (wait_until (probe_closed, &probe));
  g_assert_cmpuint (soup_websocket_connection_get_close_code (probe.conn), ==, 1000);
  g_assert_true (wait_until (probe_row_left, clients));
  probe_clear (&probe);
}

static gboolean
has_refusals (gpointer data)
{
  SpClientsPage *page = SP_CLIENTS_PAGE (sp_window_get_page (window, "clients"));

  return sp_clients_page_get_n_refusals (page) >= GPOINTER_TO_UINT (data);
}

/* The original demo's page opened from a file (Origin null) is refused, the
 * refusal is listed with its reason, and one click lets it in. */
static void
test_refusals (void)
{
  SpClientsPage *page = SP_CLIENTS_PAGE (sp_window_get_page (window, "clients"));
  guint before = sp_clients_page_get_n_refusals (page);
  Probe probe;

  probe_connect_from (&probe, "null");
  g_assert_null (probe.conn);
  g_assert_nonnull (probe.error);
  probe_clear (&probe);
  g_assert_true (wait_until (has_refusals, GUINT_TO_POINTER (before + 1)));

  sp_window_show_page (window, "clients");
  screenshot ("refusals.png");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.allow-origin", "s", "null");
  {
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);
    g_auto(GStrv) origins = g_settings_get_strv (settings, "allowed-origins");

    g_assert_true (g_strv_contains ((const char * const *) origins, "null"));
  }
  /* The server takes it on its thread: the next try, a moment later, gets in. */
  for (guint i = 0; i < 20; i++)
    {
      probe_connect_from (&probe, "null");
      if (probe.conn != NULL)
        break;
      probe_clear (&probe);
      run_for (50);
    }
  g_assert_no_error (probe.error);
  g_assert_nonnull (probe.conn);
  probe_clear (&probe);
  g_assert_cmpuint (sp_clients_page_get_n_refusals (page), ==, before + 1);
  sp_window_show_page (window, "stream");
}

static GtkWidget *
find_widget_of_type (GtkWidget *root,
                     GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget_of_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
test_handshake_page (void)
{
  SpHandshakePage *page = SP_HANDSHAKE_PAGE (sp_window_get_page (window, "handshake"));
  const SpHandshakeRecord *record = sp_stream_client_get_handshake (sp_window_get_client (window));
  GtkDropDown *dropdown;

  sp_window_show_page (window, "handshake");
  run_for (200);
  g_assert_nonnull (record);
  g_assert_cmpstr (sp_handshake_page_get_verdict (page), ==, "✓");
  g_assert_nonnull (sp_handshake_page_get_expected_accept (page));
  g_assert_nonnull (strstr (record->response_text, sp_handshake_page_get_expected_accept (page)));
  /* No subprotocol set: no Sec-WebSocket-Protocol header at all, not an empty one. */
  g_assert_null (strstr (record->request_text, "Sec-WebSocket-Protocol"));
  /* Nothing offered that the guard could not see through (no compression). */
  g_assert_null (strstr (record->request_text, "Sec-WebSocket-Extensions"));
  screenshot ("handshake.png");

  /* A client of the built-in server (the viewer itself): its heads as the server kept them. */
  dropdown = GTK_DROP_DOWN (find_widget_of_type (GTK_WIDGET (page), GTK_TYPE_DROP_DOWN));
  g_assert_nonnull (dropdown);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), >=, 2);
  gtk_drop_down_set_selected (dropdown, 1);
  run_for (200);
  g_assert_cmpstr (sp_handshake_page_get_verdict (page), ==, "✓");
  g_assert_nonnull (sp_handshake_page_get_expected_accept (page));
  screenshot ("handshake-server-client.png");
  gtk_drop_down_set_selected (dropdown, 0);
  sp_window_show_page (window, "stream");
}

static void
test_preferences (void)
{
  GtkWindow *preferences;
  GList *windows;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  run_for (300);
  preferences = NULL;
  for (windows = gtk_application_get_windows (GTK_APPLICATION (app)); windows; windows = windows->next)
    if (windows->data != (gpointer) window)
      preferences = windows->data;
  g_assert_nonnull (preferences);
  g_assert_true (preferences != GTK_WINDOW (window));
  g_assert_true (gtk_window_get_transient_for (preferences) == GTK_WINDOW (window));
  screenshot_widget (GTK_WIDGET (preferences), "preferences.png");
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), "security");
  g_assert_cmpstr (adw_preferences_window_get_visible_page_name (ADW_PREFERENCES_WINDOW (preferences)),
                   ==, "security");
  screenshot_widget (GTK_WIDGET (preferences), "preferences-security.png");
  gtk_window_destroy (preferences);
}

/* The Security preferences reach the server: limits, origins, and a token made
 * up and kept once it is required. */
static void
test_security_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autoptr(SpServerConfig) config = NULL;
  g_autoptr(SpServerConfig) again = NULL;
  g_autofree char *token = NULL;
  const char *origins[] = { "https://partner.example", NULL };

  g_settings_set_uint (settings, "max-clients", 7);
  g_settings_set_uint (settings, "ping-interval", 5);
  g_settings_set_strv (settings, "allowed-origins", origins);
  config = sp_window_dup_server_config (window);
  g_assert_cmpuint (config->max_clients, ==, 7);
  g_assert_cmpuint (config->ping_interval_s, ==, 5);
  g_assert_cmpstr (config->allowed_origins[0], ==, "https://partner.example");
  g_assert_null (config->token);   /* loopback, not required */

  g_settings_set_boolean (settings, "require-token", TRUE);
  g_clear_pointer (&config, sp_server_config_free);
  config = sp_window_dup_server_config (window);
  token = g_settings_get_string (settings, "access-token");
  g_assert_nonnull (config->token);
  g_assert_cmpuint (strlen (config->token), >=, 16);
  g_assert_cmpstr (config->token, ==, token);
  again = sp_window_dup_server_config (window);
  g_assert_cmpstr (again->token, ==, token);   /* kept, not made up anew */

  g_settings_reset (settings, "max-clients");
  g_settings_reset (settings, "ping-interval");
  g_settings_reset (settings, "allowed-origins");
  g_settings_reset (settings, "require-token");
}

static void
test_translated (void)
{
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_parent (sp_window_get_page (window, "stream")));
  AdwViewStackPage *page;

  while (stack != NULL && !ADW_IS_VIEW_STACK (stack))
    stack = ADW_VIEW_STACK (gtk_widget_get_parent (GTK_WIDGET (stack)));
  page = adw_view_stack_get_page (stack, sp_window_get_page (window, "stream"));

  /* Under LANGUAGE=zh_CN the window speaks Chinese. */
  g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, "数据流");
  g_assert_cmpstr (_("Not connected"), ==, "未连接");
  screenshot ("stream-zh_CN.png");
}

/* A server whose messages hold no price at all. */
static gboolean
send_priceless (gpointer data)
{
  SoupWebsocketConnection *conn = data;

  if (soup_websocket_connection_get_state (conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return G_SOURCE_REMOVE;
  soup_websocket_connection_send_text (conn, "{\"type\":\"status\",\"status\":\"online\"}");
  return G_SOURCE_CONTINUE;
}

static void
on_priceless_client (SoupServer              *server,
                     SoupServerMessage       *msg,
                     const char              *path,
                     SoupWebsocketConnection *conn,
                     gpointer                 user_data)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, send_priceless, g_object_ref (conn), g_object_unref);
}

/* The chart's words after the count, in the window's language. */
static gboolean
chart_says_no_prices (gpointer data)
{
  const char *format = _("No prices in %s messages: they are all in the log below. Set where "
                         "the price is in the connection's options.");

  return strstr (sp_chart_get_empty_text (get_chart ()), strstr (format, "%s") + 2) != NULL;
}

/* A stream with no prices logs every message and says it found none. */
static void
test_no_prices (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;
  g_autofree char *back = sp_server_dup_ws_url (sp_window_get_server (window));
  GListModel *log = sp_stream_page_get_log (SP_STREAM_PAGE (sp_window_get_page (window, "stream")));

  soup_server_add_websocket_handler (server, NULL, NULL, NULL, on_priceless_client, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("ws://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  sp_window_connect (window, url);
  g_assert_true (wait_until (chart_says_no_prices, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (log), >=, 5);
  g_assert_null (sp_stream_client_get_price_source (sp_window_get_client (window)));
  screenshot ("stream-no-prices.png");

  sp_window_connect (window, back);
  soup_server_disconnect (server);
}

static GtkLabel *
find_error_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "error") &&
      gtk_widget_get_mapped (widget))
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_error_label (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
error_label_shown (gpointer data)
{
  return find_error_label (GTK_WIDGET (window)) != NULL;
}

/* An error made in the core (the port is taken) reaches the window in its
 * language, with the values it names. */
static void
test_translated_core_error (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autoptr(GSocket) taken = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *expected = NULL;
  GtkSwitch *server_switch = sp_window_get_server_switch (window);
  GtkLabel *label;
  guint port;

  g_assert_true (g_socket_bind (taken, any_port, FALSE, NULL));
  g_assert_true (g_socket_listen (taken, NULL));
  bound = g_socket_get_local_address (taken, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  g_settings_set_uint (settings, "server-port", port);
  gtk_switch_set_active (server_switch, FALSE);
  g_assert_true (wait_until (server_stopped, NULL));
  gtk_switch_set_active (server_switch, TRUE);
  g_assert_true (wait_until (error_label_shown, NULL));
  g_assert_false (sp_server_get_running (sp_window_get_server (window)));

  label = find_error_label (GTK_WIDGET (window));
  /* Translators' words for sp-server-listener.c's message, the port and address filled in. */
  expected = g_strdup_printf ("127.0.0.1 上的端口 %u 已被其他程序占用", port);
  g_test_message ("server line: %s", gtk_label_get_text (label));
  g_assert_nonnull (strstr (gtk_label_get_text (label), expected));
  screenshot ("server-error-zh_CN.png");

  g_settings_reset (settings, "server-port");
  restart_server ();
}

static gboolean
viewer_refused (gpointer data)
{
  const char *error = sp_stream_client_get_error (sp_window_get_client (window));

  return error != NULL && strstr (error, data) != NULL;
}

/* So does the viewer's: a refused connection, in the window's language. */
static void
test_translated_viewer_error (void)
{
  guint port = sp_test_free_port ();
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  g_autofree char *expected = g_strdup_printf ("127.0.0.1:%u 拒绝了连接", port);
  g_autofree char *back = sp_server_dup_ws_url (sp_window_get_server (window));

  sp_window_connect (window, url);
  g_assert_true (wait_until (viewer_refused, expected));
  screenshot ("viewer-error-zh_CN.png");
  sp_window_connect (window, back);
}

/* A server that sends @messages, one every 50 ms, the last again and again. */
typedef struct
{
  SoupWebsocketConnection *conn;
  const char * const      *messages;
  guint                    next;
} ScriptedClient;

static void
scripted_client_free (gpointer data)
{
  ScriptedClient *client = data;

  g_object_unref (client->conn);
  g_free (client);
}

static gboolean
send_scripted (gpointer data)
{
  ScriptedClient *client = data;

  if (soup_websocket_connection_get_state (client->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return G_SOURCE_REMOVE;
  soup_websocket_connection_send_text (client->conn, client->messages[client->next]);
  if (client->messages[client->next + 1] != NULL)
    client->next++;
  return G_SOURCE_CONTINUE;
}

static void
on_scripted_client (SoupServer              *server,
                    SoupServerMessage       *msg,
                    const char              *path,
                    SoupWebsocketConnection *conn,
                    gpointer                 user_data)
{
  ScriptedClient *client = g_new0 (ScriptedClient, 1);

  client->conn = g_object_ref (conn);
  client->messages = user_data;
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, send_scripted, client, scripted_client_free);
}

/* Listens on a free port of 127.0.0.1; returns its ws:// address. */
static char *
scripted_server_listen (SoupServer         *server,
                        const char * const *messages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  char *url;

  soup_server_add_websocket_handler (server, NULL, NULL, NULL, on_scripted_client,
                                     (gpointer) messages, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("ws://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return url;
}

/* The change next to the price is the stream's own, against the session's
 * open, when its ticks carry one; otherwise it says it is since connected. */
static void
test_change_since_open (void)
{
  static const char * const ticks[] = {
    "{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":292.96,\"change\":-6.94,\"change_pct\":-2.31,"
    "\"volume\":10,\"seq\":1,\"ts\":0}",
    "{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":290.47,\"change\":-9.43,\"change_pct\":-3.14,"
    "\"volume\":20,\"seq\":2,\"ts\":0}",
    NULL
  };
  static const char * const texts[] = { "price = 300.00", "price = 301.50", NULL };
  g_autoptr(SoupServer) tick_server = soup_server_new (NULL, NULL);
  g_autoptr(SoupServer) text_server = soup_server_new (NULL, NULL);
  g_autofree char *tick_url = scripted_server_listen (tick_server, ticks);
  g_autofree char *text_url = scripted_server_listen (text_server, texts);
  g_autofree char *back = sp_server_dup_ws_url (sp_window_get_server (window));
  g_autofree char *since = g_strdup_printf (_("%+.2f (%+.2f %%) since connected"), 1.5, 0.5);

  /* 290.47 is 9.43 below the 299.90 open: not the 2.49 below the first price seen. */
  sp_window_connect (window, tick_url);
  g_assert_true (wait_until (window_shows_label, (gpointer) "-9.43 (-3.14 %)"));
  screenshot ("stream-change-since-open.png");

  sp_window_connect (window, text_url);
  g_assert_true (wait_until (window_shows_label, since));
  screenshot ("stream-change-since-connected.png");

  sp_window_connect (window, back);
  g_assert_true (wait_until (viewer_has_prices, NULL));
  soup_server_disconnect (tick_server);
  soup_server_disconnect (text_server);
}

/* A mapped label under @widget whose text holds @text. */
static gboolean
shows_label_containing (GtkWidget  *widget,
                        const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label_containing (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
window_shows_text (gpointer text)
{
  return shows_label_containing (GTK_WIDGET (window), text);
}

static GtkWidget *preferences_window;

static AdwEntryRow *
find_row_titled (GtkWidget  *widget,
                 const char *title)
{
  if (ADW_IS_ENTRY_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    return ADW_ENTRY_ROW (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwEntryRow *found = find_row_titled (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
preferences_show_text (gpointer text)
{
  return shows_label_containing (preferences_window, text);
}

/* Toasts show what they say, '<' and '&' too; a CSV export imported back is
 * told apart (the file name, with its '<' and '&', in the toast). */
static void
test_toasts_escaped (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  g_autofree char *dir = g_dir_make_tmp ("stockpush-toast-XXXXXX", NULL);
  g_autoptr(GFile) csv = g_file_new_build_filename (dir, "log <1> & co.csv", NULL);
  g_autoptr(GError) error = NULL;
  AdwEntryRow *origins;

  g_assert_true (wait_until (log_has_items, GUINT_TO_POINTER (2)));
  g_assert_true (sp_stream_page_export_log (page, csv, FALSE, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (sp_stream_page_import_log (page, csv, &error));
  g_assert_nonnull (strstr (error->message, "log <1> & co.csv"));
  /* The page toasts the import's error just so. */
  gtk_widget_activate_action (GTK_WIDGET (page), "win.toast", "s", error->message);
  g_assert_true (wait_until (window_shows_text, error->message));
  screenshot ("toast-csv-import.png");
  g_file_delete (csv, NULL, NULL);
  g_rmdir (dir);

  /* Preferences' toasts quote what was typed. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  run_for (300);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (l->data != (gpointer) window)
      preferences_window = l->data;
  g_assert_nonnull (preferences_window);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences_window), "security");
  origins = find_row_titled (preferences_window, _("Also Allow Pages From (e.g. https://example.com)"));
  g_assert_nonnull (origins);
  gtk_editable_set_text (GTK_EDITABLE (origins), "<bad&origin>");
  g_signal_emit_by_name (origins, "apply");
  g_assert_true (wait_until (preferences_show_text, (gpointer) "<bad&origin>"));
  screenshot_widget (preferences_window, "preferences-toast.png");
  gtk_window_destroy (GTK_WINDOW (preferences_window));
  preferences_window = NULL;

  /* A recent address is listed as it is written: '_' is no mnemonic. */
  {
    g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
    g_auto(GStrv) saved = g_settings_get_strv (settings, "recent-urls");
    const char *recent[] = { "ws://my_feed.example/", NULL };
    GtkWidget *bar = find_descendant (GTK_WIDGET (page), SP_TYPE_CONNECTION_BAR);
    /* The first menu button: Recent and Saved Connections. */
    GtkMenuButton *button = GTK_MENU_BUTTON (find_descendant (bar, GTK_TYPE_MENU_BUTTON));

    g_settings_set_strv (settings, "recent-urls", recent);
    g_assert_nonnull (button);
    gtk_menu_button_popup (button);
    g_assert_true (wait_until (window_shows_text, (gpointer) "ws://my_feed.example/"));
    gtk_menu_button_popdown (button);
    g_settings_set_strv (settings, "recent-urls", (const char * const *) saved);
  }
}

/* The dropping client while connected (@id 0), or the client @id. */
static SpClientInfo *
probe_info (GListModel *clients,
            guint64     id)
{
  for (guint i = 0; i < g_list_model_get_n_items (clients); i++)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (clients, i);
      SpClientInfo *info = sp_client_item_get_info (item);

      if (g_strcmp0 (info->user_agent, "window-test-dropped") == 0 &&
          (id != 0 ? info->id == id : info->left_at == 0))
        return info;
    }
  return NULL;
}

static guint64 live_probe_id;

static gboolean
has_dropping_row (gpointer data)
{
  return probe_info (data, 0) != NULL;
}

static gboolean
probe_left (gpointer data)
{
  SpClientInfo *info = probe_info (data, live_probe_id);

  return info != NULL && info->left_at != 0;
}

/* The disconnect button of client @id, if its row is shown. */
static GtkWidget *
find_disconnect_button (GtkWidget *widget,
                        guint64    id)
{
  guint64 *button_id = g_object_get_data (G_OBJECT (widget), "client-id");

  if (GTK_IS_BUTTON (widget) && button_id != NULL && *button_id == id)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_disconnect_button (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The text of the mapped label under @widget that holds @text, or NULL. */
static const char *
label_containing (GtkWidget  *widget,
                  const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return gtk_label_get_text (GTK_LABEL (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *found = label_containing (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  const char *piece;
  const char *before;
} Changed;

static gboolean
label_text_changed (gpointer data)
{
  Changed *changed = data;
  const char *now = label_containing (GTK_WIDGET (window), changed->piece);

  return now != NULL && g_strcmp0 (now, changed->before) != 0;
}

/* A client whose connection drops: its row says the connection was lost
 * (1006), its time since leaving goes on, and it can no longer be disconnected. */
static void
test_clients_page_live (void)
{
  SpClientsPage *page = SP_CLIENTS_PAGE (sp_window_get_page (window, "clients"));
  GListModel *clients = sp_clients_page_get_clients (page);
  g_autofree char *lost = g_strdup_printf (_("Left %s ago · connection lost (1006)"), "");
  const char *piece;
  Changed changed;
  GtkWidget *button;
  guint64 id;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  char response[512];
  gssize got;
  const char *request =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "User-Agent: window-test-dropped\r\n\r\n";

  sp_window_show_page (window, "clients");
  /* A client by hand, so that it can vanish without a close frame. */
  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", 8765, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                            request, strlen (request), NULL, NULL, &error));
  got = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             response, sizeof response - 1, NULL, &error);
  g_assert_cmpint (got, >, 0);
  response[got] = '\0';
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 101"));
  g_assert_true (wait_until (has_dropping_row, clients));
  id = live_probe_id = probe_info (clients, 0)->id;
  run_for (300);
  button = find_disconnect_button (GTK_WIDGET (page), id);
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button));

  /* Cut off: no close frame. */
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  g_assert_true (wait_until (probe_left, clients));
  g_assert_cmpuint (probe_info (clients, id)->close_code, ==, 1006);
  /* What follows the number of seconds, in the window's language. */
  piece = strstr (lost, " ago") != NULL ? strstr (lost, " ago") : strrchr (lost, ' ');
  g_assert_true (wait_until (window_shows_text, (gpointer) piece));
  screenshot ("clients-lost.png");
  button = find_disconnect_button (GTK_WIDGET (page), id);
  g_assert_nonnull (button);
  g_assert_false (gtk_widget_get_sensitive (button));

  /* "Left 1 second ago" becomes "Left 2 seconds ago" while the page is shown. */
  changed.piece = piece;
  changed.before = g_strdup (label_containing (GTK_WIDGET (window), piece));
  g_assert_true (wait_until (label_text_changed, &changed));
  g_free ((char *) changed.before);

  sp_window_show_page (window, "stream");
}

/* A mistake in the address shows under the bar, precise, until the address
 * changes; the red state of an older connection gives way to it; a web
 * page's http:// address is taken as ws://. */
static void
test_address_errors (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  SpConnectionBar *bar = SP_CONNECTION_BAR (find_descendant (GTK_WIDGET (page), SP_TYPE_CONNECTION_BAR));
  GtkEditable *entry = GTK_EDITABLE (find_descendant (GTK_WIDGET (bar), GTK_TYPE_ENTRY));
  g_autofree char *back = sp_server_dup_ws_url (sp_window_get_server (window));
  g_autofree char *as_page = NULL;
  g_autofree char *refused_url = g_strdup_printf ("ws://127.0.0.1:%u/", sp_test_free_port ());
  GtkLabel *shown;

  /* An older connection's error first: refused, in red. */
  sp_window_connect (window, refused_url);
  g_assert_true (wait_until (error_label_shown, NULL));

  gtk_editable_set_text (entry, "htp:/bad url");
  gtk_widget_activate_action (GTK_WIDGET (bar), "stream.connect", NULL);
  g_assert_nonnull (sp_connection_bar_get_error (bar));
  g_assert_nonnull (strstr (sp_connection_bar_get_error (bar), "“htp”"));
  g_assert_null (strstr (sp_connection_bar_get_error (bar), "no scheme"));
  run_for (200);
  /* The one red line in the window is the address's. */
  shown = find_error_label (GTK_WIDGET (window));
  g_assert_nonnull (shown);
  g_assert_cmpstr (gtk_label_get_text (shown), ==, sp_connection_bar_get_error (bar));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  screenshot ("address-error.png");

  /* It stays while nothing changes, and goes with the first keystroke. */
  run_for (600);
  g_assert_nonnull (sp_connection_bar_get_error (bar));
  gtk_editable_set_text (entry, "ws:/127.0.0.1/");
  g_assert_null (sp_connection_bar_get_error (bar));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  gtk_widget_activate_action (GTK_WIDGET (bar), "stream.connect", NULL);
  g_assert_nonnull (strstr (sp_connection_bar_get_error (bar), "ws://127.0.0.1/"));

  /* An empty box asks for an address; its hint does not look like one. */
  gtk_editable_set_text (entry, "");
  g_assert_true (g_str_has_prefix (gtk_entry_get_placeholder_text (GTK_ENTRY (entry)),
                                   _("Server address, e.g. ws://127.0.0.1:8765/")));
  gtk_widget_activate_action (GTK_WIDGET (bar), "stream.connect", NULL);
  g_assert_cmpstr (sp_connection_bar_get_error (bar), ==,
                   g_dgettext (GETTEXT_PACKAGE, "Enter the address of a WebSocket server, e.g. ws://127.0.0.1:8765/"));

  /* The built-in server's address as a browser has it. */
  g_assert_true (g_str_has_prefix (back, "ws://"));
  as_page = g_strconcat ("http://", back + 5, NULL);
  gtk_editable_set_text (entry, as_page);
  gtk_widget_activate_action (GTK_WIDGET (bar), "stream.connect", NULL);
  g_assert_null (sp_connection_bar_get_error (bar));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, back);
  g_assert_true (wait_until (viewer_watches, back));
  g_assert_true (wait_until (viewer_has_prices, NULL));
}

/* The highest "seq" of the ticks a probe received. */
static void
on_probe_message (SoupWebsocketConnection *conn,
                  gint                     type,
                  GBytes                  *message,
                  gpointer                 data)
{
  guint64 *last_seq = data;
  const char *text = g_bytes_get_data (message, NULL);

  for (const char *seq = strstr (text, "\"seq\":"); seq != NULL; seq = strstr (seq + 6, "\"seq\":"))
    *last_seq = MAX (*last_seq, g_ascii_strtoull (seq + 6, NULL, 10));
}

static gboolean
seq_seen (gpointer data)
{
  return *(guint64 *) data > 0;
}

/* Switched off and on, the built-in server goes on with the same market: the
 * ticks' sequence continues, it does not start again at the opening prices. */
static void
test_server_switch_keeps_market (void)
{
  guint64 before = 0;
  guint64 after = 0;
  Probe probe;

  probe_connect (&probe);
  g_assert_no_error (probe.error);
  g_signal_connect (probe.conn, "message", G_CALLBACK (on_probe_message), &before);
  g_assert_true (wait_until (seq_seen, &before));
  run_for (1000);
  g_signal_handlers_disconnect_by_func (probe.conn, on_probe_message, &before);
  probe_clear (&probe);

  restart_server ();
  probe_connect (&probe);
  g_assert_no_error (probe.error);
  g_signal_connect (probe.conn, "message", G_CALLBACK (on_probe_message), &after);
  g_assert_true (wait_until (seq_seen, &after));
  g_test_message ("seq before the switch %" G_GUINT64_FORMAT ", after %" G_GUINT64_FORMAT, before, after);
  g_assert_cmpuint (after, >, before);
  g_signal_handlers_disconnect_by_func (probe.conn, on_probe_message, &after);
  probe_clear (&probe);
  g_assert_true (wait_until (viewer_has_prices, NULL));
}

static void
on_client_left (SpServer     *server,
                SpClientInfo *info,
                gpointer      data)
{
  g_array_append_val ((GArray *) data, info->close_code);
}

static gboolean
array_not_empty (gpointer data)
{
  return ((GArray *) data)->len > 0;
}

static gboolean
pointer_cleared (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
other_viewer_open (gpointer data)
{
  return sp_stream_client_get_state (sp_window_get_client (data)) == SP_STREAM_OPEN;
}

static gboolean
keep_open (GtkWindow *closing,
           gpointer   data)
{
  *(gboolean *) data = TRUE;
  return TRUE;
}

/* Quitting closes the windows, and a window that closes says goodbye: its
 * viewer's stream ends with a close frame (1000), not a dropped connection;
 * the window then goes. */
static void
test_close_says_goodbye (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autoptr(GArray) codes = g_array_new (FALSE, FALSE, sizeof (gushort));
  SpWindow *other = sp_window_new (app);
  g_autoptr(SpServer) server = NULL;
  g_autofree char *url = NULL;
  gboolean asked = FALSE;
  gulong handler;
  gulong blocker;

  /* A window as the application makes it: its own server, its viewer on it. */
  gtk_window_present (GTK_WINDOW (other));
  g_settings_set_uint (settings, "server-port", sp_test_free_port ());
  g_assert_true (sp_window_start_server (other));
  g_settings_reset (settings, "server-port");
  server = g_object_ref (sp_window_get_server (other));
  url = sp_server_dup_ws_url (server);
  sp_window_connect (other, url);
  g_assert_true (wait_until (other_viewer_open, other));
  handler = g_signal_connect (server, "client-disconnected", G_CALLBACK (on_client_left), codes);
  g_object_add_weak_pointer (G_OBJECT (other), (gpointer *) &other);

  /* Quit, as Ctrl+Q does; this test's main window stays for the tests after it. */
  blocker = g_signal_connect (window, "close-request", G_CALLBACK (keep_open), &asked);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_assert_true (asked);
  g_signal_handler_disconnect (window, blocker);
  g_assert_true (wait_until (array_not_empty, codes));
  g_assert_cmpuint (g_array_index (codes, gushort, 0), ==, 1000);
  g_assert_true (wait_until (pointer_cleared, &other));
  g_signal_handler_disconnect (server, handler);
}

/* Connected from the bar with the subprotocols box empty, the viewer offers
 * none: no Sec-WebSocket-Protocol header, not an empty one. */
static void
test_bar_offers_no_empty_protocol (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  GtkWidget *bar = find_descendant (GTK_WIDGET (page), SP_TYPE_CONNECTION_BAR);
  SpStreamClient *client = sp_window_get_client (window);
  g_autofree char *url = sp_server_dup_ws_url (sp_window_get_server (window));
  g_autoptr(SpStreamOptions) options = sp_connection_bar_dup_options (SP_CONNECTION_BAR (bar));
  const SpHandshakeRecord *record;

  g_assert_nonnull (options->protocols);
  g_assert_null (options->protocols[0]);
  sp_connection_bar_set_url (SP_CONNECTION_BAR (bar), url);
  gtk_widget_activate_action (bar, "stream.connect", NULL);
  g_assert_true (wait_until (viewer_has_prices, NULL));
  record = sp_stream_client_get_handshake (client);
  g_assert_nonnull (record);
  g_assert_nonnull (strstr (record->request_text, "Sec-WebSocket-Key:"));
  g_assert_null (strstr (record->request_text, "Sec-WebSocket-Protocol"));
}

static void
collect_of_type (GtkWidget *widget,
                 GType      type,
                 GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_of_type (child, type, found);
}

static GtkWidget *
find_button_labelled (GtkWidget  *widget,
                      const char *label)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect_of_type (widget, GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      return buttons->pdata[i];
  return NULL;
}

/* The chart's toolbar holds still: choosing candles moves nothing under the
 * pointer; no drop-down's tooltip covers the list it opens. */
static void
test_toolbar_steady (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  GtkWidget *candles = find_button_labelled (GTK_WIDGET (page), _("Candles"));
  g_autoptr(GPtrArray) dropdowns = g_ptr_array_new ();
  graphene_point_t before, after;

  sp_window_show_page (window, "stream");
  g_assert_nonnull (candles);
  gtk_widget_activate_action (GTK_WIDGET (page), "chart.mode", "s", "line");
  run_for (200);
  g_assert_true (gtk_widget_compute_point (candles, GTK_WIDGET (window), &GRAPHENE_POINT_INIT (0, 0), &before));
  gtk_widget_activate_action (GTK_WIDGET (page), "chart.mode", "s", "candles");
  run_for (200);
  g_assert_true (gtk_widget_compute_point (candles, GTK_WIDGET (window), &GRAPHENE_POINT_INIT (0, 0), &after));
  g_assert_cmpfloat (after.x, ==, before.x);
  g_assert_cmpfloat (after.y, ==, before.y);
  screenshot ("stream-candles-toolbar.png");
  gtk_widget_activate_action (GTK_WIDGET (page), "chart.mode", "s", "line");

  collect_of_type (GTK_WIDGET (window), GTK_TYPE_DROP_DOWN, dropdowns);
  g_assert_cmpuint (dropdowns->len, >=, 5);
  for (guint i = 0; i < dropdowns->len; i++)
    {
      const char *tooltip = gtk_widget_get_tooltip_text (dropdowns->pdata[i]);

      g_assert_null (tooltip);
    }
}

static GtkAdjustment *
log_adjustment (SpStreamPage *page)
{
  g_autoptr(GPtrArray) scrollers = g_ptr_array_new ();

  collect_of_type (find_descendant (GTK_WIDGET (page), SP_TYPE_LOG_VIEW), GTK_TYPE_SCROLLED_WINDOW,
                   scrollers);
  for (guint i = 0; i < scrollers->len; i++)
    if (GTK_IS_LIST_VIEW (gtk_scrolled_window_get_child (scrollers->pdata[i])) &&
        gtk_widget_get_mapped (scrollers->pdata[i]))
      return gtk_scrolled_window_get_vadjustment (scrollers->pdata[i]);
  return NULL;
}

static gboolean
log_at_live_end (gpointer data)
{
  SpStreamPage *page = data;
  GtkAdjustment *adjustment = log_adjustment (page);
  GListModel *log = sp_stream_page_get_log (page);
  g_autoptr(SpLogItem) last = NULL;
  guint n = g_list_model_get_n_items (log);

  g_assert_nonnull (adjustment);
  if (n == 0)
    return FALSE;
  last = g_list_model_get_item (log, n - 1);
  /* A live message at the end, and the view there. */
  return sp_log_item_get_frame (last)->time_us > G_GINT64_CONSTANT (1795521601000000) &&
         gtk_adjustment_get_upper (adjustment) > gtk_adjustment_get_page_size (adjustment) &&
         gtk_adjustment_get_value (adjustment) >=
           gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 4;
}

/* After an import: a binary message's hexdump keeps each row on one line,
 * its ASCII column beside the bytes; Resume goes back to live messages. */
static void
test_log_after_import (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  GtkWidget *log_view = find_descendant (GTK_WIDGET (page), SP_TYPE_LOG_VIEW);
  GtkTextView *detail = GTK_TEXT_VIEW (find_descendant (log_view, GTK_TYPE_TEXT_VIEW));
  g_autofree char *dir = g_dir_make_tmp ("stockpush-import-XXXXXX", NULL);
  g_autoptr(GFile) file = g_file_new_build_filename (dir, "binary.jsonl", NULL);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  GtkTextIter iter;
  int y, row_height, empty_height;

  /* Forty messages, the last binary: 40 bytes, three rows of hexdump. */
  for (guint i = 0; i < 39; i++)
    g_string_append_printf (lines, "{\"t\":%" G_GINT64_FORMAT ",\"dir\":\"in\",\"kind\":\"text\",\"size\":5,"
                            "\"text\":\"hello\"}\n", G_GINT64_CONSTANT (1795521600000000) + i * 1000);
  g_string_append (lines, "{\"t\":1795521600900000,\"dir\":\"in\",\"kind\":\"binary\",\"size\":40,"
                          "\"base64\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw==\"}\n");
  g_assert_true (g_file_replace_contents (file, lines->str, lines->len, NULL, FALSE, 0, NULL, NULL, NULL));
  g_assert_true (sp_stream_page_import_log (page, file, &error));
  g_assert_no_error (error);

  g_assert_true (sp_stream_page_select_message (page, G_GINT64_CONSTANT (1795521600900000)));
  run_for (300);
  screenshot ("log-hexdump.png");
  gtk_text_buffer_get_iter_at_line (gtk_text_view_get_buffer (detail), &iter, 0);
  gtk_text_view_get_line_yrange (detail, &iter, &y, &row_height);
  gtk_text_buffer_get_iter_at_line (gtk_text_view_get_buffer (detail), &iter, 3);
  g_assert_true (gtk_text_iter_ends_line (&iter));   /* the empty line after the rows */
  gtk_text_view_get_line_yrange (detail, &iter, &y, &empty_height);
  g_assert_cmpint (row_height, ==, empty_height);

  /* Read from the top, then Resume: the live stream, at its newest. */
  gtk_adjustment_set_value (log_adjustment (page), 0);
  run_for (300);
  sp_stream_page_set_log_paused (page, FALSE);
  g_assert_true (wait_until (log_at_live_end, page));

  g_file_delete (file, NULL, NULL);
  g_rmdir (dir);
}

/* A saved chart says what it shows: the symbol as its heading and title,
 * the time range and the stream under it. */
static void
test_chart_picture_titled (void)
{
  SpStreamPage *page = SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
  SpChart *chart = sp_stream_page_get_chart (page);
  const char *dir = g_getenv ("STOCKPUSH_SCREENSHOT_DIR");
  g_autofree char *tmp = g_dir_make_tmp ("stockpush-png-XXXXXX", NULL);
  g_autoptr(GFile) png = g_file_new_build_filename (dir != NULL ? dir : tmp, "chart-saved.png", NULL);
  g_autofree char *url = g_strdup (sp_stream_client_get_options (sp_window_get_client (window))->url);
  g_autoptr(GdkPixbuf) picture = NULL;
  g_autoptr(GError) error = NULL;
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (chart));
  const guint8 *pixels;
  guint drawn = 0;
  int stride;

  g_assert_true (wait_until (chart_has_points, GUINT_TO_POINTER (2)));
  g_assert_true (sp_stream_page_save_chart (page, png, &error));
  g_assert_no_error (error);
  picture = gdk_pixbuf_new_from_file (g_file_peek_path (png), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gdk_pixbuf_get_option (picture, "tEXt::Title"), ==, "ACME");
  g_assert_nonnull (strstr (gdk_pixbuf_get_option (picture, "tEXt::Description"), url));
  g_assert_cmpint (gdk_pixbuf_get_width (picture), ==, gtk_widget_get_width (GTK_WIDGET (chart)) * scale);
  g_assert_cmpint (gdk_pixbuf_get_height (picture), >, gtk_widget_get_height (GTK_WIDGET (chart)) * scale);

  /* The heading is drawn: above the chart, pixels other than the background. */
  pixels = gdk_pixbuf_read_pixels (picture);
  stride = gdk_pixbuf_get_rowstride (picture);
  for (int y = 0; y < gdk_pixbuf_get_height (picture) - gtk_widget_get_height (GTK_WIDGET (chart)) * scale; y++)
    for (int x = 0; x < gdk_pixbuf_get_width (picture); x++)
      drawn += memcmp (pixels + y * stride + x * gdk_pixbuf_get_n_channels (picture), pixels, 3) != 0;
  g_assert_cmpuint (drawn, >, 100);

  if (dir == NULL)
    g_file_delete (png, NULL, NULL);
  g_rmdir (tmp);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("STOCKPUSH_LOCALEDIR") ? g_getenv ("STOCKPUSH_LOCALEDIR")
                                                                    : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);

  app = sp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = SP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);

  g_test_add_func ("/window/embedded-default", test_embedded_default);
  g_test_add_func ("/window/chart", test_chart);
  g_test_add_func ("/window/log-tools", test_log_tools);
  g_test_add_func ("/window/stream-actions", test_stream_actions);
  g_test_add_func ("/window/server-switch", test_server_switch);
  g_test_add_func ("/window/clients-page", test_clients_page);
  g_test_add_func ("/window/refusals", test_refusals);
  g_test_add_func ("/window/handshake-page", test_handshake_page);
  g_test_add_func ("/window/preferences", test_preferences);
  g_test_add_func ("/window/security-settings", test_security_settings);
  /* Last before the translation check: it restarts the server twice. */
  g_test_add_func ("/window/no-prices", test_no_prices);
  g_test_add_func ("/window/port-follows", test_port_follows);
  g_test_add_func ("/window/broker-role", test_broker_role);
  if (g_str_has_prefix (g_getenv ("LANGUAGE") ? g_getenv ("LANGUAGE") : "", "zh_CN"))
    {
      g_test_add_func ("/window/translated", test_translated);
      g_test_add_func ("/window/translated-core-error", test_translated_core_error);
      g_test_add_func ("/window/translated-viewer-error", test_translated_viewer_error);
    }
  g_test_add_func ("/window/change-since-open", test_change_since_open);
  g_test_add_func ("/window/toasts-escaped", test_toasts_escaped);
  g_test_add_func ("/window/clients-page-live", test_clients_page_live);
  g_test_add_func ("/window/address-errors", test_address_errors);
  g_test_add_func ("/window/server-switch-keeps-market", test_server_switch_keeps_market);
  g_test_add_func ("/window/close-says-goodbye", test_close_says_goodbye);
  g_test_add_func ("/window/bar-offers-no-empty-protocol", test_bar_offers_no_empty_protocol);
  g_test_add_func ("/window/toolbar-steady", test_toolbar_steady);
  g_test_add_func ("/window/log-after-import", test_log_after_import);
  g_test_add_func ("/window/chart-picture-titled", test_chart_picture_titled);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);

  return status;
}
