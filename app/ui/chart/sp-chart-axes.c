/* The chart's axes layer: the price grid and labels on the right, the time grid
 * and labels underneath, on round local times. Drawn by sp_chart_render(), on
 * its thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-axes.h"

double
_sp_chart_nice_step (double raw)
{
  double magnitude = pow (10, floor (log10 (raw)));
  double fraction = raw / magnitude;

  if (fraction <= 1)
    return magnitude;
  if (fraction <= 2)
    return 2 * magnitude;
  if (fraction <= 5)
    return 5 * magnitude;
  return 10 * magnitude;
}

/* Time-axis steps, in µs: the smallest that leaves room for its labels wins. */
static const gint64 time_steps[] = {
  1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
  G_USEC_PER_SEC, 2 * G_USEC_PER_SEC, 5 * G_USEC_PER_SEC, 10 * G_USEC_PER_SEC,
  15 * G_USEC_PER_SEC, 30 * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (60) * G_USEC_PER_SEC, G_GINT64_CONSTANT (120) * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (300) * G_USEC_PER_SEC, G_GINT64_CONSTANT (600) * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (900) * G_USEC_PER_SEC, G_GINT64_CONSTANT (1800) * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC, G_GINT64_CONSTANT (7200) * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (10800) * G_USEC_PER_SEC, G_GINT64_CONSTANT (21600) * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (43200) * G_USEC_PER_SEC, G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (172800) * G_USEC_PER_SEC, G_GINT64_CONSTANT (604800) * G_USEC_PER_SEC,
  G_GINT64_CONSTANT (2592000) * G_USEC_PER_SEC,
};

/* Local time; with milliseconds when the step is under a second. */
char *
_sp_chart_format_time (gint64 t_us,
                       gint64 step_us)
{
  gint64 seconds = t_us / G_USEC_PER_SEC;
  gint64 micro = t_us % G_USEC_PER_SEC;
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *text = NULL;

  if (micro < 0)
    {
      seconds--;
      micro += G_USEC_PER_SEC;
    }
  time = g_date_time_new_from_unix_local (seconds);
  if (time == NULL)
    return g_strdup ("");

  if (step_us < G_USEC_PER_SEC)
    {
      text = g_date_time_format (time, "%H:%M:%S");
      return g_strdup_printf ("%s.%03d", text, (int) (micro / 1000));
    }
  if (step_us < 60 * G_USEC_PER_SEC)
    return g_date_time_format (time, "%H:%M:%S");
  if (step_us < G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)
    return g_date_time_format (time, "%H:%M");
  /* Translators: a date on the chart's time axis, see g_date_time_format() */
  return g_date_time_format (time, _("%b %e"));
}

static gint64
local_offset_us (gint64 t_us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (t_us / G_USEC_PER_SEC);

  return time != NULL ? g_date_time_get_utc_offset (time) : 0;
}

static void
draw_time_axis (SpChartPainter *p)
{
  cairo_t *cr = p->cr;
  gint64 span = p->view->t_end - p->view->t_start;
  double us_per_px = (double) span / p->plot.size.width;
  gint64 step = time_steps[G_N_ELEMENTS (time_steps) - 1];
  double label_width;
  gint64 offset;
  gint64 t;

  set_text (p, "00:00:00.000");
  text_size (p, &label_width, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (time_steps); i++)
    if ((double) time_steps[i] / us_per_px >= label_width + 24)
      {
        step = time_steps[i];
        break;
      }

  /* Ticks fall on round local times: whole minutes, hours, days. */
  offset = local_offset_us (p->view->t_start);
  t = p->view->t_start + offset;
  t = (t / step + (t % step > 0 ? 1 : 0)) * step - offset;

  cairo_set_line_width (cr, 1);
  for (; t <= p->view->t_end; t += step)
    {
      double x = round (x_of (p, t)) + 0.5;
      g_autofree char *label = _sp_chart_format_time (t, step);
      double w;

      gdk_cairo_set_source_rgba (cr, &p->colors->grid);
      cairo_move_to (cr, x, p->plot.origin.y);
      cairo_line_to (cr, x, p->axis_y);
      cairo_stroke (cr);

      set_text (p, label);
      text_size (p, &w, NULL);
      if (x - w / 2 < 0 || x + w / 2 > p->plot.origin.x + p->plot.size.width + SP_CHART_MARGIN)
        continue;
      show_text_at (p, x - w / 2, p->axis_y + 4, &p->colors->foreground);
    }
}

static void
draw_price_axis (SpChartPainter *p,
                 double          step)
{
  cairo_t *cr = p->cr;
  double right = p->plot.origin.x + p->plot.size.width;

  cairo_set_line_width (cr, 1);
  for (double v = ceil (p->y_min / step) * step; v <= p->y_max; v += step)
    {
      double y = round (y_at (p, v)) + 0.5;
      g_autofree char *label = format_value (p, v, p->decimals);

      gdk_cairo_set_source_rgba (cr, &p->colors->grid);
      cairo_move_to (cr, p->plot.origin.x, y);
      cairo_line_to (cr, right, y);
      cairo_stroke (cr);

      if (fabs (y - p->tag_y) < p->text_height + 2)
        continue;   /* the last-price tag is there */
      set_text (p, label);
      show_text_at (p, right + 6, y - p->text_height / 2, &p->colors->foreground);
    }
}

void
_sp_chart_axes_draw (SpChartPainter *p)
{
  draw_price_axis (p, p->price_step);
  draw_time_axis (p);
}
