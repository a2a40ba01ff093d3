/* sp-bench-chart: how long SpChart takes to draw one frame at 1600×400 with
 * 1 k, 100 k and 1 M stored points, the whole history in view (the worst case:
 * every point is behind some pixel). Prints one line per case:
 *
 *   points=N median_ms=X p90_ms=Y mode=line|candles
 *
 * The cost should follow the width, not the number of points. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "sp-chart.h"

#define WIDTH  1600
#define HEIGHT 400

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
run (guint       n_points,
     SpChartMode mode,
     guint       frames)
{
  g_autoptr(SpSeries) series = sp_series_new (n_points);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree double *times = g_new (double, frames);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string ("Sans 10");
  gint64 t0 = g_get_real_time () - (gint64) n_points * 250000;
  double price = 299.90;
  SpChartColors colors;
  SpChartView view;

  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  sp_chart_colors_init_default (&colors);

  /* A random walk sampled every 250 ms, the default tick interval. */
  for (guint i = 0; i < n_points; i++)
    {
      price = MAX (0.01, price * (1 + g_rand_double_range (rand, -0.001, 0.001)));
      sp_series_append (series, t0 + (gint64) i * 250000, price);
    }

  view = (SpChartView) {
    .series = series,
    .mode = mode,
    .t_start = t0,
    .t_end = t0 + (gint64) n_points * 250000,
    .candle_us = 5 * G_USEC_PER_SEC,
    .crosshair = TRUE,
    .crosshair_x = WIDTH / 2.0,
    .crosshair_y = HEIGHT / 2.0,
  };

  for (guint f = 0; f < frames + 3; f++)
    {
      gint64 start = g_get_monotonic_time ();

      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
      sp_chart_render (cr, layout, WIDTH, HEIGHT, &view, &colors, NULL);
      cairo_surface_flush (surface);
      if (f >= 3)   /* the first frames warm caches and fonts */
        times[f - 3] = (g_get_monotonic_time () - start) / 1000.0;
    }

  qsort (times, frames, sizeof (double), compare_doubles);
  g_print ("points=%u median_ms=%.3f p90_ms=%.3f mode=%s\n", n_points, times[frames / 2],
           times[frames * 9 / 10], mode == SP_CHART_LINE ? "line" : "candles");

  g_object_unref (layout);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int   argc,
      char *argv[])
{
  guint frames = argc > 1 ? (guint) CLAMP (atoi (argv[1]), 5, 10000) : 60;
  const guint sizes[] = { 1000, 100000, 1000000 };

  for (guint m = 0; m < 2; m++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      run (sizes[i], m == 0 ? SP_CHART_LINE : SP_CHART_CANDLES, frames);

  return 0;
}
