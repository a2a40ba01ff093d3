/* What the chart widget's files (sp-chart.c, sp-chart-frame.c, sp-chart-input.c)
 * share: the instance and the internals each calls in another. Main thread
 * only, as GTK. */
#pragma once

#include "sp-chart.h"
#include "sp-on-screen.h"

G_BEGIN_DECLS

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

  SpOnScreen     *on_screen;
  guint           wake_id;        /* the next paced draw */
  gint64          wake_time;      /* when it comes (real time, µs) */
  gboolean        data_pending;   /* prices in view since the last draw */
  gboolean        rate_pending;   /* a rate sample since the last draw */
  gint64          drawn_time;
  guint64         draw_count;
  SpChartGeometry geometry;
  char           *empty_text;     /* NULL: "Waiting for prices…" */
  GArray         *levels;         /* SpChartLevel */
  GArray         *marks;          /* SpChartMark */
  char           *name;           /* the main series' symbol, for the compare legend */
  GPtrArray      *compare;        /* SpSeries charted beside it; NULL: none */
  GStrv           compare_names;
};

/* sp-chart.c: the range shown, and a click on a point. */
/* The range shown now: the live edge while following, else the one set;
 * TRUE while it slides with now. */
gboolean _sp_chart_current_range    (SpChart        *self,
                                     gint64         *t_start,
                                     gint64         *t_end);
/* Shows @t_start… (its span clamped); reaching now follows live again. */
void     _sp_chart_set_range        (SpChart        *self,
                                     gint64          t_start,
                                     gint64          t_end);
/* Keeps the range shown now, no longer following. */
void     _sp_chart_stop_following   (SpChart        *self);
/* Marks the point from @ref and emits SpChart::point-activated. */
void     _sp_chart_activate_point   (SpChart        *self,
                                     gint64          ref);

/* sp-chart-frame.c: drawing, and redrawing when there is something new. */
void     _sp_chart_snapshot         (GtkWidget      *widget,
                                     GtkSnapshot    *snapshot);
/* SpOnScreenFunc: draws what it missed when seen again, stops its timer when not. */
void     _sp_chart_on_screen_changed (gpointer       user_data,
                                     gboolean        on_screen);

/* sp-chart-input.c: the actions and their keys, and the event controllers. */
void     _sp_chart_input_class_init (GtkWidgetClass *widget_class);
void     _sp_chart_input_init       (SpChart        *self);

G_END_DECLS
