/* The chart widget's frames: the view its state shows, in the theme's colours,
 * drawn with sp_chart_render() on snapshot or into a surface for export. It
 * asks for one when prices arrive in view (at most every
 * SP_REDRAW_DATA_INTERVAL_US) and, while live, when the range next moves a
 * pixel (sp-redraw-pace.h): one timer to the next of those, no frame-clock
 * callback, and nothing at all while it cannot be seen (sp-on-screen.h).
 * Input and settings ask for a frame themselves. Main thread only, as GTK. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-widget-private.h"
#include "sp-redraw-pace.h"

static void schedule (SpChart  *self,
                      gboolean  in_snapshot);

static void
lookup_color (GtkStyleContext *context,
              const char      *name,
              GdkRGBA         *color)
{
  GdkRGBA found;

  if (gtk_style_context_lookup_color (context, name, &found))
    *color = found;
}

static void
get_colors (SpChart       *self,
            SpChartColors *colors)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));
  GdkRGBA fg;

  sp_chart_colors_init_default (colors);
  gtk_style_context_get_color (context, &fg);
  colors->foreground = fg;
  colors->foreground.alpha *= 0.7f;
  colors->grid = fg;
  colors->grid.alpha *= 0.1f;
  colors->gap = fg;
  colors->gap.alpha *= 0.07f;
  lookup_color (context, "accent_color", &colors->line);
  lookup_color (context, "accent_bg_color", &colors->line);
  lookup_color (context, "accent_fg_color", &colors->on_line);
  lookup_color (context, "success_color", &colors->up);
  lookup_color (context, "error_color", &colors->down);
  lookup_color (context, "view_bg_color", &colors->background);
}

static void
fill_view (SpChart     *self,
           SpChartView *view)
{
  *view = (SpChartView) {
    .series = self->series,
    .mode = self->mode,
    .candle_us = self->candle_us,
    .crosshair = self->pointer_inside,
    .crosshair_x = self->pointer_x,
    .crosshair_y = self->pointer_y,
    .empty_text = self->empty_text != NULL ? self->empty_text : _("Waiting for prices…"),
    .marker_ref = self->marker_ref,
    .rate = self->rate,
    .levels = self->levels != NULL ? (const SpChartLevel *) self->levels->data : NULL,
    .n_levels = self->levels != NULL ? self->levels->len : 0,
    .marks = self->marks != NULL ? (const SpChartMark *) self->marks->data : NULL,
    .n_marks = self->marks != NULL ? self->marks->len : 0,
    .name = self->name,
    .compare = self->compare != NULL ? (SpSeries *const *) self->compare->pdata : NULL,
    .compare_names = (const char *const *) self->compare_names,
    .n_compare = self->compare != NULL ? self->compare->len : 0,
  };
  _sp_chart_current_range (self, &view->t_start, &view->t_end);
}

void
_sp_chart_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  SpChart *self = SP_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) layout = NULL;
  SpChartColors colors;
  SpChartView view;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  get_colors (self, &colors);
  fill_view (self, &view);
  layout = gtk_widget_create_pango_layout (widget, NULL);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  sp_chart_render (cr, layout, width, height, &view, &colors, &self->geometry);
  cairo_destroy (cr);

  self->drawn_time = g_get_real_time ();
  self->data_pending = FALSE;
  self->rate_pending = FALSE;
  self->draw_count++;
  schedule (self, TRUE);
}

guint64
sp_chart_get_draw_count (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return self->draw_count;
}

cairo_surface_t *
sp_chart_render_surface (SpChart *self,
                         int      scale)
{
  int width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  int height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
  g_autoptr(PangoLayout) layout = NULL;
  cairo_surface_t *surface;
  SpChartColors colors;
  SpChartView view;
  cairo_t *cr;

  g_return_val_if_fail (SP_IS_CHART (self), NULL);

  scale = CLAMP (scale, 1, 4);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  get_colors (self, &colors);
  fill_view (self, &view);
  view.crosshair = FALSE;
  gdk_cairo_set_source_rgba (cr, &colors.background);
  cairo_paint (cr);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_cairo_update_layout (cr, layout);
  sp_chart_render (cr, layout, width, height, &view, &colors, NULL);
  cairo_destroy (cr);

  return surface;
}

static gboolean
on_wake (gpointer data)
{
  SpChart *self = data;

  self->wake_id = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* Arms the timer for the next frame the chart needs by itself: new prices
 * shown at most every SP_REDRAW_DATA_INTERVAL_US after the last frame, a rate
 * sample within SP_REDRAW_LAZY_US, the live range when it next moves. A draw
 * asked for while one is drawn would be lost, so from a snapshot even "now"
 * goes through the timer (the next frame); and what a snapshot drew needs no
 * wake that was armed for it. */
static void
schedule (SpChart  *self,
          gboolean  in_snapshot)
{
  gint64 due = G_MAXINT64;
  gint64 now;

  if (in_snapshot)
    g_clear_handle_id (&self->wake_id, g_source_remove);
  if (!sp_on_screen_get (self->on_screen))
    {
      g_clear_handle_id (&self->wake_id, g_source_remove);
      return;
    }

  if (self->data_pending)
    due = self->drawn_time + SP_REDRAW_DATA_INTERVAL_US;
  if (self->rate_pending)
    due = MIN (due, self->drawn_time + SP_REDRAW_LAZY_US);
  if (self->follow_live && self->geometry.plot.size.width > 0)
    {
      gint64 start, end;
      gboolean sliding = _sp_chart_current_range (self, &start, &end);

      due = MIN (due, sp_redraw_pace_next_change (sliding, self->drawn_time, start, end,
                                                  self->geometry.plot.size.width));
    }

  if (due == G_MAXINT64)
    {
      g_clear_handle_id (&self->wake_id, g_source_remove);
      return;
    }
  if (self->wake_id != 0 && self->wake_time <= due)
    return;

  g_clear_handle_id (&self->wake_id, g_source_remove);
  now = g_get_real_time ();
  if (due <= now && !in_snapshot)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }
  self->wake_time = due;
  self->wake_id = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                      (guint) ((MAX (due - now, 0) + 999) / 1000),
                                      on_wake, self, NULL);
}

void
sp_chart_points_added (SpChart *self,
                       gint64   t_us)
{
  gint64 start, end;

  g_return_if_fail (SP_IS_CHART (self));

  /* Looking back in time: prices of now are out of view. */
  _sp_chart_current_range (self, &start, &end);
  if (!self->follow_live && (t_us < start || t_us > end))
    return;

  self->data_pending = TRUE;
  schedule (self, FALSE);
}

void
sp_chart_rate_added (SpChart *self)
{
  gint64 start, end, now = g_get_real_time ();

  g_return_if_fail (SP_IS_CHART (self));

  _sp_chart_current_range (self, &start, &end);
  if (!self->follow_live && (now < start || now > end))
    return;
  self->rate_pending = TRUE;
  schedule (self, FALSE);
}

void
_sp_chart_on_screen_changed (gpointer user_data,
                             gboolean on_screen)
{
  SpChart *self = SP_CHART (user_data);

  if (on_screen)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  else
    g_clear_handle_id (&self->wake_id, g_source_remove);
}
