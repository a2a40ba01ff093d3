/* The Stream page: connect to a server, watch its prices and every message.
 * It puts its parts together around the viewer's model (SpWatch) and holds
 * the actions they share. Main thread only. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-recent.h"

#include "sp-stream-page-private.h"
#include "sp-width-bin.h"

enum {
  PROP_0,
  PROP_SPAN,
  PROP_CHART_MODE,
  PROP_HIDE_PING_PONG,
  PROP_RECORDING,
  PROP_SHOW_WATCHLIST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpStreamPage, sp_stream_page, GTK_TYPE_WIDGET)

void
_sp_stream_page_toast (SpStreamPage *self,
                       const char   *message)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", message);
}

static SpChart *
chart (SpStreamPage *self)
{
  return sp_chart_pane_get_chart (self->chart_pane);
}

/* ------------------------------------------------------------------------ */
/* Connecting                                                                 */

gboolean
sp_stream_page_connect (SpStreamPage          *self,
                        const SpStreamOptions *options,
                        GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *url;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (self->client == NULL)
    return FALSE;

  if (!sp_watch_connect (self->watch, options, &local_error))
    {
      /* Under the address it is about, until the address changes. */
      sp_connection_bar_set_url (self->connection_bar, options->url ? options->url : "");
      sp_connection_bar_show_error (self->connection_bar, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* The address as taken (http:// reads ws://), where the person typed it. */
  url = sp_stream_client_get_options (self->client)->url;
  sp_connection_bar_set_url (self->connection_bar, url);
  sp_connection_bar_show_error (self->connection_bar, NULL);
  if (self->settings != NULL)
    sp_recent_remember (self->settings, "recent-urls", url);

  return TRUE;
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  g_autoptr(SpStreamOptions) options = sp_connection_bar_dup_options (self->connection_bar);

  /* A mistake shows under the address bar (sp_stream_page_connect). */
  sp_stream_page_connect (self, options, NULL);
}

static void
accept_certificate_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  g_autoptr(SpStreamOptions) options = NULL;

  /* Trust is for this one certificate on this connection, nothing wider. */
  options = sp_stream_options_copy (sp_stream_client_get_options (self->client));
  g_free (options->accepted_certificate);
  options->accepted_certificate = g_variant_dup_string (parameter, NULL);
  /* A mistake shows under the address bar (sp_stream_page_connect). */
  sp_stream_page_connect (self, options, NULL);
}

/* New price and symbol fields for the stream, from the message view or the chart. */
static void
apply_fields (SpStreamPage *self,
              const char   *price,
              const char   *symbol)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!sp_watch_set_fields (self->watch, price, symbol, &error))
    {
      _sp_stream_page_toast (self, error->message);
      return;
    }
  sp_connection_bar_set_fields (self->connection_bar, price, symbol);
  if (*price == '\0' && *symbol == '\0')
    message = g_strdup (_("Finding the price and symbol in the messages again"));
  else if (*symbol == '\0')
    message = g_strdup_printf (_("Prices from %s; symbols found in the messages"), price);
  else if (*price == '\0')
    message = g_strdup_printf (_("Symbols from %s; prices found in the messages"), symbol);
  else
    /* Translators: "Prices from data[].p, symbols from data[].s" */
    message = g_strdup_printf (_("Prices from %s, symbols from %s"), price, symbol);
  _sp_stream_page_toast (self, message);
}

static void
use_field_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  const SpStreamOptions *options = sp_stream_client_get_options (self->client);
  const char *which;
  const char *path;

  g_variant_get (parameter, "(&s&s)", &which, &path);
  if (g_str_equal (which, "price"))
    apply_fields (self, path, options && options->symbol_path ? options->symbol_path : "");
  else
    apply_fields (self, options && options->price_path ? options->price_path : "", path);
}

static void
set_fields_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_autofree char *price = NULL;
  g_autofree char *symbol = NULL;

  g_variant_get (parameter, "(ss)", &price, &symbol);
  apply_fields (SP_STREAM_PAGE (widget), g_strstrip (price), g_strstrip (symbol));
}

