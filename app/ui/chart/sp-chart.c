/* The live price chart. Drawing costs O(width), not O(points): each pixel
 * column is summarised (first, min, max, last) from SpSeries' block summaries,
 * and candles come from the same summaries. */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "sp-chart.h"

#define MIN_SPAN_US      (G_USEC_PER_SEC / 10)
#define MAX_SPAN_US      (G_GINT64_CONSTANT (400) * 24 * 3600 * G_USEC_PER_SEC)
#define MIN_LIVE_SPAN_US (2 * G_USEC_PER_SEC)
#define MAX_CANDLE_BODY  36.0
#define MARGIN           8.0

/* ------------------------------------------------------------------------ */
/* Drawing                                                                    */

void
sp_chart_colors_init_default (SpChartColors *colors)
{
  *colors = (SpChartColors) {
    .foreground = { 0, 0, 0, 0.7f },
    .grid = { 0, 0, 0, 0.1f },
    .line = { 0.208f, 0.518f, 0.894f, 1 },      /* Adwaita blue */
    .on_line = { 1, 1, 1, 1 },
    .up = { 0.149f, 0.635f, 0.412f, 1 },        /* Adwaita green */
    .down = { 0.878f, 0.106f, 0.141f, 1 },      /* Adwaita red */
    .gap = { 0, 0, 0, 0.06f },
    .background = { 1, 1, 1, 1 },
  };
}

typedef struct
{
  cairo_t             *cr;
  PangoLayout         *layout;
  const SpChartView   *view;
  const SpChartColors *colors;
  graphene_rect_t      plot;
  double               y_min;
  double               y_max;
  int                  decimals;
  double               text_height;
  double               tag_y;        /* where the last-price tag goes */
  graphene_rect_t      strip;        /* the message-rate strip, or empty */
  double               axis_y;       /* the bottom of the plot and strip: time labels go under */
} Painter;

static inline double
x_of (const Painter *p,
      gint64         t)
{
  return p->plot.origin.x +
         (double) (t - p->view->t_start) / (double) (p->view->t_end - p->view->t_start) *
         p->plot.size.width;
}

static inline gint64
t_of (const Painter *p,
      double         x)
{
  return p->view->t_start +
         (gint64) ((x - p->plot.origin.x) / p->plot.size.width *
                   (double) (p->view->t_end - p->view->t_start));
}

static inline double
y_of (const Painter *p,
      double         price)
{
  return p->plot.origin.y + (p->y_max - price) / (p->y_max - p->y_min) * p->plot.size.height;
}

static double
nice_step (double raw)
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

static void
set_text (Painter    *p,
          const char *text)
{
  pango_layout_set_text (p->layout, text, -1);
}

static void
text_size (Painter *p,
           double  *width,
           double  *height)
{
  int w, h;

  pango_layout_get_pixel_size (p->layout, &w, &h);
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
}

static void
show_text_at (Painter       *p,
              double         x,
              double         y,
              const GdkRGBA *color)
{
  cairo_move_to (p->cr, round (x), round (y));
  gdk_cairo_set_source_rgba (p->cr, color);
  pango_cairo_show_layout (p->cr, p->layout);
}

static char *
format_price (double price,
              int    decimals)
{
  return g_strdup_printf ("%.*f", decimals, price);
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
static char *
format_time (gint64 t_us,
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
draw_time_axis (Painter *p)
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
      g_autofree char *label = format_time (t, step);
      double w;

      gdk_cairo_set_source_rgba (cr, &p->colors->grid);
      cairo_move_to (cr, x, p->plot.origin.y);
      cairo_line_to (cr, x, p->axis_y);
      cairo_stroke (cr);

      set_text (p, label);
      text_size (p, &w, NULL);
      if (x - w / 2 < 0 || x + w / 2 > p->plot.origin.x + p->plot.size.width + MARGIN)
        continue;
      show_text_at (p, x - w / 2, p->axis_y + 4, &p->colors->foreground);
    }
}

