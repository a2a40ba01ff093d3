/* The chart's pure render: lays out the plot for a view, then draws its layers
 * back to front (sp-chart-axes.c, sp-chart-line.c…). No widget: tests,
 * benchmarks and the PNG export call it as the widget does. Drawing costs
 * O(width), not O(points): each pixel column is summarised (first, min, max,
 * last) from SpSeries' block summaries, and candles come from the same
 * summaries. */
#include "config.h"

#include <string.h>

#include "sp-chart-render.h"

#include "sp-chart-alerts.h"
#include "sp-chart-axes.h"
#include "sp-chart-candles.h"
#include "sp-chart-compare.h"
#include "sp-chart-crosshair.h"
#include "sp-chart-gaps.h"
#include "sp-chart-line.h"
#include "sp-chart-overlay.h"
#include "sp-chart-private.h"
#include "sp-chart-rate.h"

/* Back to front. Each layer draws nothing when the view has none of it. */
static const SpChartLayerDraw layers[] = {
  _sp_chart_axes_draw,
  _sp_chart_rate_draw,
  _sp_chart_gaps_draw,
  _sp_chart_candles_draw,
  _sp_chart_line_draw,
  _sp_chart_alerts_draw,
  _sp_chart_overlay_draw,
  _sp_chart_compare_draw,
  _sp_chart_crosshair_draw,
};

/* Orange, purple, green, brown, pink and teal of the GNOME palette, after the
 * main line's blue. */
static const GdkRGBA compare_colors[SP_CHART_MAX_COMPARE] = {
  { 0.902f, 0.380f, 0.000f, 1 },
  { 0.569f, 0.255f, 0.675f, 1 },
  { 0.180f, 0.761f, 0.494f, 1 },
  { 0.596f, 0.416f, 0.267f, 1 },
  { 0.753f, 0.380f, 0.796f, 1 },
  { 0.129f, 0.565f, 0.643f, 1 },
};

void
sp_chart_compare_color (guint    index,
                        GdkRGBA *color)
{
  *color = compare_colors[index % SP_CHART_MAX_COMPARE];
}

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

static void
setup_layout (PangoLayout *layout)
{
  PangoAttrList *attributes = pango_attr_list_new ();

  pango_attr_list_insert (attributes, pango_attr_scale_new (0.85));
  pango_attr_list_insert (attributes, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attributes);
  pango_attr_list_unref (attributes);
}

/* The visible points and what they span; FALSE when there is nothing to draw. */
static gboolean
summarize_visible (SpChartPainter  *p,
                   SpSeriesSummary *s)
{
  SpSeries *series = p->view->series;
  guint len = series != NULL ? sp_series_get_length (series) : 0;

  if (len == 0 || p->view->t_end <= p->view->t_start)
    return FALSE;

  p->i0 = sp_series_lower_bound (series, p->view->t_start);
  p->i1 = sp_series_lower_bound (series, p->view->t_end + 1);
  if (!sp_series_summarize (series, p->i0, p->i1, s))
    {
      /* Nothing inside: the line between the points either side crosses. */
      guint a = p->i0 > 0 ? p->i0 - 1 : p->i0;
      guint b = MIN (p->i0 + 1, len);

      sp_series_summarize (series, a, b, s);
    }

  return TRUE;
}

static void
draw_empty (SpChartPainter *p,
            int             width,
            int             height)
{
  double w;

  if (p->view->empty_text == NULL)
    return;

  set_text (p, p->view->empty_text);
  text_size (p, &w, NULL);
  show_text_at (p, (width - w) / 2, (height - p->text_height) / 2, &p->colors->foreground);
}

/* The first price of @series in view (or the last before it): what its
 * percent change is measured from; 0 when it has none. */
static double
base_price (SpChartPainter *p,
            SpSeries       *series)
{
  guint len = series != NULL ? sp_series_get_length (series) : 0;
  guint i;

  if (len == 0)
    return 0;
  i = sp_series_lower_bound (series, p->view->t_start);
  if (i >= len || sp_series_get_point (series, i)->t_us > p->view->t_end)
    i = i > 0 ? i - 1 : i;
  return sp_series_get_point (series, i)->price;
}

/* Compare: every series' visible range in percent change from its base. */
static void
summarize_compare (SpChartPainter  *p,
                   SpSeriesSummary *s)
{
  SpSeriesSummary sum = *s;
  double lo = 0, hi = 0;

  p->percent = TRUE;
  for (guint k = 0; k <= p->view->n_compare; k++)
    {
      SpSeries *series = k == 0 ? p->view->series : p->view->compare[k - 1];
      guint len = series != NULL ? sp_series_get_length (series) : 0;
      SpSeriesSummary one;
      guint a, b;

      p->bases[k] = base_price (p, series);
      if (p->bases[k] <= 0)
        continue;
      if (k == 0)
        one = sum;
      else
        {
          a = sp_series_lower_bound (series, p->view->t_start);
          b = sp_series_lower_bound (series, p->view->t_end + 1);
          if (!sp_series_summarize (series, a, b, &one) &&
              !sp_series_summarize (series, a > 0 ? a - 1 : a, MIN (a + 1, len), &one))
            continue;
        }
      lo = MIN (lo, (one.min / p->bases[k] - 1) * 100);
      hi = MAX (hi, (one.max / p->bases[k] - 1) * 100);
    }
  s->min = lo;
  s->max = hi;
  use_series_scale (p, 0);
}

