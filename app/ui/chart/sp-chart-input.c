/* How the chart's view follows the user: the wheel and Shift+wheel, drags and
 * pinches, clicks on points, and the chart.zoom, chart.pan and
 * chart.follow-live actions with their keys. Main thread only, as GTK. */
#include "config.h"

#include <math.h>

#include "sp-chart-widget-private.h"

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           SpChart                  *self)
{
  self->pointer_inside = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller,
          SpChart                  *self)
{
  self->pointer_inside = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           SpChart                  *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));

  /* Wheel: zoom around the pointer; Shift+wheel or a horizontal swipe: pan. */
  if ((state & GDK_SHIFT_MASK) != 0 && dx == 0)
    {
      dx = dy;
      dy = 0;
    }
  if (dy != 0)
    sp_chart_zoom (self, pow (1.2, dy), self->pointer_x);
  if (dx != 0)
    sp_chart_pan (self, -dx * 24);

  return GDK_EVENT_STOP;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               SpChart        *self)
{
  _sp_chart_current_range (self, &self->drag_start, &self->drag_end);
  self->dragged = FALSE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                SpChart        *self)
{
  double width = MAX (self->geometry.plot.size.width, 1);
  gint64 shift;

  if (fabs (offset_x) < 3 && !self->dragged)
    return;
  self->dragged = TRUE;

  shift = (gint64) (-offset_x * (double) (self->drag_end - self->drag_start) / width);
  _sp_chart_stop_following (self);
  _sp_chart_set_range (self, self->drag_start + shift, self->drag_end + shift);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             SpChart        *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
}

static void
on_pinch_begin (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                SpChart          *self)
{
  self->pinch_scale = 1;
}

/* Spreading the fingers shows less time, bigger. */
static void
on_pinch (GtkGestureZoom *gesture,
          double          scale,
          SpChart        *self)
{
  double x, y;

  if (scale <= 0)
    return;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    x = self->pointer_x;
  sp_chart_zoom (self, self->pinch_scale / scale, x);
  self->pinch_scale = scale;
}

/* A click (not the end of a drag) on a point shows its message in the log. */
static void
on_released (GtkGestureClick *gesture,
             int              n_press,
             double           x,
             double           y,
             SpChart         *self)
{
  gint64 ref;

  if (n_press != 1 || self->dragged)
    return;

  ref = sp_chart_ref_at (self, x);
  if (ref != 0)
    {
      _sp_chart_activate_point (self, ref);
    }
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            SpChart         *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (n_press == 2)
    sp_chart_set_follow_live (self, TRUE);
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SpChart *self = SP_CHART (widget);

  sp_chart_zoom (self, g_variant_get_double (parameter),
                 self->geometry.plot.origin.x + self->geometry.plot.size.width / 2);
}

static void
pan_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  SpChart *self = SP_CHART (widget);

  sp_chart_pan (self, g_variant_get_double (parameter) * self->geometry.plot.size.width / 10);
}

static void
live_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  sp_chart_set_follow_live (SP_CHART (widget), TRUE);
}

void
_sp_chart_input_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "chart.zoom", "d", zoom_action);
  gtk_widget_class_install_action (widget_class, "chart.pan", "d", pan_action);
  gtk_widget_class_install_action (widget_class, "chart.follow-live", NULL, live_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "chart.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "chart.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "chart.zoom", "d", 0.8);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "chart.zoom", "d", 1.25);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "chart.zoom", "d", 1.25);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "chart.pan", "d", 1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "chart.pan", "d", -1.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "chart.follow-live", NULL);
}

void
_sp_chart_input_init (SpChart *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_pinch), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_pressed), self);
  g_signal_connect (gesture, "released", G_CALLBACK (on_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}
