/* The chart's candles layer: one candlestick (open, high, low, close) per
 * period, periods widened until candles are at least 5 px apart. Drawn by
 * sp_chart_render(), on its thread. */
#include "config.h"

#include "sp-chart-candles.h"

#define MAX_CANDLE_BODY 36.0

static gint64
candle_width (const SpChartPainter *p)
{
  gint64 span = p->view->t_end - p->view->t_start;
  gint64 width = MAX (p->view->candle_us, 1000);

  /* At least 5 px a candle: wider candles rather than a smear. */
  while ((double) span / (double) width > p->plot.size.width / 5)
    width *= 2;

  return width;
}

static guint
draw_candles (SpChartPainter *p,
              gint64          width)
{
  SpSeries *series = p->view->series;
  cairo_t *cr = p->cr;
  gint64 t = period_start (p->view->t_start, width);
  guint begin = sp_series_lower_bound (series, t);
  guint n = 0;

  cairo_set_line_width (cr, 1);
  for (; t <= p->view->t_end; t += width)
    {
      guint end = sp_series_lower_bound (series, t + width);
      SpSeriesSummary s;
      double x0, x1, cx, body, top, bottom;
      gboolean up;

      if (!sp_series_summarize (series, begin, end, &s))
        {
          begin = end;
          continue;
        }
      begin = end;
      n++;

      x0 = x_of (p, t);
      x1 = x_of (p, t + width);
      cx = round ((x0 + x1) / 2) + 0.5;
      body = CLAMP (floor ((x1 - x0) * 0.7), 1, MAX_CANDLE_BODY);
      up = s.last >= s.first;
      gdk_cairo_set_source_rgba (cr, up ? &p->colors->up : &p->colors->down);

      cairo_move_to (cr, cx, y_of (p, s.max));
      cairo_line_to (cr, cx, y_of (p, s.min));
      cairo_stroke (cr);

      top = round (y_of (p, MAX (s.first, s.last)));
      bottom = round (y_of (p, MIN (s.first, s.last)));
      cairo_rectangle (cr, round (cx - body / 2), top, body, MAX (1, bottom - top));
      cairo_fill (cr);
    }

  return n;
}

void
_sp_chart_candles_draw (SpChartPainter *p)
{
  if (!draws_candles (p))
    return;

  p->candle_us = candle_width (p);
  clip_to_plot (p);
  p->n_drawn = draw_candles (p, p->candle_us);
  cairo_restore (p->cr);
}
