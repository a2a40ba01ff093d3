/* The window at the widths people give it, under Xvfb: a phone's 360 px, half
 * of a small screen (600 × 500) and a wide one (1400). At each, every page's
 * controls are on screen, none cut off at the edge; the page switcher moves
 * to the bottom only when the header has no room for it. And the watchlist:
 * every symbol of the stream with its last price, change and sparkline,
 * live, a row charting its symbol. With STOCKPUSH_SCREENSHOT_DIR, pictures
 * of each width in light and dark. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "sp-application.h"
#include "sp-stream-page.h"
#include "sp-sidebar.h"
#include "sp-watchlist-row.h"
#include "sp-window.h"
#include "sptest-util.h"
#include "sptest-window.h"

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

/* The README's pictures: @name in the light style and @name-dark.png in the dark one. */
static void screenshot (const char *name);

static void
screenshot_styles (const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *light = g_strdup_printf ("%s.png", name);
  g_autofree char *dark = g_strdup_printf ("%s-dark.png", name);

  if (g_getenv ("STOCKPUSH_SCREENSHOT_DIR") == NULL)
    return;
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  screenshot (light);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  screenshot (dark);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

static void
screenshot (const char *name)
{
  sp_test_save_screenshot (GTK_WIDGET (window), name, 400);
}

/* The first widget under @root, depth first, with @id in its template or of @type. */
static GtkWidget *
find (GtkWidget  *root,
      const char *id,
      GType       type)
{
  if ((id == NULL || g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0) &&
      (type == G_TYPE_INVALID || G_TYPE_CHECK_INSTANCE_TYPE (root, type)))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find (child, id, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_id (GtkWidget  *root,
         const char *id)
{
  GtkWidget *found = find (root, id, G_TYPE_INVALID);

  if (found == NULL)
    g_error ("no widget \"%s\" under %s", id, G_OBJECT_TYPE_NAME (root));
  return found;
}

/* Widgets under @root wider than @limit at their minimum, to say what holds a window wide. */
static void
describe_wide (GtkWidget *root,
               int        limit,
               GString   *out)
{
  int min;

  if (!gtk_widget_get_visible (root))
    return;
  gtk_widget_measure (root, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  if (min <= limit)
    return;
  g_string_append_printf (out, " %s%s%s (%d)", G_OBJECT_TYPE_NAME (root),
                          gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)) ? "#" : "",
                          gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)) ?: "", min);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    describe_wide (child, limit, out);
}

typedef struct
{
  int width;
  int height;
} Size;

static gboolean
window_has_size (gpointer data)
{
  const Size *size = data;

  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  /* The window as the screen has it, its frame included. */
  return gdk_surface_get_width (surface) == size->width &&
         gdk_surface_get_height (surface) == size->height;
}

static void
resize (int width,
        int height)
{
  Size size = { width, height };
  int min_width, min_height;

  /* A narrower layout lowers the window's minimum only once it is laid out
   * narrower: as a person dragging the edge does, ask again. */
  for (guint i = 0; i < 4 && !window_has_size (&size); i++)
    {
      gtk_window_set_default_size (GTK_WINDOW (window), width + 1, height + 1);
      run_for (50);
      gtk_window_set_default_size (GTK_WINDOW (window), width, height);
      sp_test_wait_until (NULL, window_has_size, &size, 2000);
    }
  if (!window_has_size (&size))
    {
      g_autoptr(GString) wide = g_string_new (NULL);

      describe_wide (GTK_WIDGET (window), width, wide);
      g_error ("the window is %d × %d, not %d × %d; at their minimum, wider than it:%s",
               gdk_surface_get_width (gtk_native_get_surface (GTK_NATIVE (window))),
               gdk_surface_get_height (gtk_native_get_surface (GTK_NATIVE (window))),
               width, height, wide->str);
    }
  /* The layout settles (a narrow layout may need a second pass). */
  run_for (300);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (GTK_WIDGET (window)), &min_height, NULL, NULL, NULL);
  g_test_message ("at %d × %d the window could be %d × %d", width, height, min_width, min_height);
  g_assert_cmpint (min_width, <=, width);
  g_assert_cmpint (min_height, <=, height);
}

static void
show_page (const char *name)
{
  AdwViewStack *stack = ADW_VIEW_STACK (find (GTK_WIDGET (window), NULL, ADW_TYPE_VIEW_STACK));

  adw_view_stack_set_visible_child_name (stack, name);
  run_for (300);
}

