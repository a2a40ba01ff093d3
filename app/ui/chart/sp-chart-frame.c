/* The chart widget's frames: the view its state shows, in the theme's colours,
 * drawn with sp_chart_render() on snapshot or into a surface for export; the
 * frame clock asks for one when prices arrive or the live edge moves a pixel.
 * Main thread only, as GTK. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-widget-private.h"

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

  self->drawn_generation = self->series != NULL ? sp_series_get_generation (self->series) : 0;
  self->drawn_time = g_get_real_time ();
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

/* Redraw when prices arrive, and while live as often as the axis moves a pixel. */
gboolean
_sp_chart_tick (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  SpChart *self = SP_CHART (widget);
  guint64 generation = self->series != NULL ? sp_series_get_generation (self->series) : 0;

  if (generation != self->drawn_generation)
    {
      gtk_widget_queue_draw (widget);
    }
  else if (self->follow_live && self->geometry.plot.size.width > 0)
    {
      gint64 start, end;
      double us_per_px;

      _sp_chart_current_range (self, &start, &end);
      us_per_px = (double) (end - start) / self->geometry.plot.size.width;
      if ((double) (g_get_real_time () - self->drawn_time) >= us_per_px)
        gtk_widget_queue_draw (widget);
    }

  return G_SOURCE_CONTINUE;
}
