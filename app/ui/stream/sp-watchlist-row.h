/* One row of the watchlist: a symbol's name, sparkline, last price and change,
 * kept up to date as its prices arrive (at most ten times a second). */
#pragma once

#include <gtk/gtk.h>

#include "sp-watch-symbol.h"

G_BEGIN_DECLS

#define SP_TYPE_WATCHLIST_ROW (sp_watchlist_row_get_type ())

G_DECLARE_FINAL_TYPE (SpWatchlistRow, sp_watchlist_row, SP, WATCHLIST_ROW, GtkWidget)

void           sp_watchlist_row_set_symbol (SpWatchlistRow *self,
                                            SpWatchSymbol  *symbol);
SpWatchSymbol *sp_watchlist_row_get_symbol (SpWatchlistRow *self);
/* What the row shows now: "299.91" and "+0.01 (+0.00 %)". */
const char    *sp_watchlist_row_get_last_text   (SpWatchlistRow *self);
const char    *sp_watchlist_row_get_change_text (SpWatchlistRow *self);

G_END_DECLS
