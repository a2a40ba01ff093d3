/* The Stream page: connect to a server, watch its prices and every message. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart.h"
#include "sp-frame-io.h"
#include "sp-log-item.h"
#include "sp-log-row.h"
#include "sp-parse-bytes.h"
#include "sp-recorder.h"
#include "sp-stream-page.h"

#define MAX_RECENT          12
#define DEFAULT_LOG_LIMIT   10000
#define DEFAULT_HISTORY     1000000
/* A sender's clock further than this from ours is not used for the chart's time axis. */
#define MAX_CLOCK_SKEW_US   (2 * G_USEC_PER_SEC)

struct _SpStreamPage
{
  GtkWidget       parent_instance;

  GtkWidget      *main_box;
  GtkEntry       *url_entry;
  GtkMenuButton  *recent_button;
  GtkMenuButton  *options_button;
  GtkEntry       *price_field_entry;
  GtkEntry       *symbol_field_entry;
  GtkTextView    *headers_view;
  GtkEntry       *protocols_entry;
  GtkCheckButton *reconnect_check;
  GtkButton      *connect_button;
  GtkLabel       *state_label;
  GtkLabel       *rate_label;
  GtkDropDown    *symbol_dropdown;
  GtkLabel       *price_label;
  GtkLabel       *change_label;
  GtkBox         *chart_tools;
  GtkBox         *chart_box;
  SpChart        *chart;
  GtkToggleButton *live_button;
  GtkDropDown    *candle_dropdown;
  GtkSearchEntry *search_entry;
  GtkToggleButton *regex_button;
  GtkSpinButton  *keepalive_spin;
  GtkDropDown    *send_mode_dropdown;
  GtkButton      *ping_button;
  GtkDropDown    *direction_dropdown;
  GtkDropDown    *kind_dropdown;
  GtkToggleButton *pause_button;
  GtkScrolledWindow *log_scroller;
  GtkListView    *log_view;
  gboolean        follow_tail;   /* the log sticks to its newest row until scrolled up */
  gboolean        scrolling;
  GtkLabel       *detail_title;
  GtkTextView    *detail_view;
  GtkEntry       *send_entry;
  GtkMenuButton  *recent_messages_button;
  GtkButton      *send_button;

  GSettings      *settings;
  SpStreamClient *client;

  GListStore     *log_store;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  GtkCustomFilter *filter;
  char           *needle;        /* case-folded search text */
  GRegex         *regex;         /* in regular-expression mode; NULL: match all */
  gboolean        hide_ping_pong;
  SpRecorder     *recorder;      /* while recording the stream to a file */
  GActionGroup   *log_actions;   /* owned by the widget it is inserted into */
  gboolean        export_csv;    /* what the log menu's export asked for */
  gboolean        export_shown;
  char           *record_name;
  GPtrArray      *pending;       /* SpLogItem waiting for the next frame */
  guint           log_limit;
  guint           tick_id;
  gboolean        price_dirty;   /* the price labels wait for the next frame */
  gint64          last_flush;    /* when the log last took new messages (frame time, µs) */
  gint64          last_log_change; /* monotonic µs */
  gint64          last_price_shown;

  GtkStringList  *symbols;
  GHashTable     *last_prices;   /* symbol → PriceState */
  char           *current_symbol;
  GHashTable     *series;        /* symbol → SpSeries */
  SpSeries       *rate;          /* messages a second, for the chart's health strip */
  char           *series_url;    /* the stream the series came from */
  guint           history;
  SpStreamState   last_state;

  guint           rate_timer;
  guint64         last_count;
  gint64          last_count_time;
};

typedef struct
{
  double first;
  double last;
} PriceState;

G_DEFINE_FINAL_TYPE (SpStreamPage, sp_stream_page, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------------------ */
/* The log                                                                    */

static gboolean
filter_item (gpointer item,
             gpointer user_data)
{
  SpStreamPage *self = user_data;
  SpFrame *frame = sp_log_item_get_frame (item);
  guint direction = gtk_drop_down_get_selected (self->direction_dropdown);
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);

  if (direction == 1 && frame->direction != SP_FRAME_IN)
    return FALSE;
  if (direction == 2 && frame->direction != SP_FRAME_OUT)
    return FALSE;
  if (self->hide_ping_pong && (frame->kind == SP_FRAME_PING || frame->kind == SP_FRAME_PONG))
    return FALSE;

  switch (kind)
    {
    case 1:
      if (frame->kind != SP_FRAME_TEXT)
        return FALSE;
      break;
    case 2:
      if (frame->kind != SP_FRAME_BINARY)
        return FALSE;
      break;
    case 3:
      if (frame->kind != SP_FRAME_PING && frame->kind != SP_FRAME_PONG)
        return FALSE;
      break;
    case 4:
      if (frame->kind != SP_FRAME_CLOSE)
        return FALSE;
      break;
    default:
      break;
    }

  if (gtk_toggle_button_get_active (self->regex_button))
    return sp_log_item_matches_regex (item, self->regex);
  return sp_log_item_matches (item, self->needle);
}

/* With nothing to filter, the list has no filter at all: a fast stream's rows
 * are then not tested one by one. */
static void
update_filter (SpStreamPage *self)
{
  gboolean filtering = (self->needle != NULL && *self->needle != '\0') ||
                       gtk_drop_down_get_selected (self->direction_dropdown) != 0 ||
                       gtk_drop_down_get_selected (self->kind_dropdown) != 0 ||
                       self->hide_ping_pong;

  if (!filtering)
    {
      gtk_filter_list_model_set_filter (self->filtered, NULL);
      return;
    }
  if (gtk_filter_list_model_get_filter (self->filtered) == NULL)
    gtk_filter_list_model_set_filter (self->filtered, GTK_FILTER (self->filter));
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_filter_changed (SpStreamPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->needle, g_free);
  g_clear_pointer (&self->regex, g_regex_unref);
  self->needle = g_utf8_casefold (text, -1);

  /* A pattern being typed is often invalid for a moment: say why, show all. */
  gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->search_entry), NULL);
  if (gtk_toggle_button_get_active (self->regex_button) && *text != '\0')
    {
      self->regex = g_regex_new (text, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &error);
      if (self->regex == NULL)
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->search_entry), error->message);
        }
    }

  update_filter (self);
}

static void
on_hide_ping_pong (GSimpleAction *action,
                   GVariant      *state,
                   gpointer       user_data)
{
  SpStreamPage *self = user_data;

  g_simple_action_set_state (action, state);
  self->hide_ping_pong = g_variant_get_boolean (state);
  update_filter (self);
}

/* Frames arrive in bursts of thousands a second: they join the list once per
 * frame of the window, in one splice, and the oldest leave past the limit. */
static void scroll_to_tail (SpStreamPage *self);

static void show_price (SpStreamPage *self);
static void queue_flush (SpStreamPage *self);

#define FAST_STREAM_BATCH    30                          /* messages in one frame */
#define LOG_SETTLE_US        (250 * G_TIME_SPAN_MILLISECOND)
#define PRICE_REFRESH_US     (50 * G_TIME_SPAN_MILLISECOND)
#define FAST_LOG_REFRESH_US  (100 * G_TIME_SPAN_MILLISECOND)

