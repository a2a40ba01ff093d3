/* The connection bar: turns what is typed into SpStreamOptions and asks the
 * page to connect ("stream.connect"); shows the client's state and rate. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sp-connection-bar.h"
#include "sp-feed-preset.h"
#include "sp-frame-update.h"
#include "sp-recent.h"

struct _SpConnectionBar
{
  GtkWidget       parent_instance;

  GtkEntry       *url_entry;
  GtkMenuButton  *recent_button;
  GtkMenuButton  *options_button;
  GtkEntry       *price_field_entry;
  GtkEntry       *symbol_field_entry;
  GtkTextView    *headers_view;
  GtkTextView    *send_view;
  GtkEntry       *protocols_entry;
  GtkCheckButton *reconnect_check;
  GtkSpinButton  *keepalive_spin;
  GtkButton      *connect_button;
  GtkLabel       *address_error_label;
  GtkLabel       *state_label;
  GtkLabel       *rate_label;
  GtkRevealer    *feed_revealer;
  GtkLabel       *feed_label;

  SpWatch        *watch;
  SpStreamClient *client;
  GSettings      *settings;
  const SpFeedPreset *offered;    /* the feed the typed address is, offered below it */
  const SpFeedPreset *dismissed;  /* …unless the user said "not now" to it */
  char           *options_host;   /* the host a preset or saved connection set the messages
                                   * and fields for; NULL when typed by hand */
  SpFrameUpdate  *rate_update;    /* the rate's new sample waits for a frame */
};

G_DEFINE_FINAL_TYPE (SpConnectionBar, sp_connection_bar, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------------------ */
/* The connection as typed                                                    */

static char **
split_lines (const char *text,
             const char *separators)
{
  g_auto(GStrv) parts = g_strsplit_set (text, separators, -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }

  return g_strv_builder_end (builder);
}

static char *
text_of (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

SpStreamOptions *
sp_connection_bar_dup_options (SpConnectionBar *self)
{
  SpStreamOptions *options;
  GtkTextBuffer *buffer;
  GtkTextIter start;
  GtkTextIter end;
  g_autofree char *headers = NULL;
  const char *price;
  const char *symbol;

  g_return_val_if_fail (SP_IS_CONNECTION_BAR (self), NULL);

  buffer = gtk_text_view_get_buffer (self->headers_view);
  price = gtk_editable_get_text (GTK_EDITABLE (self->price_field_entry));
  symbol = gtk_editable_get_text (GTK_EDITABLE (self->symbol_field_entry));
  options = sp_stream_options_new (gtk_editable_get_text (GTK_EDITABLE (self->url_entry)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  headers = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  options->headers = split_lines (headers, "\n");
  options->protocols = split_lines (gtk_editable_get_text (GTK_EDITABLE (self->protocols_entry)), ",");
  options->price_path = *price ? g_strdup (price) : NULL;
  options->symbol_path = *symbol ? g_strdup (symbol) : NULL;
  options->auto_reconnect = gtk_check_button_get_active (self->reconnect_check);
  options->keepalive_s = (guint) gtk_spin_button_get_value_as_int (self->keepalive_spin);
  {
    g_autofree char *send = text_of (self->send_view);

    options->send_on_open = split_lines (send, "\n");
  }

  return options;
}

void
sp_connection_bar_set_url (SpConnectionBar *self,
                           const char      *url)
{
  g_return_if_fail (SP_IS_CONNECTION_BAR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url);
}

void
sp_connection_bar_focus_url (SpConnectionBar *self)
{
  g_return_if_fail (SP_IS_CONNECTION_BAR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
}

void
sp_connection_bar_show_error (SpConnectionBar *self,
                              const char      *message)
{
  gboolean shown = message != NULL;

  g_return_if_fail (SP_IS_CONNECTION_BAR (self));

  /* One red line: the address's mistake, not an older connection's state. */
  gtk_label_set_text (self->address_error_label, shown ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->address_error_label), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->state_label), !shown);
  if (shown)
    gtk_widget_add_css_class (GTK_WIDGET (self->url_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");
}

const char *
sp_connection_bar_get_error (SpConnectionBar *self)
{
  g_return_val_if_fail (SP_IS_CONNECTION_BAR (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->address_error_label))
         ? gtk_label_get_text (self->address_error_label) : NULL;
}

static void
on_url_activate (SpConnectionBar *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "stream.connect", NULL);
}

static void
on_connect_clicked (SpConnectionBar *self)
{
  SpStreamState state = sp_stream_client_get_state (self->client);

  if (state == SP_STREAM_DISCONNECTED || state == SP_STREAM_CLOSED)
    gtk_widget_activate_action (GTK_WIDGET (self), "stream.connect", NULL);
  else
    sp_stream_client_disconnect (self->client);
}

static void
connect_url_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  sp_connection_bar_set_url (SP_CONNECTION_BAR (widget), g_variant_get_string (parameter, NULL));
  gtk_widget_activate_action (widget, "stream.connect", NULL);
}

static char *
host_of (const char *url)
{
  g_autoptr(GUri) uri = url ? g_uri_parse (url, G_URI_FLAGS_NON_DNS, NULL) : NULL;

  return uri != NULL && g_uri_get_host (uri) != NULL ? g_ascii_strdown (g_uri_get_host (uri), -1) : NULL;
}

/* The bar shows @options, messages and fields meant for their host. */
static void
show_options (SpConnectionBar       *self,
              const SpStreamOptions *options)
{
  const char *const empty[] = { NULL };
  g_autofree char *headers = g_strjoinv ("\n", options->headers ? options->headers : (char **) empty);
  g_autofree char *protocols = g_strjoinv (", ", options->protocols ? options->protocols : (char **) empty);
  g_autofree char *send = g_strjoinv ("\n", options->send_on_open ? options->send_on_open : (char **) empty);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->headers_view), headers, -1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->send_view), send, -1);
  sp_connection_bar_set_fields (self, options->price_path, options->symbol_path);
  gtk_editable_set_text (GTK_EDITABLE (self->protocols_entry), protocols);
  /* Last: a new address looks for a feed to offer, and these say what is set already. */
  g_free (self->options_host);
  self->options_host = host_of (options->url);
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), options->url);
}

