/* The chart's gaps layer: the time the stream was down. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_gaps_draw (SpChartPainter *p);

G_END_DECLS
