/* The alerts window: a form for a new alert (or the one being edited) above
 * the list of alerts, each row with a switch and a delete button; a row's
 * click loads it into the form. What the form says is checked by
 * sp_alerts_validate(), whose words show under it. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "sp-alerts-window.h"

static const guint window_seconds[] = { 60, 300, 900, 3600, 4 * 3600, 24 * 3600 };

struct _SpAlertsWindow
{
  AdwWindow        parent_instance;

  SpAlerts        *alerts;
  int              editing;       /* the position being edited, or -1 */

  AdwPreferencesGroup *form_group;
  AdwEntryRow     *symbol_row;
  AdwComboRow     *kind_row;
  AdwEntryRow     *value_row;
  AdwComboRow     *window_row;
  GtkLabel        *error_label;
  GtkButton       *add_button;
  GtkButton       *cancel_button;
  GtkListBox      *list_box;
};

G_DEFINE_FINAL_TYPE (SpAlertsWindow, sp_alerts_window, ADW_TYPE_WINDOW)

static void
show_error (SpAlertsWindow *self,
            const char     *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* The number written in the value row, in the user's locale or with a point. */
static gboolean
parse_value (const char *text,
             double     *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;

  if (*copy == '\0')
    return FALSE;
  *value = g_ascii_strtod (copy, &end);
  if (end != NULL && *end == '\0')
    return TRUE;
  *value = strtod (copy, &end);
  return end != NULL && *end == '\0';
}

/* The rule the form describes, or NULL with @error saying what is wrong. */
static SpAlert *
form_alert (SpAlertsWindow *self,
            GError        **error)
{
  g_autofree char *symbol = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->symbol_row))));
  SpAlertKind kind = adw_combo_row_get_selected (self->kind_row);
  guint window = window_seconds[MIN (adw_combo_row_get_selected (self->window_row),
                                     G_N_ELEMENTS (window_seconds) - 1)];
  double value = 0;

  if (!parse_value (gtk_editable_get_text (GTK_EDITABLE (self->value_row)), &value))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           kind == SP_ALERT_MOVE ? _("Write the move as a number, such as 2 for 2 %")
                                                 : _("Write the price as a number, such as 300 or 299.50"));
      return NULL;
    }
  if (!sp_alerts_validate (symbol, kind, value, window, error))
    return NULL;
  return sp_alert_new (symbol, kind, value, window);
}

static void
on_form_changed (SpAlertsWindow *self)
{
  gboolean filled = *gtk_editable_get_text (GTK_EDITABLE (self->symbol_row)) != '\0' &&
                    *gtk_editable_get_text (GTK_EDITABLE (self->value_row)) != '\0';

  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), filled);
}

static void
on_kind_changed (SpAlertsWindow *self)
{
  gboolean move = adw_combo_row_get_selected (self->kind_row) == SP_ALERT_MOVE;

  gtk_widget_set_visible (GTK_WIDGET (self->window_row), move);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->value_row),
                                 move ? _("Percentage") : _("Price"));
  on_form_changed (self);
}

