/* Price alerts in the window, as a user sets and gets them: the alerts window
 * (from the chart's bell) adds one for the charted symbol, says what is wrong
 * with a value that is not a number, and keeps the alert in settings; a price
 * of a stream the viewer watches going through the level sends a desktop
 * notification (to a notification server on this test's own session bus,
 * spoken to over D-Bus as GNOME Shell's is) and marks the chart; clicking the
 * notification brings the window to the Stream page on that symbol; editing
 * and deleting change the list and the settings. Loopback only; bounded. */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "sp-alerts-window.h"
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

/* ------------------------------------------------------------------------ */
/* A notification server, on a connection of its own                         */

typedef struct
{
  GDBusConnection *bus;
  guint            owner_id;
  guint            object_id;
  gboolean         owned;
  GPtrArray       *summaries;   /* of every Notify, in order */
  GPtrArray       *bodies;
  GPtrArray       *actions;     /* the first action's key of each */
  guint32          next_id;
} Notifier;

static Notifier notifier;

static void
notifier_call (GDBusConnection       *connection,
               const char            *sender,
               const char            *path,
               const char            *interface,
               const char            *method,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation,
               gpointer               user_data)
{
  if (g_str_equal (method, "Notify"))
    {
      const char *summary, *body;
      g_autofree const char **actions = NULL;
      guint32 replaces;

      g_variant_get (parameters, "(&su&s&s&s^a&s@a{sv}i)", NULL, &replaces, NULL, &summary, &body,
                     &actions, NULL, NULL);
      g_ptr_array_add (notifier.summaries, g_strdup (summary));
      g_ptr_array_add (notifier.bodies, g_strdup (body));
      g_ptr_array_add (notifier.actions, g_strdup (actions[0] != NULL ? actions[0] : ""));
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u)", replaces ? replaces : ++notifier.next_id));
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else
    g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.UnknownMethod",
                                                method);
}

static const char notifier_xml[] =
  "<node><interface name='org.freedesktop.Notifications'>"
  "<method name='Notify'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "<arg type='as' direction='in'/><arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "<arg type='u' direction='out'/></method>"
  "<method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "<signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "</interface></node>";

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  notifier.owned = TRUE;
}

static gboolean
notifier_owned (gpointer data)
{
  return notifier.owned;
}

static void
notifier_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifier_xml, &error);
  static const GDBusInterfaceVTable vtable = { notifier_call, NULL, NULL, { 0 } };
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  notifier.bus = g_dbus_connection_new_for_address_sync (address,
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &error);
  g_assert_no_error (error);
  notifier.summaries = g_ptr_array_new_with_free_func (g_free);
  notifier.bodies = g_ptr_array_new_with_free_func (g_free);
  notifier.actions = g_ptr_array_new_with_free_func (g_free);
  notifier.object_id = g_dbus_connection_register_object (notifier.bus, "/org/freedesktop/Notifications",
                                                          info->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  notifier.owner_id = g_bus_own_name_on_connection (notifier.bus, "org.freedesktop.Notifications",
                                                    G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired,
                                                    NULL, NULL, NULL);
  g_assert_true (wait_until (notifier_owned, NULL));
}

static void
notifier_stop (void)
{
  g_bus_unown_name (notifier.owner_id);
  g_dbus_connection_unregister_object (notifier.bus, notifier.object_id);
  g_dbus_connection_close_sync (notifier.bus, NULL, NULL);
  g_clear_object (&notifier.bus);
  g_clear_pointer (&notifier.summaries, g_ptr_array_unref);
  g_clear_pointer (&notifier.bodies, g_ptr_array_unref);
  g_clear_pointer (&notifier.actions, g_ptr_array_unref);
}

/* ------------------------------------------------------------------------ */
/* A stream whose prices the test decides                                    */

typedef struct
{
  SoupServer              *server;
  guint                    port;
  SoupWebsocketConnection *conn;
} Feed;

static Feed feed;

static void
on_feed_client (SoupServer              *server,
                SoupServerMessage       *msg,
                const char              *path,
                SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  g_set_object (&feed.conn, conn);
  soup_websocket_connection_send_text (conn, "{\"symbol\":\"ACME\",\"price\":299.50}");
  soup_websocket_connection_send_text (conn, "{\"symbol\":\"BOLT\",\"price\":10.00}");
}

