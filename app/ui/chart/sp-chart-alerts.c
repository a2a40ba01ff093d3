/* The chart's alerts layer: each level an alert watches as a dashed line
 * across the plot (green for "rises above", red for "falls below"), labelled
 * at its left with the level; and where an alert fired, a bell-shaped mark on
 * the price. Levels outside the prices shown are not drawn: the price axis
 * follows the prices, not the alerts. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-alerts.h"

static void
draw_level (SpChartPainter     *p,
            const SpChartLevel *level)
{
  cairo_t *cr = p->cr;
  const GdkRGBA *color = level->rising ? &p->colors->up : &p->colors->down;
  g_autofree char *price = NULL;
  g_autofree char *text = NULL;
  double y, w, h;

  if (level->price < p->y_min || level->price > p->y_max)
    return;
  y = round (y_of (p, level->price)) + 0.5;

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1);
  cairo_set_dash (cr, (double[]) { 6, 4 }, 2, 0);
  cairo_move_to (cr, p->plot.origin.x, y);
  cairo_line_to (cr, p->plot.origin.x + p->plot.size.width, y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  price = format_price (level->price, p->decimals);
  /* Translators: the label on an alert's level line in the chart: "Alert 300.00" */
  text = g_strdup_printf (_("Alert %s"), price);
  set_text (p, text);
  text_size (p, &w, &h);
  show_text_at (p, p->plot.origin.x + 4, y - h - 1, color);
}

static void
draw_mark (SpChartPainter    *p,
           const SpChartMark *mark)
{
  cairo_t *cr = p->cr;
  double x, y;

  if (mark->t_us < p->view->t_start || mark->t_us > p->view->t_end ||
      mark->price < p->y_min || mark->price > p->y_max)
    return;
  x = x_of (p, mark->t_us);
  y = y_of (p, mark->price);

  /* A small bell above the point: dome, rim and clapper. */
  cairo_new_path (cr);
  cairo_move_to (cr, x - 6, y - 9);
  cairo_curve_to (cr, x - 5, y - 20, x + 5, y - 20, x + 6, y - 9);
  cairo_line_to (cr, x + 7, y - 7);
  cairo_line_to (cr, x - 7, y - 7);
  cairo_close_path (cr);
  gdk_cairo_set_source_rgba (cr, &p->colors->foreground);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &p->colors->background);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_arc (cr, x, y - 5.5, 1.8, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &p->colors->foreground);
  cairo_fill (cr);
  draw_ring (p, x, y, 3, 1.5);
}

void
_sp_chart_alerts_draw (SpChartPainter *p)
{
  /* Levels are prices: compare draws percent changes. */
  if ((p->view->n_levels == 0 && p->view->n_marks == 0) || p->percent)
    return;
  if (p->view->series == NULL || p->i0 >= p->i1)
    return;

  clip_to_plot (p);
  for (guint i = 0; i < p->view->n_levels; i++)
    draw_level (p, &p->view->levels[i]);
  for (guint i = 0; i < p->view->n_marks; i++)
    draw_mark (p, &p->view->marks[i]);
  cairo_restore (p->cr);
}
