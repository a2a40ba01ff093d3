/* Compare in the window, as a user does it: the chart's Compare button lists
 * the stream's other symbols (not the one charted); checking two charts them
 * beside it, each line its percent change; the most it takes is
 * SP_CHART_MAX_COMPARE, the others then wait greyed; charting a compared
 * symbol takes it out of the comparison, and Clear ends it. Against the
 * built-in server's stream, with eight symbols. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "sp-application.h"
#include "sp-chart.h"
#include "sp-stream-page.h"
#include "sp-window.h"
#include "sptest-util.h"

static SpApplication *app;
static SpWindow *window;

static gboolean
wait_until (gboolean (*condition) (gpointer), gpointer data)
{
  return sp_test_wait_until (NULL, condition, data, 20000);
}

static SpStreamPage *
stream_page (void)
{
  return SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
}

static GtkWidget *
find (GtkWidget *root,
      gboolean (*match) (GtkWidget *, gconstpointer),
      gconstpointer data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_tipped (GtkWidget    *widget,
           gconstpointer tooltip)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static gboolean
is_check_labelled (GtkWidget    *widget,
                   gconstpointer label)
{
  return GTK_IS_CHECK_BUTTON (widget) &&
         g_strcmp0 (gtk_check_button_get_label (GTK_CHECK_BUTTON (widget)), label) == 0;
}

static gboolean
is_button_labelled (GtkWidget    *widget,
                    gconstpointer label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
all_symbols (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (sp_stream_page_get_watch (stream_page ()))) >= 8;
}

static guint
n_compared (void)
{
  return sp_chart_get_n_compare (sp_stream_page_get_chart (stream_page ()));
}

static void
screenshot (const char *name)
{
  const char *dir = g_getenv ("STOCKPUSH_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  graphene_rect_t bounds;

  if (dir == NULL)
    return;
  sp_test_wait_until (NULL, NULL, NULL, 1500);
  g_mkdir_with_parents (dir, 0755);
  bounds = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (GTK_WIDGET (window)),
                               gtk_widget_get_height (GTK_WIDGET (window)));
  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  gdk_paintable_snapshot (paintable, snapshot, bounds.size.width, bounds.size.height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, &bounds);
  path = g_build_filename (dir, name, NULL);
  gdk_texture_save_to_png (texture, path);
}

static void
test_compare (void)
{
  static const char *const others[] = { "GLOBEX", "INITECH", "HOOLI", "UMBRELLA", "STARK", "WAYNE",
                                        "TYRELL" };
  GtkWidget *button = find (GTK_WIDGET (window), is_tipped, "Compare With Other Symbols");
  GtkWidget *popover;

  g_assert_true (wait_until (all_symbols, NULL));
  g_assert_true (sp_stream_page_show_symbol (stream_page (), "ACME"));
  g_assert_nonnull (button);
  g_assert_true (wait_until (is_mapped, button));
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  g_assert_true (wait_until (is_mapped, popover));

  /* Every other symbol, not the charted one. */
  g_assert_null (find (popover, is_check_labelled, "ACME"));
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    g_assert_nonnull (find (popover, is_check_labelled, others[i]));

  /* Two checked: both charted beside ACME. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find (popover, is_check_labelled, "GLOBEX")), TRUE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find (popover, is_check_labelled, "HOOLI")), TRUE);
  g_assert_cmpuint (n_compared (), ==, 2);
  gtk_popover_popdown (GTK_POPOVER (popover));
  screenshot ("compare.png");

  /* Up to the most: the last one waits, greyed. */
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_true (wait_until (is_mapped, popover));
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (find (popover, is_check_labelled, others[i])), TRUE);
  g_assert_cmpuint (n_compared (), ==, SP_CHART_MAX_COMPARE);
  g_assert_false (gtk_widget_get_sensitive (find (popover, is_check_labelled, "TYRELL")));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (find (popover, is_check_labelled, "TYRELL"))));
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* Charting a compared symbol takes it out of the lines beside it. */
  g_assert_true (sp_stream_page_show_symbol (stream_page (), "GLOBEX"));
  g_assert_cmpuint (n_compared (), ==, SP_CHART_MAX_COMPARE - 1);

  /* Clear: one symbol again. */
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_true (wait_until (is_mapped, popover));
  g_signal_emit_by_name (find (popover, is_button_labelled, "_Clear"), "clicked");
  g_assert_cmpuint (n_compared (), ==, 0);
  gtk_popover_popdown (GTK_POPOVER (popover));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSettings) settings = NULL;
  const char *symbols[] = { "ACME", "GLOBEX", "INITECH", "HOOLI", "UMBRELLA", "STARK", "WAYNE", "TYRELL",
                            NULL };
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("STOCKPUSH_LOCALEDIR") ? g_getenv ("STOCKPUSH_LOCALEDIR")
                                                                    : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  settings = g_settings_new (APP_ID);
  g_settings_set_strv (settings, "symbols", symbols);
  g_settings_set_uint (settings, "server-port", sp_test_free_port ());

  app = sp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = SP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);

  g_test_add_func ("/window-compare/compare", test_compare);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);

  return status;
}
