/* The chart pane: binds the chart and the price labels to the chosen symbol of
 * the viewer's model; the tools are in its template, their actions the page's. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-pane.h"
#include "sp-frame-update.h"
#include "sp-wrap-box.h"

/* The price labels change at most about ten times a second, whatever the
 * message rate: no one reads faster, and each change costs a relayout. They
 * change in a frame the chart draws for the same prices (a little under its
 * SP_REDRAW_DATA_INTERVAL_US, so as to take every one of them), or after
 * 200 ms when the chart draws none (looking back in time). */
#define PRICE_REFRESH_MS  90
#define PRICE_WAIT_MS     200

struct _SpChartPane
{
  GtkWidget      parent_instance;

  GtkDropDown   *symbol_dropdown;
  GtkLabel      *price_label;
  GtkLabel      *change_label;
  GtkLabel      *source_label;
  GtkPopover    *fields_popover;
  GtkEntry      *fields_price_entry;
  GtkEntry      *fields_symbol_entry;
  SpStreamClient *client;       /* the watch's, for where its prices come from */
  guint64         messages_before; /* the watch's count when this stream began */
  GtkDropDown   *candle_dropdown;
  SpChart       *chart;

  SpWatch       *watch;
  SpAlerts      *alerts;          /* whose levels and marks the chart shows; may be NULL */
  GPtrArray     *compared;        /* the symbols charted beside the shown one, by name */
  GtkBox        *compare_box;
  GtkLabel      *compare_hint;
  GtkMenuButton *compare_button;
  GSettings     *settings;
  SpWatchSymbol *symbol;          /* the one shown */
  SpFrameUpdate *price_update;    /* the price labels wait for a frame */
  guint64        seen_generation; /* of the chart's series, at the last message */
};

enum {
  PROP_0,
  PROP_SYMBOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpChartPane, sp_chart_pane, GTK_TYPE_WIDGET)

/* Candle widths offered in the chart's tools; Preferences may hold another. */
static const guint candle_choices[] = { 1, 5, 60 };

/* The change since the session's open when the stream says it; otherwise
 * since the first price seen, and the label says so (sp_watch_symbol_get_change()). */
static char *
describe_change (SpWatchSymbol *symbol,
                 double        *delta)
{
  double percent;

  if (sp_watch_symbol_get_change (symbol, delta, &percent))
    return g_strdup_printf ("%+.2f (%+.2f %%)", *delta, percent);

  /* Translators: the change of the price since the viewer connected, e.g. "+1.32 (+0.44 %) since connected" */
  return g_strdup_printf (_("%+.2f (%+.2f %%) since connected"), *delta, percent);
}

