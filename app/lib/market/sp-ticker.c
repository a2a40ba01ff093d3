/* A GSource on a fixed grid of the monotonic clock: ticks neither drift nor burst. */
#include "sp-ticker.h"

typedef struct
{
  GSource      source;
  gint64       start;     /* grid origin, monotonic µs */
  gint64       interval;  /* µs */
  gint64       next;      /* index of the next grid point to deliver */
} SpTickerSource;

static gboolean
sp_ticker_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  SpTickerSource *self = (SpTickerSource *) source;
  SpTickerFunc func = (SpTickerFunc) (void (*) (void)) callback;
  gint64 now = g_get_monotonic_time ();
  gint64 reached = (now - self->start) / self->interval;
  guint missed;

  /* The latest grid point reached is delivered once; earlier undelivered
   * ones are dropped rather than replayed in a burst. */
  if (reached < self->next)
    reached = self->next;
  missed = (guint) MIN (reached - self->next, G_MAXUINT);
  self->next = reached + 1;
  g_source_set_ready_time (source, self->start + self->next * self->interval);

  if (func == NULL)
    return G_SOURCE_REMOVE;

  return func (self->start + reached * self->interval, missed, user_data);
}

static GSourceFuncs sp_ticker_source_funcs = {
  .dispatch = sp_ticker_source_dispatch,
};

GSource *
sp_ticker_source_new (gint64         interval_us,
                      SpTickerFunc   func,
                      gpointer       user_data,
                      GDestroyNotify notify)
{
  SpTickerSource *self;

  g_return_val_if_fail (interval_us > 0, NULL);

  self = (SpTickerSource *) g_source_new (&sp_ticker_source_funcs, sizeof *self);
  self->start = g_get_monotonic_time ();
  self->interval = interval_us;
  self->next = 1;
  g_source_set_callback ((GSource *) self, (GSourceFunc) (void (*) (void)) func, user_data, notify);
  g_source_set_ready_time ((GSource *) self, self->start + interval_us);

  return (GSource *) self;
}
