/* Compare in the window, as a user does it: the chart's Compare button lists
 * the stream's other symbols (not the one charted); checking two charts them
 * beside it, each line its percent change; the most it takes is
 * SP_CHART_MAX_COMPARE, the others then wait greyed; charting a compared
 * symbol takes it out of the comparison, and Clear ends it. Against the
 * built-in server's stream, with eight symbols. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sp-application.h"
#include "sp-chart.h"
#include "sp-stream-page.h"
#include "sp-window.h"
#include "sptest-util.h"
#include "sptest-window.h"

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
test_compare (void)
{
  static const char *const others[] = { "GLOBEX", "INITECH", "HOOLI", "UMBRELLA", "STARK", "WAYNE",
                                        "TYRELL" };
  GtkWidget *button = sp_test_find_widget (GTK_WIDGET (window), is_tipped, "Compare With Other Symbols");
  GtkWidget *popover;

  g_assert_true (wait_until (all_symbols, NULL));
  g_assert_true (sp_stream_page_show_symbol (stream_page (), "ACME"));
  g_assert_nonnull (button);
  g_assert_true (wait_until (is_mapped, button));
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  g_assert_true (wait_until (is_mapped, popover));

  /* Every other symbol, not the charted one. */
  g_assert_null (sp_test_find_widget (popover, is_check_labelled, "ACME"));
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    g_assert_nonnull (sp_test_find_widget (popover, is_check_labelled, others[i]));

  /* Two checked: both charted beside ACME. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (sp_test_find_widget (popover, is_check_labelled, "GLOBEX")), TRUE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (sp_test_find_widget (popover, is_check_labelled, "HOOLI")), TRUE);
  g_assert_cmpuint (n_compared (), ==, 2);
  gtk_popover_popdown (GTK_POPOVER (popover));
  sp_test_save_screenshot (GTK_WIDGET (window), "compare.png", 1500);

  /* Up to the most: the last one waits, greyed. */
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_true (wait_until (is_mapped, popover));
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (sp_test_find_widget (popover, is_check_labelled, others[i])), TRUE);
  g_assert_cmpuint (n_compared (), ==, SP_CHART_MAX_COMPARE);
  g_assert_false (gtk_widget_get_sensitive (sp_test_find_widget (popover, is_check_labelled, "TYRELL")));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (sp_test_find_widget (popover, is_check_labelled, "TYRELL"))));
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* Charting a compared symbol takes it out of the lines beside it. */
  g_assert_true (sp_stream_page_show_symbol (stream_page (), "GLOBEX"));
  g_assert_cmpuint (n_compared (), ==, SP_CHART_MAX_COMPARE - 1);

  /* Clear: one symbol again. */
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_true (wait_until (is_mapped, popover));
  g_signal_emit_by_name (sp_test_find_widget (popover, is_button_labelled, "_Clear"), "clicked");
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

  sp_test_init_gettext ();

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