static void
show_price (SpChartPane *self)
{
  g_autofree char *price = NULL;
  g_autofree char *change = NULL;
  double last;
  double delta;

  if (self->symbol == NULL)
    return;

  last = sp_watch_symbol_get_last_price (self->symbol);
  price = g_strdup_printf ("%.2f", last);
  change = describe_change (self->symbol, &delta);
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

static void
apply_price (gpointer data)
{
  show_price (data);
}

static void
on_last_price (SpChartPane *self)
{
  sp_frame_update_queue (self->price_update);
}

/* Adds up the generations of @series, and says its newest point. */
static void
add_generation (SpSeries *series,
                guint64  *generation,
                gint64   *newest)
{
  guint len = series != NULL ? sp_series_get_length (series) : 0;

  if (len == 0)
    return;
  *generation += sp_series_get_generation (series);
  *newest = MAX (*newest, sp_series_get_point (series, len - 1)->t_us);
}

/* A message with prices: the chart draws those of its symbol and of the
 * compared ones when they are in view. */
static void
on_prices (SpChartPane *self)
{
  guint64 generation = 0;
  gint64 newest = G_MININT64;

  add_generation (sp_chart_get_series (self->chart), &generation, &newest);
  for (guint i = 0; self->watch != NULL && i < self->compared->len; i++)
    {
      SpWatchSymbol *symbol = sp_watch_lookup (self->watch, g_ptr_array_index (self->compared, i));

      if (symbol != NULL)
        add_generation (sp_watch_symbol_get_series (symbol), &generation, &newest);
    }

  if (generation == self->seen_generation || newest == G_MININT64)
    return;
  self->seen_generation = generation;
  sp_chart_points_added (self->chart, newest);
}

/* A new sample of the message rate, drawn under the prices. */
static void
on_rate (SpChartPane *self)
{
  sp_chart_rate_added (self->chart);
}

/* The shown symbol's alert levels and where its alerts fired, on the chart. */
static void
show_alerts (SpChartPane *self)
{
  g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (SpChartLevel));
  g_autoptr(GArray) marks = g_array_new (FALSE, FALSE, sizeof (SpChartMark));
  const char *name = sp_chart_pane_get_symbol (self);
  GArray *events;

  if (self->alerts != NULL && name != NULL)
    {
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->alerts)); i++)
        {
          SpAlert *alert = sp_alerts_get (self->alerts, i);
          SpChartLevel level = { sp_alert_get_value (alert), sp_alert_get_kind (alert) == SP_ALERT_ABOVE };

          if (sp_alert_get_enabled (alert) && sp_alert_get_kind (alert) != SP_ALERT_MOVE &&
              g_str_equal (sp_alert_get_symbol (alert), name))
            g_array_append_val (levels, level);
        }
      events = sp_alerts_get_events (self->alerts, name);
      for (guint i = 0; events != NULL && i < events->len; i++)
        {
          const SpAlertEvent *event = &g_array_index (events, SpAlertEvent, i);
          SpChartMark mark = { event->t_us, event->price };

          g_array_append_val (marks, mark);
        }
    }
  sp_chart_set_alerts (self->chart, levels, marks);
}

/* The compared symbols' histories beside the shown one's, on the chart. */
static void
show_compare (SpChartPane *self)
{
  g_autoptr(GPtrArray) series = g_ptr_array_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *shown = sp_chart_pane_get_symbol (self);

  for (guint i = 0; self->watch != NULL && i < self->compared->len; i++)
    {
      const char *name = g_ptr_array_index (self->compared, i);
      SpWatchSymbol *symbol = sp_watch_lookup (self->watch, name);

      if (symbol == NULL || g_strcmp0 (name, shown) == 0)
        continue;
      g_ptr_array_add (series, sp_watch_symbol_get_series (symbol));
      g_ptr_array_add (names, (gpointer) name);
    }
  g_ptr_array_add (names, NULL);
  sp_chart_set_compare (self->chart, shown, series, (const char *const *) names->pdata);
  if (self->compared->len > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->compare_button), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->compare_button), "accent");
}

static gboolean
is_compared (SpChartPane *self,
             const char  *name)
{
  for (guint i = 0; i < self->compared->len; i++)
    if (g_str_equal (g_ptr_array_index (self->compared, i), name))
      return TRUE;
  return FALSE;
}

