/* The window with other servers' feeds: a field of a message chosen as the
 * price, the fields changed beside "Prices:", a public feed's address offered
 * its preset (its subscription sent on every connection, its key asked for and
 * kept), and saved connections that send their messages. Every host name
 * resolves to 127.0.0.1 in this test, so "ws.finnhub.io" is a server here. */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <string.h>

#include "sp-application.h"
#include "sp-log-item.h"
#include "sp-stream-page.h"
#include "sp-window.h"
#include "sptest-util.h"
#include "sptest-window.h"

static SpApplication *app;
static SpWindow *window;

/* ------------------------------------------------------------------------ */
/* Every name is loopback: no lookup leaves the machine                       */

typedef struct { GResolver parent_instance; } LoopbackResolver;
typedef struct { GResolverClass parent_class; } LoopbackResolverClass;

static GType loopback_resolver_get_type (void);
G_DEFINE_TYPE (LoopbackResolver, loopback_resolver, G_TYPE_RESOLVER)

static GList *
loopback_lookup (GResolver                *resolver,
                 const char               *host,
                 GResolverNameLookupFlags  flags,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  if (flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "IPv4 only here");
      return NULL;
    }
  return g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
}

static GList *
loopback_lookup_plain (GResolver     *resolver,
                       const char    *host,
                       GCancellable  *cancellable,
                       GError       **error)
{
  return loopback_lookup (resolver, host, 0, cancellable, error);
}

