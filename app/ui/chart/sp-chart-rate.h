/* The chart's rate layer: the message-rate strip, when the view has a rate
 * series. For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_rate_draw (SpChartPainter *p);

G_END_DECLS
