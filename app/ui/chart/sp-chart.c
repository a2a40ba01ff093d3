/* The live price chart widget: follows the stream or is zoomed and panned by
 * hand, and draws through sp_chart_render() (sp-chart-render.c) on every frame
 * that has something new. Main thread only, as GTK. */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "sp-chart.h"

#define MIN_SPAN_US      (G_USEC_PER_SEC / 10)
#define MAX_SPAN_US      (G_GINT64_CONSTANT (400) * 24 * 3600 * G_USEC_PER_SEC)
#define MIN_LIVE_SPAN_US (2 * G_USEC_PER_SEC)

struct _SpChart
{
  GtkWidget       parent_instance;

  SpSeries       *series;
  SpSeries       *rate;
  gint64          marker_ref;
  gboolean        dragged;
  SpChartMode     mode;
  gint64          candle_us;
  gint64          span_us;        /* 0: everything stored */
  gboolean        follow_live;
  gint64          t_start;        /* the range while not following */
  gint64          t_end;

  gboolean        pointer_inside;
  double          pointer_x;
  double          pointer_y;
  gint64          drag_start;
  gint64          drag_end;
  double          pinch_scale;

  guint           tick_id;
  guint64         drawn_generation;
  gint64          drawn_time;
  SpChartGeometry geometry;
};

enum
{
  PROP_0,
  PROP_MODE,
  PROP_SPAN,
  PROP_FOLLOW_LIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  POINT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SpChart, sp_chart, GTK_TYPE_WIDGET)

static void
current_range (SpChart *self,
               gint64  *t_start,
               gint64  *t_end)
{
  guint len = self->series != NULL ? sp_series_get_length (self->series) : 0;
  gint64 first = len > 0 ? sp_series_get_point (self->series, 0)->t_us : 0;
  gint64 last = len > 0 ? sp_series_get_point (self->series, len - 1)->t_us : 0;
  gint64 end;
  gint64 start;
  /* Room for a few candles, or a couple of seconds of line, however new the stream. */
  gint64 min_span = self->mode == SP_CHART_CANDLES ? 20 * self->candle_us : MIN_LIVE_SPAN_US;

  if (!self->follow_live)
    {
      *t_start = self->t_start;
      *t_end = self->t_end;
      return;
    }

  /* Live: the right edge is now; the left edge the span back, but never far
   * before the first price, so a new stream fills the width at once. */
  end = MAX (g_get_real_time (), last);
  if (self->span_us == 0)
    start = len > 0 ? first : end - min_span;
  else
    start = end - self->span_us;
  if (len > 0)
    start = MAX (start, first);
  start = MIN (start, end - MIN (min_span, self->span_us > 0 ? self->span_us : G_MAXINT64));

  *t_start = start;
  *t_end = end;
}

void
sp_chart_get_range (SpChart *self,
                    gint64  *t_start,
                    gint64  *t_end)
{
  g_return_if_fail (SP_IS_CHART (self));

  current_range (self, t_start, t_end);
}

static void
lookup_color (GtkStyleContext *context,
              const char      *name,
              GdkRGBA         *color)
{
  GdkRGBA found;

  if (gtk_style_context_lookup_color (context, name, &found))
    *color = found;
}

static void
get_colors (SpChart       *self,
            SpChartColors *colors)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));
  GdkRGBA fg;

  sp_chart_colors_init_default (colors);
  gtk_style_context_get_color (context, &fg);
  colors->foreground = fg;
  colors->foreground.alpha *= 0.7f;
  colors->grid = fg;
  colors->grid.alpha *= 0.1f;
  colors->gap = fg;
  colors->gap.alpha *= 0.07f;
  lookup_color (context, "accent_color", &colors->line);
  lookup_color (context, "accent_bg_color", &colors->line);
  lookup_color (context, "accent_fg_color", &colors->on_line);
  lookup_color (context, "success_color", &colors->up);
  lookup_color (context, "error_color", &colors->down);
  lookup_color (context, "view_bg_color", &colors->background);
}