static void
on_compare_toggled (GtkCheckButton *check,
                    SpChartPane    *self)
{
  const char *name = g_object_get_data (G_OBJECT (check), "symbol");

  if (gtk_check_button_get_active (check) && !is_compared (self, name) &&
      self->compared->len >= SP_CHART_MAX_COMPARE)
    {
      /* No room for it: it stays unchecked. */
      gtk_check_button_set_active (check, FALSE);
      return;
    }
  if (gtk_check_button_get_active (check) && !is_compared (self, name))
    g_ptr_array_add (self->compared, g_strdup (name));
  else if (!gtk_check_button_get_active (check))
    for (guint i = 0; i < self->compared->len; i++)
      if (g_str_equal (g_ptr_array_index (self->compared, i), name))
        {
          g_ptr_array_remove_index (self->compared, i);
          break;
        }
  show_compare (self);

  /* Up to the most the chart shows: the others wait. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->compare_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_sensitive (child, gtk_check_button_get_active (GTK_CHECK_BUTTON (child)) ||
                                     self->compared->len < SP_CHART_MAX_COMPARE);
}

/* A check button for every other symbol of the stream; at most
 * SP_CHART_MAX_COMPARE checked. */
static void
fill_compare_list (SpChartPane *self)
{
  GListModel *model = self->watch != NULL ? G_LIST_MODEL (self->watch) : NULL;
  const char *shown = sp_chart_pane_get_symbol (self);
  gboolean full = self->compared->len >= SP_CHART_MAX_COMPARE;
  g_autofree char *hint = NULL;
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->compare_box))) != NULL)
    gtk_box_remove (self->compare_box, child);

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (model, i);
      const char *name = sp_watch_symbol_get_name (symbol);
      GtkWidget *check;

      if (g_strcmp0 (name, shown) == 0)
        continue;
      check = gtk_check_button_new_with_label (name);
      g_object_set_data_full (G_OBJECT (check), "symbol", g_strdup (name), g_free);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), is_compared (self, name));
      gtk_widget_set_sensitive (check, is_compared (self, name) || !full);
      g_signal_connect (check, "toggled", G_CALLBACK (on_compare_toggled), self);
      gtk_box_append (self->compare_box, check);
      n++;
    }

  if (n == 0)
    hint = g_strdup (_("The stream has no other symbol yet."));
  else
    /* Translators: in the chart's Compare popover; %u is 6 */
    hint = g_strdup_printf (_("Each line shows its change from its first price in view. Up to %u symbols."),
                            SP_CHART_MAX_COMPARE);
  gtk_label_set_text (self->compare_hint, hint);
}

static void
on_compare_shown (SpChartPane *self)
{
  fill_compare_list (self);
}

static void
on_compare_clear (SpChartPane *self)
{
  g_ptr_array_set_size (self->compared, 0);
  show_compare (self);
  fill_compare_list (self);
}

static void
on_symbol_selected (SpChartPane *self)
{
  SpWatchSymbol *symbol = gtk_drop_down_get_selected_item (self->symbol_dropdown);

  if (symbol == self->symbol)
    return;
  if (self->symbol != NULL)
    g_signal_handlers_disconnect_by_func (self->symbol, on_last_price, self);
  g_set_object (&self->symbol, symbol);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYMBOL]);

  /* A new list of symbols for a new connection: the chart keeps the old
   * history until the first price, the labels start again. */
  if (symbol == NULL)
    {
      gtk_label_set_text (self->price_label, "—");
      gtk_label_set_text (self->change_label, "");
      return;
    }

  g_signal_connect_object (symbol, "notify::last-price", G_CALLBACK (on_last_price), self,
                           G_CONNECT_SWAPPED);
  sp_chart_set_series (self->chart, sp_watch_symbol_get_series (symbol));
  show_price (self);
  show_alerts (self);
  show_compare (self);
}

/* Another stream: its histories start from nothing. */
static void show_empty_text (SpChartPane *self);

static void
on_url_changed (SpChartPane *self)
{
  sp_chart_set_series (self->chart, NULL);
  self->messages_before = sp_watch_get_n_messages (self->watch);
  show_empty_text (self);
  show_alerts (self);
}

/* Says where the prices come from, as the extractor found them. */
static void
show_price_source (SpChartPane *self)
{
  const char *source = self->client != NULL ? sp_stream_client_get_price_source (self->client) : NULL;
  g_autofree char *text = source != NULL ? g_strdup_printf (_("Prices: %s"), source) : NULL;

  gtk_label_set_text (self->source_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->source_label), text != NULL);
}

