/* The chart's axes layer: price and time grids with their labels.
 * For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_axes_draw (SpChartPainter *p);

G_END_DECLS
