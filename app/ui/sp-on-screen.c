/* A widget in sight or not: its map and unmap, and its window's minimised state. */
#include "config.h"

#include "sp-on-screen.h"

struct _SpOnScreen
{
  GtkWidget      *widget;
  SpOnScreenFunc  changed;
  gpointer        user_data;
  GdkSurface     *surface;     /* the window's, watched while mapped */
  gulong          map_id;
  gulong          unmap_id;
  gulong          state_id;
  gboolean        on_screen;
};

static gboolean
compute (SpOnScreen *self)
{
  if (!gtk_widget_get_mapped (self->widget))
    return FALSE;
  if (self->surface != NULL && GDK_IS_TOPLEVEL (self->surface) &&
      (gdk_toplevel_get_state (GDK_TOPLEVEL (self->surface)) & GDK_TOPLEVEL_STATE_MINIMIZED) != 0)
    return FALSE;

  return TRUE;
}

static void
update (SpOnScreen *self)
{
  gboolean on_screen = compute (self);

  if (on_screen == self->on_screen)
    return;
  self->on_screen = on_screen;
  self->changed (self->user_data, on_screen);
}

static void
unwatch_surface (SpOnScreen *self)
{
  if (self->surface == NULL)
    return;
  g_clear_signal_handler (&self->state_id, self->surface);
  g_clear_object (&self->surface);
}

static void
on_state (SpOnScreen *self)
{
  update (self);
}

static void
on_map (GtkWidget  *widget,
        SpOnScreen *self)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = native != NULL ? gtk_native_get_surface (native) : NULL;

  unwatch_surface (self);
  if (surface != NULL)
    {
      self->surface = g_object_ref (surface);
      self->state_id = g_signal_connect_swapped (surface, "notify::state", G_CALLBACK (on_state), self);
    }
  update (self);
}

static void
on_unmap (GtkWidget  *widget,
          SpOnScreen *self)
{
  unwatch_surface (self);
  update (self);
}

SpOnScreen *
sp_on_screen_new (GtkWidget      *widget,
                  SpOnScreenFunc  changed,
                  gpointer        user_data)
{
  SpOnScreen *self;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  g_return_val_if_fail (changed != NULL, NULL);

  self = g_new0 (SpOnScreen, 1);
  self->widget = widget;
  self->changed = changed;
  self->user_data = user_data;
  /* After the widget's own map, so that it is mapped when asked. */
  self->map_id = g_signal_connect_after (widget, "map", G_CALLBACK (on_map), self);
  self->unmap_id = g_signal_connect (widget, "unmap", G_CALLBACK (on_unmap), self);
  if (gtk_widget_get_mapped (widget))
    on_map (widget, self);

  return self;
}

gboolean
sp_on_screen_get (SpOnScreen *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->on_screen;
}

void
sp_on_screen_free (SpOnScreen *self)
{
  if (self == NULL)
    return;

  unwatch_surface (self);
  g_clear_signal_handler (&self->map_id, self->widget);
  g_clear_signal_handler (&self->unmap_id, self->widget);
  g_free (self);
}