static gboolean
flush_pending (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  guint n_items;
  guint n_new;
  guint skip = 0;

  if (clock != NULL)
    self->tick_id = 0;

  /* The price labels change at most twenty times a second, whatever the
   * message rate: no one reads faster, and each change costs a relayout. */
  if (self->price_dirty)
    {
      gint64 now = g_get_monotonic_time ();

      if (now - self->last_price_shown >= PRICE_REFRESH_US)
        {
          self->price_dirty = FALSE;
          self->last_price_shown = now;
          show_price (self);
        }
      else if (clock != NULL)
        queue_flush (self);
    }

  if (self->pending->len == 0 || gtk_toggle_button_get_active (self->pause_button))
    return G_SOURCE_REMOVE;

  /* A fast stream refreshes the log ten times a second, not every frame: no
   * one reads faster, and the chart and prices keep the full frame rate. */
  if (clock != NULL && self->pending->len > FAST_STREAM_BATCH &&
      gdk_frame_clock_get_frame_time (clock) - self->last_flush < FAST_LOG_REFRESH_US)
    {
      queue_flush (self);
      return G_SOURCE_REMOVE;
    }
  if (clock != NULL)
    self->last_flush = gdk_frame_clock_get_frame_time (clock);

  self->last_log_change = g_get_monotonic_time ();
  n_new = self->pending->len;
  if (n_new > self->log_limit)
    skip = n_new - self->log_limit;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->log_store));

  /* Following a fast stream: dropping old rows costs the list view about
   * 13 µs a row (measured: 40 ms a flush at 20,000 messages/s), more than
   * anything else; a fresh store with the newest half costs 20 ms once per
   * half a log. Scrolled back or paused, the rows stay put and old ones go
   * one splice at a time. */
  if (self->follow_tail && n_items + (n_new - skip) > self->log_limit && n_items > 0)
    {
      g_autoptr(GListStore) fresh = g_list_store_new (SP_TYPE_LOG_ITEM);
      guint keep = MIN (n_items, MIN (self->log_limit - MIN (self->log_limit, n_new - skip),
                                      self->log_limit / 2));
      g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = n_items - keep; i < n_items; i++)
        g_ptr_array_add (kept, g_list_model_get_item (G_LIST_MODEL (self->log_store), i));
      g_list_store_splice (fresh, 0, 0, kept->pdata, kept->len);
      g_list_store_splice (fresh, kept->len, 0, self->pending->pdata + skip, n_new - skip);
      g_ptr_array_set_size (self->pending, 0);
      g_set_object (&self->log_store, fresh);
      gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (self->log_store));
      scroll_to_tail (self);
      return G_SOURCE_REMOVE;
    }

  if (n_items + (n_new - skip) > self->log_limit)
    {
      guint drop = MIN (n_items, n_items + (n_new - skip) - self->log_limit);

      g_list_store_splice (self->log_store, 0, drop, NULL, 0);
      n_items -= drop;
    }

  g_list_store_splice (self->log_store, n_items, 0, self->pending->pdata + skip, n_new - skip);
  g_ptr_array_set_size (self->pending, 0);
  scroll_to_tail (self);

  return G_SOURCE_REMOVE;
}

static void
queue_flush (SpStreamPage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), flush_pending, NULL, NULL);
}

static void
on_frame (SpStreamClient *client,
          SpFrame        *frame,
          gpointer        user_data)
{
  SpStreamPage *self = user_data;

  if (self->recorder != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!sp_recorder_append (self->recorder, frame, &error))
        {
          g_autofree char *message = g_strdup_printf (_("Recording stopped: %s"), error->message);

          sp_stream_page_stop_recording (self, NULL);
          gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", message);
        }
    }

  g_ptr_array_add (self->pending, sp_log_item_new (frame));

  /* While paused, only the newest messages are kept for later. */
  if (self->pending->len > self->log_limit * 2)
    g_ptr_array_remove_range (self->pending, 0, self->pending->len - self->log_limit);

  queue_flush (self);
}

static void
on_pause_toggled (SpStreamPage *self)
{
  gboolean paused = gtk_toggle_button_get_active (self->pause_button);

  gtk_button_set_icon_name (GTK_BUTTON (self->pause_button),
                            paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               paused ? _("Resume the Log") : _("Pause the Log"));
  if (!paused)
    queue_flush (self);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, sp_log_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  sp_log_row_set_item (SP_LOG_ROW (gtk_list_item_get_child (list_item)),
                       gtk_list_item_get_item (list_item));
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  sp_log_row_set_item (SP_LOG_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static void
scroll_to_tail (SpStreamPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  if (!self->follow_tail || n == 0)
    return;

  self->scrolling = TRUE;
  gtk_widget_activate_action (GTK_WIDGET (self->log_view), "list.scroll-to-item", "u", n - 1);
  self->scrolling = FALSE;
}

static void
on_log_scrolled (GtkAdjustment *adjustment,
                 SpStreamPage  *self)
{
  gboolean at_end = gtk_adjustment_get_value (adjustment) >=
                    gtk_adjustment_get_upper (adjustment) -
                    gtk_adjustment_get_page_size (adjustment) - 4;

  if (self->scrolling)
    return;

  /* Rows coming and going move the view too: right after the log changed,
   * only reaching the end counts (the scroll wheel says when the user leaves). */
  if (g_get_monotonic_time () - self->last_log_change < LOG_SETTLE_US && !at_end)
    return;

  self->follow_tail = at_end;
}

static gboolean
on_log_wheel (GtkEventControllerScroll *controller,
              double                    dx,
              double                    dy,
              SpStreamPage             *self)
{
  if (dy < 0)
    self->follow_tail = FALSE;

  return GDK_EVENT_PROPAGATE;
}

static SpLogItem *
selected_item (SpStreamPage *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
on_selection_changed (SpStreamPage *self)
{
  SpLogItem *item = selected_item (self);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_view);
  g_autofree char *details = NULL;
  g_autofree char *title = NULL;
  g_autofree char *time = NULL;
  g_autofree char *size = NULL;
  SpFrame *frame;

  if (item == NULL)
    {
      gtk_text_buffer_set_text (buffer, "", -1);
      gtk_label_set_text (self->detail_title, _("No message selected"));
      sp_chart_set_marker (self->chart, 0);
      return;
    }

  frame = sp_log_item_get_frame (item);
  /* A message with a price of the charted symbol is marked on the chart. */
  sp_chart_set_marker (self->chart, frame->direction == SP_FRAME_IN ? frame->time_us : 0);
  details = sp_log_item_dup_details (item);
  time = sp_log_item_dup_time (item);
  size = g_format_size_full (frame->size, G_FORMAT_SIZE_LONG_FORMAT);
  /* Translators: e.g. "Received text at 12:00:01.250 · 120 bytes" */
  title = g_strdup_printf (_("%s %s at %s · %s"),
                           frame->direction == SP_FRAME_IN ? _("Received") : _("Sent"),
                           sp_frame_kind_to_string (frame->kind), time, size);
  gtk_label_set_text (self->detail_title, title);
  gtk_text_buffer_set_text (buffer, details, -1);
}

static void
clear_log (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);

  g_ptr_array_set_size (self->pending, 0);
  g_list_store_remove_all (self->log_store);
}

static void
copy_message (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  SpLogItem *item = selected_item (self);
  g_autofree char *details = NULL;

  if (item == NULL)
    return;

  details = sp_log_item_dup_details (item);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), details);
  gtk_widget_activate_action (widget, "win.toast", "s", _("Message copied"));
}

