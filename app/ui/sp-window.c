/* The main window: the server switch, the pages, toasts, and the embedded default. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-alerts-window.h"
#include "sp-application.h"
#include "sp-clients-page.h"
#include "sp-handshake-page.h"
#include "sp-redis-broker.h"
#include "sp-server.h"
#include "sp-stream-page.h"
#include "sp-window.h"

struct _SpWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay     *toast_overlay;
  GtkSwitch           *server_switch;
  GtkLabel            *server_label;
  AdwViewStack        *stack;
  SpStreamPage        *stream_page;
  SpClientsPage       *clients_page;
  SpHandshakePage     *handshake_page;

  GSettings           *settings;
  SpServer            *server;
  SpStreamClient      *client;
  char                *server_error;
  GCancellable        *edge_wait;       /* an edge's start, waiting for the market */
  gboolean             connect_started; /* the viewer to watch the server once it runs */
  char                *builtin_url; /* where the built-in server served when it last started */
  guint                broker_watch_id; /* a publisher's or an edge's: the broker's state, polled */
  SpServerBrokerState  broker_state;
  guint                goodbye_id;  /* closing: the most the viewer's close handshake may take */
};

/* The viewer's close handshake may take this long when the window closes. */
#define GOODBYE_MS 1000

G_DEFINE_FINAL_TYPE (SpWindow, sp_window, ADW_TYPE_APPLICATION_WINDOW)

static void
toast (SpWindow   *self,
       const char *message)
{
  /* A toast's title is markup: text that is not (an origin, an error) is escaped. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Server options given on the command line: they win over Preferences in this run. */
static const SpServerOverrides *
window_overrides (SpWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  if (!SP_IS_APPLICATION (application))
    return NULL;
  return sp_application_get_server_overrides (SP_APPLICATION (application));
}

static const char *
role_name (SpWindow *self)
{
  return g_settings_get_enum (self->settings, "server-role") == SP_ROLE_EDGE ? _("Edge")
                                                                              : _("Publisher");
}

static const char *
broker_state_name (SpServerBrokerState  state,
                   SpWindow            *self)
{
  switch (state)
    {
    case SP_SERVER_BROKER_IN_SYNC:
      /* Translators: the broker's state, after the role: "Edge, in sync" */
      return g_settings_get_enum (self->settings, "server-role") == SP_ROLE_EDGE
               ? _("in sync") : _("broker connected");
    case SP_SERVER_BROKER_RECONNECTING:
      return _("reconnecting to the broker");
    case SP_SERVER_BROKER_OUT_OF_SYNC:
      return _("out of sync");
    case SP_SERVER_BROKER_NONE:
    default:
      return "";
    }
}

static void
update_server_label (SpWindow *self)
{
  g_autofree char *text = NULL;
  g_autofree char *url = NULL;
  g_autofree char *reason = NULL;
  guint n;

  if (sp_server_get_stopping (self->server))
    text = g_strdup (_("Stopping…"));
  else if (self->edge_wait != NULL)
    /* Translators: an edge starting; the publisher is the one that runs the market */
    text = g_strdup (_("Edge, waiting for the publisher’s market…"));
  else if (self->server_error != NULL)
    text = g_strdup_printf (_("Server error: %s"), self->server_error);
  else if (!sp_server_get_running (self->server))
    text = g_strdup (_("Server off"));
  else
    {
      url = sp_server_dup_ws_url (self->server);
      n = sp_server_get_n_clients (self->server);
      /* Translators: "Serving ws://127.0.0.1:8765/ · 3 clients" */
      text = g_strdup_printf (ngettext ("Serving %s · %u client", "Serving %s · %u clients", n),
                              url, n);
      self->broker_state = sp_server_get_broker_state (self->server, &reason);
      if (self->broker_state != SP_SERVER_BROKER_NONE)
        {
          g_autofree char *serving = g_steal_pointer (&text);

          /* Translators: "Edge, in sync · Serving ws://127.0.0.1:8765/ · 3 clients" */
          text = g_strdup_printf (_("%s, %s · %s"), role_name (self),
                                  broker_state_name (self->broker_state, self), serving);
        }
    }

  gtk_label_set_text (self->server_label, text);
  if (reason != NULL)
    {
      g_autofree char *shown = g_strdup_printf ("%s\n%s", text, reason);

      g_free (text);
      text = g_steal_pointer (&shown);
    }
  if (window_overrides (self) != NULL)
    {
      g_autofree char *names = g_strjoinv (" ", (char **) sp_server_overrides_get_names (window_overrides (self)));
      /* Translators: the tooltip's second line; %s is e.g. "--port --symbols" */
      g_autofree char *from = g_strdup_printf (_("Set on the command line, over Preferences: %s"), names);
      g_autofree char *tooltip = g_strdup_printf ("%s\n%s", text, from);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->server_label), tooltip);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->server_label), text);
  /* A narrow window has no room for the line: the switch says it. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->server_switch),
                               gtk_widget_get_tooltip_text (GTK_WIDGET (self->server_label)));
  if (self->server_error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->server_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->server_label), "error");

  g_signal_handlers_block_matched (self->server_switch, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  /* Waiting: on, not yet in the on state. */
  gtk_switch_set_active (self->server_switch,
                         sp_server_get_running (self->server) || self->edge_wait != NULL);
  gtk_switch_set_state (self->server_switch, sp_server_get_running (self->server));
  g_signal_handlers_unblock_matched (self->server_switch, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_switch), !sp_server_get_stopping (self->server));
}