void
sp_connection_bar_set_fields (SpConnectionBar *self,
                              const char      *price_path,
                              const char      *symbol_path)
{
  g_return_if_fail (SP_IS_CONNECTION_BAR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->price_field_entry), price_path ? price_path : "");
  gtk_editable_set_text (GTK_EDITABLE (self->symbol_field_entry), symbol_path ? symbol_path : "");
}

static void
open_saved_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SpConnectionBar *self = SP_CONNECTION_BAR (widget);
  g_autoptr(SpStreamOptions) saved = NULL;

  saved = sp_saved_connection_lookup (self->settings, g_variant_get_string (parameter, NULL));
  if (saved == NULL)
    return;

  show_options (self, saved);
  gtk_widget_activate_action (widget, "stream.connect", NULL);
}

/* ------------------------------------------------------------------------ */
/* Recent and saved connections                                               */

/* A menu item's label takes '_' as a mnemonic: addresses and names are not. */
static GMenuItem *
menu_item_new_literal (const char *label)
{
  g_auto(GStrv) parts = g_strsplit (label, "_", -1);
  g_autofree char *escaped = g_strjoinv ("__", parts);

  return g_menu_item_new (escaped, NULL);
}

static GMenu *
feeds_menu (void)
{
  const SpFeedPreset *const *presets = sp_feed_preset_list ();
  GMenu *feeds = g_menu_new ();

  for (guint i = 0; presets[i] != NULL; i++)
    {
      /* Translators: a feed in the menu: "Binance: Spot trades" */
      g_autofree char *label = g_strdup_printf (_("%s: %s"), presets[i]->name,
                                                _(presets[i]->description));
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, "stream.use-feed", "s", presets[i]->id);
      g_menu_append_item (feeds, item);
    }
  return feeds;
}