static void
fill_view (SpChart     *self,
           SpChartView *view)
{
  *view = (SpChartView) {
    .series = self->series,
    .mode = self->mode,
    .candle_us = self->candle_us,
    .crosshair = self->pointer_inside,
    .crosshair_x = self->pointer_x,
    .crosshair_y = self->pointer_y,
    .empty_text = _("Waiting for prices…"),
    .marker_ref = self->marker_ref,
    .rate = self->rate,
  };
  current_range (self, &view->t_start, &view->t_end);
}

static void
sp_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  SpChart *self = SP_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) layout = NULL;
  SpChartColors colors;
  SpChartView view;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  get_colors (self, &colors);
  fill_view (self, &view);
  layout = gtk_widget_create_pango_layout (widget, NULL);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  sp_chart_render (cr, layout, width, height, &view, &colors, &self->geometry);
  cairo_destroy (cr);

  self->drawn_generation = self->series != NULL ? sp_series_get_generation (self->series) : 0;
  self->drawn_time = g_get_real_time ();
}

cairo_surface_t *
sp_chart_render_surface (SpChart *self,
                         int      scale)
{
  int width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  int height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
  g_autoptr(PangoLayout) layout = NULL;
  cairo_surface_t *surface;
  SpChartColors colors;
  SpChartView view;
  cairo_t *cr;

  g_return_val_if_fail (SP_IS_CHART (self), NULL);

  scale = CLAMP (scale, 1, 4);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  get_colors (self, &colors);
  fill_view (self, &view);
  view.crosshair = FALSE;
  gdk_cairo_set_source_rgba (cr, &colors.background);
  cairo_paint (cr);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_cairo_update_layout (cr, layout);
  sp_chart_render (cr, layout, width, height, &view, &colors, NULL);
  cairo_destroy (cr);

  return surface;
}

/* Redraw when prices arrive, and while live as often as the axis moves a pixel. */
static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  SpChart *self = SP_CHART (widget);
  guint64 generation = self->series != NULL ? sp_series_get_generation (self->series) : 0;

  if (generation != self->drawn_generation)
    {
      gtk_widget_queue_draw (widget);
    }
  else if (self->follow_live && self->geometry.plot.size.width > 0)
    {
      gint64 start, end;
      double us_per_px;

      current_range (self, &start, &end);
      us_per_px = (double) (end - start) / self->geometry.plot.size.width;
      if ((double) (g_get_real_time () - self->drawn_time) >= us_per_px)
        gtk_widget_queue_draw (widget);
    }

  return G_SOURCE_CONTINUE;
}

static void
sp_chart_map (GtkWidget *widget)
{
  SpChart *self = SP_CHART (widget);

  GTK_WIDGET_CLASS (sp_chart_parent_class)->map (widget);
  self->tick_id = gtk_widget_add_tick_callback (widget, on_tick, NULL, NULL);
}

static void
sp_chart_unmap (GtkWidget *widget)
{
  SpChart *self = SP_CHART (widget);

  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (widget, self->tick_id);
  self->tick_id = 0;
  GTK_WIDGET_CLASS (sp_chart_parent_class)->unmap (widget);
}