/* On screen: mapped, with room, and inside the window and each of its
 * parents, so neither cut off at the window's edge nor drawn over by a
 * neighbour (a parent given less than it needs). Up and down, only up to the
 * first scrolled parent: a page that scrolls shows the rest when scrolled. */
static void
assert_on_screen (GtkWidget  *widget,
                  const char *what,
                  gboolean    vertically)
{
  int window_width = gtk_widget_get_width (GTK_WIDGET (window));
  int window_height = gtk_widget_get_height (GTK_WIDGET (window));
  graphene_rect_t bounds;

  if (!gtk_widget_get_mapped (widget))
    g_error ("%s is not shown at %d px", what, window_width);
  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (window), &bounds));
  if (bounds.size.width < 8 || bounds.size.height < 8)
    g_error ("%s has no room at %d × %d: %.0f × %.0f", what, window_width, window_height,
             bounds.size.width, bounds.size.height);
  /* Given the height it needs at its width (text that wraps): nothing clipped inside. */
  {
    int min_height;

    gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (widget), &min_height,
                        NULL, NULL, NULL);
    if ((GTK_IS_TEXT_VIEW (widget) ||
         gtk_widget_get_request_mode (widget) == GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH) &&
        gtk_widget_get_height (widget) < min_height)
      g_error ("%s is %d px tall at %d × %d, and needs %d", what, gtk_widget_get_height (widget),
               window_width, window_height, min_height);
  }
  for (GtkWidget *parent = gtk_widget_get_parent (widget); parent != NULL;
       parent = gtk_widget_get_parent (parent))
    {
      graphene_rect_t outer;

      if (GTK_IS_SCROLLABLE (parent) || GTK_IS_SCROLLED_WINDOW (parent))
        vertically = FALSE;
      g_assert_true (gtk_widget_compute_bounds (parent, GTK_WIDGET (window), &outer));
      if (bounds.origin.x < outer.origin.x - 0.5 ||
          bounds.origin.x + bounds.size.width > outer.origin.x + outer.size.width + 0.5 ||
          (vertically && (bounds.origin.y < outer.origin.y - 0.5 ||
                          bounds.origin.y + bounds.size.height > outer.origin.y + outer.size.height + 0.5)))
        g_error ("%s is cut off at %d × %d: at %.0f, %.0f, %.0f × %.0f, outside its %s at %.0f, %.0f, "
                 "%.0f × %.0f", what, window_width, window_height, bounds.origin.x, bounds.origin.y,
                 bounds.size.width, bounds.size.height, G_OBJECT_TYPE_NAME (parent), outer.origin.x,
                 outer.origin.y, outer.size.width, outer.size.height);
    }
}

/* @ids: a part's type name, then the ids of its controls; NULL ends each part and the list. */
static void
assert_ids_on_screen (GtkWidget          *page,
                      const char * const *ids,
                      gboolean            vertically)
{
  for (guint i = 0; ids[i] != NULL; i++)
    {
      GtkWidget *part = find (page, NULL, g_type_from_name (ids[i]));

      g_assert_nonnull (part);
      for (i++; ids[i] != NULL; i++)
        assert_on_screen (find_id (part, ids[i]), ids[i], vertically);
    }
}

static gboolean
switcher_bar_revealed (void)
{
  AdwViewSwitcherBar *bar = ADW_VIEW_SWITCHER_BAR (find (GTK_WIDGET (window), NULL,
                                                         ADW_TYPE_VIEW_SWITCHER_BAR));

  return adw_view_switcher_bar_get_reveal (bar);
}

static gboolean
switcher_bar_is (gpointer revealed)
{
  return switcher_bar_revealed () == GPOINTER_TO_INT (revealed);
}

static gboolean
viewer_has_prices (gpointer data)
{
  SpStreamClient *client = sp_window_get_client (window);

  return sp_stream_client_get_state (client) == SP_STREAM_OPEN &&
         sp_stream_client_get_messages_in (client) >= 4;
}

/* A client's disconnect button, the last column of the list. */
static GtkWidget *
disconnect_button (void)
{
  GtkWidget *list = find (sp_window_get_page (window, "clients"), NULL, GTK_TYPE_COLUMN_VIEW);

  return list != NULL ? find (list, NULL, GTK_TYPE_BUTTON) : NULL;
}