static void
feed_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  feed.server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (feed.server, NULL, NULL, NULL, on_feed_client, NULL, NULL);
  g_assert_true (soup_server_listen_local (feed.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (feed.server);
  feed.port = g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
}

static void
feed_stop (void)
{
  soup_server_disconnect (feed.server);
  g_clear_object (&feed.conn);
  g_clear_object (&feed.server);
}

/* ------------------------------------------------------------------------ */
/* Looking at the window                                                      */

static SpStreamPage *
stream_page (void)
{
  return SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
}

static gboolean
symbols_arrived (gpointer data)
{
  SpWatch *watch = sp_stream_page_get_watch (stream_page ());

  return sp_watch_lookup (watch, "ACME") != NULL && sp_watch_lookup (watch, "BOLT") != NULL;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
is_button_for (GtkWidget    *widget,
               gconstpointer action)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

static gboolean
is_button_tipped (GtkWidget    *widget,
                  gconstpointer tooltip)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static SpAlertsWindow *
alerts_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (SP_IS_ALERTS_WINDOW (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return SP_ALERTS_WINDOW (toplevel);
    }
  return NULL;
}

static gboolean
alerts_window_shown (gpointer data)
{
  return alerts_window () != NULL && gtk_widget_get_mapped (GTK_WIDGET (alerts_window ()));
}

static gpointer
part (SpAlertsWindow *alerts,
      const char     *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (alerts), SP_TYPE_ALERTS_WINDOW, name);

  g_assert_nonnull (child);
  return child;
}

/* The titles of the list's rows, "|"-joined. */
static char *
listed (SpAlertsWindow *alerts)
{
  GtkWidget *list = part (alerts, "list_box");
  g_autoptr(GString) all = g_string_new (NULL);

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), i);

      if (row == NULL)
        break;
      if (all->len > 0)
        g_string_append_c (all, '|');
      g_string_append (all, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
    }
  return g_string_free (g_steal_pointer (&all), FALSE);
}

static char *
saved_alerts (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GVariant) value = g_settings_get_value (settings, "alerts");

  return g_variant_print (value, FALSE);
}

static gboolean
notified (gpointer data)
{
  return notifier.summaries->len >= GPOINTER_TO_UINT (data);
}

static gboolean
marked (gpointer data)
{
  return sp_chart_get_n_alert_marks (sp_stream_page_get_chart (stream_page ())) >= GPOINTER_TO_UINT (data);
}

static gboolean
charting (gpointer name)
{
  return g_strcmp0 (sp_stream_page_get_symbol (stream_page ()), name) == 0 &&
         g_strcmp0 (sp_window_get_visible_page (window), "stream") == 0;
}

/* As a person would: once it is on screen. */
static void
click (gpointer button)
{
  g_assert_true (wait_until (is_mapped, button));
  g_signal_emit_by_name (button, "clicked");
}

