/* Preferences: every row is bound to its GSettings key; symbols are checked before saving. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-market.h"
#include "sp-preferences-window.h"
#include "sp-server-config.h"

struct _SpPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GtkSpinButton *port_spin;
  GtkSwitch     *all_interfaces_switch;
  GtkSwitch     *start_switch;
  GtkSpinButton *interval_spin;
  AdwEntryRow   *symbols_row;
  AdwComboRow   *format_row;
  AdwComboRow   *on_message_row;
  AdwComboRow   *role_row;
  AdwEntryRow   *broker_row;
  GtkSwitch     *connect_switch;
  GtkSpinButton *history_spin;
  GtkSpinButton *log_spin;
  AdwEntryRow   *tls_cert_row;
  AdwEntryRow   *tls_key_row;
  AdwEntryRow   *origins_row;
  AdwActionRow  *token_row;

  GSettings     *settings;
};

G_DEFINE_FINAL_TYPE (SpPreferencesWindow, sp_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
enum_to_selected (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_str_equal (nicks[i], nick))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  return FALSE;
}

static GVariant *
selected_to_enum (const GValue       *value,
                  const GVariantType *type,
                  gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint selected = g_value_get_uint (value);

  if (selected >= g_strv_length ((char **) nicks))
    return NULL;

  return g_variant_new_string (nicks[selected]);
}

/* A toast's title is markup; an error quotes what was typed, which is not. */
static void
add_error_toast (SpPreferencesWindow *self,
                 const GError        *error)
{
  g_autofree char *escaped = g_markup_escape_text (error->message, -1);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (escaped));
}

static void
on_symbols_apply (SpPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) symbols = sp_market_parse_symbol_list (gtk_editable_get_text (GTK_EDITABLE (self->symbols_row)),
                                                       &error);

  if (symbols == NULL)
    {
      add_error_toast (self, error);
      gtk_widget_add_css_class (GTK_WIDGET (self->symbols_row), "error");
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->symbols_row), "error");
  g_settings_set_strv (self->settings, "symbols", (const char * const *) symbols);
}

/* The broker's address, checked as typed; the role row says whether it is used. */
static void
on_broker_apply (SpPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpServerConfig) scratch = sp_server_config_new ();
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->broker_row))));

  if (!sp_server_config_set_broker (scratch, text, &error))
    {
      add_error_toast (self, error);
      gtk_widget_add_css_class (GTK_WIDGET (self->broker_row), "error");
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->broker_row), "error");
  g_settings_set_string (self->settings, "broker-url", text);
}

static void
on_file_chosen (GtkNativeDialog *dialog,
                int              response,
                gpointer         user_data)
{
  GtkEditable *row = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        gtk_editable_set_text (row, path);
    }
  g_object_unref (dialog);
}

static void
choose_file (SpPreferencesWindow *self,
             AdwEntryRow         *row,
             const char          *title)
{
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Choose"), _("_Cancel"));
  g_signal_connect (dialog, "response", G_CALLBACK (on_file_chosen), row);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_choose_cert (SpPreferencesWindow *self)
{
  choose_file (self, self->tls_cert_row, _("Certificate File"));
}

static void
on_choose_key (SpPreferencesWindow *self)
{
  choose_file (self, self->tls_key_row, _("Private Key File"));
}

/* ------------------------------------------------------------------------ */
/* The Security page, built here: rows bound to their keys                    */

static void
on_origins_apply (SpPreferencesWindow *self)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_auto(GStrv) parts = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (self->origins_row)),
                                        ", \t", -1);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0' && !sp_server_config_add_origin (config, parts[i], &error))
      {
        add_error_toast (self, error);
        gtk_widget_add_css_class (GTK_WIDGET (self->origins_row), "error");
        return;
      }

  gtk_widget_remove_css_class (GTK_WIDGET (self->origins_row), "error");
  g_settings_set_strv (self->settings, "allowed-origins",
                       (const char * const *) (config->allowed_origins != NULL
                                                 ? config->allowed_origins
                                                 : (char *[]) { NULL }));
}

static void
show_token (SpPreferencesWindow *self)
{
  g_autofree char *token = g_settings_get_string (self->settings, "access-token");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->token_row), FALSE);
  adw_action_row_set_subtitle (self->token_row,
                               *token ? token : _("Made up when the server first needs it"));
}

static void
on_copy_token (SpPreferencesWindow *self)
{
  g_autofree char *token = g_settings_get_string (self->settings, "access-token");

  if (*token == '\0')
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), token);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (_("Token copied")));
}

static void
on_new_token (SpPreferencesWindow *self)
{
  g_autofree char *token = sp_server_config_generate_token ();

  g_settings_set_string (self->settings, "access-token", token);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("New token: restart the server to use it")));
}

static GtkWidget *
switch_row (SpPreferencesWindow *self,
            const char          *key,
            const char          *title,
            const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_settings_bind (self->settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);

  return row;
}

/* A number row whose range is the key's own. */
static GtkWidget *
spin_row (SpPreferencesWindow *self,
          const char          *key,
          const char          *title,
          const char          *subtitle,
          double               step)
{
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) limits = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin;
  const char *type;
  guint32 low = 0, high = G_MAXUINT32;

  g_object_get (self->settings, "settings-schema", &schema, NULL);
  schema_key = g_settings_schema_get_key (schema, key);
  range = g_settings_schema_key_get_range (schema_key);
  g_variant_get (range, "(&sv)", &type, &limits);
  if (g_str_equal (type, "range"))
    g_variant_get (limits, "(uu)", &low, &high);

  spin = gtk_spin_button_new_with_range (low, high, step);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  g_settings_bind (self->settings, key, spin, "value", G_SETTINGS_BIND_DEFAULT);

  return row;
}