SpServerConfig *
sp_window_dup_server_config (SpWindow *self)
{
  SpServerConfig *config;
  g_auto(GStrv) symbols = NULL;
  g_auto(GStrv) origins = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);

  config = sp_server_config_new ();
  config->port = g_settings_get_uint (self->settings, "server-port");
  g_free (config->bind_address);
  config->bind_address = g_strdup (g_settings_get_boolean (self->settings, "listen-all-interfaces")
                                     ? "::" : "127.0.0.1");
  config->interval_ms = g_settings_get_uint (self->settings, "tick-interval-ms");
  config->format = g_settings_get_enum (self->settings, "message-format");
  config->on_message = g_settings_get_enum (self->settings, "on-client-message");
  symbols = g_settings_get_strv (self->settings, "symbols");
  if (symbols[0] != NULL)
    config->symbols = g_steal_pointer (&symbols);

  origins = g_settings_get_strv (self->settings, "allowed-origins");
  for (guint i = 0; origins[i] != NULL; i++)
    if (!sp_server_config_add_origin (config, origins[i], &error))
      {
        g_warning ("Ignoring the allowed origin “%s”: %s", origins[i], error->message);
        g_clear_error (&error);
      }

  config->max_clients = g_settings_get_uint (self->settings, "max-clients");
  config->max_message_size = g_settings_get_uint (self->settings, "max-message-size");
  config->command_rate = g_settings_get_uint (self->settings, "max-command-rate");
  config->handshake_timeout_ms = g_settings_get_uint (self->settings, "handshake-timeout-ms");
  config->ping_interval_s = g_settings_get_uint (self->settings, "ping-interval");
  config->pong_timeout_s = g_settings_get_uint (self->settings, "pong-timeout");
  config->slow_timeout_ms = g_settings_get_uint (self->settings, "slow-client-timeout-ms");
  config->role = g_settings_get_enum (self->settings, "server-role");
  if (config->role != SP_ROLE_STANDALONE)
    {
      g_autofree char *broker = g_settings_get_string (self->settings, "broker-url");

      /* A bad one is told at the start (sp_window_start_server). */
      sp_server_config_set_broker (config, broker, NULL);
    }
  /* While a thousand clients connect, the server thread, the clients and the
   * window all want the CPU; the window should not be the one that waits. */
  config->thread_nice = 5;

  /* Reachable from the network, the server always wants its token. */
  if (g_settings_get_boolean (self->settings, "require-token") ||
      sp_server_config_is_exposed (config))
    {
      g_autofree char *token = g_settings_get_string (self->settings, "access-token");

      if (!sp_server_config_set_token (config, token, NULL) || config->token == NULL)
        {
          g_free (token);
          token = sp_server_config_generate_token ();
          g_settings_set_string (self->settings, "access-token", token);
          sp_server_config_set_token (config, token, NULL);
        }
    }

  return config;
}