/* ------------------------------------------------------------------------ */
/* Recent lists                                                               */

static void
remember (SpStreamPage *self,
          const char   *key,
          const char   *value)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  guint n = 1;

  if (self->settings == NULL || value == NULL || *value == '\0')
    return;

  old = g_settings_get_strv (self->settings, key);
  g_strv_builder_add (builder, value);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT; i++)
    if (!g_str_equal (old[i], value))
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }

  list = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, key, (const char * const *) list);
}

static void
rebuild_recent_menus (SpStreamPage *self)
{
  g_autoptr(GMenu) urls = g_menu_new ();
  g_autoptr(GMenu) recent = g_menu_new ();
  g_autoptr(GMenu) saved = g_menu_new ();
  g_autoptr(GMenu) messages = g_menu_new ();
  g_auto(GStrv) recent_urls = NULL;
  g_auto(GStrv) recent_messages = NULL;
  g_autoptr(GVariant) connections = NULL;
  GVariantIter iter;
  const char *name;
  const char *url;

  if (self->settings == NULL)
    return;

  connections = g_settings_get_value (self->settings, "saved-connections");
  g_variant_iter_init (&iter, connections);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s&s)", &name, &url, NULL, NULL, NULL, NULL))
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (name, NULL);

      g_menu_item_set_action_and_target (item, "stream.open-saved", "s", name);
      g_menu_append_item (saved, item);
    }

  recent_urls = g_settings_get_strv (self->settings, "recent-urls");
  for (guint i = 0; recent_urls[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (recent_urls[i], NULL);

      g_menu_item_set_action_and_target (item, "stream.connect-url", "s", recent_urls[i]);
      g_menu_append_item (recent, item);
    }

  if (g_menu_model_get_n_items (G_MENU_MODEL (saved)) > 0)
    g_menu_append_section (urls, _("Saved"), G_MENU_MODEL (saved));
  if (g_menu_model_get_n_items (G_MENU_MODEL (recent)) > 0)
    g_menu_append_section (urls, _("Recent"), G_MENU_MODEL (recent));
  gtk_menu_button_set_menu_model (self->recent_button, G_MENU_MODEL (urls));
  gtk_widget_set_sensitive (GTK_WIDGET (self->recent_button),
                            g_menu_model_get_n_items (G_MENU_MODEL (urls)) > 0);

  recent_messages = g_settings_get_strv (self->settings, "recent-messages");
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

/* ------------------------------------------------------------------------ */
/* Connecting                                                                 */

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

static SpStreamOptions *
options_from_ui (SpStreamPage *self)
{
  SpStreamOptions *options;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->headers_view);
  GtkTextIter start;
  GtkTextIter end;
  g_autofree char *headers = NULL;
  const char *price = gtk_editable_get_text (GTK_EDITABLE (self->price_field_entry));
  const char *symbol = gtk_editable_get_text (GTK_EDITABLE (self->symbol_field_entry));

  options = sp_stream_options_new (gtk_editable_get_text (GTK_EDITABLE (self->url_entry)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  headers = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  options->headers = split_lines (headers, "\n");
  options->protocols = split_lines (gtk_editable_get_text (GTK_EDITABLE (self->protocols_entry)), ",");
  options->price_path = *price ? g_strdup (price) : NULL;
  options->symbol_path = *symbol ? g_strdup (symbol) : NULL;
  options->auto_reconnect = gtk_check_button_get_active (self->reconnect_check);
  options->keepalive_s = (guint) gtk_spin_button_get_value_as_int (self->keepalive_spin);

  return options;
}

static void
reset_view (SpStreamPage *self,
            const char   *url)
{
  /* The same stream again keeps its chart history; the gap shows the pause. */
  if (g_strcmp0 (url, self->series_url) != 0)
    {
      g_hash_table_remove_all (self->series);
      sp_series_clear (self->rate);
      sp_chart_set_series (self->chart, NULL);
      g_free (self->series_url);
      self->series_url = g_strdup (url);
    }
  g_hash_table_remove_all (self->last_prices);
  gtk_string_list_splice (self->symbols, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->symbols)), NULL);
  g_clear_pointer (&self->current_symbol, g_free);
  gtk_label_set_text (self->price_label, "—");
  gtk_label_set_text (self->change_label, "");
}

gboolean
sp_stream_page_connect (SpStreamPage          *self,
                        const SpStreamOptions *options,
                        GError               **error)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  if (self->client == NULL)
    return FALSE;

  if (!sp_stream_client_connect (self->client, options, error))
    return FALSE;

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), options->url);
  reset_view (self, options->url);
  remember (self, "recent-urls", options->url);

  return TRUE;
}

static void
connect_from_ui (SpStreamPage *self)
{
  g_autoptr(SpStreamOptions) options = options_from_ui (self);
  g_autoptr(GError) error = NULL;

  if (!sp_stream_page_connect (self, options, &error))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", error->message);
}

static void
on_url_activate (SpStreamPage *self)
{
  connect_from_ui (self);
}

static void
on_connect_clicked (SpStreamPage *self)
{
  SpStreamState state = sp_stream_client_get_state (self->client);

  if (state == SP_STREAM_DISCONNECTED || state == SP_STREAM_CLOSED)
    connect_from_ui (self);
  else
    sp_stream_client_disconnect (self->client);
}

static void
on_send (SpStreamPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->send_entry));
  guint mode = gtk_drop_down_get_selected (self->send_mode_dropdown);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) binary = NULL;
  gboolean sent;

  if (*text == '\0')
    return;

  /* Text as typed, or bytes written in hex or base64. */
  if (mode == 1 || mode == 2)
    {
      binary = mode == 1 ? sp_parse_hex (text, &error) : sp_parse_base64 (text, &error);
      sent = binary != NULL && sp_stream_client_send_binary (self->client, binary, &error);
    }
  else
    sent = sp_stream_client_send_text (self->client, text, &error);

  if (!sent)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", error->message);
      return;
    }

  remember (self, "recent-messages", text);
  gtk_editable_set_text (GTK_EDITABLE (self->send_entry), "");
}

/* A WebSocket ping, which any server answers; its pong times the round trip. */
static void
on_ping_clicked (SpStreamPage *self)
{
  g_autoptr(GError) error = NULL;

  if (!sp_stream_client_send_ping (self->client, &error))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", error->message);
}

/* ------------------------------------------------------------------------ */
/* Recording the stream                                                       */

static void
update_record_action (SpStreamPage *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->log_actions), "record");

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (self->recorder != NULL));
}

