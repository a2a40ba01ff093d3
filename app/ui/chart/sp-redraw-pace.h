/* When the live chart needs its next frame: the range it shows while following
 * live, and the moment that range next moves a pixel. Plain arithmetic on
 * times in µs, no GTK: the chart widget arms one timer from it instead of
 * looking at every frame. Any thread; no state. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* New prices in view are drawn at most this often, ten times a second: no
 * one reads prices faster, and a frame of the window costs about 4 ms of a
 * core (Cairo renderer; measured on the Stream page at 200 messages/s). The
 * live edge has its own pace (sp_redraw_pace_next_change()), faster for a
 * short span; input is drawn at once. */
#define SP_REDRAW_DATA_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)

/* What can wait for the next frame that prices bring: the message-rate
 * strip's new sample, a young stream's next growth of its span. */
#define SP_REDRAW_LAZY_US (G_USEC_PER_SEC)

/* Grows the span of a young stream by a quarter at a time. */
#define SP_REDRAW_GROWTH 1.25

/* The range shown live at @now_us: the last @span_us (0: everything stored),
 * at least @min_span_us, for points from @first_us to @last_us (@has_points
 * FALSE: none yet). A stream younger than the span starts at its first point
 * and fills the width: its right edge is then not now but a span a quarter
 * longer than the stream, so the picture stays put (points join it on the
 * right) until the stream reaches that edge and the span grows again, rather
 * than squeezing every point left on every frame. Returns TRUE while the
 * range slides with now, FALSE while it grows in steps. */
gboolean sp_redraw_pace_live_range (gint64    now_us,
                                    gboolean  has_points,
                                    gint64    first_us,
                                    gint64    last_us,
                                    gint64    span_us,
                                    gint64    min_span_us,
                                    gint64   *start_us,
                                    gint64   *end_us);

/* When the live picture drawn at @drawn_us over @start_us…@end_us, @width_px
 * wide, next changes by itself: a sliding range one pixel later (every span ÷
 * width), a growing one SP_REDRAW_LAZY_US after now reached its right edge
 * (nothing moves until then, and prices arriving meanwhile draw the grown
 * range anyway). The caller draws at the next frame after that, so never
 * faster than the frame clock. */
gint64   sp_redraw_pace_next_change (gboolean  sliding,
                                     gint64    drawn_us,
                                     gint64    start_us,
                                     gint64    end_us,
                                     double    width_px);

G_END_DECLS
