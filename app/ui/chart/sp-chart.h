/* The live price chart: a line or candlesticks drawn with Cairo from an
 * SpSeries, following the stream or zoomed and panned by hand. Main thread
 * only, as GTK. */
#pragma once

#include <gtk/gtk.h>

#include "sp-chart-render.h"

G_BEGIN_DECLS

#define SP_TYPE_CHART (sp_chart_get_type ())
G_DECLARE_FINAL_TYPE (SpChart, sp_chart, SP, CHART, GtkWidget)

GtkWidget  *sp_chart_new            (void);
/* What the chart says while it has no prices; NULL: "Waiting for prices…". */
void        sp_chart_set_empty_text (SpChart     *self,
                                     const char  *text);
const char *sp_chart_get_empty_text (SpChart     *self);
void        sp_chart_set_series     (SpChart     *self,
                                     SpSeries    *series);
SpSeries   *sp_chart_get_series     (SpChart     *self);
void        sp_chart_set_mode       (SpChart     *self,
                                     SpChartMode  mode);
SpChartMode sp_chart_get_mode       (SpChart     *self);
void        sp_chart_set_candle_seconds (SpChart *self,
                                     guint        seconds);
/* The visible span while following; 0 shows all that is stored. */
void        sp_chart_set_span       (SpChart     *self,
                                     double       seconds);
double      sp_chart_get_span       (SpChart     *self);
void        sp_chart_set_follow_live (SpChart    *self,
                                     gboolean     follow);
gboolean    sp_chart_get_follow_live (SpChart    *self);
void        sp_chart_get_range      (SpChart     *self,
                                     gint64      *t_start,
                                     gint64      *t_end);
/* Zooms by @factor (< 1 in, > 1 out) around widget x @x; pans by @dx pixels. */
void        sp_chart_zoom           (SpChart     *self,
                                     double       factor,
                                     double       x);
void        sp_chart_pan            (SpChart     *self,
                                     double       dx);
/* The message-rate series drawn under the prices (stream health). */
void        sp_chart_set_rate_series (SpChart    *self,
                                     SpSeries    *rate);
/* Marks the point that came from @ref (0: none), bringing it into view. */
void        sp_chart_set_marker     (SpChart     *self,
                                     gint64       ref);
gint64      sp_chart_get_marker     (SpChart     *self);
/* The shown symbol's alert levels (SpChartLevel) and where its alerts fired
 * (SpChartMark), copied; NULL or empty: none. */
void        sp_chart_set_alerts     (SpChart     *self,
                                     GArray      *levels,
                                     GArray      *marks);
guint       sp_chart_get_n_alert_levels (SpChart *self);
guint       sp_chart_get_n_alert_marks  (SpChart *self);
/* Charts @series (SpSeries, up to SP_CHART_MAX_COMPARE, named @names) beside
 * the main one, named @name: every line as its percent change from its first
 * price in view, in its own colour, with a legend. NULL or empty: just the main one. */
void        sp_chart_set_compare    (SpChart     *self,
                                     const char  *name,
                                     GPtrArray   *series,
                                     const char *const *names);
guint       sp_chart_get_n_compare  (SpChart     *self);
/* The ref of the point at widget x, as a click there activates it; 0 when none. */
gint64      sp_chart_ref_at         (SpChart     *self,
                                     double       x);
/* Tells the chart that its series got points, the newest at @t_us: it draws
 * them soon (SP_REDRAW_DATA_INTERVAL_US) if they are in view. */
void        sp_chart_points_added   (SpChart     *self,
                                     gint64       t_us);
/* The same for the rate series, which is drawn with the next frame of the
 * chart, or within a second. */
void        sp_chart_rate_added     (SpChart     *self);
/* How many times the chart has drawn itself on screen: what tests and the
 * benchmark count to see that it draws only when something changed. */
guint64     sp_chart_get_draw_count (SpChart     *self);
/* The chart as the user sees it, at @scale times its size, on an opaque background. */
cairo_surface_t *sp_chart_render_surface (SpChart *self,
                                     int          scale);

G_END_DECLS