/* A viewer that watches the built-in server follows it to a new port, address or token
 * (Preferences), instead of retrying the old address; one the user disconnected stays so. */
static void
follow_builtin_server (SpWindow *self)
{
  g_autofree char *url = sp_server_dup_ws_url (self->server);
  const SpStreamOptions *watching = sp_stream_client_get_options (self->client);

  if (self->builtin_url != NULL && g_strcmp0 (url, self->builtin_url) != 0 &&
      watching != NULL && g_strcmp0 (watching->url, self->builtin_url) == 0 &&
      sp_stream_client_get_state (self->client) != SP_STREAM_DISCONNECTED)
    sp_window_connect (self, url);

  g_free (self->builtin_url);
  self->builtin_url = g_steal_pointer (&url);
}

/* A publisher's or an edge's broker changes state on the server's threads:
 * its line follows, polled twice a second while the server runs with one. */
static gboolean
on_broker_watch (gpointer data)
{
  SpWindow *self = data;

  if (!sp_server_get_running (self->server) ||
      sp_server_get_broker_state (self->server, NULL) == SP_SERVER_BROKER_NONE)
    {
      self->broker_watch_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (sp_server_get_broker_state (self->server, NULL) != self->broker_state)
    update_server_label (self);
  return G_SOURCE_CONTINUE;
}

static void
watch_broker (SpWindow *self)
{
  if (self->broker_watch_id == 0 && sp_server_get_running (self->server) &&
      sp_server_get_broker_state (self->server, NULL) != SP_SERVER_BROKER_NONE)
    self->broker_watch_id = g_timeout_add (500, on_broker_watch, self);
}

/* The server started (or not) with @config: what the window shows. */
static gboolean
start_now (SpWindow       *self,
           SpServerConfig *config)
{
  g_autoptr(GError) error = NULL;

  if (!sp_server_start (self->server, config, &error))
    {
      self->server_error = g_strdup (error->message);
      toast (self, error->message);
    }
  else
    {
      follow_builtin_server (self);
      if (self->connect_started)
        sp_window_connect (self, self->builtin_url);
    }
  self->connect_started = FALSE;
  update_server_label (self);
  watch_broker (self);
  return error == NULL;
}

/* How long an edge waits for a publisher to have published its market. */
#define EDGE_WAIT_MS 5000

/* In a thread: the broker asked what the market is, until it says or the wait ends. */
static void
wait_for_market (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  SpServerConfig *config = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpBroker) broker = sp_redis_broker_new (config->broker_url, &error);
  gint64 deadline = g_get_monotonic_time () + EDGE_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (broker != NULL && !g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(SpBrokerInfo) info = NULL;

      g_clear_error (&error);
      info = sp_broker_lookup_market (broker, 1000, &error);
      if (info != NULL || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    }
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_market_found (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SpWindow) self = user_data;
  GTask *task = G_TASK (result);
  g_autoptr(GError) error = NULL;

  if (g_task_get_cancellable (task) != self->edge_wait)
    return;   /* switched off, or started again, meanwhile */
  g_clear_object (&self->edge_wait);
  if (!g_task_propagate_boolean (task, &error))
    {
      self->connect_started = FALSE;
      self->server_error = g_strdup (error->message);
      toast (self, error->message);
      update_server_label (self);
      return;
    }
  start_now (self, g_task_get_task_data (task));
}

gboolean
sp_window_start_server (SpWindow *self)
{
  g_autoptr(SpServerConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *broker = NULL;
  const SpServerOverrides *overrides;

  g_return_val_if_fail (SP_IS_WINDOW (self), FALSE);

  g_clear_pointer (&self->server_error, g_free);
  if (self->edge_wait != NULL)
    {
      g_cancellable_cancel (self->edge_wait);
      g_clear_object (&self->edge_wait);
    }
  config = sp_window_dup_server_config (self);
  cert = g_settings_get_string (self->settings, "tls-cert-file");
  key = g_settings_get_string (self->settings, "tls-key-file");
  broker = g_settings_get_string (self->settings, "broker-url");
  overrides = window_overrides (self);
  if (((*cert != '\0' || *key != '\0') && !sp_server_config_set_tls (config, cert, key, &error)) ||
      (config->role != SP_ROLE_STANDALONE && !sp_server_config_set_broker (config, broker, &error)) ||
      (overrides != NULL && !sp_server_overrides_apply (overrides, config, NULL, &error)))
    {
      self->server_error = g_strdup (error->message);
      toast (self, error->message);
      update_server_label (self);
      return FALSE;
    }
  if (config->role == SP_ROLE_EDGE)
    {
      /* The broker may take seconds to say what the market is (a publisher
       * starting with it): the window is not the one that waits. */
      g_autoptr(GTask) task = NULL;

      self->edge_wait = g_cancellable_new ();
      task = g_task_new (NULL, self->edge_wait, on_market_found, g_object_ref (self));
      g_task_set_source_tag (task, sp_window_start_server);
      g_task_set_task_data (task, g_steal_pointer (&config), (GDestroyNotify) sp_server_config_free);
      g_task_run_in_thread (task, wait_for_market);
      update_server_label (self);
      return TRUE;
    }
  return start_now (self, config);
}

static void
on_server_stopped (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SpWindow) self = user_data;

  sp_server_stop_finish (SP_SERVER (source), result, NULL);
  update_server_label (self);
}

static gboolean
on_server_switch (SpWindow *self,
                  gboolean  state)
{
  if (state && !sp_server_get_running (self->server) && self->edge_wait == NULL)
    sp_window_start_server (self);
  else if (!state && self->edge_wait != NULL)
    {
      g_cancellable_cancel (self->edge_wait);
      g_clear_object (&self->edge_wait);
      self->connect_started = FALSE;
      update_server_label (self);
    }
  else if (!state && sp_server_get_running (self->server))
    {
      sp_server_stop_async (self->server, on_server_stopped, g_object_ref (self));
      update_server_label (self);
    }

  return TRUE;
}

static void
toast_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  toast (SP_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), g_variant_get_string (parameter, NULL));
  toast (SP_WINDOW (widget), _("Copied to the clipboard"));
}

