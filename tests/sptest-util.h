/* Helpers every C test and benchmark shares: bounded waits on a main
 * context, a free loopback port. The thread that runs the context calls them. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Iterates @context (NULL: the default) until @condition(@data) holds or
 * @timeout_ms pass; returns whether it holds. A NULL @condition just runs
 * the context for @timeout_ms. */
gboolean sp_test_wait_until (GMainContext *context,
                             gboolean    (*condition) (gpointer data),
                             gpointer      data,
                             guint         timeout_ms);
/* A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
guint    sp_test_free_port  (void);

G_END_DECLS