gboolean
sp_stream_page_start_recording (SpStreamPage *self,
                                GFile        *file,
                                GError      **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  sp_stream_page_stop_recording (self, NULL);
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Recordings go to local files"));
      return FALSE;
    }
  self->recorder = sp_recorder_new (path, error);
  if (self->recorder == NULL)
    return FALSE;
  self->record_name = g_file_get_basename (file);
  update_record_action (self);
  return TRUE;
}

/* Returns the number of frames recorded, or 0 when not recording. */
guint64
sp_stream_page_stop_recording (SpStreamPage *self,
                               GError      **error)
{
  guint64 n;
  gboolean ok;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), 0);

  if (self->recorder == NULL)
    return 0;

  n = sp_recorder_get_n_frames (self->recorder);
  ok = sp_recorder_close (self->recorder, error);
  g_clear_pointer (&self->recorder, sp_recorder_free);
  g_clear_pointer (&self->record_name, g_free);
  update_record_action (self);
  return ok ? n : 0;
}

static gboolean
start_recording_at (SpStreamPage *self, GFile *file, GError **error)
{
  return sp_stream_page_start_recording (self, file, error);
}

typedef gboolean (*SaveFunc) (SpStreamPage *self, GFile *file, GError **error);
static void ask_where_to_save (SpStreamPage *self, const char *title, const char *name,
                               GtkFileChooserAction action, SaveFunc save);

static void
on_record (GSimpleAction *action,
           GVariant      *state,
           gpointer       user_data)
{
  SpStreamPage *self = user_data;

  if (g_variant_get_boolean (state))
    {
      ask_where_to_save (self, _("Record the Stream"), "stockpush-recording.jsonl",
                         GTK_FILE_CHOOSER_ACTION_SAVE, start_recording_at);
      return;
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strdup (self->record_name);
    guint64 n = sp_stream_page_stop_recording (self, &error);
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
    g_autofree char *message = error != NULL
      ? g_strdup (error->message)
      /* Translators: a toast, e.g. "Recorded 1200 messages to stream.jsonl" */
      : g_strdup_printf (_("Recorded %s messages to %s"), count, name);

    gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", message);
  }
}

/* ------------------------------------------------------------------------ */
/* Export and import of the log                                               */

gboolean
sp_stream_page_export_log (SpStreamPage *self,
                           GFile        *file,
                           gboolean      shown_only,
                           gboolean      csv,
                           GError      **error)
{
  GListModel *model;
  g_autoptr(GString) out = NULL;
  guint n;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  model = shown_only ? G_LIST_MODEL (self->filtered) : G_LIST_MODEL (self->log_store);
  n = g_list_model_get_n_items (model);
  out = g_string_sized_new (256 * (gsize) n + 64);
  if (csv)
    g_string_append (out, SP_FRAME_CSV_HEADER);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpLogItem) item = g_list_model_get_item (model, i);

      if (csv)
        sp_frame_append_csv_row (out, sp_log_item_get_frame (item));
      else
        sp_frame_append_json_line (out, sp_log_item_get_frame (item));
    }

  return g_file_replace_contents (file, out->str, out->len, NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

gboolean
sp_stream_page_import_log (SpStreamPage *self,
                           GFile        *file,
                           GError      **error)
{
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(GPtrArray) items = NULL;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  frames = sp_frames_load (file, self->log_limit, NULL, error);
  if (frames == NULL)
    return FALSE;

  /* The saved messages replace the log, which pauses so the stream does not
   * push them out; Resume goes back to live messages. */
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < frames->len; i++)
    g_ptr_array_add (items, sp_log_item_new (g_ptr_array_index (frames, i)));
  gtk_toggle_button_set_active (self->pause_button, TRUE);
  g_ptr_array_set_size (self->pending, 0);
  g_list_store_splice (self->log_store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->log_store)),
                       items->pdata, items->len);

  return TRUE;
}

/* The export the log menu asked for, once its file is chosen. */
static gboolean
export_as_chosen (SpStreamPage *self,
                  GFile        *file,
                  GError      **error)
{
  return sp_stream_page_export_log (self, file, self->export_shown, self->export_csv, error);
}

static void
export_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  const char *what = g_variant_get_string (parameter, NULL);

  self->export_csv = g_str_has_suffix (what, "csv");
  self->export_shown = g_str_has_prefix (what, "shown");
  ask_where_to_save (self, _("Export the Log"),
                     self->export_csv ? "stockpush-log.csv" : "stockpush-log.jsonl",
                     GTK_FILE_CHOOSER_ACTION_SAVE, export_as_chosen);
}

static void
import_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ask_where_to_save (SP_STREAM_PAGE (widget), _("Import a Log"), NULL,
                     GTK_FILE_CHOOSER_ACTION_OPEN, sp_stream_page_import_log);
}

static void
connect_url_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), g_variant_get_string (parameter, NULL));
  connect_from_ui (self);
}

static void
use_message_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->send_entry), g_variant_get_string (parameter, NULL));
  gtk_widget_grab_focus (GTK_WIDGET (self->send_entry));
}

static void
open_saved_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  const char *wanted = g_variant_get_string (parameter, NULL);
  g_autoptr(GVariant) connections = g_settings_get_value (self->settings, "saved-connections");
  const char *name, *url, *headers, *price, *symbol, *protocols;
  GVariantIter iter;

  g_variant_iter_init (&iter, connections);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s&s)", &name, &url, &headers, &price, &symbol,
                              &protocols))
    if (g_str_equal (name, wanted))
      {
        gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url);
        gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->headers_view), headers, -1);
        gtk_editable_set_text (GTK_EDITABLE (self->price_field_entry), price);
        gtk_editable_set_text (GTK_EDITABLE (self->symbol_field_entry), symbol);
        gtk_editable_set_text (GTK_EDITABLE (self->protocols_entry), protocols);
        connect_from_ui (self);
        return;
      }
}

static void
save_connection_named (SpStreamPage *self,
                       const char   *name)
{
  g_autoptr(SpStreamOptions) options = options_from_ui (self);
  g_autoptr(GVariant) old = g_settings_get_value (self->settings, "saved-connections");
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssssss)"));
  g_autofree char *headers = g_strjoinv ("\n", options->headers);
  g_autofree char *protocols = g_strjoinv (", ", options->protocols);
  g_autofree char *message = NULL;
  const char *old_name;
  GVariantIter iter;
  GVariant *child;

  g_variant_builder_add (&builder, "(ssssss)", name, options->url, headers,
                         options->price_path ? options->price_path : "",
                         options->symbol_path ? options->symbol_path : "", protocols);

  g_variant_iter_init (&iter, old);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_variant_get_child (child, 0, "&s", &old_name);
      if (!g_str_equal (old_name, name))
        g_variant_builder_add_value (&builder, child);
      g_variant_unref (child);
    }

  g_settings_set_value (self->settings, "saved-connections", g_variant_builder_end (&builder));
  message = g_strdup_printf (_("Saved “%s”"), name);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", message);
}

