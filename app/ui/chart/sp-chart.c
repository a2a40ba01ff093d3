/* The live price chart widget: its properties, its API, and the range it shows,
 * following the stream or zoomed and panned by hand. It draws in
 * sp-chart-frame.c and takes input in sp-chart-input.c. Main thread only, as GTK. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-chart-private.h"
#include "sp-chart-widget-private.h"
#include "sp-redraw-pace.h"

#define MIN_SPAN_US      (G_USEC_PER_SEC / 10)
#define MAX_SPAN_US      (G_GINT64_CONSTANT (400) * 24 * 3600 * G_USEC_PER_SEC)
#define MIN_LIVE_SPAN_US (2 * G_USEC_PER_SEC)

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

gboolean
_sp_chart_current_range (SpChart *self,
                         gint64  *t_start,
                         gint64  *t_end)
{
  guint len = self->series != NULL ? sp_series_get_length (self->series) : 0;
  gint64 first = len > 0 ? sp_series_get_point (self->series, 0)->t_us : 0;
  gint64 last = len > 0 ? sp_series_get_point (self->series, len - 1)->t_us : 0;
  /* Room for a few candles, or a couple of seconds of line, however new the stream. */
  gint64 min_span = self->mode == SP_CHART_CANDLES ? 20 * self->candle_us : MIN_LIVE_SPAN_US;

  if (!self->follow_live)
    {
      *t_start = self->t_start;
      *t_end = self->t_end;
      return FALSE;
    }

  /* Live: the right edge is now, the left edge the span back; a stream
   * younger than the span fills the width at once (sp-redraw-pace.h). */
  return sp_redraw_pace_live_range (g_get_real_time (), len > 0, first, last, self->span_us,
                                    min_span, t_start, t_end);
}

void
sp_chart_get_range (SpChart *self,
                    gint64  *t_start,
                    gint64  *t_end)
{
  g_return_if_fail (SP_IS_CHART (self));

  _sp_chart_current_range (self, t_start, t_end);
}

/* "span" is EXPLICIT_NOTIFY: notified when it changes, not on every zoom. */
static void
set_span_us (SpChart *self,
             gint64   span)
{
  if (span == self->span_us)
    return;

  self->span_us = span;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
}

