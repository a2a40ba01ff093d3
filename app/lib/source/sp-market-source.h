/* Ticks from the simulated market (sp-market.h): one step every interval on
 * a fixed grid of the monotonic clock (sp-ticker.h); the steps a busy
 * receiver missed come together in the next batch, up to
 * SP_TICK_SOURCE_MAX_STEPS. Threads as SpTickSource. */
#pragma once

#include "sp-tick-source.h"

G_BEGIN_DECLS

#define SP_TYPE_MARKET_SOURCE (sp_market_source_get_type ())
G_DECLARE_FINAL_TYPE (SpMarketSource, sp_market_source, SP, MARKET_SOURCE, SpTickSource)

/* @symbols as sp_market_new() takes them (NULL: the defaults). */
SpTickSource *sp_market_source_new (const char * const *symbols,
                                    guint64             seed,
                                    guint               interval_ms,
                                    GError            **error);

G_END_DECLS
