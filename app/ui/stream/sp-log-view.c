/* The message log: frames batched into a list a few times a second, following
 * its newest row until scrolled back, with the selected one in full. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-json-pretty.h"
#include "sp-log-item.h"
#include "sp-log-row.h"
#include "sp-log-view.h"
#include "sp-bin.h"
#include "sp-frame-update.h"
#include "sp-on-screen.h"
#include "sp-wrap-box.h"

#define DEFAULT_LOG_LIMIT    10000
#define LOG_SETTLE_US        (250 * G_TIME_SPAN_MILLISECOND)
/* While seen, the log takes new rows in a frame the chart or the prices draw
 * anyway, at most every LOG_REFRESH_MS (no one reads faster, and each batch
 * costs a relayout of the list), or after LOG_WAIT_MS when no such frame
 * comes; out of sight, once a second, for its model's readers. */
#define LOG_REFRESH_MS        100
#define LOG_WAIT_MS           300
#define LOG_HIDDEN_REFRESH_MS 1000

struct _SpLogView
{
  GtkWidget           parent_instance;

  GtkSearchEntry     *search_entry;
  GtkToggleButton    *regex_button;
  GtkDropDown        *direction_dropdown;
  GtkDropDown        *kind_dropdown;
  GtkToggleButton    *pause_button;
  GtkScrolledWindow  *log_scroller;
  GtkListView        *log_view;
  GtkLabel           *detail_title;
  GtkTextView        *detail_view;
  GtkRevealer        *field_revealer;
  GtkLabel           *field_label;
  GtkButton          *use_price_button;
  GtkButton          *use_symbol_button;
  GtkSingleSelection *selection;
  GtkFilterListModel *filtered;
  SpLogFilter        *filter;

  GListStore         *log_store;
  GPtrArray          *pending;         /* SpLogItem waiting for the next frame */
  guint               log_limit;
  SpOnScreen         *on_screen;
  SpFrameUpdate      *flush_update;    /* a batch waiting for a frame */
  guint               flush_id;        /* a batch waiting out of sight */
  gint64              last_flush;      /* when the log last took new messages (monotonic µs) */
  gint64              last_log_change; /* monotonic µs */
  gboolean            follow_tail;     /* the log sticks to its newest row until scrolled up */
  gboolean            scrolling;

  char               *detail_text;     /* what the detail view shows, and where its fields are */
  GArray             *detail_spans;    /* SpJsonSpan */

  GtkPaned           *detail_paned;    /* list | message, or list over message when narrow */
  int                 wide_position;   /* the divider where the user left it, side by side */
};

enum {
  PROP_0,
  PROP_SELECTED_FRAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpLogView, sp_log_view, GTK_TYPE_WIDGET)

static void queue_flush (SpLogView *self);

static void
scroll_to_tail (SpLogView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  if (!self->follow_tail || n == 0)
    return;

  self->scrolling = TRUE;
  gtk_widget_activate_action (GTK_WIDGET (self->log_view), "list.scroll-to-item", "u", n - 1);
  self->scrolling = FALSE;
}

/* Following a fast stream: dropping old rows costs the list view about
 * 13 µs a row (measured: 40 ms a flush at 20,000 messages/s), more than
 * anything else; a fresh store with the newest half costs 20 ms once per
 * half a log. */
static void
flush_into_fresh_store (SpLogView *self,
                        guint      n_items,
                        guint      skip)
{
  g_autoptr(GListStore) fresh = g_list_store_new (SP_TYPE_LOG_ITEM);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_new = self->pending->len;
  guint keep = MIN (n_items, MIN (self->log_limit - MIN (self->log_limit, n_new - skip),
                                  self->log_limit / 2));

  for (guint i = n_items - keep; i < n_items; i++)
    g_ptr_array_add (kept, g_list_model_get_item (G_LIST_MODEL (self->log_store), i));
  g_list_store_splice (fresh, 0, 0, kept->pdata, kept->len);
  g_list_store_splice (fresh, kept->len, 0, self->pending->pdata + skip, n_new - skip);
  g_ptr_array_set_size (self->pending, 0);
  g_set_object (&self->log_store, fresh);
  gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (self->log_store));
}

