/* The chart's candles layer, in SP_CHART_CANDLES mode.
 * For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_candles_draw (SpChartPainter *p);

G_END_DECLS
