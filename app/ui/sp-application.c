/* The StockPush application: command line (including the headless server), actions, windows. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-application.h"
#include "sp-headless.h"
#include "sp-server-config.h"
#include "sp-server-overrides.h"
#include "sp-preferences-window.h"
#include "sp-window.h"

struct _SpApplication
{
  AdwApplication  parent_instance;

  SpServerOverrides *overrides; /* server options from the command line, over the settings */
  char           *connect_url; /* --connect without --headless */
};

G_DEFINE_FINAL_TYPE (SpApplication, sp_application, ADW_TYPE_APPLICATION)

static int
watch_from_options (const char   *url,
                    GVariantDict *options)
{
  g_autoptr(SpStreamOptions) stream = sp_stream_options_new (url);
  g_autoptr(GError) error = NULL;
  SpWatchOptions watch = { 0 };
  const char *count = NULL;

  g_variant_dict_lookup (options, "price-field", "s", &stream->price_path);
  g_variant_dict_lookup (options, "symbol-field", "s", &stream->symbol_path);
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
  g_variant_dict_lookup (options, "send", "&s", &watch.send);
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

      if (g_variant_dict_lookup (options, "connect", "&s", &url))
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

static void
sp_application_quit (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", sp_application_about },
  { "preferences", sp_application_preferences },
  { "connect", sp_application_connect, "s" },
  { "allow-origin", sp_application_allow_origin, "s" },
  { "show-page", sp_application_show_page, "s" },
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
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Serve prices without a window (for servers and scripts)"), NULL },
    { "port", 'p', 0, G_OPTION_ARG_STRING, NULL,
      N_("Port to listen on (default 8765; 0 picks a free one)"), N_("PORT") },
    { "bind", 'b', 0, G_OPTION_ARG_STRING, NULL,
      N_("Address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all interfaces)"),
      N_("ADDRESS") },
    { "interval-ms", 'i', 0, G_OPTION_ARG_STRING, NULL,
      N_("Time between ticks in milliseconds, 1 to 3600000 (default 250)"), N_("MS") },
    { "symbols", 's', 0, G_OPTION_ARG_STRING, NULL,
      N_("Comma-separated symbols, each optionally NAME=OPENING_PRICE "
         "(default ACME,GLOBEX,INITECH,HOOLI,UMBRELLA)"),
      N_("LIST") },
    { "format", 'f', 0, G_OPTION_ARG_STRING, NULL,
      N_("Message format: json (ticks as JSON) or text (“price = 299.90”, as the original demo)"),
      N_("FORMAT") },
    { "on-message", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("When a client sends a message: commands (answer JSON commands) or close "
         "(close that connection, as the original demo)"),
      N_("POLICY") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Seed of the simulated market: the same seed gives the same prices"), N_("N") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("PEM certificate: serve wss:// and https:// (with --tls-key)"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("PEM private key of --tls-cert"), N_("FILE") },
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Serve a recording (made with --record) instead of the simulated market, "
         "from the start again at its end"), N_("FILE") },
    { "replay-speed", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("How fast to replay: 1 (as recorded), 10, any factor, or max (as fast as each client "
         "takes it)"), N_("SPEED") },
    { "split", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Send each symbol's tick as a frame of its own instead of one batch per tick "
         "(20 symbols every 1 ms: 20,000 messages a second)"), NULL },
    /* Tests only, not in --help: a send path slower than any machine's. */
    { "test-send-delay-us", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, NULL,
      "Wait US microseconds before every frame sent to a client", "US" },
    { "allow-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("Also accept WebSocket clients from pages of ORIGIN, e.g. https://example.com "
         "(repeatable; null for pages opened from files, * for any)"),
      N_("ORIGIN") },
    { "token", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Require this access token (?token= or Authorization: Bearer); one is made up "
         "when listening beyond this machine"),
      N_("TOKEN") },
    { "no-token", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Require no token, even when listening on all interfaces"), NULL },
    { "max-clients", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Refuse clients beyond N with 503 (default 20000)"), N_("N") },
    { "max-message-size", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Close clients that send a message over N bytes with 1009 (default 65536); with "
         "--connect, the server, if it does (default 16 MiB)"), N_("N") },
    { "max-command-rate", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Close clients that send more than N messages a second with 1008 (default 50)"),
      N_("N") },
    { "handshake-timeout-ms", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Drop connections whose request is not in after MS (default 10000)"), N_("MS") },
    { "ping-interval", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Ping clients every S seconds, 0 for never (default 30)"), N_("S") },
    { "pong-timeout", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Close clients silent for the ping interval plus S seconds (default 10)"), N_("S") },
    { "slow-client-timeout-ms", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Close clients that stay unable to take more for MS (default 10000)"), N_("MS") },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, NULL,
      N_("Watch the ws:// or wss:// stream at URL (with --headless: print its prices)"),
      N_("URL") },
    { "price-field", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Where the price is in JSON messages, e.g. p or data.price (default: detect)"),
      N_("PATH") },
    { "symbol-field", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Where the symbol is in JSON messages, e.g. s (default: detect)"), N_("PATH") },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("Extra request header for --connect, “Name: value” (repeatable)"), N_("HEADER") },
    { "protocol", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("WebSocket subprotocol to offer with --connect (repeatable)"), N_("NAME") },
    { "origin", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Origin header to send with --connect"), N_("ORIGIN") },
    { "accept-certificate", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Trust this one untrusted certificate (its SHA-256 fingerprint, as the error shows)"),
      N_("SHA256") },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("With --headless --connect: record every frame to FILE (JSON Lines), to replay later"),
      N_("FILE") },
    { "send", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("With --headless --connect: send this text once connected"), N_("TEXT") },
    { "count", 'n', 0, G_OPTION_ARG_STRING, NULL,
      N_("With --headless --connect: exit after N prices"), N_("N") },
    { "reconnect", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("With --headless --connect: reconnect when the stream drops instead of exiting"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, NULL,
      N_("With --headless --connect: show the handshake and every frame on stderr"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
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
