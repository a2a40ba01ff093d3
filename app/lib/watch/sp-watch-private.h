/* What SpWatch needs of its items: shared between the files of app/lib/watch only. */
#pragma once

#include "sp-watch-symbol.h"

G_BEGIN_DECLS

SpWatchSymbol *_sp_watch_symbol_new       (const char    *name,
                                           SpSeries      *series,
                                           double         first_price);
/* Appends to the series; notifies last-price when it (or the stream's own
 * change, when @has_change) changed. */
void           _sp_watch_symbol_add_price (SpWatchSymbol *self,
                                           gint64         t_us,
                                           double         price,
                                           gint64         ref,
                                           gboolean       has_change,
                                           double         change);
/* After the series was marked: notifies n-gaps when it changed. */
void           _sp_watch_symbol_gaps_changed (SpWatchSymbol *self);

G_END_DECLS
