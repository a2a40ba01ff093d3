/* The chart's line layer: the price as a line with a soft fill under it,
 * stroked through every point when there are few, summarised per pixel column
 * when there are more points than pixels. Drawn by sp_chart_render(), on its
 * thread. */
#include "config.h"

#include "sp-chart-line.h"

typedef struct
{
  double x;
  double y;
} Vertex;

static const Vertex segment_break = { NAN, NAN };

static void
push_point (SpChartPainter *p,
            SpSeries       *series,
            GArray         *vertices,
            guint           index)
{
  const SpSeriesPoint *point = sp_series_get_point (series, index);
  Vertex v = { x_of (p, point->t_us), y_of (p, point->price) };

  g_array_append_val (vertices, v);
}

static void
trace_segments (SpChartPainter *p,
                GArray         *vertices,
                gboolean        fill)
{
  cairo_t *cr = p->cr;
  const Vertex *v = (const Vertex *) vertices->data;
  double bottom = p->plot.origin.y + p->plot.size.height;
  guint i = 0;

  while (i < vertices->len)
    {
      guint start;

      while (i < vertices->len && isnan (v[i].x))
        i++;
      if (i >= vertices->len)
        break;

      start = i;
      cairo_move_to (cr, v[i].x, v[i].y);
      for (i++; i < vertices->len && !isnan (v[i].x); i++)
        cairo_line_to (cr, v[i].x, v[i].y);
      if (fill)
        {
          cairo_line_to (cr, v[i - 1].x, bottom);
          cairo_line_to (cr, v[start].x, bottom);
          cairo_close_path (cr);
        }
    }
}

static void
set_fill_gradient (SpChartPainter *p)
{
  cairo_pattern_t *gradient = cairo_pattern_create_linear (0, p->plot.origin.y, 0,
                                                           p->plot.origin.y + p->plot.size.height);

  cairo_pattern_add_color_stop_rgba (gradient, 0, p->colors->line.red, p->colors->line.green,
                                     p->colors->line.blue, 0.22);
  cairo_pattern_add_color_stop_rgba (gradient, 1, p->colors->line.red, p->colors->line.green,
                                     p->colors->line.blue, 0.0);
  cairo_set_source (p->cr, gradient);
  cairo_pattern_destroy (gradient);
}

