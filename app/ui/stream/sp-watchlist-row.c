/* One row of the watchlist; its symbol is bound by the list's factory. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-frame-update.h"
#include "sp-watchlist-row.h"

/* Rows change at most ten times a second, whatever the message rate, in a
 * frame the window draws anyway (the chart's, the log's), or after
 * REFRESH_WAIT_MS on a frame of their own when none comes. */
#define REFRESH_MS      100
#define REFRESH_WAIT_MS 250

struct _SpWatchlistRow
{
  GtkWidget       parent_instance;

  GtkLabel       *name_label;
  GtkLabel       *basis_label;
  GtkDrawingArea *spark_area;
  GtkLabel       *last_label;
  GtkLabel       *change_label;

  SpWatchSymbol  *symbol;
  SpFrameUpdate  *update;
};

enum {
  PROP_0,
  PROP_SYMBOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpWatchlistRow, sp_watchlist_row, GTK_TYPE_WIDGET)

static void
set_class (GtkWidget  *widget,
           const char *add,
           const char *remove)
{
  gtk_widget_remove_css_class (widget, remove);
  gtk_widget_add_css_class (widget, add);
}

static void
show_values (SpWatchlistRow *self)
{
  g_autofree char *last = NULL;
  g_autofree char *change = NULL;
  double delta, percent;
  gboolean since_open;

  if (self->symbol == NULL)
    return;

  since_open = sp_watch_symbol_get_change (self->symbol, &delta, &percent);
  last = g_strdup_printf ("%.2f", sp_watch_symbol_get_last_price (self->symbol));
  change = g_strdup_printf ("%+.2f (%+.2f %%)", delta, percent);
  if (g_strcmp0 (gtk_label_get_text (self->last_label), last) != 0)
    gtk_label_set_text (self->last_label, last);
  if (g_strcmp0 (gtk_label_get_text (self->change_label), change) != 0)
    gtk_label_set_text (self->change_label, change);
  set_class (GTK_WIDGET (self->change_label), delta >= 0 ? "success" : "error",
             delta >= 0 ? "error" : "success");
  gtk_widget_set_visible (GTK_WIDGET (self->basis_label), !since_open);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               since_open ? _("Change since the session’s open")
                                          : _("Change since the viewer connected"));
  gtk_widget_queue_draw (GTK_WIDGET (self->spark_area));
}

static void
refresh (gpointer user_data)
{
  show_values (user_data);
}

static void
on_last_price (SpWatchlistRow *self)
{
  sp_frame_update_queue (self->update);
}

/* The line in the colour of the change: up green, down red, as the labels. */
static void
draw_sparkline (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        user_data)
{
  SpWatchlistRow *self = user_data;
  const SpSparkline *spark;
  GdkRGBA color;
  double min, max, delta, percent;

  if (self->symbol == NULL)
    return;
  spark = sp_watch_symbol_get_sparkline (self->symbol);
  if (!sp_sparkline_get_range (spark, &min, &max) || spark->n_values < 2)
    return;

  sp_watch_symbol_get_change (self->symbol, &delta, &percent);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (area)),
                                       delta >= 0 ? "success_color" : "error_color", &color))
    gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < spark->n_values; i++)
    {
      double x = 1 + (width - 2) * (double) i / (spark->n_values - 1);
      double y = max > min ? 2 + (height - 4) * (max - spark->values[i]) / (max - min) : height / 2.0;

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
}

void
sp_watchlist_row_set_symbol (SpWatchlistRow *self,
                             SpWatchSymbol  *symbol)
{
  g_return_if_fail (SP_IS_WATCHLIST_ROW (self));
  g_return_if_fail (symbol == NULL || SP_IS_WATCH_SYMBOL (symbol));

  if (symbol == self->symbol)
    return;
  if (self->symbol != NULL)
    g_signal_handlers_disconnect_by_func (self->symbol, on_last_price, self);
  g_set_object (&self->symbol, symbol);
  if (symbol != NULL)
    {
      g_signal_connect_object (symbol, "notify::last-price", G_CALLBACK (on_last_price), self,
                               G_CONNECT_SWAPPED);
      gtk_label_set_text (self->name_label, sp_watch_symbol_get_name (symbol));
      show_values (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYMBOL]);
}

SpWatchSymbol *
sp_watchlist_row_get_symbol (SpWatchlistRow *self)
{
  g_return_val_if_fail (SP_IS_WATCHLIST_ROW (self), NULL);

  return self->symbol;
}

const char *
sp_watchlist_row_get_last_text (SpWatchlistRow *self)
{
  g_return_val_if_fail (SP_IS_WATCHLIST_ROW (self), NULL);

  return gtk_label_get_text (self->last_label);
}

const char *
sp_watchlist_row_get_change_text (SpWatchlistRow *self)
{
  g_return_val_if_fail (SP_IS_WATCHLIST_ROW (self), NULL);

  return gtk_label_get_text (self->change_label);
}

static void
sp_watchlist_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SpWatchlistRow *self = SP_WATCHLIST_ROW (object);

  switch (prop_id)
    {
    case PROP_SYMBOL:
      g_value_set_object (value, self->symbol);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_watchlist_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpWatchlistRow *self = SP_WATCHLIST_ROW (object);

  switch (prop_id)
    {
    case PROP_SYMBOL:
      sp_watchlist_row_set_symbol (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_watchlist_row_dispose (GObject *object)
{
  SpWatchlistRow *self = SP_WATCHLIST_ROW (object);

  g_clear_pointer (&self->update, sp_frame_update_free);
  if (self->symbol != NULL)
    g_signal_handlers_disconnect_by_func (self->symbol, on_last_price, self);
  g_clear_object (&self->symbol);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_WATCHLIST_ROW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sp_watchlist_row_parent_class)->dispose (object);
}

static void
sp_watchlist_row_class_init (SpWatchlistRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_watchlist_row_dispose;
  object_class->get_property = sp_watchlist_row_get_property;
  object_class->set_property = sp_watchlist_row_set_property;

  properties[PROP_SYMBOL] =
    g_param_spec_object ("symbol", NULL, NULL, SP_TYPE_WATCH_SYMBOL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-watchlist-row.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistRow, basis_label);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistRow, spark_area);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistRow, last_label);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistRow, change_label);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sp_watchlist_row_init (SpWatchlistRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->spark_area, draw_sparkline, self, NULL);
  self->update = sp_frame_update_new (GTK_WIDGET (self), SP_FRAME_UPDATE_BEFORE_PAINT, REFRESH_MS,
                                      REFRESH_WAIT_MS, refresh, self);
}
