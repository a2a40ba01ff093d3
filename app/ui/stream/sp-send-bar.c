/* The send bar: what is typed goes to the stream client; failures are toasts. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-parse-bytes.h"
#include "sp-recent.h"
#include "sp-send-bar.h"
#include "sp-wrap-box.h"

/* The positions of the Send As drop-down. */
enum {
  SEND_TEXT,
  SEND_HEX,
  SEND_BASE64,
};

struct _SpSendBar
{
  GtkWidget       parent_instance;

  GtkDropDown    *send_mode_dropdown;
  GtkEntry       *send_entry;
  GtkMenuButton  *recent_messages_button;
  GtkButton      *ping_button;
  GtkButton      *send_button;

  SpStreamClient *client;
  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (SpSendBar, sp_send_bar, GTK_TYPE_WIDGET)

static void
on_send (SpSendBar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->send_entry));
  guint mode = gtk_drop_down_get_selected (self->send_mode_dropdown);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) binary = NULL;
  gboolean sent;

  if (*text == '\0' || self->client == NULL)
    return;

  /* Text as typed, or bytes written in hex or base64. */
  if (mode == SEND_HEX || mode == SEND_BASE64)
    {
      binary = mode == SEND_HEX ? sp_parse_hex (text, &error) : sp_parse_base64 (text, &error);
      sent = binary != NULL && sp_stream_client_send_binary (self->client, binary, &error);
    }
  else
    sent = sp_stream_client_send_text (self->client, text, &error);

  if (!sent)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", error->message);
      return;
    }

  if (self->settings != NULL)
    sp_recent_remember (self->settings, "recent-messages", text);
  gtk_editable_set_text (GTK_EDITABLE (self->send_entry), "");
}

/* A WebSocket ping, which any server answers; its pong times the round trip. */
static void
on_ping_clicked (SpSendBar *self)
{
  g_autoptr(GError) error = NULL;

  if (self->client != NULL && !sp_stream_client_send_ping (self->client, &error))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", error->message);
}

static void
use_message_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SpSendBar *self = SP_SEND_BAR (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->send_entry), g_variant_get_string (parameter, NULL));
  gtk_widget_grab_focus (GTK_WIDGET (self->send_entry));
}

static void
rebuild_recent_menu (SpSendBar *self)
{
  g_autoptr(GMenu) messages = g_menu_new ();
  g_auto(GStrv) recent_messages = g_settings_get_strv (self->settings, "recent-messages");

  for (guint i = 0; recent_messages[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (recent_messages[i], NULL);

      g_menu_item_set_action_and_target (item, "stream.use-message", "s", recent_messages[i]);
      g_menu_append_item (messages, item);
    }
  gtk_menu_button_set_menu_model (self->recent_messages_button, G_MENU_MODEL (messages));
  gtk_widget_set_sensitive (GTK_WIDGET (self->recent_messages_button),
                            g_menu_model_get_n_items (G_MENU_MODEL (messages)) > 0);
}

static void
on_state_changed (SpSendBar *self)
{
  gboolean open = sp_stream_client_get_state (self->client) == SP_STREAM_OPEN;

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), open);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ping_button), open);
}

void
sp_send_bar_set_client (SpSendBar      *self,
                        SpStreamClient *client)
{
  g_return_if_fail (SP_IS_SEND_BAR (self));
  g_return_if_fail (SP_IS_STREAM_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (on_state_changed), self,
                           G_CONNECT_SWAPPED);
  on_state_changed (self);
}

void
sp_send_bar_set_settings (SpSendBar *self,
                          GSettings *settings)
{
  g_return_if_fail (SP_IS_SEND_BAR (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_object (&self->settings, settings);
  g_signal_connect_object (settings, "changed::recent-messages", G_CALLBACK (rebuild_recent_menu),
                           self, G_CONNECT_SWAPPED);
  rebuild_recent_menu (self);
}

static void
sp_send_bar_dispose (GObject *object)
{
  SpSendBar *self = SP_SEND_BAR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_SEND_BAR);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_send_bar_parent_class)->dispose (object);
}

static void
sp_send_bar_class_init (SpSendBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_send_bar_dispose;

  g_type_ensure (SP_TYPE_WRAP_BOX);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-send-bar.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_bind_template_child (widget_class, SpSendBar, send_mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpSendBar, send_entry);
  gtk_widget_class_bind_template_child (widget_class, SpSendBar, recent_messages_button);
  gtk_widget_class_bind_template_child (widget_class, SpSendBar, ping_button);
  gtk_widget_class_bind_template_child (widget_class, SpSendBar, send_button);
  gtk_widget_class_bind_template_callback (widget_class, on_send);
  gtk_widget_class_bind_template_callback (widget_class, on_ping_clicked);

  gtk_widget_class_install_action (widget_class, "stream.use-message", "s", use_message_action);
}

static void
sp_send_bar_init (SpSendBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
