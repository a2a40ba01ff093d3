/* The chart's crosshair layer: the pointer, the values under it.
 * For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_crosshair_draw (SpChartPainter *p);

G_END_DECLS
