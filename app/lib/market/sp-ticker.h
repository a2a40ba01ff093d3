/* A GSource that fires on a fixed grid of the monotonic clock: no drift, no bursts. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Called once per grid point reached, with that grid point in monotonic µs.
 * @missed counts grid points skipped because the loop was busy: they are
 * dropped, never delivered late in a burst. Return G_SOURCE_REMOVE to stop. */
typedef gboolean (*SpTickerFunc) (gint64   deadline_us,
                                  guint    missed,
                                  gpointer user_data);

/* The first grid point is one interval after creation. Attach it with
 * g_source_attach() to the context it should run on. */
GSource *sp_ticker_source_new (gint64         interval_us,
                               SpTickerFunc   func,
                               gpointer       user_data,
                               GDestroyNotify notify);

G_END_DECLS