static GtkWidget *
find_label_starting (GtkWidget  *root,
                     const char *prefix)
{
  if (GTK_IS_LABEL (root) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (root)), prefix))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_starting (child, prefix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
health_label (void)
{
  GtkWidget *list = find (sp_window_get_page (window, "clients"), NULL, GTK_TYPE_COLUMN_VIEW);

  return list != NULL ? find_label_starting (list, _("Keeping up")) : NULL;
}

static gboolean
health_shown (gpointer data)
{
  return health_label () != NULL && gtk_widget_get_mapped (health_label ());
}

static gboolean
clients_listed (gpointer data)
{
  return disconnect_button () != NULL && gtk_widget_get_mapped (disconnect_button ());
}

static void
check_width (int         width,
             int         height,
             const char *name)
{
  static const char * const stream_ids[] = {
    "SpConnectionBar", "url_entry", "recent_button", "options_button", "connect_button",
    "state_label", NULL,
    "SpChartPane", "watchlist_button", "symbol_dropdown", "price_label", "compare_button",
    "alerts_button", "live_button",
    "candle_dropdown", "chart", NULL,
    "SpLogView", "search_entry", "direction_dropdown", "kind_dropdown", "pause_button",
    "log_scroller", NULL,
    "SpSendBar", "send_entry", "ping_button", "send_button", NULL,
    NULL
  };
  static const char * const handshake_ids[] = {
    "SpHandshakePage", "source_dropdown", "request_view", "response_view", "verdict_label", NULL,
    NULL
  };
  GtkWidget *header = find (GTK_WIDGET (window), NULL, ADW_TYPE_HEADER_BAR);
  g_autofree char *shot = NULL;

  resize (width, height);

  show_page ("stream");
  /* The page switcher: in the header when it fits, at the bottom otherwise.
   * At 600 px the header holds the narrow switcher; at 360 px, only the title.
   * Then the page's height is settled. */
  if (!wait_until (switcher_bar_is, GINT_TO_POINTER (width < 500)))
    g_error ("at %d px the page switcher is %s", width,
             switcher_bar_revealed () ? "at the bottom" : "in the header");
  run_for (300);
  assert_on_screen (find_id (header, "server_switch"), "the server switch", TRUE);
  /* The server's line, or the switch's tooltip when there is no room for it. */
  {
    GtkWidget *line = find_id (header, "server_label");

    g_assert_cmpstr (gtk_widget_get_tooltip_text (find_id (header, "server_switch")), ==,
                     gtk_widget_get_tooltip_text (line));
    g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (line), gtk_label_get_text (GTK_LABEL (line))));
    g_assert_true (gtk_widget_get_mapped (line) == (width >= 1000));
  }
  assert_on_screen (find (header, NULL, GTK_TYPE_MENU_BUTTON), "the main menu", TRUE);
  assert_ids_on_screen (sp_window_get_page (window, "stream"), stream_ids, TRUE);
  if (switcher_bar_revealed ())
    assert_on_screen (find (GTK_WIDGET (window), NULL, ADW_TYPE_VIEW_SWITCHER_BAR), "the switcher bar", TRUE);
  else
    assert_on_screen (find (header, NULL, ADW_TYPE_VIEW_SWITCHER_TITLE), "the page switcher", TRUE);
  shot = g_strdup_printf ("widths/%s-stream.png", name);
  screenshot (shot);

  show_page ("clients");
  g_assert_true (wait_until (clients_listed, NULL));
  /* The viewer is a client: its row's address and its disconnect button. */
  assert_on_screen (disconnect_button (), "a client's disconnect button", TRUE);
  /* Its health, the most useful column after the address: shortened if need be, never hidden. */
  g_assert_true (wait_until (health_shown, NULL));
  assert_on_screen (health_label (), "a client's health", TRUE);
  g_free (shot);
  shot = g_strdup_printf ("widths/%s-clients.png", name);
  screenshot (shot);

  show_page ("handshake");
  assert_ids_on_screen (sp_window_get_page (window, "handshake"), handshake_ids, FALSE);
  g_free (shot);
  shot = g_strdup_printf ("widths/%s-handshake.png", name);
  screenshot (shot);
  show_page ("stream");
}