static void
loopback_lookup_async (GResolver                *resolver,
                       const char               *host,
                       GResolverNameLookupFlags  flags,
                       GCancellable             *cancellable,
                       GAsyncReadyCallback       callback,
                       gpointer                  user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *addresses = loopback_lookup (resolver, host, flags, cancellable, &error);

  if (addresses == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static void
loopback_lookup_plain_async (GResolver           *resolver,
                             const char          *host,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  loopback_lookup_async (resolver, host, 0, cancellable, callback, user_data);
}

static GList *
loopback_lookup_finish (GResolver     *resolver,
                        GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
loopback_resolver_class_init (LoopbackResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  resolver_class->lookup_by_name = loopback_lookup_plain;
  resolver_class->lookup_by_name_async = loopback_lookup_plain_async;
  resolver_class->lookup_by_name_finish = loopback_lookup_finish;
  resolver_class->lookup_by_name_with_flags = loopback_lookup;
  resolver_class->lookup_by_name_with_flags_async = loopback_lookup_async;
  resolver_class->lookup_by_name_with_flags_finish = loopback_lookup_finish;
}

static void
loopback_resolver_init (LoopbackResolver *self)
{
}

/* ------------------------------------------------------------------------ */
/* A feed server: what it got, and ticks once subscribed                     */

typedef struct
{
  SoupServer *server;
  guint       port;
  GPtrArray  *received;     /* every text message, in order */
  guint       connections;
  SoupWebsocketConnection *conn;
  const char *const *ticks; /* sent after each message that holds "subscribe" */
} Feed;

static void
on_feed_message (SoupWebsocketConnection *conn,
                 gint                     type,
                 GBytes                  *message,
                 Feed                    *feed)
{
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  g_ptr_array_add (feed->received, g_strndup (data, size));
  if (g_strstr_len (data, size, "subscribe") != NULL)
    for (guint i = 0; feed->ticks[i] != NULL; i++)
      soup_websocket_connection_send_text (conn, feed->ticks[i]);
}

static void
on_feed_client (SoupServer              *server,
                SoupServerMessage       *msg,
                const char              *path,
                SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  Feed *feed = user_data;

  feed->connections++;
  g_set_object (&feed->conn, conn);
  g_signal_connect (conn, "message", G_CALLBACK (on_feed_message), feed);
}

static void
feed_start (Feed              *feed,
            const char *const *ticks)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  feed->server = soup_server_new (NULL, NULL);
  feed->received = g_ptr_array_new_with_free_func (g_free);
  feed->ticks = ticks;
  soup_server_add_websocket_handler (feed->server, NULL, NULL, NULL, on_feed_client, feed, NULL);
  g_assert_true (soup_server_listen_local (feed->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (feed->server);
  feed->port = g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
}

static void
feed_stop (Feed *feed)
{
  soup_server_disconnect (feed->server);
  g_clear_object (&feed->conn);
  g_clear_object (&feed->server);
  g_clear_pointer (&feed->received, g_ptr_array_unref);
}

/* ------------------------------------------------------------------------ */
/* Looking at the window                                                      */

static gboolean
wait_until (gboolean (*condition) (gpointer), gpointer data)
{
  return sp_test_wait_until (NULL, condition, data, 20000);
}

static SpStreamPage *
stream_page (void)
{
  return SP_STREAM_PAGE (sp_window_get_page (window, "stream"));
}

static void
screenshot (const char *name)
{
  sp_test_save_screenshot (GTK_WIDGET (window), name, 400);
}

static gboolean
is_button_labelled (GtkWidget    *widget,
                    gconstpointer label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
has_tooltip (GtkWidget    *widget,
             gconstpointer tooltip)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static gboolean
is_revealer_with_button (GtkWidget    *widget,
                         gconstpointer label)
{
  return GTK_IS_REVEALER (widget) && sp_test_find_widget (widget, is_button_labelled, label) != NULL;
}

static gboolean
is_text_view_holding (GtkWidget    *widget,
                      gconstpointer text)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *all = NULL;

  if (!GTK_IS_TEXT_VIEW (widget))
    return FALSE;
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  all = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return strstr (all, text) != NULL;
}

static gboolean
is_entry (GtkWidget    *widget,
          gconstpointer data)
{
  return GTK_IS_ENTRY (widget);
}

static gboolean
is_url_entry (GtkWidget    *widget,
              gconstpointer data)
{
  return GTK_IS_ENTRY (widget) && gtk_entry_get_input_purpose (GTK_ENTRY (widget)) == GTK_INPUT_PURPOSE_URL;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* As a person would: once it is on screen. */
static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (wait_until (is_mapped, button));
  gtk_widget_activate (button);
}

static const char *
price_source (void)
{
  const char *source = sp_stream_client_get_price_source (sp_window_get_client (window));

  return source != NULL ? source : "";
}

static gboolean
source_is (gpointer wanted)
{
  return strstr (price_source (), wanted) != NULL;
}

static gboolean
last_price_is (gpointer data)
{
  const double *wanted = data;
  SpWatchSymbol *symbol = sp_watch_lookup (sp_stream_page_get_watch (stream_page ()), "BTCUSDT");

  return symbol != NULL && sp_watch_symbol_get_last_price (symbol) == *wanted;
}

static gboolean
log_has (gpointer data)
{
  return g_list_model_get_n_items (sp_stream_page_get_log (stream_page ())) >= GPOINTER_TO_UINT (data);
}

static gboolean
received_at_least (gpointer data)
{
  Feed *feed = data;

  return feed->received->len >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (feed->server), "want"));
}

static void
wait_received (Feed *feed,
               guint n)
{
  g_object_set_data (G_OBJECT (feed->server), "want", GUINT_TO_POINTER (n));
  if (!wait_until (received_at_least, feed))
    g_error ("the server got %u messages, not %u, in %u connections; the viewer: %s", feed->received->len, n,
             feed->connections, sp_stream_client_get_error (sp_window_get_client (window)));
}

/* ------------------------------------------------------------------------ */

static const char *const tickers[] = {
  "{\"e\":\"24hrTicker\",\"s\":\"BTCUSDT\",\"p\":\"-94.99\",\"w\":\"43100.10\",\"c\":\"43012.50\","
  "\"o\":\"43107.49\",\"h\":\"43500.00\",\"l\":\"42800.00\",\"v\":\"1234.5\"}",
  NULL,
};

static gboolean
send_tickers (gpointer data)
{
  SoupWebsocketConnection *conn = data;

  if (soup_websocket_connection_get_state (conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return G_SOURCE_REMOVE;
  soup_websocket_connection_send_text (conn, tickers[0]);
  return G_SOURCE_CONTINUE;
}

static void
on_ticker_client (SoupServer              *server,
                  SoupServerMessage       *msg,
                  const char              *path,
                  SoupWebsocketConnection *conn,
                  gpointer                 user_data)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, send_tickers, g_object_ref (conn), g_object_unref);
}

/* A field of the selected message becomes the price ("Use as Price"); the
 * popover beside "Prices:" sets the fields and detects them again. */
static void
test_use_field (void)
{
  Feed feed = { 0 };
  g_autofree char *url = NULL;
  GtkWidget *detail;
  GtkWidget *field_bar;
  GtkWidget *fields_button;
  GtkTextBuffer *buffer;
  GtkTextIter start, end, at;
  g_autofree char *text = NULL;
  double weighted = 43100.10, last = 43012.50;

  feed_start (&feed, (const char *const[]) { NULL });
  soup_server_remove_handler (feed.server, NULL);
  soup_server_add_websocket_handler (feed.server, NULL, NULL, NULL, on_ticker_client, NULL, NULL);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", feed.port);
  sp_window_connect (window, url);

  /* Detection reads the last price, c. */
  g_assert_true (wait_until (source_is, (gpointer) "price from c"));
  g_assert_true (wait_until (last_price_is, &last));
  g_assert_true (wait_until (log_has, GUINT_TO_POINTER (3)));

  /* Select a ticker: every number is shown as it came ("43100.10", not 43100.1). */
  sp_stream_page_set_log_paused (stream_page (), TRUE);
  {
    GListModel *shown = sp_stream_page_get_shown_log (stream_page ());
    g_autoptr(SpLogItem) item = g_list_model_get_item (shown, g_list_model_get_n_items (shown) - 1);

    g_assert_true (sp_stream_page_select_message (stream_page (), sp_log_item_get_frame (item)->time_us));
  }
  detail = sp_test_find_widget (GTK_WIDGET (window), is_text_view_holding, "\"w\": \"43100.10\"");
  g_assert_nonnull (detail);

  /* The cursor on the field offers it, below the message. */
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (detail));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gtk_text_buffer_get_iter_at_offset (buffer, &at,
                                      g_utf8_pointer_to_offset (text, strstr (text, "43100.10")));
  gtk_text_buffer_place_cursor (buffer, &at);
  field_bar = sp_test_find_widget (GTK_WIDGET (window), is_revealer_with_button, _("Use as Price"));
  g_assert_nonnull (field_bar);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (field_bar)));
  screenshot ("stream-use-field.png");
  click (sp_test_find_widget (field_bar, is_button_labelled, _("Use as Price")));

  /* From the next message on, the chart has the weighted price. */
  g_assert_true (wait_until (source_is, (gpointer) "price from w"));
  sp_stream_page_set_log_paused (stream_page (), FALSE);
  g_assert_true (wait_until (last_price_is, &weighted));

  /* Beside "Prices:": a path typed in, then detection again. */
  fields_button = sp_test_find_widget (GTK_WIDGET (window), has_tooltip, _("Change Where Prices Are Read"));
  g_assert_true (GTK_IS_MENU_BUTTON (fields_button));
  gtk_menu_button_popup (GTK_MENU_BUTTON (fields_button));
  {
    GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (fields_button)));
    GtkWidget *entry = sp_test_find_widget (popover, is_entry, NULL);

    g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "w");
    gtk_editable_set_text (GTK_EDITABLE (entry), "h");
    click (sp_test_find_widget (popover, is_button_labelled, _("_Apply")));
  }
  g_assert_true (wait_until (source_is, (gpointer) "price from h"));
  gtk_menu_button_popup (GTK_MENU_BUTTON (fields_button));
  click (sp_test_find_widget (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (fields_button))),
               is_button_labelled, _("_Detect Again")));
  g_assert_true (wait_until (source_is, (gpointer) "price from c"));
  g_assert_true (wait_until (last_price_is, &last));

  feed_stop (&feed);
}