static void
draw_price_axis (Painter *p,
                 double   step)
{
  cairo_t *cr = p->cr;
  double right = p->plot.origin.x + p->plot.size.width;

  cairo_set_line_width (cr, 1);
  for (double v = ceil (p->y_min / step) * step; v <= p->y_max; v += step)
    {
      double y = round (y_of (p, v)) + 0.5;
      g_autofree char *label = format_price (v, p->decimals);

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

static void
draw_gaps (Painter *p)
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

typedef struct
{
  double x;
  double y;
} Vertex;

static const Vertex segment_break = { NAN, NAN };

static void
push_point (Painter *p,
            GArray  *vertices,
            guint    index)
{
  const SpSeriesPoint *point = sp_series_get_point (p->view->series, index);
  Vertex v = { x_of (p, point->t_us), y_of (p, point->price) };

  g_array_append_val (vertices, v);
}

static void
trace_segments (Painter *p,
                GArray  *vertices,
                gboolean fill)
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
set_fill_gradient (Painter *p)
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
draw_sparse_line (Painter *p,
                  guint    i0,
                  guint    i1)
{
  SpSeries *series = p->view->series;
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
      push_point (p, vertices, i);
    }

  /* A soft fill under the line, then the line. */
  trace_segments (p, vertices, TRUE);
  set_fill_gradient (p);
  cairo_fill (cr);

  trace_segments (p, vertices, FALSE);
  gdk_cairo_set_source_rgba (cr, &p->colors->line);
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
draw_dense_line (Painter *p,
                 guint    i0,
                 guint    i1)
{
  SpSeries *series = p->view->series;
  guint len = sp_series_get_length (series);
  guint columns = (guint) ceil (p->plot.size.width);
  gint64 span = p->view->t_end - p->view->t_start;
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
      gint64 t = p->view->t_start + (gint64) ((double) span * (c + 1) / columns);
      guint end = c + 1 == columns ? i1 : MAX (begin, sp_series_lower_bound (series, t + 1));
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

  for (guint c = 0; c < columns; c++)
    if (!isnan (top[c]))
      cairo_rectangle (cr, p->plot.origin.x + c, round (top[c]), 1, bottom - round (top[c]));
  set_fill_gradient (p);
  cairo_fill (cr);

  for (guint c = 0; c < columns; c++)
    if (!isnan (top[c]))
      {
        double y0 = floor (high[c] - 1);
        double y1 = ceil (low[c] + 1);

        cairo_rectangle (cr, p->plot.origin.x + c, y0, 1, MAX (y1 - y0, 2));
      }
  gdk_cairo_set_source_rgba (cr, &p->colors->line);
  cairo_fill (cr);
}

static guint
draw_line (Painter *p,
           guint    i0,
           guint    i1)
{
  if (i1 - i0 <= (guint) ceil (p->plot.size.width))
    draw_sparse_line (p, i0, i1);
  else
    draw_dense_line (p, i0, i1);

  return i1 - i0;
}

/* Stream health: messages a second, one bar per pixel column (the busiest
 * second behind it), under the prices. */
static double
draw_rate_strip (Painter *p)
{
  SpSeries *rate = p->view->rate;
  cairo_t *cr = p->cr;
  guint columns = (guint) ceil (p->strip.size.width);
  gint64 span = p->view->t_end - p->view->t_start;
  guint begin = sp_series_lower_bound (rate, p->view->t_start);
  guint end = sp_series_lower_bound (rate, p->view->t_end + 1);
  double bottom = p->strip.origin.y + p->strip.size.height;
  SpSeriesSummary s;
  double top;
  g_autofree char *label = NULL;

  gdk_cairo_set_source_rgba (cr, &p->colors->grid);
  cairo_rectangle (cr, p->strip.origin.x, round (bottom) - 0.5, p->strip.size.width, 1);
  cairo_fill (cr);

  if (!sp_series_summarize (rate, begin, end, &s) || s.max <= 0)
    return 0;
  top = nice_step (s.max);
  if (top < s.max)
    top *= 2;

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
          gint64 t = p->view->t_start + (gint64) ((double) span * (c + 1) / columns);
          guint next = c + 1 == columns ? end : MAX (begin, sp_series_lower_bound (rate, t + 1));
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

  /* Translators: the scale of the message-rate strip under the chart */
  label = g_strdup_printf (_("%.0f msg/s"), top);
  set_text (p, label);
  show_text_at (p, p->plot.origin.x + p->plot.size.width + 6, p->strip.origin.y - 2,
                &p->colors->foreground);

  return top;
}

static void
draw_marker (Painter *p)
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
  cairo_arc (cr, x, y, 6, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &p->colors->background);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &p->colors->line);
  cairo_set_line_width (cr, 3);
  cairo_stroke (cr);
}

