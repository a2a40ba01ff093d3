/* The watchlist: every symbol of the stream with its last price, change and a
 * sparkline, live; choosing one (a click, or the arrow keys) emits
 * ::symbol-chosen, and the page charts it. Main thread only. */
#pragma once

#include <gtk/gtk.h>

#include "sp-watch.h"

G_BEGIN_DECLS

#define SP_TYPE_WATCHLIST_VIEW (sp_watchlist_view_get_type ())

G_DECLARE_FINAL_TYPE (SpWatchlistView, sp_watchlist_view, SP, WATCHLIST_VIEW, GtkWidget)

void sp_watchlist_view_set_watch  (SpWatchlistView *self,
                                   SpWatch         *watch);
/* Shows @name (NULL: none) as the charted one, without emitting ::symbol-chosen. */
void sp_watchlist_view_set_symbol (SpWatchlistView *self,
                                   const char      *name);

G_END_DECLS
