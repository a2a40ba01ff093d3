/* Preferences: every row is bound to its GSettings key; symbols are checked before saving. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-market.h"
#include "sp-preferences-window.h"

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
  GtkSwitch     *connect_switch;
  GtkSpinButton *history_spin;
  GtkSpinButton *log_spin;
  AdwEntryRow   *tls_cert_row;
  AdwEntryRow   *tls_key_row;

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

static void
on_symbols_apply (SpPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) symbols = sp_market_parse_symbol_list (gtk_editable_get_text (GTK_EDITABLE (self->symbols_row)),
                                                       &error);

  if (symbols == NULL)
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
      gtk_widget_add_css_class (GTK_WIDGET (self->symbols_row), "error");
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->symbols_row), "error");
  g_settings_set_strv (self->settings, "symbols", (const char * const *) symbols);
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
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, on_message_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, connect_switch);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, history_spin);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, log_spin);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, tls_cert_row);
  gtk_widget_class_bind_template_child (widget_class, SpPreferencesWindow, tls_key_row);
  gtk_widget_class_bind_template_callback (widget_class, on_symbols_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_cert);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_key);
}

static void
sp_preferences_window_init (SpPreferencesWindow *self)
{
  static const char *formats[] = { "json", "text", NULL };
  static const char *policies[] = { "commands", "close", NULL };
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

  symbols = g_settings_get_strv (self->settings, "symbols");
  symbols_text = g_strjoinv (", ", symbols);
  gtk_editable_set_text (GTK_EDITABLE (self->symbols_row), symbols_text);
}

SpPreferencesWindow *
sp_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (SP_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", TRUE, NULL);
}
