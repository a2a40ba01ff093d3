/* The chart's compare layer. Every line is the percent change from its first
 * price in view (so lines that start together can be read against each
 * other); the legend names each line in its colour with its change at the end
 * of the view, and gives way to the crosshair's readout, which names the
 * change of each at the pointed-at time. */
#include "config.h"

#include "sp-chart-compare.h"

/* The price of @series nearest @t_us, or 0 when it has none. */
static double
price_near (SpSeries *series,
            gint64    t_us)
{
  if (series == NULL || sp_series_get_length (series) == 0)
    return 0;
  return sp_series_get_point (series, nearest_point (series, t_us))->price;
}

static SpSeries *
series_at (SpChartPainter *p,
           guint           k)
{
  return k == 0 ? p->view->series : p->view->compare[k - 1];
}

static const char *
name_at (SpChartPainter *p,
         guint           k)
{
  const char *name = k == 0 ? p->view->name
                            : (p->view->compare_names != NULL ? p->view->compare_names[k - 1] : NULL);

  return name != NULL ? name : "—";
}

/* "ACME +1.25 %", or "ACME —" without a price yet. */
static char *
describe (SpChartPainter *p,
          guint           k,
          gint64          t_us)
{
  double price = price_near (series_at (p, k), t_us);

  if (p->bases[k] <= 0 || price <= 0)
    return g_strdup_printf ("%s —", name_at (p, k));
  return g_strdup_printf ("%s %+.2f %%", name_at (p, k), (price / p->bases[k] - 1) * 100);
}

char *
_sp_chart_compare_readout (SpChartPainter *p,
                           gint64          t_us)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *time = _sp_chart_format_time (t_us, 1);

  g_string_append (text, time);
  for (guint k = 0; k <= p->view->n_compare; k++)
    {
      g_autofree char *one = describe (p, k, t_us);

      g_string_append (text, "  ");
      g_string_append (text, one);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
_sp_chart_compare_draw (SpChartPainter *p)
{
  cairo_t *cr = p->cr;
  double x = p->plot.origin.x + 6;
  double y = p->plot.origin.y + 6;
  const graphene_point_t pointer = GRAPHENE_POINT_INIT (p->view->crosshair_x, p->view->crosshair_y);
  double widest = 0, line_height = 0;
  guint n = p->view->n_compare + 1;

  if (!p->percent)
    return;
  /* The crosshair's readout takes its place. */
  if (p->view->crosshair && graphene_rect_contains_point (&p->plot, &pointer))
    return;

  for (guint k = 0; k < n; k++)
    {
      g_autofree char *one = describe (p, k, p->view->t_end);
      double w, h;

      set_text (p, one);
      text_size (p, &w, &h);
      widest = MAX (widest, w);
      line_height = MAX (line_height, h);
    }

  gdk_cairo_set_source_rgba (cr, &p->colors->background);
  cairo_rectangle (cr, x, y, widest + 30, n * line_height + 8);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &p->colors->grid);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  for (guint k = 0; k < n; k++)
    {
      g_autofree char *one = describe (p, k, p->view->t_end);
      double row = y + 4 + k * line_height;
      GdkRGBA color = p->colors->line;

      if (k > 0)
        sp_chart_compare_color (k - 1, &color);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_rectangle (cr, x + 6, row + line_height / 2 - 2, 12, 4);
      cairo_fill (cr);
      set_text (p, one);
      show_text_at (p, x + 24, row, &p->colors->foreground);
    }
}