/* Frames arrive in bursts of thousands a second: they join the list in one
 * splice, and the oldest leave past the limit. */
static void
flush_pending (SpLogView *self)
{
  guint n_items;
  guint n_new;
  guint skip = 0;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->pending->len == 0 || gtk_toggle_button_get_active (self->pause_button))
    return;

  self->last_flush = g_get_monotonic_time ();
  self->last_log_change = self->last_flush;
  n_new = self->pending->len;
  if (n_new > self->log_limit)
    skip = n_new - self->log_limit;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->log_store));

  /* Scrolled back or paused, the rows stay put and old ones go one splice at a time. */
  if (self->follow_tail && n_items + (n_new - skip) > self->log_limit && n_items > 0)
    {
      flush_into_fresh_store (self, n_items, skip);
      scroll_to_tail (self);
      return;
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
}

static gboolean
on_flush_due (gpointer data)
{
  SpLogView *self = data;

  self->flush_id = 0;
  flush_pending (self);
  return G_SOURCE_REMOVE;
}

static void
apply_flush (gpointer data)
{
  flush_pending (data);
}

static void
queue_flush (SpLogView *self)
{
  if (self->pending->len == 0 || gtk_toggle_button_get_active (self->pause_button))
    return;
  if (sp_on_screen_get (self->on_screen))
    sp_frame_update_queue (self->flush_update);
  else if (self->flush_id == 0)
    self->flush_id = g_timeout_add_full (G_PRIORITY_DEFAULT, LOG_HIDDEN_REFRESH_MS, on_flush_due,
                                         self, NULL);
}

static void
on_screen_changed (gpointer user_data,
                   gboolean on_screen)
{
  SpLogView *self = SP_LOG_VIEW (user_data);

  /* Seen again: what came meanwhile at once; out of sight: at the slower pace. */
  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (on_screen)
    flush_pending (self);
  else
    queue_flush (self);
}

void
sp_log_view_add_frame (SpLogView *self,
                       SpFrame   *frame)
{
  g_return_if_fail (SP_IS_LOG_VIEW (self));
  g_return_if_fail (frame != NULL);

  g_ptr_array_add (self->pending, sp_log_item_new (frame));

  /* While paused, only the newest messages are kept for later. */
  if (self->pending->len > self->log_limit * 2)
    g_ptr_array_remove_range (self->pending, 0, self->pending->len - self->log_limit);

  queue_flush (self);
}

static void
on_pause_toggled (SpLogView *self)
{
  gboolean paused = gtk_toggle_button_get_active (self->pause_button);

  gtk_button_set_icon_name (GTK_BUTTON (self->pause_button),
                            paused ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               paused ? _("Resume the Log") : _("Pause the Log"));
  /* Resume is back to live messages, wherever the log was scrolled (an
   * imported log is read from its top). */
  if (!paused)
    {
      self->follow_tail = TRUE;
      queue_flush (self);
    }
}

static void
on_search_changed (SpLogView *self)
{
  sp_log_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                            gtk_toggle_button_get_active (self->regex_button));
}

static void
on_search_error (SpLogView *self)
{
  const char *error = sp_log_filter_get_search_error (self->filter);

  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->search_entry), error);
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
on_log_scrolled (GtkAdjustment *adjustment,
                 SpLogView     *self)
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
on_log_wheel (SpLogView                *self,
              double                    dx,
              double                    dy,
              GtkEventControllerScroll *controller)
{
  if (dy < 0)
    self->follow_tail = FALSE;

  return GDK_EVENT_PROPAGATE;
}

/* ------------------------------------------------------------------------ */
/* A field of the selected message, to read prices or symbols from          */