static void
rebuild_recent_menu (SpConnectionBar *self)
{
  g_autoptr(GMenu) urls = g_menu_new ();
  g_autoptr(GMenu) recent = g_menu_new ();
  g_autoptr(GMenu) saved = g_menu_new ();
  g_auto(GStrv) recent_urls = NULL;
  g_autoptr(GVariant) connections = NULL;
  GVariantIter iter;
  const char *name;

  connections = g_settings_get_value (self->settings, "saved-connections");
  g_variant_iter_init (&iter, connections);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s&s)", &name, NULL, NULL, NULL, NULL, NULL))
    {
      g_autoptr(GMenuItem) item = menu_item_new_literal (name);

      g_menu_item_set_action_and_target (item, "stream.open-saved", "s", name);
      g_menu_append_item (saved, item);
    }

  recent_urls = g_settings_get_strv (self->settings, "recent-urls");
  for (guint i = 0; recent_urls[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = menu_item_new_literal (recent_urls[i]);

      g_menu_item_set_action_and_target (item, "stream.connect-url", "s", recent_urls[i]);
      g_menu_append_item (recent, item);
    }

  if (g_menu_model_get_n_items (G_MENU_MODEL (saved)) > 0)
    g_menu_append_section (urls, _("Saved"), G_MENU_MODEL (saved));
  if (g_menu_model_get_n_items (G_MENU_MODEL (recent)) > 0)
    g_menu_append_section (urls, _("Recent"), G_MENU_MODEL (recent));
  {
    g_autoptr(GMenu) feeds = feeds_menu ();

    g_menu_append_section (urls, _("Public Feeds"), G_MENU_MODEL (feeds));
  }
  gtk_menu_button_set_menu_model (self->recent_button, G_MENU_MODEL (urls));
}

void
sp_connection_bar_set_settings (SpConnectionBar *self,
                                GSettings       *settings)
{
  g_return_if_fail (SP_IS_CONNECTION_BAR (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_object (&self->settings, settings);
  g_signal_connect_object (settings, "changed::recent-urls", G_CALLBACK (rebuild_recent_menu),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::saved-connections",
                           G_CALLBACK (rebuild_recent_menu), self, G_CONNECT_SWAPPED);
  rebuild_recent_menu (self);
}

static void
on_save_response (AdwMessageDialog *dialog,
                  const char       *response,
                  gpointer          user_data)
{
  SpConnectionBar *self = user_data;
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  g_autoptr(SpStreamOptions) options = NULL;
  g_autofree char *message = NULL;

  if (!g_str_equal (response, "save") || *name == '\0')
    return;

  options = sp_connection_bar_dup_options (self);
  sp_saved_connection_store (self->settings, name, options);
  message = g_strdup_printf (_("Saved “%s”"), name);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", message);
}

static void
save_connection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SpConnectionBar *self = SP_CONNECTION_BAR (widget);
  g_autoptr(GUri) uri = g_uri_parse (gtk_editable_get_text (GTK_EDITABLE (self->url_entry)),
                                     G_URI_FLAGS_NONE, NULL);
  GtkWidget *dialog;
  GtkWidget *entry = gtk_entry_new ();

  gtk_popover_popdown (gtk_menu_button_get_popover (self->options_button));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  if (uri != NULL && g_uri_get_host (uri) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), g_uri_get_host (uri));

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                   _("Save Connection"),
                                   _("The address, headers, fields, subprotocols and the "
                                     "messages sent after connecting are saved under this name."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"), "save", _("_Save"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------------ */
/* Public feeds: their presets, the keys they ask for, the offer             */

static char *
stored_key (SpConnectionBar *self,
            const char      *name)
{
  g_autoptr(GVariant) keys = g_settings_get_value (self->settings, "feed-keys");
  char *key = NULL;

  g_variant_lookup (keys, name, "s", &key);
  return key;
}

static void
store_key (SpConnectionBar *self,
           const char      *name,
           const char      *key)
{
  g_autoptr(GVariant) old = g_settings_get_value (self->settings, "feed-keys");
  g_auto(GVariantBuilder) keys = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  GVariantIter iter;
  const char *old_name;
  const char *old_key;

  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&s&s}", &old_name, &old_key))
    if (!g_str_equal (old_name, name))
      g_variant_builder_add (&keys, "{ss}", old_name, old_key);
  g_variant_builder_add (&keys, "{ss}", name, key);
  g_settings_set_value (self->settings, "feed-keys", g_variant_builder_end (&keys));
}

/* Shows @preset's options in the bar (at @url, or its own address) and connects. */
static void
use_feed (SpConnectionBar    *self,
          const SpFeedPreset *preset,
          const char         *url,
          const char         *key,
          const char         *secret)
{
  g_autoptr(SpStreamOptions) options = NULL;
  g_autoptr(GError) error = NULL;

  options = sp_feed_preset_dup_options (preset, url, key, secret, &error);
  if (options == NULL)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", error->message);
      return;
    }
  self->offered = preset;   /* taken: nothing more to offer for this address */
  gtk_revealer_set_reveal_child (self->feed_revealer, FALSE);
  show_options (self, options);
  gtk_widget_activate_action (GTK_WIDGET (self), "stream.connect", NULL);
}