/* ------------------------------------------------------------------------ */
/* The log and the chart                                                      */

static void
on_frame (SpStreamClient *client,
          SpFrame        *frame,
          gpointer        user_data)
{
  sp_log_view_add_frame (SP_STREAM_PAGE (user_data)->log_view, frame);
}

static void
on_recording_failed (SpStreamPage *self,
                     const GError *error)
{
  g_autofree char *message = g_strdup_printf (_("Recording stopped: %s"), error->message);

  g_clear_pointer (&self->record_name, g_free);
  _sp_stream_page_toast (self, message);
}

/* A message with a price of the charted symbol is marked on the chart. */
static void
on_selected_frame (SpStreamPage *self)
{
  SpFrame *frame = sp_log_view_get_selected_frame (self->log_view);

  sp_chart_set_marker (chart (self), frame != NULL && frame->direction == SP_FRAME_IN
                                       ? frame->time_us : 0);
}

static void
on_point_activated (SpChart      *chart,
                    gint64        ref,
                    SpStreamPage *self)
{
  sp_stream_page_select_message (self, ref);
}

static void
clear_log_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  sp_log_view_clear (SP_STREAM_PAGE (widget)->log_view);
}

static void
copy_message_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  sp_log_view_copy_selected (SP_STREAM_PAGE (widget)->log_view);
}

/* ------------------------------------------------------------------------ */
/* The page's API                                                             */

void
sp_stream_page_set_client (SpStreamPage   *self,
                           SpStreamClient *client)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));
  g_return_if_fail (SP_IS_STREAM_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  sp_watch_set_client (self->watch, client);
  g_signal_connect_object (client, "frame", G_CALLBACK (on_frame), self, 0);
  sp_connection_bar_set_watch (self->connection_bar, self->watch);
  sp_send_bar_set_client (self->send_bar, client);
}

void
sp_stream_page_set_settings (SpStreamPage *self,
                             GSettings    *settings)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_object (&self->settings, settings);
  sp_log_view_set_limit (self->log_view, g_settings_get_uint (settings, "log-size"));
  sp_connection_bar_set_settings (self->connection_bar, settings);
  sp_send_bar_set_settings (self->send_bar, settings);
  sp_chart_pane_set_settings (self->chart_pane, settings);
}

void
sp_stream_page_focus_url (SpStreamPage *self)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  sp_connection_bar_focus_url (self->connection_bar);
}

SpChart *
sp_stream_page_get_chart (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return chart (self);
}

SpWatch *
sp_stream_page_get_watch (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return self->watch;
}

void
sp_stream_page_set_alerts (SpStreamPage *self,
                           SpAlerts     *alerts)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  sp_watch_set_alerts (self->watch, alerts);
  sp_chart_pane_set_alerts (self->chart_pane, alerts);
}

gboolean
sp_stream_page_show_symbol (SpStreamPage *self,
                            const char   *name)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);

  return sp_chart_pane_show_symbol (self->chart_pane, name);
}

const char *
sp_stream_page_get_symbol (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return sp_chart_pane_get_symbol (self->chart_pane);
}

GListModel *
sp_stream_page_get_log (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return sp_log_view_get_log (self->log_view);
}

GListModel *
sp_stream_page_get_shown_log (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return sp_log_view_get_shown (self->log_view);
}

void
sp_stream_page_set_search (SpStreamPage *self,
                           const char   *text,
                           gboolean      regex)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  sp_log_view_set_search (self->log_view, text, regex);
}

gboolean
sp_stream_page_get_search_error (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);

  return sp_log_filter_get_search_error (sp_log_view_get_filter (self->log_view)) != NULL;
}

void
sp_stream_page_set_log_paused (SpStreamPage *self,
                               gboolean      paused)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  sp_log_view_set_paused (self->log_view, paused);
}