/* Preferences → Security's origins, to the running server: a page allowed
 * there (or from the Clients page) may connect from its next try on. */
static void
on_allowed_origins_changed (SpWindow *self)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_auto(GStrv) origins = g_settings_get_strv (self->settings, "allowed-origins");

  for (guint i = 0; origins[i] != NULL; i++)
    sp_server_config_add_origin (config, origins[i], NULL);
  if (sp_server_get_running (self->server))
    sp_server_set_allowed_origins (self->server, (const char * const *) config->allowed_origins);
}

static void
allow_origin_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  const char *origin = g_variant_get_string (parameter, NULL);
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_auto(GStrv) origins = g_settings_get_strv (self->settings, "allowed-origins");
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  for (guint i = 0; origins[i] != NULL; i++)
    sp_server_config_add_origin (config, origins[i], NULL);
  if (!sp_server_config_add_origin (config, origin, &error))
    {
      toast (self, error->message);
      return;
    }
  g_settings_set_strv (self->settings, "allowed-origins",
                       (const char * const *) config->allowed_origins);
  message = g_str_equal (origin, "null")
              ? g_strdup (_("Pages opened from files may now connect"))
              /* Translators: after “Allow This Origin”, e.g. "https://example.com may now connect" */
              : g_strdup_printf (_("Pages from %s may now connect"), origin);
  toast (self, message);
}