static void
reset_form (SpAlertsWindow *self)
{
  self->editing = -1;
  gtk_editable_set_text (GTK_EDITABLE (self->value_row), "");
  adw_preferences_group_set_title (self->form_group, _("New Alert"));
  gtk_button_set_label (self->add_button, _("_Add Alert"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  on_form_changed (self);
}

static void
on_add_clicked (SpAlertsWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpAlert) alert = form_alert (self, &error);

  if (alert == NULL)
    {
      show_error (self, error->message);
      return;
    }
  if (self->editing >= 0 && (guint) self->editing < g_list_model_get_n_items (G_LIST_MODEL (self->alerts)))
    sp_alerts_replace (self->alerts, self->editing, alert);
  else
    sp_alerts_add (self->alerts, alert);
  reset_form (self);
}

static void
on_cancel_clicked (SpAlertsWindow *self)
{
  reset_form (self);
}

static guint
window_index (guint seconds)
{
  guint best = 0;

  for (guint i = 1; i < G_N_ELEMENTS (window_seconds); i++)
    if (ABS ((gint64) window_seconds[i] - seconds) < ABS ((gint64) window_seconds[best] - seconds))
      best = i;
  return best;
}

static void
on_row_activated (SpAlertsWindow *self,
                  GtkListBoxRow  *row)
{
  int position = gtk_list_box_row_get_index (row);
  SpAlert *alert = sp_alerts_get (self->alerts, position);
  g_autofree char *value = NULL;

  if (alert == NULL)
    return;
  self->editing = position;
  gtk_editable_set_text (GTK_EDITABLE (self->symbol_row), sp_alert_get_symbol (alert));
  adw_combo_row_set_selected (self->kind_row, sp_alert_get_kind (alert));
  if (sp_alert_get_kind (alert) == SP_ALERT_MOVE)
    adw_combo_row_set_selected (self->window_row, window_index (sp_alert_get_window (alert)));
  value = g_strdup_printf ("%g", sp_alert_get_value (alert));
  gtk_editable_set_text (GTK_EDITABLE (self->value_row), value);
  adw_preferences_group_set_title (self->form_group, _("Edit Alert"));
  gtk_button_set_label (self->add_button, _("_Save"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->value_row));
}

static void
on_delete_clicked (GtkButton      *button,
                   SpAlertsWindow *self)
{
  SpAlert *alert = g_object_get_data (G_OBJECT (button), "alert");

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->alerts)); i++)
    if (sp_alerts_get (self->alerts, i) == alert)
      {
        if (self->editing == (int) i)
          reset_form (self);
        else if (self->editing > (int) i)
          self->editing--;
        sp_alerts_remove (self->alerts, i);
        return;
      }
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  SpAlertsWindow *self = user_data;
  SpAlert *alert = item;
  g_autofree char *words = sp_alert_describe (alert);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();
  GtkWidget *delete = gtk_button_new_from_icon_name ("user-trash-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), words);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_tooltip_text (row, _("Edit"));

  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (toggle, _("Notify"));
  g_object_bind_property (alert, "enabled", toggle, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL, words, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);

  gtk_widget_set_valign (delete, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (delete, "flat");
  gtk_widget_set_tooltip_text (delete, _("Delete"));
  g_object_set_data_full (G_OBJECT (delete), "alert", g_object_ref (alert), g_object_unref);
  g_signal_connect (delete, "clicked", G_CALLBACK (on_delete_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), delete);

  return row;
}

static void
sp_alerts_window_dispose (GObject *object)
{
  SpAlertsWindow *self = SP_ALERTS_WINDOW (object);

  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
  g_clear_object (&self->alerts);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_ALERTS_WINDOW);

  G_OBJECT_CLASS (sp_alerts_window_parent_class)->dispose (object);
}

static gboolean
close_on_escape (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  gtk_window_close (GTK_WINDOW (widget));
  return TRUE;
}

static void
sp_alerts_window_class_init (SpAlertsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_alerts_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-alerts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, form_group);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, symbol_row);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, kind_row);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, value_row);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, window_row);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SpAlertsWindow, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_form_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, close_on_escape, NULL);
}

static void
sp_alerts_window_init (SpAlertsWindow *self)
{
  GtkWidget *placeholder;

  self->editing = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_combo_row_set_selected (self->window_row, 1);

  placeholder = gtk_label_new (_("No alerts yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->list_box, placeholder);
}

SpAlertsWindow *
sp_alerts_window_new (GtkWindow  *parent,
                      SpAlerts   *alerts,
                      const char *symbol)
{
  SpAlertsWindow *self;

  g_return_val_if_fail (SP_IS_ALERTS (alerts), NULL);

  self = g_object_new (SP_TYPE_ALERTS_WINDOW, "transient-for", parent, NULL);
  self->alerts = g_object_ref (alerts);
  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (alerts), create_row, self, NULL);
  if (symbol != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->symbol_row), symbol);
  return self;
}