static const char *const finnhub_trades[] = {
  "{\"type\":\"ping\"}",
  "{\"data\":[{\"c\":null,\"p\":7296.89,\"s\":\"BINANCE:BTCUSDT\",\"t\":1575526691134,\"v\":0.011},"
  "{\"c\":[\"1\",\"12\"],\"p\":189.52,\"s\":\"AAPL\",\"t\":1575526691200,\"v\":100}],\"type\":\"trade\"}",
  NULL,
};

static gboolean
watches_aapl (gpointer data)
{
  return sp_watch_lookup (sp_stream_page_get_watch (stream_page ()), "AAPL") != NULL;
}

static gboolean
connections_are (gpointer data)
{
  Feed *feed = data;

  return feed->connections >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (feed->server), "want"));
}

static AdwMessageDialog *
message_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return message_dialog () != NULL;
}

/* Typing a feed's address offers its preset; taken, it subscribes on every
 * connection (again after the server restarts the stream), and a saved
 * connection keeps the messages. */
static void
test_feed_offer (void)
{
  Feed feed = { 0 };
  g_autofree char *url = NULL;
  GtkWidget *url_entry = sp_test_find_widget (GTK_WIDGET (window), is_url_entry, NULL);
  GtkWidget *offer;
  g_autofree char *back = sp_server_dup_ws_url (sp_window_get_server (window));

  feed_start (&feed, finnhub_trades);
  url = g_strdup_printf ("ws://ws.finnhub.io:%u/?token=abc", feed.port);
  gtk_editable_set_text (GTK_EDITABLE (url_entry), url);
  offer = sp_test_find_widget (GTK_WIDGET (window), is_revealer_with_button, _("Use Preset"));
  g_assert_nonnull (offer);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (offer)));
  screenshot ("stream-feed-offer.png");
  click (sp_test_find_widget (offer, is_button_labelled, _("Use Preset")));

  /* Two subscriptions, then trades of two symbols read from data[].p and data[].s. */
  wait_received (&feed, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (feed.received, 0), "\"subscribe\""));
  g_assert_true (wait_until (watches_aapl, NULL));
  g_assert_true (wait_until (source_is, (gpointer) "price from data[].p"));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (offer)));

  /* The server restarts the stream: the viewer reconnects and subscribes again. */
  soup_websocket_connection_close (feed.conn, 1012, "restart");
  g_object_set_data (G_OBJECT (feed.server), "want", GUINT_TO_POINTER (2));
  g_assert_true (wait_until (connections_are, &feed));
  wait_received (&feed, 4);

  /* Saved, it sends them when opened again. */
  {
    g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
    GtkWidget *dialog;

    gtk_widget_activate_action (url_entry, "stream.save-connection", NULL);
    g_assert_true (wait_until (dialog_shown, NULL));
    dialog = GTK_WIDGET (message_dialog ());
    gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog))),
                           "Finnhub here");
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "save");

    sp_window_connect (window, back);
    gtk_widget_activate_action (url_entry, "stream.open-saved", "s", "Finnhub here");
    g_object_set_data (G_OBJECT (feed.server), "want", GUINT_TO_POINTER (3));
    g_assert_true (wait_until (connections_are, &feed));
    wait_received (&feed, 6);
    g_settings_reset (settings, "saved-connections");
    g_settings_reset (settings, "saved-connection-extras");
  }

  sp_window_connect (window, back);
  feed_stop (&feed);
}