static GtkWidget *
key_entry (const char *label,
           const char *text)
{
  /* Not GtkPasswordEntry: with GTK 4.8 it warned of an invalid cast once the dialog was gone. */
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set (entry, "placeholder-text", label, "activates-default", TRUE, NULL);
  return entry;
}

static void
on_key_response (AdwMessageDialog *dialog,
                 const char       *response,
                 SpConnectionBar  *self)
{
  const SpFeedPreset *preset = g_object_get_data (G_OBJECT (dialog), "preset");
  const char *url = g_object_get_data (G_OBJECT (dialog), "url");
  GtkWidget *box = adw_message_dialog_get_extra_child (dialog);
  GtkWidget *key_widget = gtk_widget_get_first_child (box);
  GtkWidget *secret_widget = gtk_widget_get_next_sibling (key_widget);
  g_autofree char *key = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (key_widget))));
  g_autofree char *secret = NULL;
  g_autofree char *secret_name = g_strconcat (preset->id, ".secret", NULL);

  if (!g_str_equal (response, "connect"))
    return;
  if (secret_widget != NULL)
    secret = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (secret_widget))));
  store_key (self, preset->id, key);
  if (secret != NULL)
    store_key (self, secret_name, secret);
  use_feed (self, preset, url, key, secret);
}

/* Asks for the feed's key (and secret), filled in with those given before. */
static void
ask_for_key (SpConnectionBar    *self,
             const SpFeedPreset *preset,
             const char         *url)
{
  g_autofree char *key = stored_key (self, preset->id);
  g_autofree char *secret_name = g_strconcat (preset->id, ".secret", NULL);
  g_autofree char *secret = stored_key (self, secret_name);
  g_autofree char *body = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *dialog;

  gtk_box_append (GTK_BOX (box), key_entry (_(preset->key_label), key));
  if (preset->secret_label != NULL)
    gtk_box_append (GTK_BOX (box), key_entry (_(preset->secret_label), secret));
  /* Translators: "Finnhub streams only to its users: give your API key (…)." */
  body = g_strdup_printf (_("%s streams only to its users: give your %s (%s). StockPush keeps it "
                            "in your settings and sends it only to %s."),
                          preset->name, _(preset->key_label), preset->docs, preset->name);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   preset->name, body);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), FALSE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "connect", _("C_onnect"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "connect",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "connect");
  g_object_set_data (G_OBJECT (dialog), "preset", (gpointer) preset);
  g_object_set_data_full (G_OBJECT (dialog), "url", g_strdup (url), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_key_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A feed from the menu (at its own address), or the one offered (at the address typed). */
static void
start_feed (SpConnectionBar    *self,
            const SpFeedPreset *preset,
            const char         *url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStreamOptions) options = sp_feed_preset_dup_options (preset, url, NULL, NULL, &error);

  /* Ask only when the key is needed: a typed address may carry it already. */
  if (options == NULL && sp_feed_preset_needs_key (preset))
    ask_for_key (self, preset, url);
  else
    use_feed (self, preset, url, NULL, NULL);
}

