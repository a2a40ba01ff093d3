/* Whether a widget can be seen: mapped (its page shown, its window shown) in a
 * window that is not minimised. Widgets that redraw or refresh by themselves
 * ask this before arming a timer, and are told when it changes, so that
 * nothing runs for what no one can see. Main thread only, as GTK. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _SpOnScreen SpOnScreen;

/* Called with the new answer when the widget comes into sight or leaves it. */
typedef void (*SpOnScreenFunc) (gpointer user_data,
                                gboolean on_screen);

/* Watches @widget (not a reference) until sp_on_screen_free(), which its
 * dispose calls. */
SpOnScreen *sp_on_screen_new  (GtkWidget      *widget,
                               SpOnScreenFunc  changed,
                               gpointer        user_data);
gboolean    sp_on_screen_get  (SpOnScreen     *self);
void        sp_on_screen_free (SpOnScreen     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpOnScreen, sp_on_screen_free)

G_END_DECLS