static void
set_range (SpChart *self,
           gint64   t_start,
           gint64   t_end)
{
  gint64 span = CLAMP (t_end - t_start, MIN_SPAN_US, MAX_SPAN_US);
  gint64 now = g_get_real_time ();

  self->t_start = t_start;
  self->t_end = t_start + span;

  /* Moved back to the live edge: follow it again. */
  if (self->t_end >= now && !self->follow_live)
    {
      self->span_us = span;
      self->follow_live = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
stop_following (SpChart *self)
{
  gint64 start, end;

  if (!self->follow_live)
    return;

  current_range (self, &start, &end);
  self->t_start = start;
  self->t_end = end;
  self->follow_live = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
}

void
sp_chart_zoom (SpChart *self,
               double   factor,
               double   x)
{
  gint64 start, end, anchor, span;
  double fraction;

  g_return_if_fail (SP_IS_CHART (self));

  current_range (self, &start, &end);
  span = CLAMP ((gint64) ((double) (end - start) * factor), MIN_SPAN_US, MAX_SPAN_US);

  if (self->follow_live)
    {
      /* Live zoom keeps the right edge on now. */
      self->span_us = span;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  fraction = self->geometry.plot.size.width > 0
             ? CLAMP ((x - self->geometry.plot.origin.x) / self->geometry.plot.size.width, 0, 1)
             : 0.5;
  anchor = start + (gint64) ((double) (end - start) * fraction);
  start = anchor - (gint64) ((double) span * fraction);
  self->span_us = span;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
  set_range (self, start, start + span);
}

void
sp_chart_pan (SpChart *self,
              double   dx)
{
  gint64 start, end, shift;
  double width;

  g_return_if_fail (SP_IS_CHART (self));

  width = self->geometry.plot.size.width > 0 ? self->geometry.plot.size.width
                                             : MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  stop_following (self);
  current_range (self, &start, &end);
  shift = (gint64) (-dx * (double) (end - start) / width);
  set_range (self, start + shift, end + shift);
}

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
  current_range (self, &self->drag_start, &self->drag_end);
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
  stop_following (self);
  set_range (self, self->drag_start + shift, self->drag_end + shift);
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
      sp_chart_set_marker (self, ref);
      g_signal_emit (self, signals[POINT_ACTIVATED], 0, ref);
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

static void
sp_chart_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  SpChart *self = SP_CHART (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_SPAN:
      g_value_set_double (value, sp_chart_get_span (self));
      break;
    case PROP_FOLLOW_LIVE:
      g_value_set_boolean (value, self->follow_live);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_chart_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  SpChart *self = SP_CHART (object);

  switch (prop_id)
    {
    case PROP_MODE:
      sp_chart_set_mode (self, g_value_get_enum (value));
      break;
    case PROP_SPAN:
      sp_chart_set_span (self, g_value_get_double (value));
      break;
    case PROP_FOLLOW_LIVE:
      sp_chart_set_follow_live (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_chart_finalize (GObject *object)
{
  SpChart *self = SP_CHART (object);

  g_clear_pointer (&self->series, sp_series_unref);
  g_clear_pointer (&self->rate, sp_series_unref);

  G_OBJECT_CLASS (sp_chart_parent_class)->finalize (object);
}

static void
sp_chart_class_init (SpChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = sp_chart_finalize;
  object_class->get_property = sp_chart_get_property;
  object_class->set_property = sp_chart_set_property;
  widget_class->snapshot = sp_chart_snapshot;
  widget_class->map = sp_chart_map;
  widget_class->unmap = sp_chart_unmap;

  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, SP_TYPE_CHART_MODE, SP_CHART_LINE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPAN] =
    g_param_spec_double ("span", NULL, NULL, 0, (double) (MAX_SPAN_US / G_USEC_PER_SEC), 300,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLLOW_LIVE] =
    g_param_spec_boolean ("follow-live", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A click on a point: @ref says which message it came from. */
  signals[POINT_ACTIVATED] =
    g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

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

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sp_chart_init (SpChart *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->mode = SP_CHART_LINE;
  self->candle_us = 5 * G_USEC_PER_SEC;
  self->span_us = 300 * G_USEC_PER_SEC;
  self->follow_live = TRUE;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_widget_set_size_request (GTK_WIDGET (self), 240, 120);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Price chart"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Scroll to zoom, drag to move back in time, double-click to follow live prices"),
                                  -1);

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

GtkWidget *
sp_chart_new (void)
{
  return g_object_new (SP_TYPE_CHART, NULL);
}

void
sp_chart_set_series (SpChart  *self,
                     SpSeries *series)
{
  g_return_if_fail (SP_IS_CHART (self));

  if (self->series == series)
    return;

  g_clear_pointer (&self->series, sp_series_unref);
  self->series = series != NULL ? sp_series_ref (series) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

SpSeries *
sp_chart_get_series (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), NULL);

  return self->series;
}

void
sp_chart_set_mode (SpChart     *self,
                   SpChartMode  mode)
{
  g_return_if_fail (SP_IS_CHART (self));

  if (self->mode == mode)
    return;

  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

SpChartMode
sp_chart_get_mode (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), SP_CHART_LINE);

  return self->mode;
}

void
sp_chart_set_candle_seconds (SpChart *self,
                             guint    seconds)
{
  g_return_if_fail (SP_IS_CHART (self));

  self->candle_us = (gint64) MAX (seconds, 1) * G_USEC_PER_SEC;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sp_chart_set_span (SpChart *self,
                   double   seconds)
{
  gint64 span;

  g_return_if_fail (SP_IS_CHART (self));

  span = seconds <= 0 ? 0 : CLAMP ((gint64) (seconds * G_USEC_PER_SEC), MIN_SPAN_US, MAX_SPAN_US);
  if (span != self->span_us)
    {
      self->span_us = span;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
    }
  /* Picking a span is picking the latest prices. */
  sp_chart_set_follow_live (self, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
sp_chart_get_span (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return (double) self->span_us / G_USEC_PER_SEC;
}

void
sp_chart_set_follow_live (SpChart  *self,
                          gboolean  follow)
{
  g_return_if_fail (SP_IS_CHART (self));

  if (!follow)
    {
      stop_following (self);
      return;
    }
  if (self->follow_live)
    return;

  self->follow_live = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
sp_chart_get_follow_live (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), FALSE);

  return self->follow_live;
}

void
sp_chart_set_rate_series (SpChart  *self,
                          SpSeries *rate)
{
  g_return_if_fail (SP_IS_CHART (self));

  g_clear_pointer (&self->rate, sp_series_unref);
  self->rate = rate != NULL ? sp_series_ref (rate) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sp_chart_set_marker (SpChart *self,
                     gint64   ref)
{
  gint64 start, end;
  int index;

  g_return_if_fail (SP_IS_CHART (self));

  self->marker_ref = ref;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (ref == 0 || self->series == NULL)
    return;

  index = sp_series_find_ref (self->series, ref);
  if (index < 0 || sp_series_get_point (self->series, (guint) index)->ref != ref)
    return;

  /* Out of view: move there, keeping the span. */
  current_range (self, &start, &end);
  {
    gint64 t = sp_series_get_point (self->series, (guint) index)->t_us;

    if (t < start || t > end)
      {
        stop_following (self);
        self->t_start = t - (end - start) / 2;
        self->t_end = self->t_start + (end - start);
        gtk_widget_queue_draw (GTK_WIDGET (self));
      }
  }
}

gint64
sp_chart_ref_at (SpChart *self,
                 double   x)
{
  gint64 start, end, t;
  guint len, i;
  double width;

  g_return_val_if_fail (SP_IS_CHART (self), 0);

  len = self->series != NULL ? sp_series_get_length (self->series) : 0;
  width = self->geometry.plot.size.width;
  if (len == 0 || width <= 0)
    return 0;

  current_range (self, &start, &end);
  t = start + (gint64) ((x - self->geometry.plot.origin.x) / width * (double) (end - start));
  if (self->mode == SP_CHART_CANDLES && self->geometry.candle_us > 0)
    {
      gint64 candle = self->geometry.candle_us;
      gint64 close = t - ((t % candle) + candle) % candle + candle;

      /* A candle stands for its close, its last point. */
      i = sp_series_lower_bound (self->series, close);
      return i > 0 ? sp_series_get_point (self->series, i - 1)->ref : 0;
    }

  i = sp_series_lower_bound (self->series, t);
  if (i == len || (i > 0 && t - sp_series_get_point (self->series, i - 1)->t_us <
                            sp_series_get_point (self->series, i)->t_us - t))
    i--;

  return sp_series_get_point (self->series, i)->ref;
}

gint64
sp_chart_get_marker (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return self->marker_ref;
}
