/* The chart's alerts layer: the levels the shown symbol's alerts watch, and
 * where its alerts fired. For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_alerts_draw (SpChartPainter *p);

G_END_DECLS
