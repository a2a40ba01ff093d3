/* Minimising a window under Xvfb, as a window manager does. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

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

void
sp_test_init_gettext (void)
{
  const char *dir = g_getenv ("STOCKPUSH_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dir != NULL ? dir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

GtkWidget *
sp_test_find_widget (GtkWidget      *root,
                     gboolean      (*match) (GtkWidget *, gconstpointer),
                     gconstpointer   data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = sp_test_find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
sp_test_save_screenshot (GtkWidget  *window,
                         const char *name,
                         guint       settle_ms)
{
  const char *dir = g_getenv ("STOCKPUSH_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  g_autofree char *parent = NULL;
  int width, height;

  if (dir == NULL)
    return;

  sp_test_wait_until (NULL, NULL, NULL, settle_ms);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  /* Nothing to draw yet just after a change of style: the next frames have it. */
  for (guint i = 0; i < 20 && node == NULL; i++)
    {
      if (i > 0)
        sp_test_wait_until (NULL, NULL, NULL, 100);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  parent = g_path_get_dirname (path);
  g_mkdir_with_parents (parent, 0755);
  gdk_texture_save_to_png (texture, path);
  g_test_message ("screenshot: %s", path);
}