static void
focus_url_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "stream");
  sp_stream_page_focus_url (self->stream_page);
}

void
sp_window_connect (SpWindow   *self,
                   const char *url)
{
  g_autoptr(SpStreamOptions) options = NULL;

  g_return_if_fail (SP_IS_WINDOW (self));
  g_return_if_fail (url != NULL);

  /* A mistake in @url shows under the address bar. */
  options = sp_stream_options_new (url);
  sp_stream_page_connect (self->stream_page, options, NULL);
}

/* First launch: the server runs and the viewer watches it, with no clicks. */
void
sp_window_start_default (SpWindow   *self,
                         const char *connect_url)
{
  g_return_if_fail (SP_IS_WINDOW (self));

  if (g_settings_get_boolean (self->settings, "start-server-at-launch"))
    sp_window_start_server (self);

  if (connect_url != NULL)
    sp_window_connect (self, connect_url);
  else if (self->edge_wait != NULL && g_settings_get_boolean (self->settings, "connect-at-launch"))
    self->connect_started = TRUE;
  else if (sp_server_get_running (self->server) &&
           g_settings_get_boolean (self->settings, "connect-at-launch"))
    {
      g_autofree char *url = sp_server_dup_ws_url (self->server);

      sp_window_connect (self, url);
    }
}

SpServer *
sp_window_get_server (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);

  return self->server;
}

SpStreamClient *
sp_window_get_client (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);

  return self->client;
}

void
sp_window_show_page (SpWindow   *self,
                     const char *name)
{
  g_return_if_fail (SP_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->stack, name);
}

const char *
sp_window_get_visible_page (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->stack);
}

GtkWidget *
sp_window_get_page (SpWindow   *self,
                    const char *name)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);

  return adw_view_stack_get_child_by_name (self->stack, name);
}

GtkSwitch *
sp_window_get_server_switch (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);

  return self->server_switch;
}

GtkLabel *
sp_window_get_server_label (SpWindow *self)
{
  g_return_val_if_fail (SP_IS_WINDOW (self), NULL);

  return self->server_label;
}

