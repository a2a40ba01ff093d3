/* For implementations of SpTickSource (see sp-tick-source.h): what only
 * they call. */
#pragma once

#include "sp-tick-source.h"

G_BEGIN_DECLS

/* Implementations set their symbols once, at construction (takes @names). */
void      _sp_tick_source_set_symbols (SpTickSource *self,
                                       char        **names);
/* From the pacer's dispatch: whether the source goes on. */
gboolean  _sp_tick_source_due         (SpTickSource *self);

G_END_DECLS