/* The visible prices, with room above and below. */
static void
fit_prices (SpChartPainter        *p,
            const SpSeriesSummary *s)
{
  p->y_min = s->min;
  p->y_max = s->max;
  if (p->y_max - p->y_min < MAX (fabs (p->y_max) * 1e-4, 1e-9))
    {
      double pad = MAX (fabs (p->y_max) * 1e-3, 0.01);

      p->y_min -= pad;
      p->y_max += pad;
    }
  else
    {
      double pad = (p->y_max - p->y_min) * 0.08;

      p->y_min -= pad;
      p->y_max += pad;
    }
}

/* The price scale, the plot and the rate strip for a @width × @height picture
 * of the prices @s sums up; FALSE when the plot would be too small to draw. */
static gboolean
lay_out (SpChartPainter        *p,
         const SpSeriesSummary *s,
         int                    width,
         int                    height)
{
  const SpChartView *view = p->view;
  g_autofree char *min_label = NULL;
  g_autofree char *max_label = NULL;
  double axis_width;
  gboolean strip;
  guint len;

  fit_prices (p, s);
  p->plot.size.height = height - 2 * SP_CHART_MARGIN - p->text_height - 4;
  strip = view->rate != NULL && p->plot.size.height >= 140;
  if (strip)
    p->plot.size.height -= 40;   /* the message-rate strip and its gap */
  p->price_step = _sp_chart_nice_step ((p->y_max - p->y_min) /
                                       MAX (p->plot.size.height / (p->text_height * 2.5), 1));
  p->decimals = (int) CLAMP (-floor (log10 (p->price_step) + 1e-9), 0, 8);
  if (p->decimals == 1)
    p->decimals = 2;   /* money reads in cents */

  /* Wide enough for the labels and for the last-price tag, which shows cents. */
  min_label = format_value (p, p->y_min, MAX (p->decimals, 2));
  max_label = format_value (p, p->y_max, MAX (p->decimals, 2));
  set_text (p, strlen (min_label) > strlen (max_label) ? min_label : max_label);
  text_size (p, &axis_width, NULL);
  axis_width += 16;
  /* …and for the rate strip's scale, written beside it. */
  if (strip)
    p->rate_max = _sp_chart_rate_scale (view);
  if (p->rate_max > 0)
    {
      g_autofree char *rate_label = _sp_chart_rate_label (p->rate_max);
      double rate_width;

      set_text (p, rate_label);
      text_size (p, &rate_width, NULL);
      axis_width = MAX (axis_width, rate_width + 16);
    }

  p->plot.origin.x = SP_CHART_MARGIN;
  p->plot.origin.y = SP_CHART_MARGIN;
  p->plot.size.width = width - SP_CHART_MARGIN - axis_width;
  p->axis_y = p->plot.origin.y + p->plot.size.height;
  p->strip = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  if (strip)
    {
      p->strip = GRAPHENE_RECT_INIT (p->plot.origin.x, p->axis_y + 8, p->plot.size.width, 32);
      p->axis_y = p->strip.origin.y + p->strip.size.height;
    }

  if (p->plot.size.width < 16 || p->plot.size.height < 16)
    return FALSE;

  len = sp_series_get_length (view->series);
  p->tag_y = y_of (p, sp_series_get_point (view->series, len - 1)->price);

  return TRUE;
}

static SpChartGeometry
geometry_of (const SpChartPainter *p)
{
  SpChartGeometry geo = {
    .plot = p->plot,
    .y_min = p->y_min,
    .y_max = p->y_max,
    .candle_us = p->candle_us,
    .n_drawn = p->n_drawn,
    .strip = p->strip,
    .rate_max = p->rate_max,
  };

  g_strlcpy (geo.readout, p->readout, sizeof geo.readout);
  return geo;
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
  SpChartPainter p = { cr, layout, view, colors, .scale = 1 };
  SpChartGeometry geo = { 0 };
  SpSeriesSummary s;

  g_return_if_fail (cr != NULL && layout != NULL && view != NULL && colors != NULL);

  cairo_save (cr);
  setup_layout (layout);
  set_text (&p, "0123456789");
  text_size (&p, NULL, &p.text_height);

  if (!summarize_visible (&p, &s))
    {
      draw_empty (&p, width, height);
    }
  else
    {
      if (view->n_compare > 0)
        summarize_compare (&p, &s);
      if (lay_out (&p, &s, width, height))
        {
          for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
            layers[i] (&p);
          geo = geometry_of (&p);
        }
    }

  cairo_restore (cr);
  if (geometry != NULL)
    *geometry = geo;
}
