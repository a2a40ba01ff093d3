/* What the chart's render shares with its layers (sp-chart-axes.c,
 * sp-chart-line.c…): the render context, the mapping from time and price to
 * pixels, text and shape helpers. Thread contract: none of its own; a render
 * runs on the caller's thread, which owns the cairo_t, the layout and the
 * series for the call. */
#pragma once

#include <math.h>

#include "sp-chart-render.h"

G_BEGIN_DECLS

#define SP_CHART_MARGIN 8.0

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
  double               rate_max;     /* the strip's scale, in messages a second; 0: none */
  double               price_step;   /* between price labels */
  guint                i0;           /* the visible points, [i0, i1) */
  guint                i1;
  /* Values are drawn as price × scale + offset: 1 and 0, or in compare the
   * percent change from the series' first price in view. */
  double               scale;
  double               offset;
  gboolean             percent;      /* comparing: the axis reads in percent */
  double               bases[SP_CHART_MAX_COMPARE + 1]; /* each series' first price in view; 0: none */
  /* What the layers tell SpChartGeometry. */
  gint64               candle_us;    /* the candle width used; 0 for the line */
  guint                n_drawn;
  char                 readout[160]; /* the crosshair's words */
} SpChartPainter;

/* One layer of the picture: draws its part, or nothing when the view has none. */
typedef void (*SpChartLayerDraw) (SpChartPainter *p);

static inline double
x_of (const SpChartPainter *p,
      gint64                t)
{
  return p->plot.origin.x +
         (double) (t - p->view->t_start) / (double) (p->view->t_end - p->view->t_start) *
         p->plot.size.width;
}

static inline gint64
t_of (const SpChartPainter *p,
      double                x)
{
  return p->view->t_start +
         (gint64) ((x - p->plot.origin.x) / p->plot.size.width *
                   (double) (p->view->t_end - p->view->t_start));
}

/* Where a value of the axis (a price, or a percent change in compare) is drawn. */
static inline double
y_at (const SpChartPainter *p,
      double                value)
{
  return p->plot.origin.y + (p->y_max - value) / (p->y_max - p->y_min) * p->plot.size.height;
}

/* Where a price of the series being drawn is (use_series_scale()). */
static inline double
y_of (const SpChartPainter *p,
      double                price)
{
  return y_at (p, price * p->scale + p->offset);
}

/* A value on the axis (a price, or a percent change in compare) as it reads there. */
static inline char *
format_value (const SpChartPainter *p,
              double                value,
              int                   decimals)
{
  if (p->percent && fabs (value) < 0.5 * pow (10, -decimals))
    return g_strdup ("0 %");
  if (p->percent)
    return g_strdup_printf ("%+.*f %%", decimals, value);
  return g_strdup_printf ("%.*f", decimals, value);
}

/* Candles, unless comparing (compare draws lines). */
static inline gboolean
draws_candles (const SpChartPainter *p)
{
  return p->view->mode == SP_CHART_CANDLES && !p->percent;
}

/* Draws series @index (0: the main one; then the compared) from here on. */
static inline void
use_series_scale (SpChartPainter *p,
                  guint           index)
{
  if (!p->percent)
    return;
  p->scale = p->bases[index] > 0 ? 100 / p->bases[index] : 0;
  p->offset = p->bases[index] > 0 ? -100 : 0;
}

static inline void
set_text (SpChartPainter *p,
          const char     *text)
{
  pango_layout_set_text (p->layout, text, -1);
}

static inline void
text_size (SpChartPainter *p,
           double         *width,
           double         *height)
{
  int w, h;

  pango_layout_get_pixel_size (p->layout, &w, &h);
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
}

static inline void
show_text_at (SpChartPainter *p,
              double          x,
              double          y,
              const GdkRGBA  *color)
{
  cairo_move_to (p->cr, round (x), round (y));
  gdk_cairo_set_source_rgba (p->cr, color);
  pango_cairo_show_layout (p->cr, p->layout);
}

static inline char *
format_price (double price,
              int    decimals)
{
  return g_strdup_printf ("%.*f", decimals, price);
}

/* The start of the @period-long period that holds @t, periods counted from the
 * epoch (before it too). */
static inline gint64
period_start (gint64 t,
              gint64 period)
{
  return t - ((t % period) + period) % period;
}

/* The point nearest @t in a series that has one: the crosshair shows it, and
 * sp_chart_ref_at() picks it for a click there. */
static inline guint
nearest_point (SpSeries *series,
               gint64    t)
{
  guint len = sp_series_get_length (series);
  guint i = sp_series_lower_bound (series, t);

  if (i == len || (i > 0 && t - sp_series_get_point (series, i - 1)->t_us <
                            sp_series_get_point (series, i)->t_us - t))
    i--;

  return i;
}

/* Where the points behind pixel column @c of @columns end, those of the columns
 * before it ending at @begin; the last column ends at @last. The line and the
 * rate strip summarise the same columns. */
static inline guint
column_end (const SpChartPainter *p,
            SpSeries             *series,
            guint                 c,
            guint                 columns,
            guint                 begin,
            guint                 last)
{
  gint64 span = p->view->t_end - p->view->t_start;
  gint64 t = p->view->t_start + (gint64) ((double) span * (c + 1) / columns);

  return c + 1 == columns ? last : MAX (begin, sp_series_lower_bound (series, t + 1));
}

/* A point picked out: a ring in the line colour, filled with the background. */
static inline void
draw_ring (SpChartPainter *p,
           double          x,
           double          y,
           double          radius,
           double          width)
{
  cairo_arc (p->cr, x, y, radius, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (p->cr, &p->colors->background);
  cairo_fill_preserve (p->cr);
  gdk_cairo_set_source_rgba (p->cr, &p->colors->line);
  cairo_set_line_width (p->cr, width);
  cairo_stroke (p->cr);
}

/* Layers draw inside the plot with this, then cairo_restore(). */
static inline void
clip_to_plot (SpChartPainter *p)
{
  cairo_save (p->cr);
  cairo_rectangle (p->cr, p->plot.origin.x, p->plot.origin.y - 2, p->plot.size.width,
                   p->plot.size.height + 4);
  cairo_clip (p->cr);
}

/* 1, 2 or 5 times a power of ten, at least @raw. */
double _sp_chart_nice_step   (double raw);
char  *_sp_chart_format_time (gint64 t_us,
                              gint64 step_us);

G_END_DECLS
