/* A sparkline's points in fixed memory. */
#include "config.h"

#include "sp-sparkline.h"

void
sp_sparkline_init (SpSparkline *self)
{
  g_return_if_fail (self != NULL);

  self->n_values = 0;
  self->t_start = 0;
  self->bucket_us = SP_SPARKLINE_BUCKET_US;
}

/* Pairs of buckets become one, as long as both: each keeps its later price. */
static void
merge (SpSparkline *self)
{
  guint n = (self->n_values + 1) / 2;

  for (guint i = 0; i < n; i++)
    self->values[i] = self->values[MIN (2 * i + 1, self->n_values - 1)];
  self->n_values = n;
  self->bucket_us *= 2;
}

void
sp_sparkline_add (SpSparkline *self,
                  gint64       t_us,
                  double       price)
{
  gint64 index;

  g_return_if_fail (self != NULL);

  if (self->n_values == 0)
    {
      self->t_start = t_us;
      self->values[0] = price;
      self->n_values = 1;
      return;
    }

  index = t_us > self->t_start ? (t_us - self->t_start) / self->bucket_us : 0;
  while (index >= SP_SPARKLINE_POINTS)
    {
      merge (self);
      index = (t_us - self->t_start) / self->bucket_us;
    }
  if (index < (gint64) self->n_values)
    index = self->n_values - 1;

  /* Buckets with no price hold the one before. */
  for (gint64 i = self->n_values; i < index; i++)
    self->values[i] = self->values[self->n_values - 1];
  self->values[index] = price;
  self->n_values = (guint) index + 1;
}

gboolean
sp_sparkline_get_range (const SpSparkline *self,
                        double            *min,
                        double            *max)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->n_values == 0)
    return FALSE;
  *min = *max = self->values[0];
  for (guint i = 1; i < self->n_values; i++)
    {
      *min = MIN (*min, self->values[i]);
      *max = MAX (*max, self->values[i]);
    }
  return TRUE;
}
