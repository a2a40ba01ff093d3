/* The chart's overlay layer: the last-price line and tag, the selected point's
 * marker. For sp_chart_render(), on its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void _sp_chart_overlay_draw (SpChartPainter *p);

G_END_DECLS
