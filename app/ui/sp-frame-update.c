/* Updates that ride on the window's next frame, or wait for it to be seen. */
#include "config.h"

#include "sp-frame-update.h"
#include "sp-on-screen.h"

struct _SpFrameUpdate
{
  GtkWidget         *widget;
  SpFrameUpdatePhase phase;
  SpFrameUpdateFunc  apply;
  gpointer           user_data;
  gint64             min_interval_us;
  guint              max_wait_ms;
  SpOnScreen        *on_screen;
  GdkFrameClock     *clock;        /* watched while an update waits */
  gulong             frame_id;
  guint              timeout_id;
  guint              tick_id;
  gboolean           pending;
  gint64             last_apply;   /* monotonic µs */
};

static void
stop_waiting (SpFrameUpdate *self)
{
  if (self->clock != NULL)
    {
      g_clear_signal_handler (&self->frame_id, self->clock);
      g_clear_object (&self->clock);
    }
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (self->widget, self->tick_id);
  self->tick_id = 0;
}

static void
apply_now (SpFrameUpdate *self)
{
  stop_waiting (self);
  self->pending = FALSE;
  self->last_apply = g_get_monotonic_time ();
  self->apply (self->user_data);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  SpFrameUpdate *self = data;

  self->tick_id = 0;
  apply_now (self);
  return G_SOURCE_REMOVE;
}

/* A frame begins: the update goes into it before its layout, so that what
 * changes is laid out and drawn in it (SpFrameUpdatePhase says where). */
static void
on_before_paint (GdkFrameClock *clock,
                 SpFrameUpdate *self)
{
  if (self->tick_id != 0 || g_get_monotonic_time () - self->last_apply < self->min_interval_us)
    return;

  if (self->phase == SP_FRAME_UPDATE_TICK)
    self->tick_id = gtk_widget_add_tick_callback (self->widget, on_tick, self, NULL);
  else
    apply_now (self);
}

static gboolean
on_timeout (gpointer data)
{
  SpFrameUpdate *self = data;

  self->timeout_id = 0;
  apply_now (self);
  return G_SOURCE_REMOVE;
}

static void
wait_for_frame (SpFrameUpdate *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (self->widget);
  gint64 earliest;
  gint64 wait;

  if (self->clock == NULL && clock != NULL)
    {
      self->clock = g_object_ref (clock);
      self->frame_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), self);
    }
  if (self->timeout_id == 0)
    {
      earliest = self->last_apply + self->min_interval_us - g_get_monotonic_time ();
      wait = MAX ((gint64) self->max_wait_ms * 1000, earliest);
      self->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) ((wait + 999) / 1000),
                                             on_timeout, self, NULL);
    }
}

static void
on_screen_changed (gpointer user_data,
                   gboolean on_screen)
{
  SpFrameUpdate *self = user_data;

  if (!on_screen)
    stop_waiting (self);
  else if (self->pending)
    apply_now (self);
}

SpFrameUpdate *
sp_frame_update_new (GtkWidget         *widget,
                     SpFrameUpdatePhase phase,
                     guint              min_interval_ms,
                     guint              max_wait_ms,
                     SpFrameUpdateFunc  apply,
                     gpointer           user_data)
{
  SpFrameUpdate *self;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  g_return_val_if_fail (apply != NULL, NULL);

  self = g_new0 (SpFrameUpdate, 1);
  self->widget = widget;
  self->phase = phase;
  self->apply = apply;
  self->user_data = user_data;
  self->min_interval_us = (gint64) min_interval_ms * G_TIME_SPAN_MILLISECOND;
  self->max_wait_ms = max_wait_ms;
  self->on_screen = sp_on_screen_new (widget, on_screen_changed, self);

  return self;
}

void
sp_frame_update_queue (SpFrameUpdate *self)
{
  g_return_if_fail (self != NULL);

  self->pending = TRUE;
  if (sp_on_screen_get (self->on_screen))
    wait_for_frame (self);
}

gboolean
sp_frame_update_is_on_screen (SpFrameUpdate *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return sp_on_screen_get (self->on_screen);
}

void
sp_frame_update_free (SpFrameUpdate *self)
{
  if (self == NULL)
    return;

  stop_waiting (self);
  sp_on_screen_free (self->on_screen);
  g_free (self);
}