static void
show_field (SpLogView        *self,
            const SpJsonSpan *span)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();
  g_autofree char *price_label = NULL;
  g_autofree char *symbol_label = NULL;
  g_autoptr(GMenuItem) price = NULL;
  g_autoptr(GMenuItem) symbol = NULL;

  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_view);
  g_autofree char *field = NULL;
  GtkTextIter start, end;

  /* The field stands out where it is in the message. */
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag_by_name (buffer, "field", &start, &end);
  gtk_revealer_set_reveal_child (self->field_revealer, span != NULL);
  if (span == NULL)
    {
      gtk_text_view_set_extra_menu (self->detail_view, NULL);
      return;
    }
  gtk_text_buffer_get_iter_at_offset (buffer, &start,
                                      g_utf8_pointer_to_offset (self->detail_text,
                                                                self->detail_text + span->start));
  gtk_text_buffer_get_iter_at_offset (buffer, &end,
                                      g_utf8_pointer_to_offset (self->detail_text,
                                                                self->detail_text + span->end));
  gtk_text_buffer_apply_tag_by_name (buffer, "field", &start, &end);

  /* Translators: below a message, the field the cursor is on: "Field data[].p" */
  field = g_strdup_printf (_("Field %s"), span->path);
  gtk_label_set_text (self->field_label, field);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->use_price_button), "(ss)", "price",
                                    span->path);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->use_symbol_button), "(ss)", "symbol",
                                    span->path);

  /* The same in the detail view's context menu. */
  price_label = g_strdup_printf (_("Use “%s” as Price"), span->path);
  symbol_label = g_strdup_printf (_("Use “%s” as Symbol"), span->path);
  price = g_menu_item_new (price_label, NULL);
  symbol = g_menu_item_new (symbol_label, NULL);
  g_menu_item_set_action_and_target (price, "stream.use-field", "(ss)", "price", span->path);
  g_menu_item_set_action_and_target (symbol, "stream.use-field", "(ss)", "symbol", span->path);
  g_menu_append_item (section, price);
  g_menu_append_item (section, symbol);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  gtk_text_view_set_extra_menu (self->detail_view, G_MENU_MODEL (menu));
}

static void
show_field_at_cursor (SpLogView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_view);
  const SpJsonSpan *span = NULL;
  GtkTextIter cursor;

  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  if (self->detail_spans != NULL && self->detail_text != NULL)
    {
      const char *at = g_utf8_offset_to_pointer (self->detail_text,
                                                 gtk_text_iter_get_offset (&cursor));

      span = sp_json_spans_find (self->detail_spans, at - self->detail_text);
    }
  show_field (self, span);
}

/* A right click on a field offers it in the context menu, as a left click
 * (which moves the cursor) offers it below. */
static void
on_detail_pressed (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   SpLogView       *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_view);
  GtkTextIter iter;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (self->detail_view, GTK_TEXT_WINDOW_WIDGET, (int) x,
                                         (int) y, &bx, &by);
  if (gtk_text_view_get_iter_at_location (self->detail_view, &iter, bx, by) &&
      !gtk_text_buffer_get_has_selection (buffer))
    gtk_text_buffer_place_cursor (buffer, &iter);
}

