/* Ticks from a recording (JSON Lines, sp-frame-io.h): its received data
 * messages passed on as they are, at the recorded pace times a speed, or
 * with a speed of 0 as fast as the receivers take them; from the start again
 * at the end. Threads as SpTickSource. */
#pragma once

#include "sp-tick-source.h"

G_BEGIN_DECLS

#define SP_TYPE_REPLAY_SOURCE (sp_replay_source_get_type ())
G_DECLARE_FINAL_TYPE (SpReplaySource, sp_replay_source, SP, REPLAY_SOURCE, SpTickSource)

/* @symbols, as sp_market_new() takes them, are the names the source answers
 * to (a welcome lists them, subscriptions name them). */
SpTickSource *sp_replay_source_new (const char         *path,
                                    double              speed,
                                    const char * const *symbols,
                                    GError            **error);

G_END_DECLS