static void
on_save_response (AdwMessageDialog *dialog,
                  const char       *response,
                  gpointer          user_data)
{
  SpStreamPage *self = user_data;
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_str_equal (response, "save") && *name != '\0')
    save_connection_named (self, name);
}

static void
save_connection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
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
                                   _("The address, headers, fields and subprotocols are saved "
                                     "under this name."));
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
/* State and prices                                                           */

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

static void
update_state (SpStreamPage *self)
{
  SpStreamState state = sp_stream_client_get_state (self->client);
  const char *error = sp_stream_client_get_error (self->client);
  const SpStreamOptions *options = sp_stream_client_get_options (self->client);
  const char *url = options ? options->url : "";
  gushort code = sp_stream_client_get_close_code (self->client);
  const char *reason = sp_stream_client_get_close_reason (self->client);
  g_autofree char *text = NULL;
  gboolean idle = state == SP_STREAM_DISCONNECTED || state == SP_STREAM_CLOSED;

  switch (state)
    {
    case SP_STREAM_CONNECTING:
      text = g_strdup_printf (_("Connecting to %s…"), url);
      break;
    case SP_STREAM_OPEN:
      text = g_strdup_printf (_("Open · %s"), url);
      break;
    case SP_STREAM_CLOSING:
      text = g_strdup (_("Closing…"));
      break;
    case SP_STREAM_RECONNECTING:
      if (code != 0)
        /* Translators: "Closed (1006 the connection dropped…) · reconnecting in 3 s" */
        text = g_strdup_printf (_("Closed (%u%s%s) · reconnecting in %u s"), code,
                                reason ? " " : "", reason ? reason : "",
                                sp_stream_client_get_reconnect_seconds (self->client));
      else
        text = g_strdup_printf (_("%s · reconnecting in %u s"), error ? error : _("Failed"),
                                sp_stream_client_get_reconnect_seconds (self->client));
      break;
    case SP_STREAM_CLOSED:
      if (code != 0 && sp_stream_client_get_closed_by_us (self->client))
        /* Translators: the viewer closed the connection because of what the server sent */
        text = g_strdup_printf (_("Closed by StockPush: %u%s%s"), code,
                                reason ? " " : "", reason ? reason : "");
      else if (code != 0)
        text = g_strdup_printf (_("Closed by the server: %u %s%s%s"), code,
                                close_code_meaning (code),
                                reason && *reason ? " · " : "", reason ? reason : "");
      else
        text = g_strdup (error ? error : _("Closed"));
      break;
    case SP_STREAM_DISCONNECTED:
    default:
      text = g_strdup (_("Not connected"));
      break;
    }

  gtk_label_set_text (self->state_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), text);
  if (state == SP_STREAM_CLOSED && (error != NULL || !close_code_is_normal (code)))
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
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), state == SP_STREAM_OPEN);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ping_button), state == SP_STREAM_OPEN);
}

static void
on_certificate_response (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  SpStreamPage *self = user_data;
  const char *fingerprint = g_object_get_data (G_OBJECT (dialog), "sha256");
  g_autoptr(SpStreamOptions) options = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "accept") || fingerprint == NULL)
    return;

  /* Trust is for this one certificate on this connection, nothing wider. */
  options = sp_stream_options_copy (sp_stream_client_get_options (self->client));
  g_free (options->accepted_certificate);
  options->accepted_certificate = g_strdup (fingerprint);
  if (!sp_stream_page_connect (self, options, &error))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", error->message);
}

static void
ask_about_certificate (SpStreamPage            *self,
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
on_client_notify (SpStreamClient *client,
                  GParamSpec     *pspec,
                  gpointer        user_data)
{
  SpStreamPage *self = user_data;
  const SpCertificateInfo *certificate = sp_stream_client_get_rejected_certificate (client);
  SpStreamState state = sp_stream_client_get_state (client);

  update_state (self);

  /* The stream stopped: every chart shows a gap from here until prices return. */
  if (self->last_state == SP_STREAM_OPEN && state != SP_STREAM_OPEN)
    {
      GHashTableIter iter;
      gpointer series;
      gint64 now = g_get_real_time ();

      g_hash_table_iter_init (&iter, self->series);
      while (g_hash_table_iter_next (&iter, NULL, &series))
        sp_series_mark_gap (series, now);
    }
  self->last_state = state;

  if (g_str_equal (pspec->name, "state") && certificate != NULL &&
      sp_stream_client_get_state (client) == SP_STREAM_CLOSED)
    ask_about_certificate (self, certificate);
}

static void
show_price (SpStreamPage *self)
{
  PriceState *state;
  g_autofree char *price = NULL;
  g_autofree char *change = NULL;
  double delta;

  if (self->current_symbol == NULL ||
      (state = g_hash_table_lookup (self->last_prices, self->current_symbol)) == NULL)
    return;

  delta = state->last - state->first;
  price = g_strdup_printf ("%.2f", state->last);
  change = g_strdup_printf ("%+.2f (%+.2f %%)", delta,
                            state->first != 0 ? delta / state->first * 100.0 : 0.0);
  if (g_strcmp0 (gtk_label_get_text (self->price_label), price) != 0)
    gtk_label_set_text (self->price_label, price);
  if (g_strcmp0 (gtk_label_get_text (self->change_label), change) != 0)
    gtk_label_set_text (self->change_label, change);
  if (!gtk_widget_has_css_class (GTK_WIDGET (self->change_label), delta >= 0 ? "success" : "error"))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->change_label), delta >= 0 ? "error" : "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->change_label), delta >= 0 ? "success" : "error");
    }
}

static SpSeries *
series_for (SpStreamPage *self,
            const char   *symbol)
{
  SpSeries *series = g_hash_table_lookup (self->series, symbol);

  if (series == NULL)
    {
      series = sp_series_new (self->history);
      g_hash_table_insert (self->series, g_strdup (symbol), series);
    }

  return series;
}

static void
append_to_series (SpStreamPage       *self,
                  const char         *symbol,
                  const SpPricePoint *point,
                  gint64              received_us)
{
  gint64 t = received_us;

  /* The sender's timestamp is more precise than our arrival time, as long as
   * its clock agrees with ours; otherwise one axis for all would not hold. */
  if (point->ts_us != 0 && ABS (point->ts_us - received_us) < MAX_CLOCK_SKEW_US)
    t = point->ts_us;

  /* The point remembers its message (by arrival time) for the chart ↔ log link. */
  sp_series_append_full (series_for (self, symbol), t, point->price, received_us);
}

static void
on_prices (SpStreamClient *client,
           GArray         *points,
           SpFrame        *frame,
           gpointer        user_data)
{
  SpStreamPage *self = user_data;

  for (guint i = 0; i < points->len; i++)
    {
      const SpPricePoint *point = &g_array_index (points, SpPricePoint, i);
      const char *symbol = *point->symbol ? point->symbol : "—";
      PriceState *state = g_hash_table_lookup (self->last_prices, symbol);

      if (state == NULL)
        {
          state = g_new0 (PriceState, 1);
          state->first = point->price;
          g_hash_table_insert (self->last_prices, g_strdup (symbol), state);
          gtk_string_list_append (self->symbols, symbol);
          if (self->current_symbol == NULL)
            {
              self->current_symbol = g_strdup (symbol);
              sp_chart_set_series (self->chart, series_for (self, symbol));
            }
        }
      state->last = point->price;
      append_to_series (self, symbol, point, frame->time_us);
    }

  self->price_dirty = TRUE;
  queue_flush (self);
}