/* A feed that needs a key asks for it, sends it where the feed wants it, and
 * keeps it for next time. */
static void
test_feed_key (void)
{
  Feed feed = { 0 };
  g_autofree char *url = NULL;
  g_autoptr(GSettings) settings = g_settings_new ("com.example.StockPush");
  g_autoptr(GVariant) keys = NULL;
  GtkWidget *url_entry = sp_test_find_widget (GTK_WIDGET (window), is_url_entry, NULL);
  g_autofree char *back = sp_server_dup_ws_url (sp_window_get_server (window));
  AdwMessageDialog *dialog;
  GtkWidget *key;
  char *kept = NULL;

  feed_start (&feed, finnhub_trades);
  url = g_strdup_printf ("ws://stream.data.alpaca.markets:%u/v2/iex", feed.port);
  gtk_editable_set_text (GTK_EDITABLE (url_entry), url);
  gtk_widget_activate_action (url_entry, "stream.use-feed-here", NULL);
  g_assert_true (wait_until (dialog_shown, NULL));
  dialog = message_dialog ();
  key = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
  gtk_editable_set_text (GTK_EDITABLE (key), "my-key");
  gtk_editable_set_text (GTK_EDITABLE (gtk_widget_get_next_sibling (key)), "my\"secret");
  screenshot ("stream-feed-key.png");
  adw_message_dialog_response (dialog, "connect");

  wait_received (&feed, 2);
  g_assert_cmpstr (g_ptr_array_index (feed.received, 0), ==,
                   "{\"action\":\"auth\",\"key\":\"my-key\",\"secret\":\"my\\\"secret\"}");
  keys = g_settings_get_value (settings, "feed-keys");
  g_assert_true (g_variant_lookup (keys, "alpaca", "&s", &kept));
  g_assert_cmpstr (kept, ==, "my-key");

  /* Asked again, it offers what was given. */
  gtk_widget_activate_action (url_entry, "stream.use-feed-here", NULL);
  g_assert_true (wait_until (dialog_shown, NULL));
  dialog = message_dialog ();
  key = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (key)), ==, "my-key");
  adw_message_dialog_response (dialog, "cancel");

  g_settings_reset (settings, "feed-keys");
  sp_window_connect (window, back);
  feed_stop (&feed);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GResolver) resolver = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("STOCKPUSH_LOCALEDIR") ? g_getenv ("STOCKPUSH_LOCALEDIR")
                                                                    : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  resolver = g_object_new (loopback_resolver_get_type (), NULL);
  g_resolver_set_default (resolver);

  app = sp_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  g_application_activate (G_APPLICATION (app));
  window = SP_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);

  g_test_add_func ("/window-feeds/use-field", test_use_field);
  g_test_add_func ("/window-feeds/feed-offer", test_feed_offer);
  g_test_add_func ("/window-feeds/feed-key", test_feed_key);

  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&app);

  return status;
}
