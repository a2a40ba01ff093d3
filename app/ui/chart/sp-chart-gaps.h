/* The chart's gaps layer: the time the stream was down.
 * For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_gaps_draw (SpChartPainter *p);

G_END_DECLS