static void
type_into (gpointer    row,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
test_alert_round_trip (void)
{
  g_autofree char *url = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *saved = NULL;
  SpAlertsWindow *alerts;
  GtkWidget *bell;
  SpChart *chart = sp_stream_page_get_chart (stream_page ());

  feed_start ();
  url = g_strdup_printf ("ws://127.0.0.1:%u/", feed.port);
  sp_window_connect (window, url);
  g_assert_true (wait_until (symbols_arrived, NULL));
  g_assert_true (sp_stream_page_show_symbol (stream_page (), "ACME"));

  /* The chart's bell opens the alerts window on the charted symbol. */
  bell = sp_test_find_widget (GTK_WIDGET (window), is_button_for, "win.alerts");
  g_assert_nonnull (bell);
  click (bell);
  g_assert_true (wait_until (alerts_window_shown, NULL));
  alerts = alerts_window ();
  g_assert_cmpstr (gtk_editable_get_text (part (alerts, "symbol_row")), ==, "ACME");
  rows = listed (alerts);
  g_assert_cmpstr (rows, ==, "");

  /* A value that is not a number: said under the form, nothing added. */
  type_into (part (alerts, "value_row"), "three hundred");
  g_assert_true (gtk_widget_get_sensitive (part (alerts, "add_button")));
  click (part (alerts, "add_button"));
  g_assert_true (gtk_widget_get_visible (part (alerts, "error_label")));
  g_assert_nonnull (strstr (gtk_label_get_text (part (alerts, "error_label")), "number"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (sp_application_get_alerts (app))), ==, 0);

  /* "ACME rises above 300": listed, kept in settings, drawn on the chart. */
  type_into (part (alerts, "value_row"), "300");
  g_assert_false (gtk_widget_get_visible (part (alerts, "error_label")));
  click (part (alerts, "add_button"));
  g_clear_pointer (&rows, g_free);
  rows = listed (alerts);
  g_assert_cmpstr (rows, ==, "ACME rises above 300.00");
  saved = saved_alerts ();
  g_assert_cmpstr (saved, ==, "[('ACME', 'above', 300.0, 0.0, true)]");
  g_assert_cmpuint (sp_chart_get_n_alert_levels (chart), ==, 1);
  gtk_window_close (GTK_WINDOW (alerts));

  /* Look at another page and symbol, as a user would while waiting. */
  g_assert_true (sp_stream_page_show_symbol (stream_page (), "BOLT"));
  sp_window_show_page (window, "clients");

  /* The price goes through 300: a notification, a mark on ACME's chart. */
  soup_websocket_connection_send_text (feed.conn, "{\"symbol\":\"ACME\",\"price\":300.25}");
  g_assert_true (wait_until (notified, GUINT_TO_POINTER (1)));
  g_assert_cmpstr (g_ptr_array_index (notifier.summaries, 0), ==, "ACME rose above 300.00");
  g_assert_cmpstr (g_ptr_array_index (notifier.bodies, 0), ==, "Now 300.25, from 299.50");
  g_assert_cmpstr (g_ptr_array_index (notifier.actions, 0), ==, "default");

  /* Clicking it: the Stream page, charting ACME, with the mark. */
  g_assert_true (g_dbus_connection_emit_signal (notifier.bus, NULL, "/org/freedesktop/Notifications",
                                                "org.freedesktop.Notifications", "ActionInvoked",
                                                g_variant_new ("(us)", notifier.next_id, "default"), NULL));
  g_assert_true (wait_until (charting, (gpointer) "ACME"));
  g_assert_true (wait_until (marked, GUINT_TO_POINTER (1)));
  g_assert_cmpuint (sp_chart_get_n_alert_levels (chart), ==, 1);

  /* Edited to 310, then deleted: the list and the settings follow. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.alerts", NULL));
  g_assert_true (wait_until (alerts_window_shown, NULL));
  alerts = alerts_window ();
  g_signal_emit_by_name (part (alerts, "list_box"), "row-activated",
                         gtk_list_box_get_row_at_index (part (alerts, "list_box"), 0));
  g_assert_cmpstr (gtk_editable_get_text (part (alerts, "value_row")), ==, "300");
  type_into (part (alerts, "value_row"), "310");
  click (part (alerts, "add_button"));
  g_clear_pointer (&rows, g_free);
  rows = listed (alerts);
  g_assert_cmpstr (rows, ==, "ACME rises above 310.00");
  g_clear_pointer (&saved, g_free);
  saved = saved_alerts ();
  g_assert_cmpstr (saved, ==, "[('ACME', 'above', 310.0, 0.0, true)]");

  {
    GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (part (alerts, "list_box"), 0));
    GtkWidget *delete = sp_test_find_widget (row, is_button_tipped, "Delete");

    g_assert_nonnull (delete);
    click (delete);
  }
  g_clear_pointer (&rows, g_free);
  rows = listed (alerts);
  g_assert_cmpstr (rows, ==, "");
  g_clear_pointer (&saved, g_free);
  saved = saved_alerts ();
  g_assert_cmpstr (saved, ==, "[]");
  g_assert_cmpuint (sp_chart_get_n_alert_levels (chart), ==, 0);
  gtk_window_close (GTK_WINDOW (alerts));

  sp_stream_client_disconnect (sp_window_get_client (window));
  feed_stop ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  sp_test_init_gettext ();

  gtk_test_init (&argc, &argv, NULL);
  notifier_start ();

  app = sp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = SP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);

  g_test_add_func ("/window-alerts/round-trip", test_alert_round_trip);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);
  notifier_stop ();

  return status;
}