static void
test_narrow (void)
{
  g_assert_true (wait_until (viewer_has_prices, NULL));
  check_width (360, 640, "narrow");
}

static void
test_half (void)
{
  check_width (600, 500, "half");
}

static void
test_wide (void)
{
  check_width (1400, 860, "wide");
}

/* ------------------------------------------------------------------------ */
/* The watchlist                                                              */

typedef struct
{
  double price;
  double change;
} Tick;

static GHashTable *ticks;   /* symbol → Tick, the last the stream sent */

static void
on_prices (SpStreamClient *client,
           GArray         *points,
           SpFrame        *frame,
           gpointer        user_data)
{
  for (guint i = 0; i < points->len; i++)
    {
      const SpPricePoint *point = &g_array_index (points, SpPricePoint, i);
      Tick *tick = g_new (Tick, 1);

      g_assert_true (point->has_change);
      tick->price = point->price;
      tick->change = point->change;
      g_hash_table_insert (ticks, g_strdup (point->symbol), tick);
    }
}

static SpStreamPage *
stream_page (void)
{
  return SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (SP_IS_WATCHLIST_ROW (widget) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (rows, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

static SpWatchlistRow *
row_for (const char *name)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (find_id (GTK_WIDGET (stream_page ()), "watchlist"), rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (sp_watch_symbol_get_name (sp_watchlist_row_get_symbol (rows->pdata[i])), name))
      return rows->pdata[i];
  return NULL;
}

/* What a row says for @tick: the price, and the change with its percentage
 * against the open (price − change). */
static gboolean
row_shows (SpWatchlistRow *row,
           const Tick     *tick)
{
  g_autofree char *last = g_strdup_printf ("%.2f", tick->price);
  g_autofree char *change = g_strdup_printf ("%+.2f (%+.2f %%)", tick->change,
                                             tick->change / (tick->price - tick->change) * 100.0);

  return g_strcmp0 (sp_watchlist_row_get_last_text (row), last) == 0 &&
         g_strcmp0 (sp_watchlist_row_get_change_text (row), change) == 0;
}

/* Every symbol the stream sent has a row showing its last tick. */
static gboolean
rows_show_ticks (gpointer data)
{
  GHashTableIter iter;
  gpointer name, tick;

  if (g_hash_table_size (ticks) < 5)
    return FALSE;
  g_hash_table_iter_init (&iter, ticks);
  while (g_hash_table_iter_next (&iter, &name, &tick))
    {
      SpWatchlistRow *row = row_for (name);

      if (row == NULL || !row_shows (row, tick))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const char *name;
  char       *before;
} Moved;

/* The row shows a newer tick than before, and it is the last one sent. */
static gboolean
row_moved (gpointer data)
{
  Moved *moved = data;
  SpWatchlistRow *row = row_for (moved->name);

  return row != NULL && g_strcmp0 (sp_watchlist_row_get_last_text (row), moved->before) != 0 &&
         row_shows (row, g_hash_table_lookup (ticks, moved->name));
}

static const char *
charted_symbol (void)
{
  GtkDropDown *symbols = GTK_DROP_DOWN (find_id (GTK_WIDGET (stream_page ()), "symbol_dropdown"));
  SpWatchSymbol *symbol = gtk_drop_down_get_selected_item (symbols);

  return symbol != NULL ? sp_watch_symbol_get_name (symbol) : NULL;
}

static guint
position_of (const char *name)
{
  GListModel *watch = G_LIST_MODEL (sp_stream_page_get_watch (stream_page ()));

  for (guint i = 0; i < g_list_model_get_n_items (watch); i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (watch, i);

      if (g_str_equal (sp_watch_symbol_get_name (symbol), name))
        return i;
    }
  g_error ("no symbol %s", name);
}

/* What a click on a row does (GtkListView's own action for it). */
static void
click_row (const char *name)
{
  GtkWidget *list = find_id (find_id (GTK_WIDGET (stream_page ()), "watchlist"), "list_view");

  gtk_widget_activate_action (list, "list.select-item", "(ubb)", position_of (name), FALSE, FALSE);
  run_for (200);
}

static gboolean
charted_is (gpointer name)
{
  return g_strcmp0 (charted_symbol (), name) == 0;
}

/* Two points or more: a line to draw (one a second at first). */
static gboolean
sparkline_drawn (gpointer symbol)
{
  return sp_watch_symbol_get_sparkline (symbol)->n_values >= 2;
}

/* Beside the chart in a wide window: every symbol with its last price and
 * change as the ticks said them, updated as ticks come; a row charts its
 * symbol as the symbol menu does, and the menu's choice shows in the list. */
static void
test_watchlist (void)
{
  GtkWidget *page = GTK_WIDGET (stream_page ());
  SpSidebar *sidebar = SP_SIDEBAR (find_id (page, "watchlist_sidebar"));
  GtkSingleSelection *selection;
  SpChart *chart = sp_stream_page_get_chart (stream_page ());
  Moved moved = { "ACME", NULL };

  resize (1400, 860);
  show_page ("stream");
  g_assert_false (sp_sidebar_get_folded (sidebar));
  g_assert_true (sp_sidebar_get_reveal (sidebar));
  assert_on_screen (find_id (page, "watchlist"), "the watchlist", TRUE);

  g_assert_true (wait_until (rows_show_ticks, NULL));
  moved.before = g_strdup (sp_watchlist_row_get_last_text (row_for ("ACME")));
  g_assert_true (wait_until (row_moved, &moved));
  g_free (moved.before);
  /* The sparkline has points to draw, the latest the last price. */
  {
    SpWatchSymbol *acme = sp_watchlist_row_get_symbol (row_for ("ACME"));
    const SpSparkline *spark = sp_watch_symbol_get_sparkline (acme);

    g_assert_true (wait_until (sparkline_drawn, acme));
    g_assert_cmpfloat (spark->values[spark->n_values - 1], ==, sp_watch_symbol_get_last_price (acme));
  }
  /* For the pictures, half a minute of sparkline. */
  if (g_getenv ("STOCKPUSH_SCREENSHOT_DIR") != NULL)
    run_for (30000);
  screenshot_styles ("watchlist");

  /* A row charts its symbol; the symbol menu's choice is the list's. */
  click_row ("HOOLI");
  g_assert_cmpstr (charted_symbol (), ==, "HOOLI");
  g_assert_true (sp_chart_get_series (chart) ==
                 sp_watch_symbol_get_series (sp_watchlist_row_get_symbol (row_for ("HOOLI"))));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (find_id (page, "symbol_dropdown")), position_of ("GLOBEX"));
  run_for (200);
  selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (
    GTK_LIST_VIEW (find_id (find_id (page, "watchlist"), "list_view"))));
  g_assert_cmpstr (sp_watch_symbol_get_name (gtk_single_selection_get_selected_item (selection)), ==,
                   "GLOBEX");

  /* Narrow: folded away, over the chart when asked for (F9, the button), and
   * out of the way again once a row is chosen. */
  resize (360, 640);
  g_assert_true (sp_sidebar_get_folded (sidebar));
  g_assert_false (sp_sidebar_get_reveal (sidebar));
  gtk_widget_activate_action (page, "stream.show-watchlist", NULL);
  run_for (500);
  g_assert_true (sp_sidebar_get_reveal (sidebar));
  assert_on_screen (find_id (page, "watchlist"), "the folded watchlist", TRUE);
  g_assert_true (wait_until (rows_show_ticks, NULL));
  screenshot_styles ("narrow-watchlist");
  click_row ("UMBRELLA");
  g_assert_true (wait_until (charted_is, (gpointer) "UMBRELLA"));
  g_assert_false (sp_sidebar_get_reveal (sidebar));
  run_for (500);
  screenshot_styles ("narrow");

  resize (1180, 780);
  g_assert_true (sp_sidebar_get_reveal (sidebar));
  click_row ("ACME");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  sp_test_init_gettext ();

  gtk_test_init (&argc, &argv, NULL);

  app = sp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = SP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  ticks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (sp_window_get_client (window), "prices", G_CALLBACK (on_prices), NULL);

  g_test_add_func ("/adaptive/narrow", test_narrow);
  g_test_add_func ("/adaptive/half", test_half);
  g_test_add_func ("/adaptive/wide", test_wide);
  g_test_add_func ("/adaptive/watchlist", test_watchlist);

  status = g_test_run ();

  g_signal_handlers_disconnect_by_func (sp_window_get_client (window), on_prices, NULL);
  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  g_clear_pointer (&ticks, g_hash_table_unref);

  return status;
}
