/* The chart's crosshair layer: where the pointer is, the point or candle under
 * it, and its time and prices in a box. Drawn by sp_chart_render(), on its
 * thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-compare.h"
#include "sp-chart-crosshair.h"

/* The pointed-at values, in a box at the plot's top left. */
static void
draw_readout (SpChartPainter *p,
              const char     *text)
{
  cairo_t *cr = p->cr;
  double w, h;
  double bx = p->plot.origin.x + 6;
  double by = p->plot.origin.y + 6;

  set_text (p, text);
  text_size (p, &w, &h);
  gdk_cairo_set_source_rgba (cr, &p->colors->background);
  cairo_rectangle (cr, bx, by, w + 12, h + 8);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &p->colors->grid);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  show_text_at (p, bx + 6, by + 4, &p->colors->foreground);
}

void
_sp_chart_crosshair_draw (SpChartPainter *p)
{
  SpSeries *series = p->view->series;
  const graphene_point_t pointer = GRAPHENE_POINT_INIT (p->view->crosshair_x, p->view->crosshair_y);
  cairo_t *cr = p->cr;
  g_autofree char *time = NULL;
  g_autofree char *text = NULL;
  double x, y;
  gint64 candle = p->candle_us;
  gint64 t;

  if (!p->view->crosshair || !graphene_rect_contains_point (&p->plot, &pointer) ||
      sp_series_get_length (series) == 0)
    return;

  t = t_of (p, pointer.x);
  if (p->percent)
    {
      const SpSeriesPoint *point = sp_series_get_point (series, nearest_point (series, t));

      x = round (x_of (p, point->t_us)) + 0.5;
      y = round (y_of (p, point->price)) + 0.5;
      text = _sp_chart_compare_readout (p, point->t_us);
    }
  else if (p->view->mode == SP_CHART_CANDLES)
    {
      gint64 start = period_start (t, candle);
      SpSeriesSummary s;
      g_autofree char *o = NULL, *h = NULL, *l = NULL, *c = NULL;

      if (!sp_series_summarize (series, sp_series_lower_bound (series, start),
                                sp_series_lower_bound (series, start + candle), &s))
        return;
      x = round (x_of (p, start + candle / 2)) + 0.5;
      y = round (y_of (p, s.last)) + 0.5;
      time = _sp_chart_format_time (start, candle);
      /* In cents at least, as the line's readout: a narrow range must not read as one price. */
      o = format_price (s.first, MAX (p->decimals, 2));
      h = format_price (s.max, MAX (p->decimals, 2));
      l = format_price (s.min, MAX (p->decimals, 2));
      c = format_price (s.last, MAX (p->decimals, 2));
      /* Translators: open, high, low, close of a candle on the chart */
      text = g_strdup_printf (_("%s  O %s  H %s  L %s  C %s"), time, o, h, l, c);
    }
  else
    {
      const SpSeriesPoint *point = sp_series_get_point (series, nearest_point (series, t));
      g_autofree char *price = NULL;

      x = round (x_of (p, point->t_us)) + 0.5;
      y = round (y_of (p, point->price)) + 0.5;
      time = _sp_chart_format_time (point->t_us, 1);
      price = format_price (point->price, MAX (p->decimals, 2));
      text = g_strdup_printf ("%s  %s", time, price);
    }

  gdk_cairo_set_source_rgba (cr, &p->colors->foreground);
  cairo_set_line_width (cr, 1);
  cairo_set_dash (cr, (double[]) { 2, 2 }, 2, 0);
  cairo_move_to (cr, x, p->plot.origin.y);
  cairo_line_to (cr, x, p->axis_y);
  cairo_move_to (cr, p->plot.origin.x, y);
  cairo_line_to (cr, p->plot.origin.x + p->plot.size.width, y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  if (!draws_candles (p))
    draw_ring (p, x, y, 4.5, 2);

  draw_readout (p, text);
  g_strlcpy (p->readout, text, sizeof p->readout);
}
