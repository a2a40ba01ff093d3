/* The chart's rate layer: the message-rate strip, when the view has a rate
 * series. For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

/* The strip's full height, in messages a second: a round number, at least the
 * busiest second in view; 0 when none came. sp_chart_render() lays the picture
 * out for its label. */
double _sp_chart_rate_scale (const SpChartView *view);
char  *_sp_chart_rate_label (double             scale);
void   _sp_chart_rate_draw  (SpChartPainter    *p);

G_END_DECLS