static gint64
candle_width (const Painter *p)
{
  gint64 span = p->view->t_end - p->view->t_start;
  gint64 width = MAX (p->view->candle_us, 1000);

  /* At least 5 px a candle: wider candles rather than a smear. */
  while ((double) span / (double) width > p->plot.size.width / 5)
    width *= 2;

  return width;
}

static guint
draw_candles (Painter *p,
              gint64   width)
{
  SpSeries *series = p->view->series;
  cairo_t *cr = p->cr;
  gint64 t = p->view->t_start - ((p->view->t_start % width) + width) % width;
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

static void
draw_tag (Painter       *p,
          const char    *text,
          double         x,
          double         y,
          const GdkRGBA *fill,
          const GdkRGBA *ink)
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
draw_last_price (Painter *p)
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

  text = format_price (last->price, MAX (p->decimals, 2));
  draw_tag (p, text, right + 2, y, &p->colors->line, &p->colors->on_line);
}

static void
draw_crosshair (Painter *p,
                gint64   candle)
{
  SpSeries *series = p->view->series;
  const graphene_point_t pointer = GRAPHENE_POINT_INIT (p->view->crosshair_x, p->view->crosshair_y);
  cairo_t *cr = p->cr;
  g_autofree char *time = NULL;
  g_autofree char *text = NULL;
  double x, y;
  gint64 t;

  if (!graphene_rect_contains_point (&p->plot, &pointer) || sp_series_get_length (series) == 0)
    return;

  t = t_of (p, pointer.x);
  if (p->view->mode == SP_CHART_CANDLES)
    {
      gint64 start = t - ((t % candle) + candle) % candle;
      SpSeriesSummary s;
      g_autofree char *o = NULL, *h = NULL, *l = NULL, *c = NULL;

      if (!sp_series_summarize (series, sp_series_lower_bound (series, start),
                                sp_series_lower_bound (series, start + candle), &s))
        return;
      x = round (x_of (p, start + candle / 2)) + 0.5;
      y = round (y_of (p, s.last)) + 0.5;
      time = format_time (start, candle);
      o = format_price (s.first, p->decimals);
      h = format_price (s.max, p->decimals);
      l = format_price (s.min, p->decimals);
      c = format_price (s.last, p->decimals);
      /* Translators: open, high, low, close of a candle on the chart */
      text = g_strdup_printf (_("%s  O %s  H %s  L %s  C %s"), time, o, h, l, c);
    }
  else
    {
      guint len = sp_series_get_length (series);
      guint i = sp_series_lower_bound (series, t);
      const SpSeriesPoint *point;
      g_autofree char *price = NULL;

      if (i == len || (i > 0 && t - sp_series_get_point (series, i - 1)->t_us <
                                sp_series_get_point (series, i)->t_us - t))
        i--;
      point = sp_series_get_point (series, i);
      x = round (x_of (p, point->t_us)) + 0.5;
      y = round (y_of (p, point->price)) + 0.5;
      time = format_time (point->t_us, 1);
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

  if (p->view->mode == SP_CHART_LINE)
    {
      cairo_arc (cr, x, y, 4.5, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, &p->colors->background);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, &p->colors->line);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }

  {
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
}

static void
setup_layout (PangoLayout *layout)
{
  PangoAttrList *attributes = pango_attr_list_new ();

  pango_attr_list_insert (attributes, pango_attr_scale_new (0.85));
  pango_attr_list_insert (attributes, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attributes);
  pango_attr_list_unref (attributes);
}

void
sp_chart_render (cairo_t             *cr,
                 PangoLayout         *layout,
                 int                  width,
                 int                  height,
                 const SpChartView   *view,
                 const SpChartColors *colors,
                 SpChartGeometry     *geometry)
{
  Painter p = { cr, layout, view, colors };
  SpSeries *series = view->series;
  guint len = series != NULL ? sp_series_get_length (series) : 0;
  SpChartGeometry geo = { 0 };
  SpSeriesSummary s;
  guint i0 = 0, i1 = 0;
  double axis_width, w, step;
  gint64 candle = 0;
  g_autofree char *min_label = NULL;
  g_autofree char *max_label = NULL;

  g_return_if_fail (cr != NULL && layout != NULL && view != NULL && colors != NULL);

  cairo_save (cr);
  setup_layout (layout);
  set_text (&p, "0123456789");
  text_size (&p, NULL, &p.text_height);

  if (len > 0 && view->t_end > view->t_start)
    {
      i0 = sp_series_lower_bound (series, view->t_start);
      i1 = sp_series_lower_bound (series, view->t_end + 1);
      if (!sp_series_summarize (series, i0, i1, &s))
        {
          /* Nothing inside: the line between the points either side crosses. */
          guint a = i0 > 0 ? i0 - 1 : i0;
          guint b = MIN (i0 + 1, len);

          sp_series_summarize (series, a, b, &s);
        }
    }

  if (len == 0 || view->t_end <= view->t_start)
    {
      if (view->empty_text != NULL)
        {
          set_text (&p, view->empty_text);
          text_size (&p, &w, NULL);
          show_text_at (&p, (width - w) / 2, (height - p.text_height) / 2, &colors->foreground);
        }
      cairo_restore (cr);
      if (geometry != NULL)
        *geometry = geo;
      return;
    }

  /* The visible prices, with room above and below. */
  p.y_min = s.min;
  p.y_max = s.max;
  if (p.y_max - p.y_min < MAX (fabs (p.y_max) * 1e-4, 1e-9))
    {
      double pad = MAX (fabs (p.y_max) * 1e-3, 0.01);

      p.y_min -= pad;
      p.y_max += pad;
    }
  else
    {
      double pad = (p.y_max - p.y_min) * 0.08;

      p.y_min -= pad;
      p.y_max += pad;
    }

  p.plot.size.height = height - 2 * MARGIN - p.text_height - 4;
  if (view->rate != NULL && p.plot.size.height >= 140)
    p.plot.size.height -= 40;   /* the message-rate strip and its gap */
  step = nice_step ((p.y_max - p.y_min) / MAX (p.plot.size.height / (p.text_height * 2.5), 1));
  p.decimals = (int) CLAMP (-floor (log10 (step) + 1e-9), 0, 8);
  if (p.decimals == 1)
    p.decimals = 2;   /* money reads in cents */

  /* Wide enough for the labels and for the last-price tag, which shows cents. */
  min_label = format_price (p.y_min, MAX (p.decimals, 2));
  max_label = format_price (p.y_max, MAX (p.decimals, 2));
  set_text (&p, strlen (min_label) > strlen (max_label) ? min_label : max_label);
  text_size (&p, &axis_width, NULL);
  axis_width += 16;

  p.plot.origin.x = MARGIN;
  p.plot.origin.y = MARGIN;
  p.plot.size.width = width - MARGIN - axis_width;
  p.axis_y = p.plot.origin.y + p.plot.size.height;
  p.strip = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  if (view->rate != NULL && height - 2 * MARGIN - p.text_height - 4 >= 140)
    {
      p.strip = GRAPHENE_RECT_INIT (p.plot.origin.x, p.axis_y + 8, p.plot.size.width, 32);
      p.axis_y = p.strip.origin.y + p.strip.size.height;
    }
  if (p.plot.size.width < 16 || p.plot.size.height < 16)
    {
      cairo_restore (cr);
      if (geometry != NULL)
        *geometry = geo;
      return;
    }

  p.tag_y = y_of (&p, sp_series_get_point (series, len - 1)->price);
  draw_price_axis (&p, step);
  draw_time_axis (&p);
  if (p.strip.size.width > 0)
    geo.rate_max = draw_rate_strip (&p);
  draw_gaps (&p);

  cairo_save (cr);
  cairo_rectangle (cr, p.plot.origin.x, p.plot.origin.y - 2, p.plot.size.width,
                   p.plot.size.height + 4);
  cairo_clip (cr);
  if (view->mode == SP_CHART_CANDLES)
    {
      candle = candle_width (&p);
      geo.n_drawn = draw_candles (&p, candle);
    }
  else
    {
      geo.n_drawn = draw_line (&p, i0, i1);
    }
  cairo_restore (cr);

  draw_last_price (&p);
  if (view->marker_ref != 0)
    draw_marker (&p);
  if (view->crosshair)
    draw_crosshair (&p, candle);

  cairo_restore (cr);

  geo.plot = p.plot;
  geo.y_min = p.y_min;
  geo.y_max = p.y_max;
  geo.candle_us = candle;
  geo.strip = p.strip;
  if (geometry != NULL)
    *geometry = geo;
}

/* ------------------------------------------------------------------------ */
/* The widget                                                                 */

struct _SpChart
{
  GtkWidget       parent_instance;

  SpSeries       *series;
  SpSeries       *rate;
  gint64          marker_ref;
  gboolean        dragged;
  SpChartMode     mode;
  gint64          candle_us;
  gint64          span_us;        /* 0: everything stored */
  gboolean        follow_live;
  gint64          t_start;        /* the range while not following */
  gint64          t_end;

  gboolean        pointer_inside;
  double          pointer_x;
  double          pointer_y;
  gint64          drag_start;
  gint64          drag_end;
  double          pinch_scale;

  guint           tick_id;
  guint64         drawn_generation;
  gint64          drawn_time;
  SpChartGeometry geometry;
};

enum
{
  PROP_0,
  PROP_MODE,
  PROP_SPAN,
  PROP_FOLLOW_LIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  POINT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SpChart, sp_chart, GTK_TYPE_WIDGET)

static void
current_range (SpChart *self,
               gint64  *t_start,
               gint64  *t_end)
{
  guint len = self->series != NULL ? sp_series_get_length (self->series) : 0;
  gint64 first = len > 0 ? sp_series_get_point (self->series, 0)->t_us : 0;
  gint64 last = len > 0 ? sp_series_get_point (self->series, len - 1)->t_us : 0;
  gint64 end;
  gint64 start;
  /* Room for a few candles, or a couple of seconds of line, however new the stream. */
  gint64 min_span = self->mode == SP_CHART_CANDLES ? 20 * self->candle_us : MIN_LIVE_SPAN_US;

  if (!self->follow_live)
    {
      *t_start = self->t_start;
      *t_end = self->t_end;
      return;
    }

  /* Live: the right edge is now; the left edge the span back, but never far
   * before the first price, so a new stream fills the width at once. */
  end = MAX (g_get_real_time (), last);
  if (self->span_us == 0)
    start = len > 0 ? first : end - min_span;
  else
    start = end - self->span_us;
  if (len > 0)
    start = MAX (start, first);
  start = MIN (start, end - MIN (min_span, self->span_us > 0 ? self->span_us : G_MAXINT64));

  *t_start = start;
  *t_end = end;
}

void
sp_chart_get_range (SpChart *self,
                    gint64  *t_start,
                    gint64  *t_end)
{
  g_return_if_fail (SP_IS_CHART (self));

  current_range (self, t_start, t_end);
}

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
    .empty_text = _("Waiting for prices…"),
    .marker_ref = self->marker_ref,
    .rate = self->rate,
  };
  current_range (self, &view->t_start, &view->t_end);
}

