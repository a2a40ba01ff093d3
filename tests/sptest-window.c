/* Minimising a window under Xvfb, as a window manager does. */
#include "config.h"

#include "sptest-window.h"
#include "sptest-util.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

typedef struct
{
  GdkToplevel *toplevel;
  gboolean     minimized;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *wait = data;
  gboolean minimized = (gdk_toplevel_get_state (wait->toplevel) & GDK_TOPLEVEL_STATE_MINIMIZED) != 0;

  return minimized == wait->minimized;
}

gboolean
sp_test_window_set_minimized (GtkWindow *window,
                              gboolean   minimized)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (window));
  StateWait wait = { GDK_TOPLEVEL (surface), minimized };
  Display *xdisplay;
  Window xid;

  if (surface == NULL || !GDK_IS_X11_DISPLAY (display))
    return FALSE;

  xdisplay = gdk_x11_display_get_xdisplay (display);
  xid = gdk_x11_surface_get_xid (surface);
  if (minimized)
    {
      /* What the application asks for, then what the manager would do. */
      gtk_window_minimize (window);
      XUnmapWindow (xdisplay, xid);
    }
  else
    {
      gtk_window_unminimize (window);
      XMapWindow (xdisplay, xid);
    }
  XFlush (xdisplay);

  return sp_test_wait_until (NULL, state_reached, &wait, 5000);
#else
  return FALSE;
#endif
}
