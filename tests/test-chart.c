/* The chart, drawn off-screen and read back pixel by pixel: what a user would
 * see of a rising price, a one-tick spike among a million points, a reconnect
 * gap, up and down candles, and the stream's message rate under them. */
#include "config.h"

#include <math.h>

#include "sp-chart.h"

#define WIDTH  800
#define HEIGHT 300
#define T0     (G_GINT64_CONSTANT (1795521600) * G_USEC_PER_SEC)

typedef struct
{
  cairo_surface_t *surface;
  SpChartGeometry  geometry;
  SpChartColors    colors;
  SpChartView      view;
} Picture;

/* Draws @picture's view in its colours on white. */
static void
render (Picture *picture)
{
  cairo_t *cr;
  PangoLayout *layout;

  picture->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cr = cairo_create (picture->surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  layout = pango_cairo_create_layout (cr);
  sp_chart_render (cr, layout, WIDTH, HEIGHT, &picture->view, &picture->colors, &picture->geometry);
  g_object_unref (layout);
  cairo_destroy (cr);
  cairo_surface_flush (picture->surface);

  if (g_getenv ("SP_TEST_CHART_PNG") != NULL)
    {
      g_autofree char *test = g_strdelimit (g_strdup (g_test_get_path ()), "/", '_');
      static guint n;
      g_autofree char *name = g_strdup_printf ("%s/%s-%u.png", g_getenv ("SP_TEST_CHART_PNG"), test, n++);

      cairo_surface_write_to_png (picture->surface, name);
    }
}

static void
draw (Picture     *picture,
      SpSeries    *series,
      SpChartMode  mode,
      gint64       t_start,
      gint64       t_end)
{
  sp_chart_colors_init_default (&picture->colors);
  picture->view = (SpChartView) {
    .series = series,
    .mode = mode,
    .t_start = t_start,
    .t_end = t_end,
    .candle_us = 5 * G_USEC_PER_SEC,
    .empty_text = "Waiting for prices…",
  };
  render (picture);
}

static void
picture_clear (Picture *picture)
{
  g_clear_pointer (&picture->surface, cairo_surface_destroy);
}

/* Whether the pixel at (x, y) is close to @color (on the white background). */
static gboolean
pixel_is (Picture       *picture,
          int            x,
          int            y,
          const GdkRGBA *color)
{
  const guint8 *data = cairo_image_surface_get_data (picture->surface);
  int stride = cairo_image_surface_get_stride (picture->surface);
  guint32 pixel;
  int r, g, b;

  if (x < 0 || y < 0 || x >= WIDTH || y >= HEIGHT)
    return FALSE;

  pixel = *(const guint32 *) (data + y * stride + x * 4);
  r = (pixel >> 16) & 0xff;
  g = (pixel >> 8) & 0xff;
  b = pixel & 0xff;

  return abs (r - (int) (color->red * 255)) < 40 &&
         abs (g - (int) (color->green * 255)) < 40 &&
         abs (b - (int) (color->blue * 255)) < 40;
}

/* Pixels of @color within @radius of (x, y). */
static guint
count_near (Picture       *picture,
            double         x,
            double         y,
            int            radius,
            const GdkRGBA *color)
{
  guint n = 0;

  for (int dy = -radius; dy <= radius; dy++)
    for (int dx = -radius; dx <= radius; dx++)
      n += pixel_is (picture, (int) x + dx, (int) y + dy, color);

  return n;
}

static guint
count_in_columns (Picture       *picture,
                  int            x0,
                  int            x1,
                  const GdkRGBA *color)
{
  guint n = 0;

  for (int x = x0; x < x1; x++)
    for (int y = 0; y < HEIGHT; y++)
      n += pixel_is (picture, x, y, color);

  return n;
}

static double
x_of (Picture *picture,
      gint64   t)
{
  return picture->geometry.plot.origin.x +
         (double) (t - picture->view.t_start) / (double) (picture->view.t_end - picture->view.t_start) *
         picture->geometry.plot.size.width;
}

static double
y_of (Picture *picture,
      double   price)
{
  return picture->geometry.plot.origin.y +
         (picture->geometry.y_max - price) / (picture->geometry.y_max - picture->geometry.y_min) *
         picture->geometry.plot.size.height;
}

/* A price rising from 100 to 200: the line starts low on the left and ends high
 * on the right, and the axis spans what is visible. */
static void
test_rising_line (void)
{
  g_autoptr(SpSeries) series = sp_series_new (10000);
  Picture picture = { 0 };
  gint64 end = T0 + 100 * G_USEC_PER_SEC;

  for (int i = 0; i <= 1000; i++)
    sp_series_append (series, T0 + i * 100000, 100 + i / 10.0);

  draw (&picture, series, SP_CHART_LINE, T0, end);
  g_assert_cmpfloat (picture.geometry.y_min, <, 100);
  g_assert_cmpfloat (picture.geometry.y_min, >, 90);
  g_assert_cmpfloat (picture.geometry.y_max, >, 200);
  g_assert_cmpfloat (picture.geometry.y_max, <, 210);
  g_assert_cmpuint (picture.geometry.n_drawn, ==, 1001);

  g_assert_cmpuint (count_near (&picture, x_of (&picture, T0 + G_USEC_PER_SEC), y_of (&picture, 101), 3,
                                &picture.colors.line), >, 0);
  g_assert_cmpuint (count_near (&picture, x_of (&picture, end - G_USEC_PER_SEC), y_of (&picture, 199), 3,
                                &picture.colors.line), >, 0);
  g_assert_cmpuint (count_near (&picture, x_of (&picture, T0 + 50 * G_USEC_PER_SEC), y_of (&picture, 150), 3,
                                &picture.colors.line), >, 0);
  /* Labels on both axes: dark text right of the plot and under it. */
  {
    GdkRGBA ink = { 0.3f, 0.3f, 0.3f, 1 };
    double right = picture.geometry.plot.origin.x + picture.geometry.plot.size.width;
    double bottom = picture.geometry.plot.origin.y + picture.geometry.plot.size.height;
    guint axis = 0, time_axis = 0;

    for (int x = (int) right + 4; x < WIDTH; x++)
      for (int y = 0; y < (int) bottom - 20; y++)
        axis += pixel_is (&picture, x, y, &ink);
    for (int x = 0; x < (int) right; x++)
      for (int y = (int) bottom + 2; y < HEIGHT; y++)
        time_axis += pixel_is (&picture, x, y, &ink);
    g_assert_cmpuint (axis, >, 50);
    g_assert_cmpuint (time_axis, >, 50);
  }

  /* Nothing where the price never was: top left and bottom right of the plot. */
  g_assert_cmpuint (count_near (&picture, x_of (&picture, T0 + 5 * G_USEC_PER_SEC), y_of (&picture, 195), 3,
                                &picture.colors.line), ==, 0);
  picture_clear (&picture);

  /* Zoomed into the last ten seconds, the axis follows the visible prices. */
  draw (&picture, series, SP_CHART_LINE, end - 10 * G_USEC_PER_SEC, end);
  g_assert_cmpfloat (picture.geometry.y_min, >, 185);
  g_assert_cmpuint (picture.geometry.n_drawn, ==, 101);
  picture_clear (&picture);
}

/* A million points, flat but for one tick: decimation must not lose it. */
static void
test_spike_survives (void)
{
  g_autoptr(SpSeries) series = sp_series_new (2000000);
  Picture picture = { 0 };
  gint64 spike = T0 + 543210 * G_GINT64_CONSTANT (1000);

  for (int i = 0; i < 1000000; i++)
    sp_series_append (series, T0 + (gint64) i * 1000, i == 543210 ? 150.0 : 100.0);

  draw (&picture, series, SP_CHART_LINE, T0, T0 + 1000 * G_USEC_PER_SEC);
  g_assert_cmpuint (picture.geometry.n_drawn, ==, 1000000);
  g_assert_cmpfloat (picture.geometry.y_max, >=, 150);
  g_assert_cmpuint (count_near (&picture, x_of (&picture, spike), y_of (&picture, 149), 2,
                                &picture.colors.line), >, 0);
  /* Only around that one column. */
  g_assert_cmpuint (count_near (&picture, x_of (&picture, spike) - 40, y_of (&picture, 149), 2,
                                &picture.colors.line), ==, 0);
  picture_clear (&picture);
}

/* The stream dropped for 30 s: no line across the gap, and the gap is shaded. */
static void
test_gap (void)
{
  g_autoptr(SpSeries) series = sp_series_new (10000);
  Picture picture = { 0 };
  int left, right;
  guint n_line;

  for (int i = 0; i <= 50; i++)
    sp_series_append (series, T0 + i * G_USEC_PER_SEC, 100 + (i % 2));
  sp_series_mark_gap (series, T0 + 50 * G_USEC_PER_SEC);
  for (int i = 80; i <= 100; i++)
    sp_series_append (series, T0 + i * G_USEC_PER_SEC, 100 + (i % 2));

  draw (&picture, series, SP_CHART_LINE, T0, T0 + 100 * G_USEC_PER_SEC);
  left = (int) ceil (x_of (&picture, T0 + 52 * G_USEC_PER_SEC));
  right = (int) floor (x_of (&picture, T0 + 78 * G_USEC_PER_SEC));
  n_line = count_in_columns (&picture, left, right, &picture.colors.line);
  g_assert_cmpuint (n_line, ==, 0);
  /* …while there is line on both sides. */
  g_assert_cmpuint (count_in_columns (&picture, left - 60, left - 20, &picture.colors.line), >, 0);
  g_assert_cmpuint (count_in_columns (&picture, right + 20, right + 60, &picture.colors.line), >, 0);
  picture_clear (&picture);

  /* Without the gap mark the same points are joined. */
  {
    g_autoptr(SpSeries) joined = sp_series_new (10000);

    for (int i = 0; i <= 50; i++)
      sp_series_append (joined, T0 + i * G_USEC_PER_SEC, 100 + (i % 2));
    for (int i = 80; i <= 100; i++)
      sp_series_append (joined, T0 + i * G_USEC_PER_SEC, 100 + (i % 2));
    draw (&picture, joined, SP_CHART_LINE, T0, T0 + 100 * G_USEC_PER_SEC);
    g_assert_cmpuint (count_in_columns (&picture, left, right, &picture.colors.line), >, 0);
    picture_clear (&picture);
  }
}

/* Candles: up where the price rose through a candle, down where it fell. */
static void
test_candles (void)
{
  g_autoptr(SpSeries) series = sp_series_new (10000);
  Picture picture = { 0 };
  guint up_left, down_left, up_right, down_right;
  int middle;

  for (int i = 0; i < 600; i++)
    {
      double t = i / 10.0;   /* 60 s, ten points a second */
      double price = t < 30 ? 100 + t : 130 - (t - 30);

      sp_series_append (series, T0 + i * 100000, price);
    }

  draw (&picture, series, SP_CHART_CANDLES, T0, T0 + 60 * G_USEC_PER_SEC);
  g_assert_cmpint (picture.geometry.candle_us, ==, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (picture.geometry.n_drawn, ==, 12);
  middle = (int) x_of (&picture, T0 + 30 * G_USEC_PER_SEC);
  up_left = count_in_columns (&picture, 0, middle, &picture.colors.up);
  down_left = count_in_columns (&picture, 0, middle, &picture.colors.down);
  up_right = count_in_columns (&picture, middle, WIDTH, &picture.colors.up);
  down_right = count_in_columns (&picture, middle, WIDTH, &picture.colors.down);
  g_assert_cmpuint (up_left, >, 500);
  g_assert_cmpuint (down_left, ==, 0);
  g_assert_cmpuint (down_right, >, 500);
  g_assert_cmpuint (up_right, ==, 0);
  picture_clear (&picture);

  /* An hour of them at this width would crowd: candles widen instead. */
  draw (&picture, series, SP_CHART_CANDLES, T0 - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC, T0 + 60 * G_USEC_PER_SEC);
  g_assert_cmpint (picture.geometry.candle_us, >, 5 * G_USEC_PER_SEC);
  g_assert_cmpfloat ((double) (G_GINT64_CONSTANT (3660) * G_USEC_PER_SEC) / (double) picture.geometry.candle_us, <=,
                     picture.geometry.plot.size.width / 5);
  picture_clear (&picture);
}

/* Stream health under the prices: a bar where messages came, none where they
 * did not; and the marked point of a selected message. */
static void
test_rate_strip_and_marker (void)
{
  g_autoptr(SpSeries) series = sp_series_new (1000);
  g_autoptr(SpSeries) rate = sp_series_new (1000);
  Picture picture = { 0 };
  guint busy = 0, quiet = 0;
  int top, bottom;

  for (int i = 0; i <= 60; i++)
    {
      sp_series_append_full (series, T0 + i * G_USEC_PER_SEC, 100 + i % 3, 5000 + i);
      /* 20 messages a second for the first half, none after. */
      sp_series_append (rate, T0 + i * G_USEC_PER_SEC, i < 30 ? 20 : 0);
    }

  sp_chart_colors_init_default (&picture.colors);
  picture.view = (SpChartView) {
    .series = series, .mode = SP_CHART_LINE, .t_start = T0, .t_end = T0 + 60 * G_USEC_PER_SEC,
    .candle_us = G_USEC_PER_SEC, .rate = rate, .marker_ref = 5000 + 45,
  };
  render (&picture);

  g_assert_cmpfloat (picture.geometry.strip.size.height, >, 10);
  g_assert_cmpfloat (picture.geometry.rate_max, >=, 20);
  top = (int) picture.geometry.strip.origin.y + 2;
  bottom = (int) (picture.geometry.strip.origin.y + picture.geometry.strip.size.height) - 2;
  /* Bars are the line colour, half transparent: bluish, not grey. */
  for (int x = (int) x_of (&picture, T0 + 2 * G_USEC_PER_SEC); x < (int) x_of (&picture, T0 + 28 * G_USEC_PER_SEC); x++)
    for (int y = top; y < bottom; y++)
      {
        const guint8 *data = cairo_image_surface_get_data (picture.surface);
        guint32 pixel = *(const guint32 *) (data + y * cairo_image_surface_get_stride (picture.surface) + x * 4);

        busy += (pixel & 0xff) > ((pixel >> 16) & 0xff) + 40;
      }
  for (int x = (int) x_of (&picture, T0 + 32 * G_USEC_PER_SEC); x < (int) x_of (&picture, T0 + 58 * G_USEC_PER_SEC); x++)
    for (int y = top; y < bottom; y++)
      {
        const guint8 *data = cairo_image_surface_get_data (picture.surface);
        guint32 pixel = *(const guint32 *) (data + y * cairo_image_surface_get_stride (picture.surface) + x * 4);

        quiet += (pixel & 0xff) > ((pixel >> 16) & 0xff) + 40;
      }
  g_assert_cmpuint (busy, >, 1000);
  g_assert_cmpuint (quiet, <=, (guint) (bottom - top) + 2);   /* the marker's line only */

  /* The marker: a ring in the line colour around the 45th point. */
  g_assert_cmpuint (count_near (&picture, x_of (&picture, T0 + 45 * G_USEC_PER_SEC) + 6,
                                y_of (&picture, 100 + 45 % 3), 2, &picture.colors.line), >, 0);
  picture_clear (&picture);
}

/* A busy stream of cheap prices: the strip's scale ("2000 msg/s") is wider than
 * the price labels, and the plot leaves room for it inside the picture. */
static void
test_rate_scale_fits (void)
{
  g_autoptr(SpSeries) series = sp_series_new (1000);
  g_autoptr(SpSeries) rate = sp_series_new (1000);
  GdkRGBA ink = { 0.3f, 0.3f, 0.3f, 1 };
  Picture picture = { 0 };
  double right;

  for (int i = 0; i <= 60; i++)
    {
      sp_series_append (series, T0 + i * G_USEC_PER_SEC, 1 + (i % 3) / 100.0);
      sp_series_append (rate, T0 + i * G_USEC_PER_SEC, 1500 + i);
    }

  sp_chart_colors_init_default (&picture.colors);
  picture.view = (SpChartView) {
    .series = series, .mode = SP_CHART_LINE, .t_start = T0, .t_end = T0 + 60 * G_USEC_PER_SEC,
    .candle_us = G_USEC_PER_SEC, .rate = rate,
  };
  render (&picture);

  g_assert_cmpfloat (picture.geometry.rate_max, ==, 2000);
  right = picture.geometry.plot.origin.x + picture.geometry.plot.size.width;
  /* The label is there, right of the strip… */
  g_assert_cmpuint (count_in_columns (&picture, (int) right + 4, WIDTH, &ink), >, 20);
  /* …and ends before the picture does. */
  g_assert_cmpuint (count_in_columns (&picture, WIDTH - 4, WIDTH, &ink), ==, 0);
  picture_clear (&picture);
}

/* No prices yet: no line, no axes, just the message. */
static void
test_empty (void)
{
  g_autoptr(SpSeries) series = sp_series_new (100);
  Picture picture = { 0 };

  draw (&picture, series, SP_CHART_LINE, T0, T0 + 60 * G_USEC_PER_SEC);
  g_assert_cmpuint (picture.geometry.n_drawn, ==, 0);
  g_assert_cmpuint (count_in_columns (&picture, 0, WIDTH, &picture.colors.line), ==, 0);
  picture_clear (&picture);

  draw (&picture, NULL, SP_CHART_CANDLES, T0, T0 + 60 * G_USEC_PER_SEC);
  g_assert_cmpuint (picture.geometry.n_drawn, ==, 0);
  picture_clear (&picture);
}

/* The crosshair on a candle of a narrow range reads its open, high, low and
 * close in cents, as the line's readout does, whatever the axis's step. */
static void
test_candle_readout (void)
{
  g_autoptr(SpSeries) series = sp_series_new (10000);
  g_autoptr(GRegex) ohlc = g_regex_new ("O (\\d+\\.\\d\\d)  H (\\d+\\.\\d\\d)  L (\\d+\\.\\d\\d)  "
                                        "C (\\d+\\.\\d\\d)$", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  Picture picture = { 0 };
  g_auto(GStrv) values = NULL;
  double middle;

  /* Twenty dollars over the minute: the axis steps in whole dollars; each
   * five-second candle spans under two. */
  for (int i = 0; i < 600; i++)
    sp_series_append (series, T0 + i * 100000, 280 + i / 30.0);

  draw (&picture, series, SP_CHART_CANDLES, T0, T0 + 60 * G_USEC_PER_SEC);
  middle = x_of (&picture, T0 + 32 * G_USEC_PER_SEC);
  picture_clear (&picture);
  picture.view.crosshair = TRUE;
  picture.view.crosshair_x = middle;
  picture.view.crosshair_y = picture.geometry.plot.origin.y + picture.geometry.plot.size.height / 2;
  render (&picture);
  g_test_message ("readout: %s", picture.geometry.readout);
  g_assert_true (g_regex_match (ohlc, picture.geometry.readout, 0, &match));
  values = g_match_info_fetch_all (match);
  /* The candle of 30–35 s: from 290.00 up to 291.63, each its own price. */
  g_assert_cmpstr (values[1], ==, "290.00");
  g_assert_cmpstr (values[2], ==, "291.63");
  g_assert_cmpstr (values[3], ==, "290.00");
  g_assert_cmpstr (values[4], ==, "291.63");
  picture_clear (&picture);

  /* The line's readout, the nearest point, in cents too. */
  draw (&picture, series, SP_CHART_LINE, T0, T0 + 60 * G_USEC_PER_SEC);
  picture_clear (&picture);
  picture.view.crosshair = TRUE;
  picture.view.crosshair_x = middle;
  picture.view.crosshair_y = picture.geometry.plot.origin.y + 10;
  render (&picture);
  g_test_message ("readout: %s", picture.geometry.readout);
  g_assert_true (g_str_has_suffix (picture.geometry.readout, "  290.67"));
  picture_clear (&picture);
}

/* Compare: ACME from 100 to 110 (+10 %) and a far dearer BOLT from 1000 to 950
 * (−5 %) on one chart: each line is its percent change from its first price in
 * view, in its own colour, the axis reads in percent, and the crosshair names
 * the change of each. */
static void
test_compare (void)
{
  g_autoptr(SpSeries) acme = sp_series_new (10000);
  g_autoptr(SpSeries) bolt = sp_series_new (10000);
  SpSeries *compare[] = { bolt };
  const char *names[] = { "BOLT" };
  gint64 end = T0 + 100 * G_USEC_PER_SEC;
  Picture picture = { 0 };
  GdkRGBA orange;
  double middle;

  for (int i = 0; i <= 100; i++)
    {
      sp_series_append (acme, T0 + i * G_USEC_PER_SEC, 100 + i / 10.0);
      sp_series_append (bolt, T0 + i * G_USEC_PER_SEC, 1000 - i / 2.0);
    }
  sp_chart_compare_color (0, &orange);

  sp_chart_colors_init_default (&picture.colors);
  picture.view = (SpChartView) {
    .series = acme, .mode = SP_CHART_CANDLES, .t_start = T0, .t_end = end,
    .candle_us = 5 * G_USEC_PER_SEC, .name = "ACME",
    .compare = compare, .compare_names = names, .n_compare = 1,
  };
  render (&picture);

  /* The axis spans −5 % to +10 %, with room; lines, not candles. */
  g_assert_cmpfloat (picture.geometry.y_min, <, -5);
  g_assert_cmpfloat (picture.geometry.y_min, >, -7);
  g_assert_cmpfloat (picture.geometry.y_max, >, 10);
  g_assert_cmpfloat (picture.geometry.y_max, <, 12);
  g_assert_cmpint (picture.geometry.candle_us, ==, 0);
  /* The axis is labelled (in percent) right of the plot. */
  {
    GdkRGBA ink = { 0.3f, 0.3f, 0.3f, 1 };
    double right = picture.geometry.plot.origin.x + picture.geometry.plot.size.width;
    guint axis = 0;

    for (int x = (int) right + 4; x < WIDTH; x++)
      for (int y = (int) y_of (&picture, 7.5); y < (int) y_of (&picture, -2.5); y++)
        axis += pixel_is (&picture, x, y, &ink);
    g_assert_cmpuint (axis, >, 50);
  }

  /* ACME ends high in blue, BOLT low in orange; both start at 0 %. */
  g_assert_cmpuint (count_near (&picture, x_of (&picture, end - G_USEC_PER_SEC), y_of (&picture, 9.9), 3,
                                &picture.colors.line), >, 0);
  g_assert_cmpuint (count_near (&picture, x_of (&picture, end - G_USEC_PER_SEC), y_of (&picture, -4.95), 3,
                                &orange), >, 0);
  g_assert_cmpuint (count_near (&picture, x_of (&picture, end - G_USEC_PER_SEC), y_of (&picture, -4.95), 3,
                                &picture.colors.line), ==, 0);
  g_assert_cmpuint (count_near (&picture, x_of (&picture, T0 + 2 * G_USEC_PER_SEC), y_of (&picture, 0), 3,
                                &orange), >, 0);

  /* Halfway: ACME +5 %, BOLT −2.5 %. */
  middle = x_of (&picture, T0 + 50 * G_USEC_PER_SEC);
  picture_clear (&picture);
  picture.view.crosshair = TRUE;
  picture.view.crosshair_x = middle;
  picture.view.crosshair_y = picture.geometry.plot.origin.y + 10;
  render (&picture);
  g_test_message ("readout: %s", picture.geometry.readout);
  g_assert_true (g_str_has_suffix (picture.geometry.readout, "  ACME +5.00 %  BOLT -2.50 %"));
  picture_clear (&picture);

  /* The view's start moves: the changes are from the new first prices. */
  picture.view.crosshair = FALSE;
  picture.view.t_start = T0 + 50 * G_USEC_PER_SEC;
  render (&picture);
  g_assert_cmpfloat (picture.geometry.y_max, <, 6);
  g_assert_cmpfloat (picture.geometry.y_min, >, -4);
  picture_clear (&picture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/chart/rising-line", test_rising_line);
  g_test_add_func ("/chart/spike-survives", test_spike_survives);
  g_test_add_func ("/chart/gap", test_gap);
  g_test_add_func ("/chart/candles", test_candles);
  g_test_add_func ("/chart/rate-strip-and-marker", test_rate_strip_and_marker);
  g_test_add_func ("/chart/rate-scale-fits", test_rate_scale_fits);
  g_test_add_func ("/chart/empty", test_empty);
  g_test_add_func ("/chart/candle-readout", test_candle_readout);
  g_test_add_func ("/chart/compare", test_compare);

  return g_test_run ();
}
