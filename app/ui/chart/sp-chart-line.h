/* The chart's line layer: the price line, in SP_CHART_LINE mode.
 * For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_line_draw (SpChartPainter *p);

G_END_DECLS