static void
on_symbol_selected (SpStreamPage *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (self->symbol_dropdown);

  if (item == NULL)
    return;

  g_free (self->current_symbol);
  self->current_symbol = g_strdup (gtk_string_object_get_string (item));
  sp_chart_set_series (self->chart, series_for (self, self->current_symbol));
  show_price (self);
}

static gboolean
update_rate (gpointer data)
{
  SpStreamPage *self = data;
  guint64 count = sp_stream_client_get_messages_in (self->client);
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->last_count_time) / (double) G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  if (seconds > 0 && self->last_count_time != 0)
    {
      g_autofree char *total = g_strdup_printf ("%" G_GUINT64_FORMAT, count);

      /* Translators: message rate and total count, e.g. "20 msg/s · 1234 received" */
      text = g_strdup_printf (_("%.0f msg/s · %s received"),
                              (count - self->last_count) / seconds, total);
      if (self->recorder != NULL)
        {
          g_autofree char *frames = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                     sp_recorder_get_n_frames (self->recorder));
          /* Translators: appended to the rate while recording: "· ● recording 1200" */
          g_autofree char *recording = g_strdup_printf (_("%s · ● recording %s"), text, frames);

          g_free (text);
          text = g_steal_pointer (&recording);
        }
      if (sp_stream_client_get_ping_rtt (self->client) >= 0)
        {
          /* Translators: appended to the rate: the round trip of the last ping */
          g_autofree char *rtt = g_strdup_printf (_("%s · ping %.1f ms"), text,
                                                  sp_stream_client_get_ping_rtt (self->client) / 1000.0);

          g_free (text);
          text = g_steal_pointer (&rtt);
        }
      gtk_label_set_text (self->rate_label, text);
    }

  if (self->last_count_time != 0 && seconds > 0 &&
      sp_stream_client_get_state (self->client) != SP_STREAM_DISCONNECTED)
    sp_series_append (self->rate, g_get_real_time (), (count - self->last_count) / seconds);
  self->last_count = count;
  self->last_count_time = now;

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* The chart's tools and exports                                              */

static cairo_status_t
write_png (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
sp_stream_page_save_chart (SpStreamPage *self,
                           GFile        *file,
                           GError      **error)
{
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_status_t status;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  surface = sp_chart_render_surface (self->chart, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  status = cairo_surface_write_to_png_stream (surface, write_png, png);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not draw the chart: %s"),
                   cairo_status_to_string (status));
      return FALSE;
    }

  return g_file_replace_contents (file, (const char *) png->data, png->len, NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

gboolean
sp_stream_page_export_prices (SpStreamPage *self,
                              GFile        *file,
                              GError      **error)
{
  SpSeries *series;
  g_autoptr(GBytes) csv = NULL;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  series = self->current_symbol != NULL ? g_hash_table_lookup (self->series, self->current_symbol) : NULL;
  if (series == NULL || sp_series_get_length (series) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There are no prices to export yet"));
      return FALSE;
    }

  csv = sp_series_to_csv (series, self->current_symbol);
  return g_file_replace_contents (file, g_bytes_get_data (csv, NULL), g_bytes_get_size (csv), NULL,
                                  FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

static void
on_save_dialog_response (GtkNativeDialog *dialog,
                         int              response,
                         SpStreamPage    *self)
{
  SaveFunc save = g_object_get_data (G_OBJECT (dialog), "save-func");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;
      g_autofree char *message = NULL;

      if (save (self, file, &error))
        {
          g_autofree char *name = g_file_get_basename (file);

          /* Translators: a toast, e.g. "Saved ACME.png" */
          message = g_object_get_data (G_OBJECT (dialog), "opening") != NULL
                    ? g_strdup_printf (_("Opened %s"), name)
                    : g_strdup_printf (_("Saved %s"), name);
        }
      else
        {
          message = g_strdup (error->message);
        }
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", message);
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
ask_where_to_save (SpStreamPage        *self,
                   const char          *title,
                   const char          *name,
                   GtkFileChooserAction action,
                   SaveFunc             save)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean opening = action == GTK_FILE_CHOOSER_ACTION_OPEN;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        action, opening ? _("_Open") : _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (opening)
    g_object_set_data (G_OBJECT (dialog), "opening", GINT_TO_POINTER (TRUE));
  else
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data (G_OBJECT (dialog), "save-func", save);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_dialog_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static char *
chart_file_name (SpStreamPage *self,
                 const char   *extension)
{
  char *name = g_strdup_printf ("%s.%s", self->current_symbol != NULL ? self->current_symbol : "StockPush",
                                extension);

  return g_strdelimit (name, "/\\", '_');
}

static void
save_image_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  SpStreamPage *self = user_data;
  g_autofree char *name = chart_file_name (self, "png");

  ask_where_to_save (self, _("Save Chart as Image"), name, GTK_FILE_CHOOSER_ACTION_SAVE,
                     sp_stream_page_save_chart);
}

static void
export_prices_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  SpStreamPage *self = user_data;
  g_autofree char *name = chart_file_name (self, "csv");

  ask_where_to_save (self, _("Export Prices"), name, GTK_FILE_CHOOSER_ACTION_SAVE,
                     sp_stream_page_export_prices);
}

/* Candle widths offered in the chart's tools; Preferences may hold another. */
static const guint candle_choices[] = { 1, 5, 60 };

static void
on_candle_selected (SpStreamPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->candle_dropdown);

  if (self->settings != NULL && selected < G_N_ELEMENTS (candle_choices))
    g_settings_set_uint (self->settings, "candle-seconds", candle_choices[selected]);
}

static void
show_candle_choice (SpStreamPage *self)
{
  guint seconds = self->settings != NULL ? g_settings_get_uint (self->settings, "candle-seconds") : 5;
  guint selected = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < G_N_ELEMENTS (candle_choices); i++)
    if (candle_choices[i] == seconds)
      selected = i;
  g_signal_handlers_block_by_func (self->candle_dropdown, on_candle_selected, self);
  gtk_drop_down_set_selected (self->candle_dropdown, selected);
  g_signal_handlers_unblock_by_func (self->candle_dropdown, on_candle_selected, self);
}

static void
on_chart_mode_changed (SpStreamPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->candle_dropdown),
                          sp_chart_get_mode (self->chart) == SP_CHART_CANDLES);
}

static GtkWidget *
tool_button (GtkWidget  *group,
             const char *label,
             const char *tooltip,
             const char *action,
             const char *target)
{
  GtkWidget *button = gtk_toggle_button_new_with_label (label);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_actionable_set_detailed_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_parsed (target));
  gtk_box_append (GTK_BOX (group), button);

  return button;
}

static void on_point_activated (SpChart *chart, gint64 ref, SpStreamPage *self);