static SpLogItem *
selected_item (SpLogView *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
on_selection_changed (SpLogView *self)
{
  SpLogItem *item = selected_item (self);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_view);
  g_autofree char *details = NULL;
  g_autofree char *title = NULL;
  g_autofree char *time = NULL;
  g_autofree char *size = NULL;
  GArray *spans = NULL;
  SpFrame *frame;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_FRAME]);
  g_clear_pointer (&self->detail_text, g_free);
  g_clear_pointer (&self->detail_spans, sp_json_spans_free);
  if (item == NULL)
    {
      gtk_text_buffer_set_text (buffer, "", -1);
      gtk_label_set_text (self->detail_title, _("No message selected"));
      return;
    }

  frame = sp_log_item_get_frame (item);
  details = sp_log_item_dup_details (item, &spans);
  time = sp_log_item_dup_time (item);
  size = g_format_size_full (frame->size, G_FORMAT_SIZE_LONG_FORMAT);
  /* Translators: e.g. "Received text at 12:00:01.250 · 120 bytes" */
  title = g_strdup_printf (_("%s %s at %s · %s"),
                           frame->direction == SP_FRAME_IN ? _("Received") : _("Sent"),
                           sp_frame_kind_to_string (frame->kind), time, size);
  gtk_label_set_text (self->detail_title, title);
  self->detail_spans = spans;
  self->detail_text = g_strdup (details);
  /* A hexdump's rows read across, its ASCII column beside the bytes: they
   * scroll sideways rather than wrap. */
  gtk_text_view_set_wrap_mode (self->detail_view,
                               frame->kind == SP_FRAME_TEXT || frame->kind == SP_FRAME_CLOSE
                                 ? GTK_WRAP_WORD_CHAR : GTK_WRAP_NONE);
  gtk_text_buffer_set_text (buffer, details, -1);
  show_field_at_cursor (self);
}

void
sp_log_view_copy_selected (SpLogView *self)
{
  SpLogItem *item;
  g_autofree char *details = NULL;

  g_return_if_fail (SP_IS_LOG_VIEW (self));

  item = selected_item (self);
  if (item == NULL)
    return;

  details = sp_log_item_dup_details (item, NULL);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), details);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", _("Message copied"));
}

void
sp_log_view_clear (SpLogView *self)
{
  g_return_if_fail (SP_IS_LOG_VIEW (self));

  g_ptr_array_set_size (self->pending, 0);
  g_list_store_remove_all (self->log_store);
}