/* The fields the stream is read with now, to change. */
static void
on_fields_shown (SpChartPane *self)
{
  const SpStreamOptions *options = self->client ? sp_stream_client_get_options (self->client) : NULL;

  gtk_editable_set_text (GTK_EDITABLE (self->fields_price_entry),
                         options && options->price_path ? options->price_path : "");
  gtk_editable_set_text (GTK_EDITABLE (self->fields_symbol_entry),
                         options && options->symbol_path ? options->symbol_path : "");
  gtk_widget_grab_focus (GTK_WIDGET (self->fields_price_entry));
}

static void
on_fields_apply (SpChartPane *self)
{
  gtk_popover_popdown (self->fields_popover);
  gtk_widget_activate_action (GTK_WIDGET (self), "stream.set-fields", "(ss)",
                              gtk_editable_get_text (GTK_EDITABLE (self->fields_price_entry)),
                              gtk_editable_get_text (GTK_EDITABLE (self->fields_symbol_entry)));
}

static void
on_fields_detect (SpChartPane *self)
{
  gtk_popover_popdown (self->fields_popover);
  gtk_widget_activate_action (GTK_WIDGET (self), "stream.set-fields", "(ss)", "", "");
}

/* A stream whose first messages hold no price says so, not "waiting". */
#define MESSAGES_BEFORE_NONE 5

static void
show_empty_text (SpChartPane *self)
{
  guint64 all = sp_watch_get_n_messages (self->watch);
  guint64 n = all > self->messages_before ? all - self->messages_before : 0;
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;

  count = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  if (n >= MESSAGES_BEFORE_NONE && g_list_model_get_n_items (G_LIST_MODEL (self->watch)) == 0)
    /* Translators: %s is a count, e.g. "12" */
    text = g_strdup_printf (_("No prices in %s messages: they are all in the log below. Set where "
                              "the price is in the connection's options."),
                            count);
  sp_chart_set_empty_text (self->chart, text);
}

static void
on_client_changed (SpChartPane *self)
{
  SpStreamClient *client = sp_watch_get_client (self->watch);

  if (client == self->client)
    return;
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->client, show_price_source, self);
      g_signal_handlers_disconnect_by_func (self->client, on_prices, self);
    }
  g_set_object (&self->client, client);
  if (client != NULL)
    {
      g_signal_connect_object (client, "notify::price-source", G_CALLBACK (show_price_source), self,
                               G_CONNECT_SWAPPED);
      /* After the watch's handler, which adds the points. */
      g_signal_connect_object (client, "prices", G_CALLBACK (on_prices), self,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
    }
  show_price_source (self);
}

