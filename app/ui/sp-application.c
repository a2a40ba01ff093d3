/* The StockPush application: command line (including the headless server), actions, windows. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-error.h"
#include "sp-feed-preset.h"
#include "sp-headless.h"
#include "sp-options.h"
#include "sp-price-extractor.h"
#include "sp-server-config.h"
#include "sp-server-overrides.h"
#include "sp-preferences-window.h"
#include "sp-window.h"

struct _SpApplication
{
  AdwApplication  parent_instance;

  SpServerOverrides *overrides; /* server options from the command line, over the settings */
  char           *connect_url; /* --connect without --headless */
  SpAlerts       *alerts;      /* created with the first window, kept in settings */
  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (SpApplication, sp_application, ADW_TYPE_APPLICATION)

static void
print_feeds (void)
{
  const SpFeedPreset *const *presets = sp_feed_preset_list ();

  for (guint i = 0; presets[i] != NULL; i++)
    g_print ("%-16s %s: %s%s\n                 %s\n", presets[i]->id, presets[i]->name,
             _(presets[i]->description),
             sp_feed_preset_needs_key (presets[i]) ? _(" (needs an API key)") : "",
             presets[i]->url);
}

/* --feed's options, or those of --connect alone. */
static SpStreamOptions *
stream_from_options (const char   *url,
                     GVariantDict *options,
                     GError      **error)
{
  const char *name = NULL;
  const char *key = NULL;
  const char *secret = NULL;
  const SpFeedPreset *preset;

  if (!g_variant_dict_lookup (options, "feed", "&s", &name))
    return sp_stream_options_new (url);

  preset = sp_feed_preset_lookup (name);
  if (preset == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--feed: no feed is called “%s” (“stockpush --feed list” shows them)"), name);
      return NULL;
    }
  g_variant_dict_lookup (options, "feed-key", "&s", &key);
  g_variant_dict_lookup (options, "feed-secret", "&s", &secret);
  return sp_feed_preset_dup_options (preset, url, key, secret, error);
}

static int
watch_from_options (const char   *url,
                    GVariantDict *options)
{
  g_autoptr(SpStreamOptions) stream = NULL;
  g_autoptr(GError) error = NULL;
  SpWatchOptions watch = { 0 };
  const char *count = NULL;
  const char *wrong = NULL;
  char **send = NULL;

  stream = stream_from_options (url, options, &error);
  if (stream == NULL)
    {
      g_printerr ("stockpush: %s\n", error->message);
      return 2;
    }
  /* Given on the command line, over the feed's. */
  if (g_variant_dict_contains (options, "price-field"))
    {
      g_free (stream->price_path);
      g_variant_dict_lookup (options, "price-field", "s", &stream->price_path);
    }
  if (g_variant_dict_contains (options, "symbol-field"))
    {
      g_free (stream->symbol_path);
      g_variant_dict_lookup (options, "symbol-field", "s", &stream->symbol_path);
    }
  if (g_variant_dict_lookup (options, "send", "^as", &send))
    {
      g_strfreev (stream->send_on_open);
      stream->send_on_open = send;
    }
  g_variant_dict_lookup (options, "header", "^as", &stream->headers);
  g_variant_dict_lookup (options, "protocol", "^as", &stream->protocols);
  g_variant_dict_lookup (options, "origin", "s", &stream->origin);
  g_variant_dict_lookup (options, "accept-certificate", "s", &stream->accepted_certificate);
  /* A script wants to know when its stream ends; --reconnect asks otherwise. */
  stream->auto_reconnect = g_variant_dict_contains (options, "reconnect");
  /* The same limit as the server's clients get, for what the server sends. */
  if (g_variant_dict_lookup (options, "max-message-size", "&s", &count))
    {
      g_autoptr(SpServerConfig) limits = sp_server_config_new ();

      if (!sp_server_config_set_max_message_size (limits, count, &error))
        {
          g_printerr ("stockpush: %s\n", error->message);
          return 2;
        }
      stream->max_message_size = limits->max_message_size;
      count = NULL;
    }

  /* Named for the option that holds the mistake. */
  if (!sp_price_extractor_check_paths (stream->price_path, NULL, &error))
    wrong = "--price-field";
  else if (!sp_price_extractor_check_paths (NULL, stream->symbol_path, &error))
    wrong = "--symbol-field";
  if (wrong != NULL)
    {
      g_printerr ("stockpush: %s: %s\n", wrong, error->message);
      return 2;
    }
  if (!sp_stream_options_validate (stream, NULL, &error))
    {
      g_printerr ("stockpush: --connect: %s\n", error->message);
      return 2;
    }

  if (g_variant_dict_lookup (options, "count", "&s", &count) &&
      !g_ascii_string_to_unsigned (count, 10, 1, G_MAXUINT64, &watch.count, NULL))
    {
      g_printerr ("stockpush: --count: “%s” is not a whole number from 1 up\n", count);
      return 2;
    }

  watch.stream = stream;
  watch.verbose = g_variant_dict_contains (options, "verbose");
  g_variant_dict_lookup (options, "record", "^&ay", &watch.record);

  return sp_headless_watch (&watch);
}