void
sp_log_view_replace (SpLogView *self,
                     GPtrArray *frames)
{
  g_autoptr(GPtrArray) items = NULL;

  g_return_if_fail (SP_IS_LOG_VIEW (self));
  g_return_if_fail (frames != NULL);

  /* The saved messages replace the log, which pauses so the stream does not
   * push them out; Resume goes back to live messages. */
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < frames->len; i++)
    g_ptr_array_add (items, sp_log_item_new (g_ptr_array_index (frames, i)));
  gtk_toggle_button_set_active (self->pause_button, TRUE);
  g_ptr_array_set_size (self->pending, 0);
  g_list_store_splice (self->log_store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->log_store)),
                       items->pdata, items->len);
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
sp_log_view_select_message (SpLogView *self,
                            gint64     time_us)
{
  int position;

  g_return_val_if_fail (SP_IS_LOG_VIEW (self), FALSE);

  flush_pending (self);
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
      gtk_drop_down_set_selected (self->direction_dropdown, SP_LOG_DIRECTION_BOTH);
      gtk_drop_down_set_selected (self->kind_dropdown, SP_LOG_KIND_ALL);
      sp_log_view_set_search (self, "", FALSE);
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
sp_log_view_get_selected_frame (SpLogView *self)
{
  SpLogItem *item;

  g_return_val_if_fail (SP_IS_LOG_VIEW (self), NULL);

  item = selected_item (self);
  return item != NULL ? sp_log_item_get_frame (item) : NULL;
}

void
sp_log_view_set_search (SpLogView  *self,
                        const char *text,
                        gboolean    regex)
{
  g_return_if_fail (SP_IS_LOG_VIEW (self));

  gtk_toggle_button_set_active (self->regex_button, regex);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  on_search_changed (self);
}

void
sp_log_view_set_paused (SpLogView *self,
                        gboolean   paused)
{
  g_return_if_fail (SP_IS_LOG_VIEW (self));

  gtk_toggle_button_set_active (self->pause_button, paused);
}

void
sp_log_view_set_limit (SpLogView *self,
                       guint      limit)
{
  g_return_if_fail (SP_IS_LOG_VIEW (self));
  g_return_if_fail (limit > 0);

  self->log_limit = limit;
}

guint
sp_log_view_get_limit (SpLogView *self)
{
  g_return_val_if_fail (SP_IS_LOG_VIEW (self), 0);

  return self->log_limit;
}

GListModel *
sp_log_view_get_log (SpLogView *self)
{
  g_return_val_if_fail (SP_IS_LOG_VIEW (self), NULL);

  return G_LIST_MODEL (self->log_store);
}

GListModel *
sp_log_view_get_shown (SpLogView *self)
{
  g_return_val_if_fail (SP_IS_LOG_VIEW (self), NULL);

  return G_LIST_MODEL (self->filtered);
}

SpLogFilter *
sp_log_view_get_filter (SpLogView *self)
{
  g_return_val_if_fail (SP_IS_LOG_VIEW (self), NULL);

  return self->filter;
}

static void
sp_log_view_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SpLogView *self = SP_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_FRAME:
      g_value_set_boxed (value, sp_log_view_get_selected_frame (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_log_view_dispose (GObject *object)
{
  SpLogView *self = SP_LOG_VIEW (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_pointer (&self->flush_update, sp_frame_update_free);
  g_clear_pointer (&self->on_screen, sp_on_screen_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_LOG_VIEW);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->log_store);

  G_OBJECT_CLASS (sp_log_view_parent_class)->dispose (object);
}

static void
sp_log_view_finalize (GObject *object)
{
  SpLogView *self = SP_LOG_VIEW (object);

  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->detail_text, g_free);
  g_clear_pointer (&self->detail_spans, sp_json_spans_free);

  G_OBJECT_CLASS (sp_log_view_parent_class)->finalize (object);
}

/* Under this width, or when the list and the message would not both fit side
 * by side, the message goes under the list. Decided from the width given, so
 * it cannot swing back and forth: neither layout changes that width. */
#define SIDE_BY_SIDE_MIN_WIDTH 720

static gboolean
is_narrow (SpLogView *self,
           int        width)
{
  int list_min, detail_min;

  gtk_widget_measure (gtk_paned_get_start_child (self->detail_paned), GTK_ORIENTATION_HORIZONTAL,
                      -1, &list_min, NULL, NULL, NULL);
  gtk_widget_measure (gtk_paned_get_end_child (self->detail_paned), GTK_ORIENTATION_HORIZONTAL,
                      -1, &detail_min, NULL, NULL, NULL);
  return width < MAX (SIDE_BY_SIDE_MIN_WIDTH, list_min + detail_min + 24);
}

/* Measured as the layout the width will get: the parent measures before the
 * layout changes in size_allocate. Side by side is only ever given a width it
 * fits in, so the least width is the narrow layout's. */
static void
sp_log_view_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  SpLogView *self = SP_LOG_VIEW (widget);
  GtkWidget *toolbar = gtk_widget_get_first_child (gtk_widget_get_first_child (widget));
  GtkWidget *list = gtk_paned_get_start_child (self->detail_paned);
  GtkWidget *detail = gtk_paned_get_end_child (self->detail_paned);
  int toolbar_min, list_min, detail_min, nat;

  sp_bin_measure (widget, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
  gtk_widget_measure (toolbar, orientation, for_size, &toolbar_min, &nat, NULL, NULL);
  gtk_widget_measure (list, orientation, -1, &list_min, &nat, NULL, NULL);
  gtk_widget_measure (detail, orientation, -1, &detail_min, &nat, NULL, NULL);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = MAX (toolbar_min, MAX (list_min, detail_min));
  else if (for_size >= 0 && is_narrow (self, for_size))
    /* The message under the list may shrink away (see below). */
    *minimum = toolbar_min + list_min + 1;
  else
    *minimum = toolbar_min + MAX (list_min, detail_min);
  *natural = MAX (*natural, *minimum);
}

static void
sp_log_view_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  SpLogView *self = SP_LOG_VIEW (widget);
  GtkOrientable *paned = GTK_ORIENTABLE (self->detail_paned);
  gboolean narrow = is_narrow (self, width);

  if (narrow != (gtk_orientable_get_orientation (paned) == GTK_ORIENTATION_VERTICAL))
    {
      if (narrow)
        {
          self->wide_position = gtk_paned_get_position (self->detail_paned);
          gtk_orientable_set_orientation (paned, GTK_ORIENTATION_VERTICAL);
          /* Shared by their natural heights until the user moves the divider,
           * which may hide the message to give the list the height. */
          g_object_set (self->detail_paned, "position-set", FALSE, NULL);
          gtk_paned_set_shrink_end_child (self->detail_paned, TRUE);
        }
      else
        {
          gtk_orientable_set_orientation (paned, GTK_ORIENTATION_HORIZONTAL);
          gtk_paned_set_shrink_end_child (self->detail_paned, FALSE);
          gtk_paned_set_position (self->detail_paned, self->wide_position);
        }
    }

  sp_bin_allocate (widget, width, height, baseline);
}

static void
sp_log_view_class_init (SpLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_log_view_dispose;
  object_class->finalize = sp_log_view_finalize;
  object_class->get_property = sp_log_view_get_property;
  widget_class->get_request_mode = sp_bin_get_request_mode;
  widget_class->measure = sp_log_view_measure;
  widget_class->size_allocate = sp_log_view_size_allocate;

  properties[PROP_SELECTED_FRAME] =
    g_param_spec_boxed ("selected-frame", NULL, NULL, SP_TYPE_FRAME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SP_TYPE_LOG_FILTER);
  g_type_ensure (SP_TYPE_WRAP_BOX);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-log-view.ui");
  /* No layout manager: its size_allocate chooses the layout (sp-bin.h). */

  gtk_widget_class_bind_template_child (widget_class, SpLogView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, regex_button);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, direction_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, log_scroller);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, log_view);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, detail_title);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, detail_view);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, field_revealer);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, field_label);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, use_price_button);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, use_symbol_button);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, selection);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, filtered);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, filter);
  gtk_widget_class_bind_template_child (widget_class, SpLogView, detail_paned);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_log_wheel);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, setup_row);
  gtk_widget_class_bind_template_callback (widget_class, bind_row);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row);
}