static void
save_window_state (SpWindow *self)
{
  int width;
  int height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
say_goodbye_done (gpointer data)
{
  SpWindow *self = data;

  self->goodbye_id = 0;
  gtk_window_destroy (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
on_goodbye_state (SpWindow *self)
{
  SpStreamState state = sp_stream_client_get_state (self->client);

  if (state != SP_STREAM_OPEN && state != SP_STREAM_CLOSING && self->goodbye_id != 0)
    {
      g_clear_handle_id (&self->goodbye_id, g_source_remove);
      gtk_window_destroy (GTK_WINDOW (self));
    }
}

static gboolean
sp_window_close_request (GtkWindow *window)
{
  SpWindow *self = SP_WINDOW (window);

  if (self->goodbye_id != 0)
    return TRUE;
  save_window_state (self);

  /* The stream hears a close frame before the window goes, not a dropped
   * connection: hidden at once, the window waits for the server's answer. */
  if (self->client != NULL && sp_stream_client_get_state (self->client) == SP_STREAM_OPEN)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      g_signal_connect_object (self->client, "notify::state", G_CALLBACK (on_goodbye_state), self,
                               G_CONNECT_SWAPPED);
      self->goodbye_id = g_timeout_add (GOODBYE_MS, say_goodbye_done, self);
      sp_stream_client_disconnect (self->client);
      return TRUE;
    }

  return GTK_WINDOW_CLASS (sp_window_parent_class)->close_request (window);
}

static void
alerts_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SpWindow *self = SP_WINDOW (widget);
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  SpAlertsWindow *alerts;

  if (!SP_IS_APPLICATION (application))
    return;
  alerts = sp_alerts_window_new (GTK_WINDOW (self), sp_application_get_alerts (SP_APPLICATION (application)),
                                 sp_stream_page_get_symbol (self->stream_page));
  gtk_window_present (GTK_WINDOW (alerts));
}

static void
sp_window_dispose (GObject *object)
{
  SpWindow *self = SP_WINDOW (object);

  g_clear_handle_id (&self->goodbye_id, g_source_remove);
  if (self->edge_wait != NULL)
    g_cancellable_cancel (self->edge_wait);
  g_clear_object (&self->edge_wait);
  if (self->client != NULL)
    sp_stream_client_disconnect (self->client);
  if (self->server != NULL)
    sp_server_stop (self->server);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_WINDOW);
  g_clear_handle_id (&self->broker_watch_id, g_source_remove);
  g_clear_object (&self->client);
  g_clear_object (&self->server);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->builtin_url, g_free);
  g_clear_pointer (&self->server_error, g_free);

  G_OBJECT_CLASS (sp_window_parent_class)->dispose (object);
}

static void
sp_window_class_init (SpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sp_window_dispose;
  window_class->close_request = sp_window_close_request;

  g_type_ensure (SP_TYPE_STREAM_PAGE);
  g_type_ensure (SP_TYPE_CLIENTS_PAGE);
  g_type_ensure (SP_TYPE_HANDSHAKE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/StockPush/sp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, server_switch);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, server_label);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, stream_page);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, clients_page);
  gtk_widget_class_bind_template_child (widget_class, SpWindow, handshake_page);
  gtk_widget_class_bind_template_callback (widget_class, on_server_switch);

  gtk_widget_class_install_action (widget_class, "win.toast", "s", toast_action);
  gtk_widget_class_install_action (widget_class, "win.copy", "s", copy_action);
  gtk_widget_class_install_action (widget_class, "win.focus-url", NULL, focus_url_action);
  gtk_widget_class_install_action (widget_class, "win.allow-origin", "s", allow_origin_action);
  gtk_widget_class_install_action (widget_class, "win.alerts", NULL, alerts_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.focus-url", NULL);
}

static void
sp_window_init (SpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  self->server = sp_server_new ();
  self->client = sp_stream_client_new ();

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->server, "notify::running", G_CALLBACK (update_server_label), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->server, "notify::n-clients", G_CALLBACK (update_server_label), self,
                           G_CONNECT_SWAPPED);

  g_signal_connect_object (self->settings, "changed::allowed-origins",
                           G_CALLBACK (on_allowed_origins_changed), self, G_CONNECT_SWAPPED);

  sp_stream_page_set_settings (self->stream_page, self->settings);
  sp_stream_page_set_client (self->stream_page, self->client);
  sp_clients_page_set_server (self->clients_page, self->server);
  sp_handshake_page_set_sources (self->handshake_page, self->client,
                                 sp_clients_page_get_clients (self->clients_page));
  update_server_label (self);
}

SpWindow *
sp_window_new (SpApplication *application)
{
  SpWindow *self;

  g_return_val_if_fail (SP_IS_APPLICATION (application), NULL);

  self = g_object_new (SP_TYPE_WINDOW, "application", application, NULL);
  sp_stream_page_set_alerts (self->stream_page, sp_application_get_alerts (application));
  return self;
}

void
sp_window_show_symbol (SpWindow   *self,
                       const char *name)
{
  g_return_if_fail (SP_IS_WINDOW (self));

  sp_window_show_page (self, "stream");
  sp_stream_page_show_symbol (self->stream_page, name);
}
