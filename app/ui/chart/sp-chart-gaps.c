/* The chart's gaps layer: where the stream was down, shaded and hatched, with
 * dashed edges and a mark where it came back. Drawn by sp_chart_render(), on
 * its thread. */
#include "config.h"

#include "sp-chart-gaps.h"

void
_sp_chart_gaps_draw (SpChartPainter *p)
{
  SpSeries *series = p->view->series;
  cairo_t *cr = p->cr;
  guint n = sp_series_get_n_gaps (series);

  for (guint i = 0; i < n; i++)
    {
      gint64 start, end;
      double x0, x1;

      sp_series_get_gap (series, i, &start, &end, NULL);
      if (end < p->view->t_start || start > p->view->t_end)
        continue;

      x0 = MAX (p->plot.origin.x, x_of (p, start));
      x1 = MIN (p->plot.origin.x + p->plot.size.width, x_of (p, MIN (end, p->view->t_end)));
      /* Shaded and hatched: no data here. */
      gdk_cairo_set_source_rgba (cr, &p->colors->gap);
      cairo_rectangle (cr, x0, p->plot.origin.y, MAX (x1 - x0, 1), p->axis_y - p->plot.origin.y);
      cairo_fill_preserve (cr);
      cairo_save (cr);
      cairo_clip (cr);
      cairo_set_line_width (cr, 1);
      for (double h = x0 - p->plot.size.height; h < x1; h += 8)
        {
          cairo_move_to (cr, h, p->plot.origin.y + p->plot.size.height);
          cairo_line_to (cr, h + p->plot.size.height, p->plot.origin.y);
        }
      cairo_stroke (cr);
      cairo_restore (cr);

      /* Dashed edges where the stream stopped and where it came back. */
      gdk_cairo_set_source_rgba (cr, &p->colors->foreground);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, (double[]) { 3, 3 }, 2, 0);
      if (start >= p->view->t_start)
        {
          cairo_move_to (cr, round (x0) + 0.5, p->plot.origin.y);
          cairo_line_to (cr, round (x0) + 0.5, p->axis_y);
        }
      if (end <= p->view->t_end)
        {
          cairo_move_to (cr, round (x1) + 0.5, p->plot.origin.y);
          cairo_line_to (cr, round (x1) + 0.5, p->axis_y);
        }
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);

      /* Where the stream came back: a mark on the time axis. */
      if (end <= p->view->t_end)
        {
          gdk_cairo_set_source_rgba (cr, &p->colors->line);
          cairo_move_to (cr, round (x1) + 0.5, p->axis_y - 7);
          cairo_line_to (cr, round (x1) + 5.5, p->axis_y);
          cairo_line_to (cr, round (x1) - 4.5, p->axis_y);
          cairo_close_path (cr);
          cairo_fill (cr);
        }
    }
}
