/* The chart's overlay layer, over the prices: the last price as a dashed line
 * with a tag on the price axis, and the marker of the selected point. Drawn by
 * sp_chart_render(), on its thread. */
#include "config.h"

#include "sp-chart-overlay.h"

static void
draw_tag (SpChartPainter *p,
          const char     *text,
          double          x,
          double          y,
          const GdkRGBA  *fill,
          const GdkRGBA  *ink)
{
  double w, h;

  set_text (p, text);
  text_size (p, &w, &h);
  gdk_cairo_set_source_rgba (p->cr, fill);
  cairo_rectangle (p->cr, round (x), round (y - h / 2 - 2), w + 8, h + 4);
  cairo_fill (p->cr);
  show_text_at (p, x + 4, y - h / 2, ink);
}

static void
draw_last_price (SpChartPainter *p)
{
  SpSeries *series = p->view->series;
  const SpSeriesPoint *last = sp_series_get_point (series, sp_series_get_length (series) - 1);
  double y = round (y_of (p, last->price)) + 0.5;
  double right = p->plot.origin.x + p->plot.size.width;
  g_autofree char *text = NULL;

  if (y < p->plot.origin.y || y > p->plot.origin.y + p->plot.size.height)
    return;

  cairo_set_source_rgba (p->cr, p->colors->line.red, p->colors->line.green, p->colors->line.blue,
                         p->colors->line.alpha * 0.5);
  cairo_set_line_width (p->cr, 1);
  cairo_set_dash (p->cr, (double[]) { 4, 3 }, 2, 0);
  cairo_move_to (p->cr, p->plot.origin.x, y);
  cairo_line_to (p->cr, right, y);
  cairo_stroke (p->cr);
  cairo_set_dash (p->cr, NULL, 0, 0);

  text = format_value (p, last->price * p->scale + p->offset, MAX (p->decimals, 2));
  draw_tag (p, text, right + 2, y, &p->colors->line, &p->colors->on_line);
}

static void
draw_marker (SpChartPainter *p)
{
  SpSeries *series = p->view->series;
  int index = sp_series_find_ref (series, p->view->marker_ref);
  const SpSeriesPoint *point;
  cairo_t *cr = p->cr;
  double x, y;

  if (index < 0)
    return;
  point = sp_series_get_point (series, (guint) index);
  if (point->ref != p->view->marker_ref || point->t_us < p->view->t_start || point->t_us > p->view->t_end)
    return;

  x = round (x_of (p, point->t_us)) + 0.5;
  y = y_of (p, point->price);
  cairo_set_source_rgba (cr, p->colors->line.red, p->colors->line.green, p->colors->line.blue, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, x, p->plot.origin.y);
  cairo_line_to (cr, x, p->axis_y);
  cairo_stroke (cr);
  draw_ring (p, x, y, 6, 3);
}

void
_sp_chart_overlay_draw (SpChartPainter *p)
{
  draw_last_price (p);
  if (p->view->marker_ref != 0)
    draw_marker (p);
}
