/* The Stream page's chart: the symbol, its price and change, the chart's tools
 * and the chart of the chosen symbol from an SpWatch. Main thread only. */
#pragma once

#include <gtk/gtk.h>

#include "sp-chart.h"
#include "sp-watch.h"

G_BEGIN_DECLS

#define SP_TYPE_CHART_PANE (sp_chart_pane_get_type ())

G_DECLARE_FINAL_TYPE (SpChartPane, sp_chart_pane, SP, CHART_PANE, GtkWidget)

void        sp_chart_pane_set_watch     (SpChartPane *self,
                                         SpWatch     *watch);
/* The chart shows the shown symbol's alert levels and where its alerts fired. */
void        sp_chart_pane_set_alerts    (SpChartPane *self,
                                         SpAlerts    *alerts);
/* Charts @name if the stream has it (FALSE otherwise). */
gboolean    sp_chart_pane_show_symbol   (SpChartPane *self,
                                         const char  *name);
/* The chart's mode, history and candle width follow @settings. */
void        sp_chart_pane_set_settings  (SpChartPane *self,
                                         GSettings   *settings);
SpChart    *sp_chart_pane_get_chart     (SpChartPane *self);
/* The symbol shown, or NULL. */
/* Charts @name as choosing it in the symbol menu does; FALSE when the stream has no such symbol. */
gboolean    sp_chart_pane_set_symbol        (SpChartPane *self,
                                             const char  *name);
const char *sp_chart_pane_get_symbol    (SpChartPane *self);
/* A file name for the chart's picture or prices: the symbol and @extension. */
char       *sp_chart_pane_dup_file_name (SpChartPane *self,
                                         const char  *extension);
/* The chart as a PNG image, and the shown symbol's prices as CSV. */
gboolean    sp_chart_pane_save_chart    (SpChartPane *self,
                                         GFile       *file,
                                         GError     **error);
gboolean    sp_chart_pane_export_prices (SpChartPane *self,
                                         GFile       *file,
                                         GError     **error);

G_END_DECLS