/* Up to a couple of points per pixel: a stroked line through every point. */
static void
draw_sparse_line (SpChartPainter *p,
                  SpSeries       *series,
                  const GdkRGBA  *color,
                  gboolean        fill,
                  guint           i0,
                  guint           i1)
{
  guint len = sp_series_get_length (series);
  guint first = i0 > 0 ? i0 - 1 : 0;          /* one point either side keeps the line going */
  guint last = MIN (i1 + 1, len);
  guint columns = (guint) ceil (p->plot.size.width);
  g_autoptr(GArray) vertices = g_array_sized_new (FALSE, FALSE, sizeof (Vertex), last - first + 8);
  cairo_t *cr = p->cr;

  for (guint i = first; i < last; i++)
    {
      if (i > first && sp_series_gap_before (series, i))
        g_array_append_val (vertices, segment_break);
      push_point (p, series, vertices, i);
    }

  /* A soft fill under the line, then the line. */
  if (fill)
    {
      trace_segments (p, vertices, TRUE);
      set_fill_gradient (p);
      cairo_fill (cr);
    }

  trace_segments (p, vertices, FALSE);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);

  /* Few enough points to tell apart: mark each one. */
  if (i1 > i0 && (i1 - i0) * 8 <= columns)
    {
      for (guint i = i0; i < i1; i++)
        {
          const SpSeriesPoint *point = sp_series_get_point (series, i);

          cairo_new_sub_path (cr);
          cairo_arc (cr, x_of (p, point->t_us), y_of (p, point->price), 2.5, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }
}

/* More points than pixels: each pixel column is one summary of its points
 * (first, lowest, highest, last), drawn as pixel-aligned boxes: a band from
 * the lowest to the highest price that also reaches the previous column's
 * last price, so the line stays joined. Boxes are Cairo's fastest path, and
 * their number is the width, whatever the number of points. */
static void
draw_dense_line (SpChartPainter *p,
                 SpSeries       *series,
                 const GdkRGBA  *color,
                 gboolean        fill,
                 guint           i0,
                 guint           i1)
{
  guint len = sp_series_get_length (series);
  guint columns = (guint) ceil (p->plot.size.width);
  double bottom = p->plot.origin.y + p->plot.size.height;
  g_autofree double *top = g_new (double, columns);
  g_autofree double *low = g_new (double, columns);
  g_autofree double *high = g_new (double, columns);
  double previous = NAN;
  guint begin = i0;
  cairo_t *cr = p->cr;

  if (i0 > 0 && !sp_series_gap_before (series, i0))
    previous = y_of (p, sp_series_get_point (series, i0 - 1)->price);

  for (guint c = 0; c < columns; c++)
    {
      guint end = column_end (p, series, c, columns, begin, i1);
      SpSeriesSummary s;
      double y_min, y_max;

      top[c] = NAN;
      if (!sp_series_summarize (series, begin, end, &s))
        {
          /* No point in this column: the line crosses it from the last to the next. */
          if (!isnan (previous) && end < len && !sp_series_gap_before (series, end))
            {
              double next = y_of (p, sp_series_get_point (series, end)->price);

              top[c] = previous;
              high[c] = MIN (previous, next);
              low[c] = MAX (previous, next);
            }
          continue;
        }
      if (begin > 0 && sp_series_gap_before (series, begin))
        previous = NAN;

      y_min = y_of (p, s.max);   /* screen y grows downwards */
      y_max = y_of (p, s.min);
      if (!isnan (previous))
        {
          y_min = MIN (y_min, previous);
          y_max = MAX (y_max, previous);
        }
      high[c] = y_min;
      low[c] = y_max;
      top[c] = y_of (p, (s.first + s.last) / 2);
      previous = y_of (p, s.last);
      begin = end;
    }

  if (fill)
    {
      for (guint c = 0; c < columns; c++)
        if (!isnan (top[c]))
          cairo_rectangle (cr, p->plot.origin.x + c, round (top[c]), 1, bottom - round (top[c]));
      set_fill_gradient (p);
      cairo_fill (cr);
    }

  for (guint c = 0; c < columns; c++)
    if (!isnan (top[c]))
      {
        double y0 = floor (high[c] - 1);
        double y1 = ceil (low[c] + 1);

        cairo_rectangle (cr, p->plot.origin.x + c, y0, 1, MAX (y1 - y0, 2));
      }
  gdk_cairo_set_source_rgba (cr, color);
  cairo_fill (cr);
}

static void
draw_series (SpChartPainter *p,
             SpSeries       *series,
             const GdkRGBA  *color,
             gboolean        fill,
             guint           i0,
             guint           i1)
{
  if (i1 - i0 <= (guint) ceil (p->plot.size.width))
    draw_sparse_line (p, series, color, fill, i0, i1);
  else
    draw_dense_line (p, series, color, fill, i0, i1);
}

void
_sp_chart_line_draw (SpChartPainter *p)
{
  if (draws_candles (p))
    return;

  clip_to_plot (p);
  /* Compared series first, under the main one; no fill, which would hide them. */
  for (guint k = 1; p->percent && k <= p->view->n_compare; k++)
    {
      SpSeries *series = p->view->compare[k - 1];
      GdkRGBA color;

      if (p->bases[k] <= 0)
        continue;
      sp_chart_compare_color (k - 1, &color);
      use_series_scale (p, k);
      draw_series (p, series, &color, FALSE,
                   sp_series_lower_bound (series, p->view->t_start),
                   sp_series_lower_bound (series, p->view->t_end + 1));
    }
  use_series_scale (p, 0);
  draw_series (p, p->view->series, &p->colors->line, !p->percent, p->i0, p->i1);
  cairo_restore (p->cr);

  p->n_drawn = p->i1 - p->i0;
}