static void
use_feed_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  const SpFeedPreset *preset = sp_feed_preset_lookup (g_variant_get_string (parameter, NULL));

  if (preset != NULL)
    start_feed (SP_CONNECTION_BAR (widget), preset, NULL);
}

static void
use_feed_here_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SpConnectionBar *self = SP_CONNECTION_BAR (widget);
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));

  if (self->offered != NULL)
    start_feed (self, self->offered, url);
}

/* Offers the preset of the feed whose address was typed, unless the bar says
 * what to send and where the price is already. */
static void
on_url_changed (SpConnectionBar *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));
  const SpFeedPreset *preset = sp_feed_preset_match (url);
  g_autofree char *host = host_of (url);
  g_autofree char *send = NULL;
  g_autofree char *text = NULL;
  gboolean configured;

  /* A mistake shown under the bar was about the address before this one. */
  sp_connection_bar_show_error (self, NULL);

  /* A feed's subscription and fields are for that feed, not the next address
   * (an address being replaced is empty for a moment: not another one). */
  if (self->options_host != NULL && host != NULL && !g_str_equal (host, self->options_host))
    {
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->send_view), "", -1);
      sp_connection_bar_set_fields (self, NULL, NULL);
      g_clear_pointer (&self->options_host, g_free);
    }

  send = text_of (self->send_view);
  configured = *g_strstrip (send) != '\0' ||
               *gtk_editable_get_text (GTK_EDITABLE (self->price_field_entry)) != '\0';
  self->offered = preset;
  if (preset == NULL || preset == self->dismissed || configured)
    {
      gtk_revealer_set_reveal_child (self->feed_revealer, FALSE);
      return;
    }

  /* Translators: "Known feed: Kraken · Tickers (WebSocket API v2). Its preset subscribes
   * after connecting and reads the price from data[].last." */
  text = g_strdup_printf (_("Known feed: %s · %s. Its preset subscribes after connecting and "
                            "reads the price from %s."),
                          preset->name, _(preset->description), preset->price_path);
  gtk_label_set_text (self->feed_label, text);
  gtk_revealer_set_reveal_child (self->feed_revealer, TRUE);
}

static void
on_feed_dismissed (SpConnectionBar *self)
{
  self->dismissed = self->offered;
  gtk_revealer_set_reveal_child (self->feed_revealer, FALSE);
}

/* ------------------------------------------------------------------------ */
/* State and rate                                                             */

/* What a close code means (RFC 6455, 7.4.1, and the IANA registry). */
static const char *
close_code_meaning (guint code)
{
  switch (code)
    {
    case 1000: return _("normal closure");
    case 1001: return _("going away");
    case 1002: return _("protocol error");
    case 1003: return _("unsupported data");
    case 1006: return _("connection lost");
    case 1007: return _("invalid data");
    case 1008: return _("policy violation");
    case 1009: return _("message too big");
    case 1010: return _("missing extension");
    case 1011: return _("internal server error");
    case 1012: return _("service restart");
    case 1013: return _("try again later");
    case 1014: return _("bad gateway");
    default:   return code >= 4000 ? _("application code") : "";
    }
}

/* Closes that end a stream as the server meant to: no error shown. */
static gboolean
close_code_is_normal (guint code)
{
  return code == 1000 || code == 1001 || code == 1012 || code == 1013 || code == 1014;
}

static char *
describe_closed (SpStreamClient *client)
{
  const char *error = sp_stream_client_get_error (client);
  gushort code = sp_stream_client_get_close_code (client);
  const char *reason = sp_stream_client_get_close_reason (client);

  if (code != 0 && sp_stream_client_get_closed_by_us (client))
    /* Translators: the viewer closed the connection because of what the server sent */
    return g_strdup_printf (_("Closed by StockPush: %u%s%s"), code,
                            reason ? " " : "", reason ? reason : "");
  if (code != 0)
    return g_strdup_printf (_("Closed by the server: %u %s%s%s"), code,
                            close_code_meaning (code),
                            reason && *reason ? " · " : "", reason ? reason : "");
  return g_strdup (error ? error : _("Closed"));
}