static GtkWidget *
linked_box (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_add_css_class (box, "linked");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  return box;
}

static void
setup_chart (SpStreamPage *self)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GPropertyAction) span = NULL;
  g_autoptr(GPropertyAction) mode = NULL;
  g_autoptr(GMenu) menu = g_menu_new ();
  const GActionEntry entries[] = {
    { "save-image", save_image_activated, NULL, NULL, NULL, { 0 } },
    { "export-prices", export_prices_activated, NULL, NULL, NULL, { 0 } },
  };
  GtkWidget *spans = linked_box ();
  GtkWidget *modes = linked_box ();
  GtkWidget *export;

  self->chart = SP_CHART (sp_chart_new ());
  self->rate = sp_series_new (7 * 24 * 3600);   /* a week of seconds */
  sp_chart_set_rate_series (self->chart, self->rate);
  g_signal_connect (self->chart, "point-activated", G_CALLBACK (on_point_activated), self);
  gtk_widget_set_hexpand (GTK_WIDGET (self->chart), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->chart), TRUE);
  gtk_box_append (self->chart_box, GTK_WIDGET (self->chart));

  span = g_property_action_new ("span", self->chart, "span");
  mode = g_property_action_new ("mode", self->chart, "mode");
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (span));
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (mode));
  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "chart", G_ACTION_GROUP (group));

  tool_button (spans, _("1m"), _("The last minute"), "chart.span", "60.0");
  tool_button (spans, _("5m"), _("The last 5 minutes"), "chart.span", "300.0");
  tool_button (spans, _("15m"), _("The last 15 minutes"), "chart.span", "900.0");
  tool_button (spans, _("1h"), _("The last hour"), "chart.span", "3600.0");
  tool_button (spans, _("All"), _("Everything received"), "chart.span", "0.0");
  gtk_box_append (self->chart_tools, spans);

  self->live_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
  gtk_button_set_child (GTK_BUTTON (self->live_button),
                        adw_button_content_new ());
  adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (gtk_button_get_child (GTK_BUTTON (self->live_button))),
                                    "media-record-symbolic");
  adw_button_content_set_label (ADW_BUTTON_CONTENT (gtk_button_get_child (GTK_BUTTON (self->live_button))),
                                _("Live"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->live_button),
                               _("Follow the latest prices (End); drag or scroll the chart to look back"));
  gtk_widget_set_valign (GTK_WIDGET (self->live_button), GTK_ALIGN_CENTER);
  g_object_bind_property (self->chart, "follow-live", self->live_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_box_append (self->chart_tools, GTK_WIDGET (self->live_button));

  tool_button (modes, _("Line"), _("Line chart"), "chart.mode", "'line'");
  tool_button (modes, _("Candles"), _("Candlestick chart"), "chart.mode", "'candles'");
  gtk_box_append (self->chart_tools, modes);

  self->candle_dropdown = GTK_DROP_DOWN (gtk_drop_down_new_from_strings ((const char *[]) {
    /* Translators: candle widths on the chart */
    _("1 s"), _("5 s"), _("1 min"), NULL }));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->candle_dropdown), _("Time per Candle"));
  gtk_widget_set_valign (GTK_WIDGET (self->candle_dropdown), GTK_ALIGN_CENTER);
  g_signal_connect_swapped (self->candle_dropdown, "notify::selected",
                            G_CALLBACK (on_candle_selected), self);
  g_signal_connect_swapped (self->chart, "notify::mode", G_CALLBACK (on_chart_mode_changed), self);
  gtk_box_append (self->chart_tools, GTK_WIDGET (self->candle_dropdown));
  show_candle_choice (self);
  on_chart_mode_changed (self);

  g_menu_append (menu, _("Save Chart as _Image…"), "chart.save-image");
  g_menu_append (menu, _("_Export Prices as CSV…"), "chart.export-prices");
  export = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (export), "document-save-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (export), G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (export, _("Save the Chart"));
  gtk_widget_set_valign (export, GTK_ALIGN_CENTER);
  gtk_box_append (self->chart_tools, export);
}

/* ------------------------------------------------------------------------ */

void
sp_stream_page_set_client (SpStreamPage   *self,
                           SpStreamClient *client)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));
  g_return_if_fail (SP_IS_STREAM_CLIENT (client));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "frame", G_CALLBACK (on_frame), self, 0);
  g_signal_connect_object (client, "prices", G_CALLBACK (on_prices), self, 0);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (on_client_notify), self, 0);
  g_signal_connect_object (client, "notify::error", G_CALLBACK (on_client_notify), self, 0);
  g_signal_connect_object (client, "notify::reconnect-seconds", G_CALLBACK (on_client_notify),
                           self, 0);
  update_state (self);
}

static void
on_chart_settings_changed (SpStreamPage *self)
{
  GHashTableIter iter;
  gpointer series;

  self->history = g_settings_get_uint (self->settings, "chart-history");
  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, &series))
    sp_series_set_capacity (series, self->history);
  sp_chart_set_candle_seconds (self->chart, g_settings_get_uint (self->settings, "candle-seconds"));
  show_candle_choice (self);
}

void
sp_stream_page_set_settings (SpStreamPage *self,
                             GSettings    *settings)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  g_set_object (&self->settings, settings);
  self->log_limit = g_settings_get_uint (settings, "log-size");
  g_signal_connect_object (settings, "changed::recent-urls", G_CALLBACK (rebuild_recent_menus),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::recent-messages", G_CALLBACK (rebuild_recent_menus),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::saved-connections",
                           G_CALLBACK (rebuild_recent_menus), self, G_CONNECT_SWAPPED);
  rebuild_recent_menus (self);

  g_settings_bind (settings, "chart-mode", self->chart, "mode", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (settings, "changed::chart-history", G_CALLBACK (on_chart_settings_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::candle-seconds", G_CALLBACK (on_chart_settings_changed),
                           self, G_CONNECT_SWAPPED);
  on_chart_settings_changed (self);
}

void
sp_stream_page_focus_url (SpStreamPage *self)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
}

GtkBox *
sp_stream_page_get_chart_box (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return self->chart_box;
}

GListModel *
sp_stream_page_get_shown_log (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return G_LIST_MODEL (self->filtered);
}

void
sp_stream_page_set_search (SpStreamPage *self,
                           const char   *text,
                           gboolean      regex)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  gtk_toggle_button_set_active (self->regex_button, regex);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  on_filter_changed (self);
}

void
sp_stream_page_set_log_paused (SpStreamPage *self,
                               gboolean      paused)
{
  g_return_if_fail (SP_IS_STREAM_PAGE (self));

  gtk_toggle_button_set_active (self->pause_button, paused);
}

gboolean
sp_stream_page_get_search_error (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);

  return gtk_widget_has_css_class (GTK_WIDGET (self->search_entry), "error");
}