static int
sp_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  SpApplication *self = SP_APPLICATION (application);
  g_autoptr(SpServerOverrides) overrides = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("StockPush %s\n", PACKAGE_VERSION);
      return 0;
    }

  {
    const char *feed = NULL;

    if (g_variant_dict_lookup (options, "feed", "&s", &feed) && g_str_equal (feed, "list"))
      {
        print_feeds ();
        return 0;
      }
    if (feed != NULL && !g_variant_dict_contains (options, "headless"))
      {
        g_printerr (_("stockpush: --feed works with --headless; in the window, choose the feed "
                      "from the menu beside the address\n"));
        return 2;
      }
  }

  {
    const char *failed = NULL;
    g_autoptr(GError) error = NULL;

    overrides = sp_server_overrides_new_from_options (options, &failed, &error);
    if (overrides == NULL)
      {
        g_printerr ("stockpush: %s\n", error->message);
        /* A recording that cannot be read is a file problem, not a mistyped option. */
        if (g_strcmp0 (failed, "replay") == 0)
          return 1;
        g_printerr (_("Run “stockpush --help” to see every option.\n"));
        return 2;
      }
  }

  /* Headless never touches GTK, so it works without a display. */
  if (g_variant_dict_contains (options, "headless"))
    {
      const char *url;

      url = NULL;
      if (g_variant_dict_lookup (options, "connect", "&s", &url) ||
          g_variant_dict_contains (options, "feed"))
        return watch_from_options (url, options);

      g_autoptr(SpServerConfig) config = sp_server_config_new ();

      /* Checked already, on the same defaults. */
      sp_server_overrides_apply (overrides, config, NULL, NULL);
      return sp_headless_run (config);
    }

  g_clear_pointer (&self->connect_url, g_free);
  g_variant_dict_lookup (options, "connect", "s", &self->connect_url);

  /* A second "stockpush --connect URL" hands the URL to the running instance. */
  if (self->connect_url != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!g_application_register (application, NULL, &error))
        {
          g_printerr ("stockpush: %s\n", error->message);
          return 1;
        }
      if (g_application_get_is_remote (application))
        {
          g_action_group_activate_action (G_ACTION_GROUP (application), "connect",
                                          g_variant_new_string (self->connect_url));
          return 0;
        }
    }

  g_clear_pointer (&self->overrides, sp_server_overrides_free);
  self->overrides = g_steal_pointer (&overrides);

  return G_APPLICATION_CLASS (sp_application_parent_class)->handle_local_options (application,
                                                                                  options);
}

static void
sp_application_activate (GApplication *application)
{
  SpApplication *self = SP_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      window = GTK_WINDOW (sp_window_new (self));
      sp_window_start_default (SP_WINDOW (window), self->connect_url);
    }
  else if (self->connect_url != NULL)
    sp_window_connect (SP_WINDOW (window), self->connect_url);

  g_clear_pointer (&self->connect_url, g_free);
  gtk_window_present (window);
}