static char *
describe_state (SpStreamClient *client)
{
  const char *error = sp_stream_client_get_error (client);
  const SpStreamOptions *options = sp_stream_client_get_options (client);
  const char *url = options ? options->url : "";
  gushort code = sp_stream_client_get_close_code (client);
  const char *reason = sp_stream_client_get_close_reason (client);

  switch (sp_stream_client_get_state (client))
    {
    case SP_STREAM_CONNECTING:
      return g_strdup_printf (_("Connecting to %s…"), url);
    case SP_STREAM_OPEN:
      return g_strdup_printf (_("Open · %s"), url);
    case SP_STREAM_CLOSING:
      return g_strdup (_("Closing…"));
    case SP_STREAM_RECONNECTING:
      if (code != 0)
        /* Translators: "Closed (1006 the connection dropped…) · reconnecting in 3 s" */
        return g_strdup_printf (_("Closed (%u%s%s) · reconnecting in %u s"), code,
                                reason ? " " : "", reason ? reason : "",
                                sp_stream_client_get_reconnect_seconds (client));
      return g_strdup_printf (_("%s · reconnecting in %u s"), error ? error : _("Failed"),
                              sp_stream_client_get_reconnect_seconds (client));
    case SP_STREAM_CLOSED:
      return describe_closed (client);
    case SP_STREAM_DISCONNECTED:
    default:
      return g_strdup (_("Not connected"));
    }
}

static void
update_state (SpConnectionBar *self)
{
  SpStreamState state = sp_stream_client_get_state (self->client);
  gboolean idle = state == SP_STREAM_DISCONNECTED || state == SP_STREAM_CLOSED;
  gboolean failed = state == SP_STREAM_CLOSED &&
                    (sp_stream_client_get_error (self->client) != NULL ||
                     !close_code_is_normal (sp_stream_client_get_close_code (self->client)));
  g_autofree char *text = describe_state (self->client);

  gtk_label_set_text (self->state_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), text);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "error");

  gtk_button_set_label (self->connect_button, idle ? _("Connect") : _("Disconnect"));
  if (idle)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->connect_button), "suggested-action");
      gtk_widget_remove_css_class (GTK_WIDGET (self->connect_button), "destructive-action");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->connect_button), "suggested-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->connect_button), "destructive-action");
    }
}

static void
on_certificate_response (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  SpConnectionBar *self = user_data;
  const char *fingerprint = g_object_get_data (G_OBJECT (dialog), "sha256");

  if (g_str_equal (response, "accept") && fingerprint != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "stream.accept-certificate", "s", fingerprint);
}

static void
ask_about_certificate (SpConnectionBar         *self,
                       const SpCertificateInfo *info)
{
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  body = g_strdup_printf (_("The server’s certificate is not trusted: %s.\n\n"
                            "Subject: %s\nIssuer: %s\nSHA-256 fingerprint:\n%s\n\n"
                            "Accept it only if you know this is the right certificate, for "
                            "example because you made it yourself."),
                          info->problems, info->subject ? info->subject : "?",
                          info->issuer ? info->issuer : "?", info->sha256 ? info->sha256 : "?");
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Untrusted Certificate"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "accept", _("_Accept and Connect"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "accept",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "sha256", g_strdup (info->sha256), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_certificate_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_state_changed (SpConnectionBar *self)
{
  const SpCertificateInfo *certificate = sp_stream_client_get_rejected_certificate (self->client);

  update_state (self);
  if (certificate != NULL && sp_stream_client_get_state (self->client) == SP_STREAM_CLOSED)
    ask_about_certificate (self, certificate);
}

static void
update_rate (SpConnectionBar *self)
{
  g_autofree char *total = g_strdup_printf ("%" G_GUINT64_FORMAT, sp_watch_get_n_messages (self->watch));
  gint64 rtt = sp_stream_client_get_ping_rtt (self->client);
  g_autofree char *text = NULL;

  /* Translators: message rate and total count, e.g. "20 msg/s · 1234 received" */
  text = g_strdup_printf (_("%.0f msg/s · %s received"), sp_watch_get_rate (self->watch), total);
  if (sp_watch_get_recording (self->watch))
    {
      g_autofree char *frames = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                 sp_watch_get_n_recorded (self->watch));
      /* Translators: appended to the rate while recording: "· ● recording 1200" */
      g_autofree char *recording = g_strdup_printf (_("%s · ● recording %s"), text, frames);

      g_free (text);
      text = g_steal_pointer (&recording);
    }
  if (rtt >= 0)
    {
      /* Translators: appended to the rate: the round trip of the last ping */
      g_autofree char *with_rtt = g_strdup_printf (_("%s · ping %.1f ms"), text, rtt / 1000.0);

      g_free (text);
      text = g_steal_pointer (&with_rtt);
    }
  gtk_label_set_text (self->rate_label, text);
}