/* The position of the message that arrived at @time_us in @model (ordered by time), or -1. */
static int
find_message (GListModel *model,
              gint64      time_us)
{
  guint low = 0;
  guint high = g_list_model_get_n_items (model);

  while (low < high)
    {
      guint mid = low + (high - low) / 2;
      g_autoptr(SpLogItem) item = g_list_model_get_item (model, mid);
      gint64 t = sp_log_item_get_frame (item)->time_us;

      if (t < time_us)
        low = mid + 1;
      else
        high = mid;
    }

  for (guint i = low; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SpLogItem) item = g_list_model_get_item (model, i);
      SpFrame *frame = sp_log_item_get_frame (item);

      if (frame->time_us != time_us)
        break;
      if (frame->direction == SP_FRAME_IN)
        return (int) i;
    }

  return -1;
}

gboolean
sp_stream_page_select_message (SpStreamPage *self,
                               gint64        time_us)
{
  int position;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);

  flush_pending (GTK_WIDGET (self), NULL, NULL);
  if (find_message (G_LIST_MODEL (self->log_store), time_us) < 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s",
                                  _("That message is no longer in the log; a larger log size keeps more"));
      return FALSE;
    }

  /* Hidden by the filters: show everything again. */
  position = find_message (G_LIST_MODEL (self->filtered), time_us);
  if (position < 0)
    {
      gtk_drop_down_set_selected (self->direction_dropdown, 0);
      gtk_drop_down_set_selected (self->kind_dropdown, 0);
      sp_stream_page_set_search (self, "", FALSE);
      position = find_message (G_LIST_MODEL (self->filtered), time_us);
    }
  if (position < 0)
    return FALSE;

  self->follow_tail = FALSE;
  gtk_single_selection_set_selected (self->selection, (guint) position);
  gtk_widget_activate_action (GTK_WIDGET (self->log_view), "list.scroll-to-item", "u", (guint) position);

  return TRUE;
}

SpFrame *
sp_stream_page_get_selected_frame (SpStreamPage *self)
{
  SpLogItem *item;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  item = selected_item (self);
  return item != NULL ? sp_log_item_get_frame (item) : NULL;
}

static void
on_point_activated (SpChart      *chart,
                    gint64        ref,
                    SpStreamPage *self)
{
  sp_stream_page_select_message (self, ref);
}

SpChart *
sp_stream_page_get_chart (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return self->chart;
}

GListModel *
sp_stream_page_get_log (SpStreamPage *self)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), NULL);

  return G_LIST_MODEL (self->log_store);
}

static void
sp_stream_page_dispose (GObject *object)
{
  SpStreamPage *self = SP_STREAM_PAGE (object);

  g_clear_handle_id (&self->rate_timer, g_source_remove);
  if (self->recorder != NULL)
    sp_stream_page_stop_recording (self, NULL);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_STREAM_PAGE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_stream_page_parent_class)->dispose (object);
}

static void
sp_stream_page_finalize (GObject *object)
{
  SpStreamPage *self = SP_STREAM_PAGE (object);

  g_clear_object (&self->log_store);
  g_clear_object (&self->filtered);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->needle, g_free);
  g_clear_pointer (&self->regex, g_regex_unref);
  g_clear_pointer (&self->last_prices, g_hash_table_unref);
  g_clear_pointer (&self->current_symbol, g_free);
  g_clear_pointer (&self->series, g_hash_table_unref);
  g_clear_pointer (&self->rate, sp_series_unref);
  g_clear_pointer (&self->series_url, g_free);

  G_OBJECT_CLASS (sp_stream_page_parent_class)->finalize (object);
}

static void
sp_stream_page_class_init (SpStreamPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_stream_page_dispose;
  object_class->finalize = sp_stream_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-stream-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, main_box);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, url_entry);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, recent_button);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, options_button);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, price_field_entry);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, symbol_field_entry);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, headers_view);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, protocols_entry);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, reconnect_check);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, connect_button);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, rate_label);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, symbol_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, price_label);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, change_label);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, chart_tools);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, chart_box);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, regex_button);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, send_mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, ping_button);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, direction_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, log_scroller);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, log_view);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, detail_title);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, detail_view);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, send_entry);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, recent_messages_button);
  gtk_widget_class_bind_template_child (widget_class, SpStreamPage, send_button);
  gtk_widget_class_bind_template_callback (widget_class, on_url_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_connect_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_send);
  gtk_widget_class_bind_template_callback (widget_class, on_ping_clicked);

  gtk_widget_class_install_action (widget_class, "stream.clear-log", NULL, clear_log);
  gtk_widget_class_install_action (widget_class, "stream.export-log", "s", export_log_action);
  gtk_widget_class_install_action (widget_class, "stream.import-log", NULL, import_log_action);
  gtk_widget_class_install_action (widget_class, "stream.copy-message", NULL, copy_message);
  gtk_widget_class_install_action (widget_class, "stream.connect-url", "s", connect_url_action);
  gtk_widget_class_install_action (widget_class, "stream.use-message", "s", use_message_action);
  gtk_widget_class_install_action (widget_class, "stream.open-saved", "s", open_saved_action);
  gtk_widget_class_install_action (widget_class, "stream.save-connection", NULL,
                                   save_connection_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "stream.copy-message", NULL);
}

static void
sp_stream_page_init (SpStreamPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->log_limit = DEFAULT_LOG_LIMIT;
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->last_prices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  self->log_store = g_list_store_new (SP_TYPE_LOG_ITEM);
  self->filter = gtk_custom_filter_new (filter_item, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->log_store)),
                                              GTK_FILTER (g_object_ref (self->filter)));
  update_filter (self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (on_selection_changed), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->log_view, factory);
  gtk_list_view_set_model (self->log_view, GTK_SELECTION_MODEL (self->selection));

  self->follow_tail = TRUE;
  g_signal_connect (gtk_scrolled_window_get_vadjustment (self->log_scroller), "value-changed",
                    G_CALLBACK (on_log_scrolled), self);
  {
    GtkEventController *wheel = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

    gtk_event_controller_set_propagation_phase (wheel, GTK_PHASE_CAPTURE);
    g_signal_connect (wheel, "scroll", G_CALLBACK (on_log_wheel), self);
    gtk_widget_add_controller (GTK_WIDGET (self->log_scroller), wheel);
  }

  self->symbols = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->symbol_dropdown, G_LIST_MODEL (self->symbols));
  g_object_unref (self->symbols);
  g_signal_connect_swapped (self->symbol_dropdown, "notify::selected",
                            G_CALLBACK (on_symbol_selected), self);

  self->rate_timer = g_timeout_add_seconds (1, update_rate, self);

  {
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
    const GActionEntry entries[] = {
      { "hide-ping-pong", NULL, NULL, "false", on_hide_ping_pong, { 0 } },
      { "record", NULL, NULL, "false", on_record, { 0 } },
    };

    g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), self);
    gtk_widget_insert_action_group (GTK_WIDGET (self), "log", G_ACTION_GROUP (group));
    self->log_actions = G_ACTION_GROUP (group);
  }

  self->history = DEFAULT_HISTORY;
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) sp_series_unref);
  setup_chart (self);
}

SpStreamPage *
sp_stream_page_new (void)
{
  return g_object_new (SP_TYPE_STREAM_PAGE, NULL);
}