static void
sp_application_about (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  GtkApplication *application = user_data;
  static const char *developers[] = { "StockPush developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (application),
                         "application-name", "StockPush",
                         "application-icon", APP_ID,
                         "developer-name", "StockPush developers",
                         "version", PACKAGE_VERSION,
                         "comments", _("Push live stock prices over WebSocket and watch any price stream"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
sp_application_preferences (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  GtkWindow *preferences = GTK_WINDOW (sp_preferences_window_new (parent));

  gtk_window_set_application (preferences, GTK_APPLICATION (user_data));
  gtk_window_present (preferences);
}

static void
sp_application_connect (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  SpApplication *self = user_data;

  g_free (self->connect_url);
  self->connect_url = g_variant_dup_string (parameter, NULL);
  g_application_activate (G_APPLICATION (self));
}

/* What “Allow This Origin” on the Clients page does, also for scripts (D-Bus). */
static void
sp_application_allow_origin (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window != NULL)
    gtk_widget_activate_action_variant (GTK_WIDGET (window), "win.allow-origin", parameter);
}

static void
sp_application_show_page (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (SP_IS_WINDOW (window))
    sp_window_show_page (SP_WINDOW (window), g_variant_get_string (parameter, NULL));
}

/* A notification's click: the window, on the Stream page, charting @symbol. */
static void
sp_application_show_symbol (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (user_data));
  window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  if (SP_IS_WINDOW (window))
    sp_window_show_symbol (SP_WINDOW (window), g_variant_get_string (parameter, NULL));
}

static void
sp_application_quit (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  /* Closed, not destroyed: a window's viewer closes its stream properly first
   * (sp_window_close_request); the application ends with its last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static const GActionEntry app_actions[] = {
  { "about", sp_application_about },
  { "preferences", sp_application_preferences },
  { "connect", sp_application_connect, "s" },
  { "allow-origin", sp_application_allow_origin, "s" },
  { "show-page", sp_application_show_page, "s" },
  { "show-symbol", sp_application_show_symbol, "s" },
  { "quit", sp_application_quit },
};

static void
sp_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (sp_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), application);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.preferences",
                                         preferences_accels);
}

static void
sp_application_finalize (GObject *object)
{
  SpApplication *self = SP_APPLICATION (object);

  g_clear_pointer (&self->overrides, sp_server_overrides_free);
  g_clear_pointer (&self->connect_url, g_free);
  if (self->alerts != NULL)
    g_signal_handlers_disconnect_by_data (self->alerts, self);
  g_clear_object (&self->alerts);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_application_parent_class)->finalize (object);
}

static void
sp_application_class_init (SpApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = sp_application_finalize;
  app_class->handle_local_options = sp_application_handle_local_options;
  app_class->startup = sp_application_startup;
  app_class->activate = sp_application_activate;
}

static void
sp_application_init (SpApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), sp_options_entries ());
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Push live stock prices over WebSocket and "
                                              "watch any price stream."));
}

SpApplication *
sp_application_new (void)
{
  return g_object_new (SP_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/com/example/StockPush",
                       NULL);
}

/* The server options given on the command line (NULL: none), which the window applies
 * over its settings each time it starts the built-in server. */
const SpServerOverrides *
sp_application_get_server_overrides (SpApplication *self)
{
  g_return_val_if_fail (SP_IS_APPLICATION (self), NULL);

  if (self->overrides == NULL || sp_server_overrides_is_empty (self->overrides))
    return NULL;
  return self->overrides;
}

static void
save_alerts (SpApplication *self)
{
  g_settings_set_value (self->settings, "alerts", sp_alerts_serialize (self->alerts));
}

/* An alert fired: a desktop notification, one per rule (a rule that fires again
 * replaces its last one); clicking it shows the symbol. */
static void
on_alert_fired (SpApplication *self,
                SpAlert       *alert,
                double         price,
                double         reference,
                gint64         t_us)
{
  g_autofree char *body = NULL;
  g_autofree char *title = sp_alert_describe_event (alert, price, reference, &body);
  g_autofree char *rule = sp_alert_describe (alert);
  g_autofree char *id = g_strconcat ("alert:", rule, NULL);
  g_autoptr(GNotification) notification = g_notification_new (title);

  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target (notification, "app.show-symbol", "s",
                                                sp_alert_get_symbol (alert));
  /* Without a session bus there is nobody to show it (the chart still marks it). */
  if (g_application_get_dbus_connection (G_APPLICATION (self)) != NULL)
    g_application_send_notification (G_APPLICATION (self), id, notification);
}

SpAlerts *
sp_application_get_alerts (SpApplication *self)
{
  g_autoptr(GVariant) saved = NULL;

  g_return_val_if_fail (SP_IS_APPLICATION (self), NULL);

  if (self->alerts != NULL)
    return self->alerts;

  self->settings = g_settings_new (APP_ID);
  self->alerts = sp_alerts_new ();
  saved = g_settings_get_value (self->settings, "alerts");
  sp_alerts_load (self->alerts, saved);
  g_signal_connect_object (self->alerts, "changed", G_CALLBACK (save_alerts), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "fired", G_CALLBACK (on_alert_fired), self,
                           G_CONNECT_SWAPPED);
  return self->alerts;
}