void
_sp_chart_set_range (SpChart *self,
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
      gboolean span_changed = span != self->span_us;

      self->span_us = span;
      self->follow_live = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW_LIVE]);
      if (span_changed)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPAN]);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_sp_chart_stop_following (SpChart *self)
{
  gint64 start, end;

  if (!self->follow_live)
    return;

  _sp_chart_current_range (self, &start, &end);
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

  _sp_chart_current_range (self, &start, &end);
  span = CLAMP ((gint64) ((double) (end - start) * factor), MIN_SPAN_US, MAX_SPAN_US);

  if (self->follow_live)
    {
      /* Live zoom keeps the right edge on now. */
      set_span_us (self, span);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  fraction = self->geometry.plot.size.width > 0
             ? CLAMP ((x - self->geometry.plot.origin.x) / self->geometry.plot.size.width, 0, 1)
             : 0.5;
  anchor = start + (gint64) ((double) (end - start) * fraction);
  start = anchor - (gint64) ((double) span * fraction);
  set_span_us (self, span);
  _sp_chart_set_range (self, start, start + span);
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
  _sp_chart_stop_following (self);
  _sp_chart_current_range (self, &start, &end);
  shift = (gint64) (-dx * (double) (end - start) / width);
  _sp_chart_set_range (self, start + shift, end + shift);
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
sp_chart_dispose (GObject *object)
{
  SpChart *self = SP_CHART (object);

  g_clear_handle_id (&self->wake_id, g_source_remove);
  g_clear_pointer (&self->on_screen, sp_on_screen_free);

  G_OBJECT_CLASS (sp_chart_parent_class)->dispose (object);
}

static void
sp_chart_finalize (GObject *object)
{
  SpChart *self = SP_CHART (object);

  g_clear_pointer (&self->series, sp_series_unref);
  g_clear_pointer (&self->rate, sp_series_unref);
  g_clear_pointer (&self->empty_text, g_free);
  g_clear_pointer (&self->levels, g_array_unref);
  g_clear_pointer (&self->marks, g_array_unref);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->compare, g_ptr_array_unref);
  g_clear_pointer (&self->compare_names, g_strfreev);

  G_OBJECT_CLASS (sp_chart_parent_class)->finalize (object);
}

static void
sp_chart_class_init (SpChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_chart_dispose;
  object_class->finalize = sp_chart_finalize;
  object_class->get_property = sp_chart_get_property;
  object_class->set_property = sp_chart_set_property;
  widget_class->snapshot = _sp_chart_snapshot;

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

  _sp_chart_input_class_init (widget_class);

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sp_chart_init (SpChart *self)
{
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

  _sp_chart_input_init (self);
  self->on_screen = sp_on_screen_new (GTK_WIDGET (self), _sp_chart_on_screen_changed, self);
}

GtkWidget *
sp_chart_new (void)
{
  return g_object_new (SP_TYPE_CHART, NULL);
}

void
sp_chart_set_empty_text (SpChart    *self,
                         const char *text)
{
  g_return_if_fail (SP_IS_CHART (self));

  if (g_strcmp0 (self->empty_text, text) == 0)
    return;
  g_free (self->empty_text);
  self->empty_text = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
sp_chart_get_empty_text (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), NULL);

  return self->empty_text != NULL ? self->empty_text : _("Waiting for prices…");
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
  set_span_us (self, span);
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
      _sp_chart_stop_following (self);
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
  _sp_chart_current_range (self, &start, &end);
  {
    gint64 t = sp_series_get_point (self->series, (guint) index)->t_us;

    if (t < start || t > end)
      {
        _sp_chart_stop_following (self);
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

  _sp_chart_current_range (self, &start, &end);
  t = start + (gint64) ((x - self->geometry.plot.origin.x) / width * (double) (end - start));
  if (self->mode == SP_CHART_CANDLES && self->geometry.candle_us > 0)
    {
      gint64 candle = self->geometry.candle_us;
      gint64 close = period_start (t, candle) + candle;

      /* A candle stands for its close, its last point. */
      i = sp_series_lower_bound (self->series, close);
      return i > 0 ? sp_series_get_point (self->series, i - 1)->ref : 0;
    }

  return sp_series_get_point (self->series, nearest_point (self->series, t))->ref;
}

void
_sp_chart_activate_point (SpChart *self,
                          gint64   ref)
{
  sp_chart_set_marker (self, ref);
  g_signal_emit (self, signals[POINT_ACTIVATED], 0, ref);
}

gint64
sp_chart_get_marker (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return self->marker_ref;
}

static GArray *
copy_array (GArray *from,
            gsize   element_size)
{
  GArray *copy;

  if (from == NULL || from->len == 0)
    return NULL;
  copy = g_array_sized_new (FALSE, FALSE, element_size, from->len);
  g_array_append_vals (copy, from->data, from->len);
  return copy;
}

void
sp_chart_set_alerts (SpChart *self,
                     GArray  *levels,
                     GArray  *marks)
{
  g_return_if_fail (SP_IS_CHART (self));

  g_clear_pointer (&self->levels, g_array_unref);
  g_clear_pointer (&self->marks, g_array_unref);
  self->levels = copy_array (levels, sizeof (SpChartLevel));
  self->marks = copy_array (marks, sizeof (SpChartMark));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
sp_chart_get_n_alert_levels (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return self->levels != NULL ? self->levels->len : 0;
}

guint
sp_chart_get_n_alert_marks (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return self->marks != NULL ? self->marks->len : 0;
}

void
sp_chart_set_compare (SpChart           *self,
                      const char        *name,
                      GPtrArray         *series,
                      const char *const *names)
{
  guint n;

  g_return_if_fail (SP_IS_CHART (self));

  n = series != NULL ? MIN (series->len, SP_CHART_MAX_COMPARE) : 0;
  g_free (self->name);
  self->name = g_strdup (name);
  g_clear_pointer (&self->compare, g_ptr_array_unref);
  g_clear_pointer (&self->compare_names, g_strfreev);
  if (n > 0)
    {
      GStrvBuilder *builder = g_strv_builder_new ();

      self->compare = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_series_unref);
      for (guint i = 0; i < n; i++)
        {
          g_ptr_array_add (self->compare, sp_series_ref (g_ptr_array_index (series, i)));
          g_strv_builder_add (builder, names != NULL && names[i] != NULL ? names[i] : "—");
        }
      self->compare_names = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
sp_chart_get_n_compare (SpChart *self)
{
  g_return_val_if_fail (SP_IS_CHART (self), 0);

  return self->compare != NULL ? self->compare->len : 0;
}

