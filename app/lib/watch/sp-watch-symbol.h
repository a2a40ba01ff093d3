/* One symbol the viewer has seen: its price history, its first and last price
 * since the connection, the change since the session open when the stream says
 * it, a sparkline since the connection, and the gaps where the stream was down.
 * Main thread only. */
#pragma once

#include <glib-object.h>

#include "sp-series.h"
#include "sp-sparkline.h"

G_BEGIN_DECLS

#define SP_TYPE_WATCH_SYMBOL (sp_watch_symbol_get_type ())

G_DECLARE_FINAL_TYPE (SpWatchSymbol, sp_watch_symbol, SP, WATCH_SYMBOL, GObject)

const char *sp_watch_symbol_get_name        (SpWatchSymbol *self);
/* Kept across reconnections to the same stream, so the chart shows the pause. */
SpSeries   *sp_watch_symbol_get_series      (SpWatchSymbol *self);
/* The first price since the connection began, and the latest. */
double      sp_watch_symbol_get_first_price (SpWatchSymbol *self);
double      sp_watch_symbol_get_last_price  (SpWatchSymbol *self);
/* The change since the session's open as the stream's last price said it
 * (StockPush ticks carry it): TRUE with *@change set; FALSE when the stream
 * never said, and only the change since the first price is known. */
gboolean    sp_watch_symbol_get_session_change (SpWatchSymbol *self,
                                                double        *change);
guint       sp_watch_symbol_get_n_gaps      (SpWatchSymbol *self);
/* The change the price header and the watchlist show: against the session's
 * open when the stream says it (TRUE), otherwise since the first price since
 * connecting (FALSE). @percent is against the base price; 0 when that is 0. */
gboolean    sp_watch_symbol_get_change      (SpWatchSymbol *self,
                                             double        *change,
                                             double        *percent);
/* The prices since connecting, for a sparkline (fixed size: sp-sparkline.h). */
const SpSparkline *sp_watch_symbol_get_sparkline (SpWatchSymbol *self);

G_END_DECLS
