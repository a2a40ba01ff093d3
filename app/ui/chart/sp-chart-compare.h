/* The chart's compare layer: with other symbols beside the main one, a legend
 * of every line's symbol, colour and change in view. For sp_chart_render(), on
 * its thread. */
#pragma once

#include "sp-chart-private.h"

G_BEGIN_DECLS

void  _sp_chart_compare_draw    (SpChartPainter *p);
/* The crosshair's words while comparing: the time, then each symbol's change at @t_us. */
char *_sp_chart_compare_readout (SpChartPainter *p,
                                 gint64          t_us);

G_END_DECLS
