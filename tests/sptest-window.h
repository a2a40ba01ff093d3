/* What the window tests and benchmarks do to a window that a window manager
 * would: minimise it and bring it back; and what they share to look at one:
 * the app's translations, finding a widget, a screenshot. Main thread only,
 * as GTK. */
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

/* The app's translations, from STOCKPUSH_LOCALEDIR (the build's) when set. */
void       sp_test_init_gettext    (void);
/* The first widget under @root (itself included) that @match accepts with @data. */
GtkWidget *sp_test_find_widget     (GtkWidget      *root,
                                    gboolean      (*match) (GtkWidget *, gconstpointer),
                                    gconstpointer   data);
/* @window as it is on screen, to STOCKPUSH_SCREENSHOT_DIR/@name (PNG), after
 * @settle_ms of the main loop; nothing when that variable is unset. */
void       sp_test_save_screenshot (GtkWidget      *window,
                                    const char     *name,
                                    guint           settle_ms);

G_END_DECLS