static void
apply_rate (gpointer data)
{
  update_rate (data);
}

/* The rate's sample each second changes its label in the next frame the
 * window draws anyway (the chart's), or within a second: not in a frame of
 * its own, and not while it cannot be seen. */
static void
queue_rate (SpConnectionBar *self)
{
  sp_frame_update_queue (self->rate_update);
}

void
sp_connection_bar_set_watch (SpConnectionBar *self,
                             SpWatch         *watch)
{
  g_return_if_fail (SP_IS_CONNECTION_BAR (self));
  g_return_if_fail (SP_IS_WATCH (watch));
  g_return_if_fail (sp_watch_get_client (watch) != NULL);
  g_return_if_fail (self->watch == NULL);

  self->watch = g_object_ref (watch);
  self->client = g_object_ref (sp_watch_get_client (watch));
  g_signal_connect_object (self->client, "notify::state", G_CALLBACK (on_state_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "notify::error", G_CALLBACK (update_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "notify::reconnect-seconds", G_CALLBACK (update_state),
                           self, G_CONNECT_SWAPPED);
  /* The rate is sampled every second: its label changes with the samples. */
  g_signal_connect_object (watch, "notify::n-messages", G_CALLBACK (queue_rate), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watch, "notify::rate", G_CALLBACK (queue_rate), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watch, "notify::recording", G_CALLBACK (update_rate), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "notify::ping-rtt", G_CALLBACK (update_rate), self,
                           G_CONNECT_SWAPPED);
  update_state (self);
}

static void
sp_connection_bar_dispose (GObject *object)
{
  SpConnectionBar *self = SP_CONNECTION_BAR (object);

  g_clear_pointer (&self->rate_update, sp_frame_update_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CONNECTION_BAR);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->watch);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->options_host, g_free);

  G_OBJECT_CLASS (sp_connection_bar_parent_class)->dispose (object);
}

static void
sp_connection_bar_class_init (SpConnectionBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_connection_bar_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-connection-bar.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, url_entry);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, recent_button);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, options_button);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, price_field_entry);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, symbol_field_entry);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, headers_view);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, send_view);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, feed_revealer);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, feed_label);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, protocols_entry);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, reconnect_check);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, connect_button);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, address_error_label);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, state_label);
  gtk_widget_class_bind_template_child (widget_class, SpConnectionBar, rate_label);
  gtk_widget_class_bind_template_callback (widget_class, on_url_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_url_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_feed_dismissed);

  gtk_widget_class_install_action (widget_class, "stream.connect-url", "s", connect_url_action);
  gtk_widget_class_install_action (widget_class, "stream.open-saved", "s", open_saved_action);
  gtk_widget_class_install_action (widget_class, "stream.save-connection", NULL,
                                   save_connection_action);
  gtk_widget_class_install_action (widget_class, "stream.use-feed", "s", use_feed_action);
  gtk_widget_class_install_action (widget_class, "stream.use-feed-here", NULL,
                                   use_feed_here_action);
}

static void
sp_connection_bar_init (SpConnectionBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rate_update = sp_frame_update_new (GTK_WIDGET (self), SP_FRAME_UPDATE_BEFORE_PAINT, 0,
                                           1000, apply_rate, self);
}
