/* The chart's candles layer, in SP_CHART_CANDLES mode. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_candles_draw (SpChartPainter *p);

G_END_DECLS