static void
sp_chart_snapshot (GtkWidget   *widget,
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
static gboolean
on_tick (GtkWidget     *widget,
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

      current_range (self, &start, &end);
      us_per_px = (double) (end - start) / self->geometry.plot.size.width;
      if ((double) (g_get_real_time () - self->drawn_time) >= us_per_px)
        gtk_widget_queue_draw (widget);
    }

  return G_SOURCE_CONTINUE;
}

static void
sp_chart_map (GtkWidget *widget)
{
  SpChart *self = SP_CHART (widget);

  GTK_WIDGET_CLASS (sp_chart_parent_class)->map (widget);
  self->tick_id = gtk_widget_add_tick_callback (widget, on_tick, NULL, NULL);
}

static void
sp_chart_unmap (GtkWidget *widget)
{
  SpChart *self = SP_CHART (widget);

  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (widget, self->tick_id);
  self->tick_id = 0;
  GTK_WIDGET_CLASS (sp_chart_parent_class)->unmap (widget);
}

static void
set_range (SpChart *self,
           gint64   t_start,
           gint64   t_end)
{
  gint64 span = CLAMP (t_end - t_start, MIN_SPAN_US, MAX_SPAN_US);
  gint64 now = g_get_real_time ();

  self->t_start = t_start;
  self->t_end = t_start + span;

  /* Moved back to the live edge: follow it again. */
  if (self->t_end >= now && !self->follow_live)
    {
      self->span_us = span;
      self->follow_live = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
stop_following (SpChart *self)
{
  gint64 start, end;

  if (!self->follow_live)
    return;

  current_range (self, &start, &end);
  self->t_start = start;
  self->t_end = end;
  self->follow_live = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
}

void
sp_chart_zoom (SpChart *self,
               double   factor,
               double   x)
{
  gint64 start, end, anchor, span;
  double fraction;

  g_return_if_fail (SP_IS_CHART (self));

  current_range (self, &start, &end);
  span = CLAMP ((gint64) ((double) (end - start) * factor), MIN_SPAN_US, MAX_SPAN_US);

  if (self->follow_live)
    {
      /* Live zoom keeps the right edge on now. */
      self->span_us = span;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  fraction = self->geometry.plot.size.width > 0
             ? CLAMP ((x - self->geometry.plot.origin.x) / self->geometry.plot.size.width, 0, 1)
             : 0.5;
  anchor = start + (gint64) ((double) (end - start) * fraction);
  start = anchor - (gint64) ((double) span * fraction);
  self->span_us = span;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
  set_range (self, start, start + span);
}

void
sp_chart_pan (SpChart *self,
              double   dx)
{
  gint64 start, end, shift;
  double width;

  g_return_if_fail (SP_IS_CHART (self));

  width = self->geometry.plot.size.width > 0 ? self->geometry.plot.size.width
                                             : MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  stop_following (self);
  current_range (self, &start, &end);
  shift = (gint64) (-dx * (double) (end - start) / width);
  set_range (self, start + shift, end + shift);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           SpChart                  *self)
{
  self->pointer_inside = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller,
          SpChart                  *self)
{
  self->pointer_inside = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           SpChart                  *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  /* Wheel: zoom around the pointer; Shift+wheel or a horizontal swipe: pan. */
  if ((state & GDK_SHIFT_MASK) != 0 && dx == 0)
    {
      dx = dy;
      dy = 0;
    }
  if (dy != 0)
    sp_chart_zoom (self, pow (1.2, dy), self->pointer_x);
  if (dx != 0)
    sp_chart_pan (self, -dx * 24);

  return GDK_EVENT_STOP;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               SpChart        *self)
{
  current_range (self, &self->drag_start, &self->drag_end);
  self->dragged = FALSE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                SpChart        *self)
{
  double width = MAX (self->geometry.plot.size.width, 1);
  gint64 shift;

  if (fabs (offset_x) < 3 && !self->dragged)
    return;
  self->dragged = TRUE;

  shift = (gint64) (-offset_x * (double) (self->drag_end - self->drag_start) / width);
  stop_following (self);
  set_range (self, self->drag_start + shift, self->drag_end + shift);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             SpChart        *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
}

static void
on_pinch_begin (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                SpChart          *self)
{
  self->pinch_scale = 1;
}

/* Spreading the fingers shows less time, bigger. */
static void
on_pinch (GtkGestureZoom *gesture,
          double          scale,
          SpChart        *self)
{
  double x, y;

  if (scale <= 0)
    return;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    x = self->pointer_x;
  sp_chart_zoom (self, self->pinch_scale / scale, x);
  self->pinch_scale = scale;
}

/* A click (not the end of a drag) on a point shows its message in the log. */
static void
on_released (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             SpChart         *self)
{
  gint64 ref;

  if (n_press != 1 || self->dragged)
    return;

  ref = sp_chart_ref_at (self, x);
  if (ref != 0)
    {
      sp_chart_set_marker (self, ref);
      g_signal_emit (self, signals[POINT_ACTIVATED], 0, ref);
    }
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            SpChart         *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (n_press == 2)
    sp_chart_set_follow_live (self, TRUE);
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpChart *self = SP_CHART (widget);

  sp_chart_zoom (self, g_variant_get_double (parameter),
                 self->geometry.plot.origin.x + self->geometry.plot.size.width / 2);
}

static void
pan_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  SpChart *self = SP_CHART (widget);

  sp_chart_pan (self, g_variant_get_double (parameter) * self->geometry.plot.size.width / 10);
}

static void
live_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sp_chart_set_follow_live (SP_CHART (widget), TRUE);
}

static void
sp_chart_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  SpChart *self = SP_CHART (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_SPAN:
      g_value_set_double (value, sp_chart_get_span (self));
      break;
    case PROP_FOLLOW_LIVE:
      g_value_set_boolean (value, self->follow_live);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_chart_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  SpChart *self = SP_CHART (object);

  switch (prop_id)
    {
    case PROP_MODE:
      sp_chart_set_mode (self, g_value_get_enum (value));
      break;
    case PROP_SPAN:
      sp_chart_set_span (self, g_value_get_double (value));
      break;
    case PROP_FOLLOW_LIVE:
      sp_chart_set_follow_live (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_chart_finalize (GObject *object)
{
  SpChart *self = SP_CHART (object);

  g_clear_pointer (&self->series, sp_series_unref);
  g_clear_pointer (&self->rate, sp_series_unref);

  G_OBJECT_CLASS (sp_chart_parent_class)->finalize (object);
}

static void
sp_chart_class_init (SpChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = sp_chart_finalize;
  object_class->get_property = sp_chart_get_property;
  object_class->set_property = sp_chart_set_property;
  widget_class->snapshot = sp_chart_snapshot;
  widget_class->map = sp_chart_map;
  widget_class->unmap = sp_chart_unmap;

  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, SP_TYPE_CHART_MODE, SP_CHART_LINE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPAN] =
    g_param_spec_double ("span", NULL, NULL, 0, (double) (MAX_SPAN_US / G_USEC_PER_SEC), 300,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLLOW_LIVE] =
    g_param_spec_boolean ("follow-live", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A click on a point: @ref says which message it came from. */
  signals[POINT_ACTIVATED] =
    g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_install_action (widget_class, "chart.zoom", "d", zoom_action);
  gtk_widget_class_install_action (widget_class, "chart.pan", "d", pan_action);
  gtk_widget_class_install_action (widget_class, "chart.follow-live", NULL, live_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "chart.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "chart.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "chart.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "chart.zoom", "d", 1.25);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "chart.zoom", "d", 1.25);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "chart.pan", "d", 1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "chart.pan", "d", -1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "chart.follow-live", NULL);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sp_chart_init (SpChart *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->mode = SP_CHART_LINE;
  self->candle_us = 5 * G_USEC_PER_SEC;
  self->span_us = 300 * G_USEC_PER_SEC;
  self->follow_live = TRUE;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_widget_set_size_request (GTK_WIDGET (self), 240, 120);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Price chart"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Scroll to zoom, drag to move back in time, double-click to follow live prices"),
                                  -1);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_pinch), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_pressed), self);
  g_signal_connect (gesture, "released", G_CALLBACK (on_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

GtkWidget *
sp_chart_new (void)
{
  return g_object_new (SP_TYPE_CHART, NULL);
}

void
sp_chart_set_series (SpChart  *self,
                     SpSeries *series)
{
  g_return_if_fail (SP_IS_CHART (self));

  if (self->series == series)
    return;

  g_clear_pointer (&self->series, sp_series_unref);
  self->series = series != NULL ? sp_series_ref (series) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

SpSeries *
sp_chart_get_series (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), NULL);

  return self->series;
}

void
sp_chart_set_mode (SpChart     *self,
                   SpChartMode  mode)
{
  g_return_if_fail (SP_IS_CHART (self));

  if (self->mode == mode)
    return;

  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

SpChartMode
sp_chart_get_mode (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), SP_CHART_LINE);

  return self->mode;
}

void
sp_chart_set_candle_seconds (SpChart *self,
                             guint    seconds)
{
  g_return_if_fail (SP_IS_CHART (self));

  self->candle_us = (gint64) MAX (seconds, 1) * G_USEC_PER_SEC;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sp_chart_set_span (SpChart *self,
                   double   seconds)
{
  gint64 span;

  g_return_if_fail (SP_IS_CHART (self));

  span = seconds <= 0 ? 0 : CLAMP ((gint64) (seconds * G_USEC_PER_SEC), MIN_SPAN_US, MAX_SPAN_US);
  if (span != self->span_us)
    {
      self->span_us = span;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
    }
  /* Picking a span is picking the latest prices. */
  sp_chart_set_follow_live (self, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
sp_chart_get_span (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return (double) self->span_us / G_USEC_PER_SEC;
}

void
sp_chart_set_follow_live (SpChart  *self,
                          gboolean  follow)
{
  g_return_if_fail (SP_IS_CHART (self));

  if (!follow)
    {
      stop_following (self);
      return;
    }
  if (self->follow_live)
    return;

  self->follow_live = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
sp_chart_get_follow_live (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), FALSE);

  return self->follow_live;
}

void
sp_chart_set_rate_series (SpChart  *self,
                          SpSeries *rate)
{
  g_return_if_fail (SP_IS_CHART (self));

  g_clear_pointer (&self->rate, sp_series_unref);
  self->rate = rate != NULL ? sp_series_ref (rate) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sp_chart_set_marker (SpChart *self,
                     gint64   ref)
{
  gint64 start, end;
  int index;

  g_return_if_fail (SP_IS_CHART (self));

  self->marker_ref = ref;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (ref == 0 || self->series == NULL)
    return;

  index = sp_series_find_ref (self->series, ref);
  if (index < 0 || sp_series_get_point (self->series, (guint) index)->ref != ref)
    return;

  /* Out of view: move there, keeping the span. */
  current_range (self, &start, &end);
  {
    gint64 t = sp_series_get_point (self->series, (guint) index)->t_us;

    if (t < start || t > end)
      {
        stop_following (self);
        self->t_start = t - (end - start) / 2;
        self->t_end = self->t_start + (end - start);
        gtk_widget_queue_draw (GTK_WIDGET (self));
      }
  }
}

gint64
sp_chart_ref_at (SpChart *self,
                 double   x)
{
  gint64 start, end, t;
  guint len, i;
  double width;

  g_return_val_if_fail (SP_IS_CHART (self), 0);

  len = self->series != NULL ? sp_series_get_length (self->series) : 0;
  width = self->geometry.plot.size.width;
  if (len == 0 || width <= 0)
    return 0;

  current_range (self, &start, &end);
  t = start + (gint64) ((x - self->geometry.plot.origin.x) / width * (double) (end - start));
  if (self->mode == SP_CHART_CANDLES && self->geometry.candle_us > 0)
    {
      gint64 candle = self->geometry.candle_us;
      gint64 close = t - ((t % candle) + candle) % candle + candle;

      /* A candle stands for its close, its last point. */
      i = sp_series_lower_bound (self->series, close);
      return i > 0 ? sp_series_get_point (self->series, i - 1)->ref : 0;
    }

  i = sp_series_lower_bound (self->series, t);
  if (i == len || (i > 0 && t - sp_series_get_point (self->series, i - 1)->t_us <
                            sp_series_get_point (self->series, i)->t_us - t))
    i--;

  return sp_series_get_point (self->series, i)->ref;
}

gint64
sp_chart_get_marker (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return self->marker_ref;
}