gboolean
sp_stream_page_select_message (SpStreamPage *self,
                               gint64        time_us)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);

  return sp_log_view_select_message (self->log_view, time_us);
}

SpFrame *
sp_stream_page_get_selected_frame (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return sp_log_view_get_selected_frame (self->log_view);
}

/* ------------------------------------------------------------------------ */
/* Properties: what the stateful actions show and change                      */

static void
notify_property (GObject    *source,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  SpStreamPage *self = user_data;
  const char *name = g_param_spec_get_name (pspec);

  /* The parts' own names, for the page's. */
  if (g_str_equal (name, "span"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
  else if (g_str_equal (name, "mode"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHART_MODE]);
  else if (g_str_equal (name, "hide-ping-pong"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIDE_PING_PONG]);
  else if (g_str_equal (name, "recording"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
}

static void
sp_stream_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SpStreamPage *self = SP_STREAM_PAGE (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      g_value_set_double (value, sp_chart_get_span (chart (self)));
      break;
    case PROP_CHART_MODE:
      g_value_set_enum (value, sp_chart_get_mode (chart (self)));
      break;
    case PROP_HIDE_PING_PONG:
      g_object_get_property (G_OBJECT (sp_log_view_get_filter (self->log_view)), "hide-ping-pong",
                             value);
      break;
    case PROP_RECORDING:
      g_value_set_boolean (value, sp_watch_get_recording (self->watch));
      break;
    case PROP_SHOW_WATCHLIST:
      g_value_set_boolean (value, sp_sidebar_get_reveal (self->watchlist_sidebar));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_stream_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SpStreamPage *self = SP_STREAM_PAGE (object);

  switch (prop_id)
    {
    case PROP_SPAN:
      /* Always passed on: a span preset also follows the live end again. */
      sp_chart_set_span (chart (self), g_value_get_double (value));
      break;
    case PROP_CHART_MODE:
      sp_chart_set_mode (chart (self), g_value_get_enum (value));
      break;
    case PROP_HIDE_PING_PONG:
      sp_log_filter_set_hide_ping_pong (sp_log_view_get_filter (self->log_view),
                                        g_value_get_boolean (value));
      break;
    case PROP_RECORDING:
      _sp_stream_page_set_recording (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_WATCHLIST:
      sp_sidebar_set_reveal (self->watchlist_sidebar, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_stream_page_dispose (GObject *object)
{
  SpStreamPage *self = SP_STREAM_PAGE (object);

  if (self->watch != NULL)
    {
      sp_stream_page_stop_recording (self, NULL);
      g_signal_handlers_disconnect_by_data (self->watch, self);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_STREAM_PAGE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->watch);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_stream_page_parent_class)->dispose (object);
}

/* ------------------------------------------------------------------------ */
/* The watchlist                                                              */

/* A row chosen charts its symbol, as the symbol menu does; a folded
 * watchlist gets out of the way of the chart. */
static void
on_watchlist_chosen (SpStreamPage *self,
                     const char   *name)
{
  sp_chart_pane_set_symbol (self->chart_pane, name);
  if (sp_sidebar_get_folded (self->watchlist_sidebar))
    sp_sidebar_set_reveal (self->watchlist_sidebar, FALSE);
}

static void
on_charted_symbol (SpStreamPage *self)
{
  sp_watchlist_view_set_symbol (self->watchlist, sp_chart_pane_get_symbol (self->chart_pane));
}

static void
on_reveal_watchlist (SpStreamPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_WATCHLIST]);
}

static void
sp_stream_page_install_properties (GObjectClass *object_class)
{
  properties[PROP_SPAN] =
    g_param_spec_double ("span", NULL, NULL, 0, G_MAXDOUBLE, 300,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHART_MODE] =
    g_param_spec_enum ("chart-mode", NULL, NULL, SP_TYPE_CHART_MODE, SP_CHART_LINE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HIDE_PING_PONG] =
    g_param_spec_boolean ("hide-ping-pong", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Setting it asks where to record; it becomes TRUE once recording. */
  properties[PROP_RECORDING] =
    g_param_spec_boolean ("recording", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The watchlist beside the chart, or over it in a narrow window. */
  properties[PROP_SHOW_WATCHLIST] =
    g_param_spec_boolean ("show-watchlist", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_stream_page_class_init (SpStreamPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_stream_page_dispose;
  object_class->get_property = sp_stream_page_get_property;
  object_class->set_property = sp_stream_page_set_property;
  sp_stream_page_install_properties (object_class);

  g_type_ensure (SP_TYPE_CONNECTION_BAR);
  g_type_ensure (SP_TYPE_CHART_PANE);
  g_type_ensure (SP_TYPE_LOG_VIEW);
  g_type_ensure (SP_TYPE_SEND_BAR);
  g_type_ensure (SP_TYPE_WATCHLIST_VIEW);
  g_type_ensure (SP_TYPE_WIDTH_BIN);
  g_type_ensure (SP_TYPE_SIDEBAR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-stream-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, connection_bar);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, chart_pane);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, log_view);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, send_bar);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, watchlist_sidebar);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, watchlist);
  gtk_widget_class_bind_template_callback (widget_class, on_watchlist_chosen);
  gtk_widget_class_bind_template_callback (widget_class, on_selected_frame);

  /* Every action of the page and its parts is a widget action; the stateful
   * ones show a property of the page. */
  gtk_widget_class_install_action (widget_class, "stream.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "stream.accept-certificate", "s",
                                   accept_certificate_action);
  gtk_widget_class_install_action (widget_class, "stream.clear-log", NULL, clear_log_action);
  gtk_widget_class_install_action (widget_class, "stream.use-field", "(ss)", use_field_action);
  gtk_widget_class_install_action (widget_class, "stream.set-fields", "(ss)", set_fields_action);
  gtk_widget_class_install_action (widget_class, "stream.copy-message", NULL, copy_message_action);
  gtk_widget_class_install_property_action (widget_class, "chart.span", "span");
  gtk_widget_class_install_property_action (widget_class, "chart.mode", "chart-mode");
  gtk_widget_class_install_property_action (widget_class, "log.hide-ping-pong", "hide-ping-pong");
  gtk_widget_class_install_property_action (widget_class, "log.record", "recording");
  gtk_widget_class_install_property_action (widget_class, "stream.show-watchlist", "show-watchlist");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "stream.show-watchlist", NULL);
  _sp_stream_page_class_add_file_actions (widget_class);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "stream.copy-message", NULL);
}

static void
sp_stream_page_init (SpStreamPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->watch = sp_watch_new ();
  sp_chart_pane_set_watch (self->chart_pane, self->watch);
  sp_watchlist_view_set_watch (self->watchlist, self->watch);
  g_signal_connect_object (self->chart_pane, "notify::symbol", G_CALLBACK (on_charted_symbol), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->watchlist_sidebar, "notify::reveal", G_CALLBACK (on_reveal_watchlist),
                           self, G_CONNECT_SWAPPED);
  on_charted_symbol (self);
  g_signal_connect_object (chart (self), "point-activated", G_CALLBACK (on_point_activated), self, 0);
  g_signal_connect_object (chart (self), "notify::span", G_CALLBACK (notify_property), self, 0);
  g_signal_connect_object (chart (self), "notify::mode", G_CALLBACK (notify_property), self, 0);
  g_signal_connect_object (sp_log_view_get_filter (self->log_view), "notify::hide-ping-pong",
                           G_CALLBACK (notify_property), self, 0);
  g_signal_connect (self->watch, "notify::recording", G_CALLBACK (notify_property), self);
  g_signal_connect_swapped (self->watch, "recording-failed", G_CALLBACK (on_recording_failed), self);
}

SpStreamPage *
sp_stream_page_new (void)
{
  return g_object_new (SP_TYPE_STREAM_PAGE, NULL);
}
