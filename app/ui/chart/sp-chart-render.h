/* The chart's picture of a view, drawn with Cairo without a widget: the widget,
 * tests, benchmarks and the PNG export all draw through it. Thread contract:
 * the caller's thread, which owns the cairo_t and the layout; the series must
 * not change during the call. */
#pragma once

#include <gtk/gtk.h>

#include "sp-series.h"
#include "sp-chart-enums.h"

G_BEGIN_DECLS

typedef enum
{
  SP_CHART_LINE,
  SP_CHART_CANDLES,
} SpChartMode;

/* Everything one picture depends on, so it can be drawn without a widget
 * (tests, benchmarks, PNG export). */
typedef struct
{
  GdkRGBA foreground;   /* labels */
  GdkRGBA grid;
  GdkRGBA line;         /* the price line, the last price */
  GdkRGBA on_line;      /* text on the last-price tag */
  GdkRGBA up;
  GdkRGBA down;
  GdkRGBA gap;
  GdkRGBA background;   /* behind the crosshair's label */
} SpChartColors;

/* A level an alert watches: a line across the plot. */
typedef struct
{
  double   price;
  gboolean rising;             /* "rises above"; else "falls below" */
} SpChartLevel;

/* Where an alert fired. */
typedef struct
{
  gint64 t_us;
  double price;
} SpChartMark;

/* Symbols charted beside the main one, each in its own colour. */
#define SP_CHART_MAX_COMPARE 6

typedef struct
{
  SpSeries   *series;          /* may be NULL */
  SpChartMode mode;
  gint64      t_start;         /* the visible time range, µs since the epoch */
  gint64      t_end;
  gint64      candle_us;       /* the narrowest candle; widened when they would crowd */
  gboolean    crosshair;
  double      crosshair_x;     /* widget coordinates */
  double      crosshair_y;
  const char *empty_text;      /* shown when there is nothing to draw */
  gint64      marker_ref;      /* the point whose ref this is gets a marker; 0: none */
  SpSeries   *rate;            /* messages a second over time, drawn under the prices; may be NULL */
  const SpChartLevel *levels;  /* the shown symbol's alert levels */
  guint       n_levels;
  const SpChartMark  *marks;   /* where its alerts fired */
  guint       n_marks;
  /* Compare: with other series, every line is the percent change from its
   * first price in view, and the price axis reads in percent. */
  const char *name;            /* the main series' symbol, for the legend */
  SpSeries  *const *compare;   /* up to SP_CHART_MAX_COMPARE; their lines in compare colours */
  const char *const *compare_names;
  guint       n_compare;
} SpChartView;

/* Where the picture put things, for mapping the pointer back to data. */
typedef struct
{
  graphene_rect_t plot;
  double          y_min;
  double          y_max;
  gint64          candle_us;   /* the candle width used */
  guint           n_drawn;     /* points or candles that went into the picture */
  graphene_rect_t strip;       /* the message-rate strip (empty without one) */
  double          rate_max;    /* the strip's full height, in messages a second */
  char            readout[160]; /* what the crosshair's box says; "" without one */
} SpChartGeometry;

void sp_chart_render (cairo_t             *cr,
                      PangoLayout         *layout,
                      int                  width,
                      int                  height,
                      const SpChartView   *view,
                      const SpChartColors *colors,
                      SpChartGeometry     *geometry);

/* The colour of compared series @index (0: the first beside the main one). */
void sp_chart_compare_color (guint    index,
                             GdkRGBA *color);

/* Light-theme colours, for drawing where no widget gives them. */
void sp_chart_colors_init_default (SpChartColors *colors);

G_END_DECLS