static void
sp_log_view_init (SpLogView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->wide_position = gtk_paned_get_position (self->detail_paned);
  self->log_limit = DEFAULT_LOG_LIMIT;
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->log_store = g_list_store_new (SP_TYPE_LOG_ITEM);
  gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (self->log_store));
  self->follow_tail = TRUE;
  self->on_screen = sp_on_screen_new (GTK_WIDGET (self), on_screen_changed, self);
  self->flush_update = sp_frame_update_new (GTK_WIDGET (self), SP_FRAME_UPDATE_TICK,
                                            LOG_REFRESH_MS, LOG_WAIT_MS, apply_flush, self);

  g_signal_connect_object (self->filter, "notify::search-error", G_CALLBACK (on_search_error), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (gtk_scrolled_window_get_vadjustment (self->log_scroller), "value-changed",
                    G_CALLBACK (on_log_scrolled), self);

  {
    GtkGesture *right_click = gtk_gesture_click_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (right_click), GDK_BUTTON_SECONDARY);
    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (right_click),
                                                GTK_PHASE_CAPTURE);
    g_signal_connect (right_click, "pressed", G_CALLBACK (on_detail_pressed), self);
    gtk_widget_add_controller (GTK_WIDGET (self->detail_view), GTK_EVENT_CONTROLLER (right_click));
  }
  /* Blue as a link, as the accent colour in both light and dark styles. */
  gtk_text_buffer_create_tag (gtk_text_view_get_buffer (self->detail_view), "field",
                              "underline", PANGO_UNDERLINE_SINGLE, "foreground", "#3584e4", NULL);
  g_signal_connect_object (gtk_text_view_get_buffer (self->detail_view), "notify::cursor-position",
                           G_CALLBACK (show_field_at_cursor), self, G_CONNECT_SWAPPED);
}
