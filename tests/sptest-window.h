/* What the window tests and benchmarks do to a window that a window manager
 * would: minimise it and bring it back. Main thread only, as GTK. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Minimises @window as an X window manager does (ICCCM: an iconic window is
 * unmapped; GDK reads that unmap as GDK_TOPLEVEL_STATE_MINIMIZED), or maps it
 * again, then waits up to 5 s for the window to say so. Xvfb runs no window
 * manager, so gtk_window_minimize() alone would change nothing there. Returns
 * whether the state changed (FALSE off X11). */
gboolean sp_test_window_set_minimized (GtkWindow *window,
                                       gboolean   minimized);

G_END_DECLS