static GtkWidget *
icon_button (const char *icon,
             const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static void
add_security_page (SpPreferencesWindow *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *access = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *limits = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  g_auto(GStrv) origins = g_settings_get_strv (self->settings, "allowed-origins");
  g_autofree char *origins_text = g_strjoinv (", ", origins);
  GtkWidget *button;

  adw_preferences_page_set_title (page, _("Security"));
  adw_preferences_page_set_icon_name (page, "channel-secure-symbolic");
  adw_preferences_page_set_name (page, "security");

  adw_preferences_group_set_title (access, _("Who May Connect"));
  adw_preferences_group_set_description (access,
    _("Web pages of other sites can open connections to this computer: only the server’s own "
      "page, programs that are not browsers, and the sites listed here get the stream. "
      "Changes apply the next time the server starts."));

  self->origins_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->origins_row),
                                 _("Also Allow Pages From (e.g. https://example.com)"));
  adw_entry_row_set_show_apply_button (self->origins_row, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->origins_row), origins_text);
  g_signal_connect_swapped (self->origins_row, "apply", G_CALLBACK (on_origins_apply), self);
  adw_preferences_group_add (access, GTK_WIDGET (self->origins_row));

  adw_preferences_group_add (access, switch_row (self, "require-token", _("Require the Access Token"),
                                                 _("Always required when listening on all interfaces")));

  self->token_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->token_row), _("Access Token"));
  gtk_widget_add_css_class (GTK_WIDGET (self->token_row), "property");
  button = icon_button ("edit-copy-symbolic", _("Copy the Token"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (on_copy_token), self);
  adw_action_row_add_suffix (self->token_row, button);
  button = icon_button ("view-refresh-symbolic", _("Make a New Token"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (on_new_token), self);
  adw_action_row_add_suffix (self->token_row, button);
  g_signal_connect_object (self->settings, "changed::access-token", G_CALLBACK (show_token), self,
                           G_CONNECT_SWAPPED);
  show_token (self);
  adw_preferences_group_add (access, GTK_WIDGET (self->token_row));

  adw_preferences_group_set_title (limits, _("Limits"));
  adw_preferences_group_set_description (limits, _("Against clients that misbehave or stop answering."));
  adw_preferences_group_add (limits, spin_row (self, "max-clients", _("Maximum Clients"),
                                               _("More are turned away (503)"), 100));
  adw_preferences_group_add (limits, spin_row (self, "max-message-size", _("Largest Client Message"),
                                               _("Bytes; a larger one closes the client (1009)"), 1024));
  adw_preferences_group_add (limits, spin_row (self, "max-command-rate", _("Client Messages per Second"),
                                               _("A faster client is closed (1008)"), 10));
  adw_preferences_group_add (limits, spin_row (self, "handshake-timeout-ms", _("Handshake Timeout"),
                                               _("Milliseconds a connection has to send its request"), 1000));
  adw_preferences_group_add (limits, spin_row (self, "ping-interval", _("Ping Interval"),
                                               _("Seconds between keepalive pings; 0 for none"), 5));
  adw_preferences_group_add (limits, spin_row (self, "pong-timeout", _("Pong Timeout"),
                                               _("Seconds a silent client gets past the interval"), 1));
  adw_preferences_group_add (limits, spin_row (self, "slow-client-timeout-ms", _("Slow Client Limit"),
                                               _("Milliseconds a client may stay behind before it is closed"),
                                               1000));

  adw_preferences_page_add (page, access);
  adw_preferences_page_add (page, limits);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
}

static void
sp_preferences_window_dispose (GObject *object)
{
  SpPreferencesWindow *self = SP_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_preferences_window_parent_class)->dispose (object);
}

static void
sp_preferences_window_class_init (SpPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, all_interfaces_switch);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, start_switch);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, symbols_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, format_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, role_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, broker_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, on_message_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, connect_switch);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, history_spin);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, log_spin);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, tls_cert_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, tls_key_row);
  gtk_widget_class_bind_template_callback (widget_class, on_symbols_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_broker_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_cert);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_key);
}

static void
sp_preferences_window_init (SpPreferencesWindow *self)
{
  static const char *formats[] = { "json", "text", NULL };
  static const char *policies[] = { "commands", "close", NULL };
  static const char *roles[] = { "standalone", "publisher", "edge", NULL };
  g_autofree char *broker = NULL;
  g_auto(GStrv) symbols = NULL;
  g_autofree char *symbols_text = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "server-port", self->port_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "listen-all-interfaces", self->all_interfaces_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "start-server-at-launch", self->start_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tick-interval-ms", self->interval_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "connect-at-launch", self->connect_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "chart-history", self->history_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "log-size", self->log_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tls-cert-file", self->tls_cert_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tls-key-file", self->tls_key_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "message-format", self->format_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) formats, NULL);
  g_settings_bind_with_mapping (self->settings, "on-client-message", self->on_message_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) policies, NULL);
  g_settings_bind_with_mapping (self->settings, "server-role", self->role_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) roles, NULL);
  broker = g_settings_get_string (self->settings, "broker-url");
  gtk_editable_set_text (GTK_EDITABLE (self->broker_row), broker);

  symbols = g_settings_get_strv (self->settings, "symbols");
  symbols_text = g_strjoinv (", ", symbols);
  gtk_editable_set_text (GTK_EDITABLE (self->symbols_row), symbols_text);

  add_security_page (self);
}

SpPreferencesWindow *
sp_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (SP_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", TRUE, NULL);
}