void
sp_chart_pane_set_watch (SpChartPane *self,
                         SpWatch     *watch)
{
  g_return_if_fail (SP_IS_CHART_PANE (self));
  g_return_if_fail (SP_IS_WATCH (watch));
  g_return_if_fail (self->watch == NULL);

  self->watch = g_object_ref (watch);
  sp_chart_set_rate_series (self->chart, sp_watch_get_rate_series (watch));
  g_signal_connect_object (watch, "notify::url", G_CALLBACK (on_url_changed), self,
                           G_CONNECT_SWAPPED);
  gtk_drop_down_set_model (self->symbol_dropdown, G_LIST_MODEL (watch));
  g_signal_connect_object (watch, "notify::client", G_CALLBACK (on_client_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watch, "notify::n-messages", G_CALLBACK (show_empty_text), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watch, "items-changed", G_CALLBACK (show_empty_text), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (watch, "notify::rate", G_CALLBACK (on_rate), self, G_CONNECT_SWAPPED);
  /* Compared symbols come back when their prices do (after a reconnect). */
  g_signal_connect_object (watch, "items-changed", G_CALLBACK (show_compare), self,
                           G_CONNECT_SWAPPED);
  on_client_changed (self);
}

void
sp_chart_pane_set_alerts (SpChartPane *self,
                          SpAlerts    *alerts)
{
  g_return_if_fail (SP_IS_CHART_PANE (self));
  g_return_if_fail (alerts == NULL || SP_IS_ALERTS (alerts));

  if (self->alerts != NULL)
    g_signal_handlers_disconnect_by_func (self->alerts, show_alerts, self);
  g_set_object (&self->alerts, alerts);
  if (alerts != NULL)
    {
      g_signal_connect_object (alerts, "changed", G_CALLBACK (show_alerts), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (alerts, "fired", G_CALLBACK (show_alerts), self, G_CONNECT_SWAPPED);
    }
  show_alerts (self);
}

gboolean
sp_chart_pane_show_symbol (SpChartPane *self,
                           const char  *name)
{
  GListModel *model;

  g_return_val_if_fail (SP_IS_CHART_PANE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->watch == NULL)
    return FALSE;
  model = G_LIST_MODEL (self->watch);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (model, i);

      if (g_str_equal (sp_watch_symbol_get_name (symbol), name))
        {
          gtk_drop_down_set_selected (self->symbol_dropdown, i);
          return TRUE;
        }
    }
  return FALSE;
}

static void
on_candle_selected (SpChartPane *self)
{
  guint selected = gtk_drop_down_get_selected (self->candle_dropdown);

  if (self->settings != NULL && selected < G_N_ELEMENTS (candle_choices))
    g_settings_set_uint (self->settings, "candle-seconds", candle_choices[selected]);
}

static void
show_candle_choice (SpChartPane *self)
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

/* Always there, usable with candles: a control appearing would move the
 * toolbar under the pointer that just chose candles. */
static void
on_chart_mode_changed (SpChartPane *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->candle_dropdown),
                            sp_chart_get_mode (self->chart) == SP_CHART_CANDLES);
}

static void
on_chart_settings_changed (SpChartPane *self)
{
  if (self->watch != NULL)
    sp_watch_set_history (self->watch, g_settings_get_uint (self->settings, "chart-history"));
  sp_chart_set_candle_seconds (self->chart, g_settings_get_uint (self->settings, "candle-seconds"));
  show_candle_choice (self);
}

