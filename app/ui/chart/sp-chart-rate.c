/* The chart's rate layer: the stream's messages a second in a strip under the
 * prices, with its scale. Drawn by sp_chart_render(), on its thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-rate.h"

double
_sp_chart_rate_scale (const SpChartView *view)
{
  SpSeries *rate = view->rate;
  guint begin = sp_series_lower_bound (rate, view->t_start);
  guint end = sp_series_lower_bound (rate, view->t_end + 1);
  SpSeriesSummary s;
  double top;

  if (!sp_series_summarize (rate, begin, end, &s) || s.max <= 0)
    return 0;
  top = _sp_chart_nice_step (s.max);
  if (top < s.max)
    top *= 2;

  return top;
}

char *
_sp_chart_rate_label (double scale)
{
  /* Translators: the scale of the message-rate strip under the chart */
  return g_strdup_printf (_("%.0f msg/s"), scale);
}

/* Stream health: messages a second, one bar per pixel column (the busiest
 * second behind it), under the prices, up to @top at the strip's top. */
static void
draw_rate_strip (SpChartPainter *p,
                 double          top)
{
  SpSeries *rate = p->view->rate;
  cairo_t *cr = p->cr;
  guint columns = (guint) ceil (p->strip.size.width);
  guint begin = sp_series_lower_bound (rate, p->view->t_start);
  guint end = sp_series_lower_bound (rate, p->view->t_end + 1);
  double bottom = p->strip.origin.y + p->strip.size.height;
  g_autofree char *label = NULL;

  gdk_cairo_set_source_rgba (cr, &p->colors->grid);
  cairo_rectangle (cr, p->strip.origin.x, round (bottom) - 0.5, p->strip.size.width, 1);
  cairo_fill (cr);

  if (top <= 0)
    return;

  if (end - begin <= columns)
    {
      /* Few samples: each covers the time since the one before (at most 2 s). */
      for (guint i = begin; i < MIN (end + 1, sp_series_get_length (rate)); i++)
        {
          const SpSeriesPoint *point = sp_series_get_point (rate, i);
          gint64 since = i > 0 ? sp_series_get_point (rate, i - 1)->t_us : point->t_us - G_USEC_PER_SEC;
          double x0, x1, h;

          since = MAX (since, point->t_us - 2 * G_USEC_PER_SEC);
          x0 = MAX (round (x_of (p, since)), p->strip.origin.x);
          x1 = MIN (round (x_of (p, point->t_us)), p->strip.origin.x + p->strip.size.width);
          if (point->price <= 0 || x1 <= x0)
            continue;
          h = MAX (1, round (point->price / top * (p->strip.size.height - 2)));
          cairo_rectangle (cr, x0, bottom - h, MAX (x1 - x0 - 1, 1), h);
        }
    }
  else
    {
      for (guint c = 0; c < columns; c++)
        {
          guint next = column_end (p, rate, c, columns, begin, end);
          SpSeriesSummary column;

          if (sp_series_summarize (rate, begin, next, &column) && column.max > 0)
            {
              double h = MAX (1, round (column.max / top * (p->strip.size.height - 2)));

              cairo_rectangle (cr, p->strip.origin.x + c, bottom - h, 1, h);
            }
          begin = next;
        }
    }
  cairo_set_source_rgba (cr, p->colors->line.red, p->colors->line.green, p->colors->line.blue, 0.45);
  cairo_fill (cr);

  label = _sp_chart_rate_label (top);
  set_text (p, label);
  show_text_at (p, p->plot.origin.x + p->plot.size.width + 6, p->strip.origin.y - 2,
                &p->colors->foreground);
}

void
_sp_chart_rate_draw (SpChartPainter *p)
{
  if (p->strip.size.width > 0)
    draw_rate_strip (p, p->rate_max);
}