void
sp_chart_pane_set_settings (SpChartPane *self,
                            GSettings   *settings)
{
  g_return_if_fail (SP_IS_CHART_PANE (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_object (&self->settings, settings);
  g_settings_bind (settings, "chart-mode", self->chart, "mode", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (settings, "changed::chart-history", G_CALLBACK (on_chart_settings_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::candle-seconds", G_CALLBACK (on_chart_settings_changed),
                           self, G_CONNECT_SWAPPED);
  on_chart_settings_changed (self);
}

SpChart *
sp_chart_pane_get_chart (SpChartPane *self)
{
  g_return_val_if_fail (SP_IS_CHART_PANE (self), NULL);

  return self->chart;
}

gboolean
sp_chart_pane_set_symbol (SpChartPane *self,
                          const char  *name)
{
  GListModel *symbols;

  g_return_val_if_fail (SP_IS_CHART_PANE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  symbols = gtk_drop_down_get_model (self->symbol_dropdown);
  for (guint i = 0; symbols != NULL && i < g_list_model_get_n_items (symbols); i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (symbols, i);

      if (g_str_equal (sp_watch_symbol_get_name (symbol), name))
        {
          gtk_drop_down_set_selected (self->symbol_dropdown, i);
          return TRUE;
        }
    }
  return FALSE;
}

const char *
sp_chart_pane_get_symbol (SpChartPane *self)
{
  g_return_val_if_fail (SP_IS_CHART_PANE (self), NULL);

  return self->symbol != NULL ? sp_watch_symbol_get_name (self->symbol) : NULL;
}

char *
sp_chart_pane_dup_file_name (SpChartPane *self,
                             const char  *extension)
{
  const char *symbol;
  char *name;

  g_return_val_if_fail (SP_IS_CHART_PANE (self), NULL);

  symbol = sp_chart_pane_get_symbol (self);
  name = g_strdup_printf ("%s.%s", symbol != NULL ? symbol : "StockPush", extension);
  return g_strdelimit (name, "/\\", '_');
}

static char *
format_moment (gint64 t_us,
               gboolean with_date)
{
  g_autoptr(GDateTime) moment = g_date_time_new_from_unix_local (t_us / G_USEC_PER_SEC);

  return moment != NULL ? g_date_time_format (moment, with_date ? "%x %X" : "%X") : g_strdup ("?");
}

/* What a saved picture says above the chart: the symbol, then the time range
 * and where the prices came from. */
static void
describe_picture (SpChartPane  *self,
                  char        **title,
                  char        **subtitle)
{
  const SpStreamOptions *options = self->client != NULL ? sp_stream_client_get_options (self->client) : NULL;
  const char *symbol = sp_chart_pane_get_symbol (self);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  gint64 start, end;

  sp_chart_get_range (self->chart, &start, &end);
  from = format_moment (start, TRUE);
  to = format_moment (end, start / G_USEC_PER_SEC / 86400 != end / G_USEC_PER_SEC / 86400);
  *title = g_strdup (symbol != NULL ? symbol : "StockPush");
  /* Translators: under a saved chart's symbol: "04/12/26 12:00:00 to 12:05:00 · ws://127.0.0.1:8765/ · StockPush" */
  *subtitle = g_strdup_printf (_("%s to %s · %s · StockPush"), from, to,
                               options != NULL && options->url != NULL ? options->url : "");
}

/* @chart (opaque, its own background) under a heading in its colours. */
static cairo_surface_t *
add_heading (SpChartPane     *self,
             cairo_surface_t *chart,
             const char      *title,
             const char      *subtitle)
{
  double sx, sy;
  int width = cairo_image_surface_get_width (chart);
  int height = cairo_image_surface_get_height (chart);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  g_autofree char *markup = g_markup_printf_escaped ("<b><big>%s</big></b>\n<small>%s</small>", title, subtitle);
  cairo_surface_t *out;
  GdkRGBA foreground;
  guint32 pixel;
  cairo_t *cr;
  int text_height;

  cairo_surface_get_device_scale (chart, &sx, &sy);
  pango_layout_set_markup (layout, markup, -1);
  pango_layout_set_width (layout, (int) ((width / sx - 24) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, NULL, &text_height);
  text_height += 16;

  out = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height + (int) (text_height * sy));
  cairo_surface_set_device_scale (out, sx, sy);
  /* The chart's own background (its first pixel, opaque) behind the heading too. */
  cairo_surface_flush (chart);
  pixel = *(const guint32 *) cairo_image_surface_get_data (chart);
  cr = cairo_create (out);
  cairo_set_source_rgb (cr, ((pixel >> 16) & 0xff) / 255.0, ((pixel >> 8) & 0xff) / 255.0,
                        (pixel & 0xff) / 255.0);
  cairo_paint (cr);
  cairo_set_source_surface (cr, chart, 0, text_height);
  cairo_paint (cr);
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &foreground);
  gdk_cairo_set_source_rgba (cr, &foreground);
  cairo_move_to (cr, 12, 8);
  pango_cairo_show_layout (cr, layout);
  cairo_destroy (cr);
  cairo_surface_flush (out);

  return out;
}

gboolean
sp_chart_pane_save_chart (SpChartPane *self,
                          GFile       *file,
                          GError     **error)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *png = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  cairo_surface_t *chart;
  cairo_surface_t *surface;
  gsize png_size;

  g_return_val_if_fail (SP_IS_CHART_PANE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  describe_picture (self, &title, &subtitle);
  chart = sp_chart_render_surface (self->chart, gtk_widget_get_scale_factor (GTK_WIDGET (self)));
  surface = add_heading (self, chart, title, subtitle);
  cairo_surface_destroy (chart);
  pixbuf = gdk_pixbuf_get_from_surface (surface, 0, 0, cairo_image_surface_get_width (surface),
                                        cairo_image_surface_get_height (surface));
  cairo_surface_destroy (surface);
  /* The same words in the file, for whatever lists pictures. */
  if (pixbuf == NULL ||
      !gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_size, "png", error,
                                  "tEXt::Title", title, "tEXt::Description", subtitle,
                                  "tEXt::Software", "StockPush", NULL))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not draw the chart"));
      return FALSE;
    }

  return g_file_replace_contents (file, png, png_size, NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

gboolean
sp_chart_pane_export_prices (SpChartPane *self,
                             GFile       *file,
                             GError     **error)
{
  SpSeries *series;
  g_autoptr(GBytes) csv = NULL;

  g_return_val_if_fail (SP_IS_CHART_PANE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  series = self->symbol != NULL ? sp_watch_symbol_get_series (self->symbol) : NULL;
  if (series == NULL || sp_series_get_length (series) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There are no prices to export yet"));
      return FALSE;
    }

  csv = sp_series_to_csv (series, sp_watch_symbol_get_name (self->symbol));
  return g_file_replace_contents (file, g_bytes_get_data (csv, NULL), g_bytes_get_size (csv), NULL,
                                  FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

static void
sp_chart_pane_dispose (GObject *object)
{
  SpChartPane *self = SP_CHART_PANE (object);

  g_clear_pointer (&self->price_update, sp_frame_update_free);
  if (self->symbol != NULL)
    g_signal_handlers_disconnect_by_func (self->symbol, on_last_price, self);
  g_clear_object (&self->symbol);
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->client, show_price_source, self);
      g_signal_handlers_disconnect_by_func (self->client, on_prices, self);
    }
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CHART_PANE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->watch);
  if (self->alerts != NULL)
    g_signal_handlers_disconnect_by_func (self->alerts, show_alerts, self);
  g_clear_object (&self->alerts);
  g_clear_pointer (&self->compared, g_ptr_array_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sp_chart_pane_parent_class)->dispose (object);
}

static void
sp_chart_pane_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SYMBOL:
      g_value_set_string (value, sp_chart_pane_get_symbol (SP_CHART_PANE (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_chart_pane_class_init (SpChartPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_chart_pane_dispose;
  object_class->get_property = sp_chart_pane_get_property;

  /* The charted symbol's name, or NULL. */
  properties[PROP_SYMBOL] =
    g_param_spec_string ("symbol", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SP_TYPE_CHART);
  g_type_ensure (SP_TYPE_WRAP_BOX);
  g_type_ensure (SP_TYPE_WATCH_SYMBOL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-chart-pane.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_bind_template_child (widget_class, SpChartPane, symbol_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, price_label);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, change_label);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, source_label);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, fields_popover);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, fields_price_entry);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, fields_symbol_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_fields_shown);
  gtk_widget_class_bind_template_callback (widget_class, on_fields_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_fields_detect);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, candle_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, compare_box);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, compare_hint);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, compare_button);
  gtk_widget_class_bind_template_callback (widget_class, on_compare_shown);
  gtk_widget_class_bind_template_callback (widget_class, on_compare_clear);
  gtk_widget_class_bind_template_child (widget_class, SpChartPane, chart);
  gtk_widget_class_bind_template_callback (widget_class, on_symbol_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_candle_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_chart_mode_changed);
}

static void
sp_chart_pane_init (SpChartPane *self)
{
  self->compared = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->price_update = sp_frame_update_new (GTK_WIDGET (self), SP_FRAME_UPDATE_BEFORE_PAINT,
                                            PRICE_REFRESH_MS, PRICE_WAIT_MS, apply_price, self);

  show_candle_choice (self);
  on_chart_mode_changed (self);
}
