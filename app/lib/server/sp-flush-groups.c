/* The flush-group model (see sp-flush-groups.h). */
#include "config.h"

#include "sp-flush-groups.h"

/* Fewer frames than this are too few to time a frame by. */
#define MIN_FRAMES 64

void
sp_flush_groups_init (SpFlushGroups *self)
{
  self->groups = 1;
  self->frame_cost_us = 0;
}

double
sp_flush_groups_worst_delay_us (double full_round_us,
                                double interval_us,
                                guint  groups)
{
  double round_us = full_round_us / groups;
  double late_us = MAX (0, round_us - interval_us);

  return (double) (groups - 1) * MAX (interval_us, round_us) + round_us + 2 * late_us;
}

guint
sp_flush_groups_update (SpFlushGroups *self,
                        double         interval_us,
                        guint          n_clients,
                        guint          frames,
                        gint64         round_us)
{
  double sample, full_round_us, now_us;
  guint best = 1;

  if (frames < MIN_FRAMES)
    return self->groups;
  /* A round the thread was taken off the CPU in says little about the next. */
  sample = (double) round_us / frames;
  if (self->frame_cost_us <= 0)
    self->frame_cost_us = sample;
  else
    self->frame_cost_us = 0.9 * self->frame_cost_us + 0.1 * MIN (sample, 2 * self->frame_cost_us);

  full_round_us = self->frame_cost_us * n_clients;
  for (guint k = 2; k <= SP_FLUSH_GROUPS_MAX; k++)
    if (sp_flush_groups_worst_delay_us (full_round_us, interval_us, k) <
        sp_flush_groups_worst_delay_us (full_round_us, interval_us, best))
      best = k;
  now_us = sp_flush_groups_worst_delay_us (full_round_us, interval_us, self->groups);
  if (best != self->groups &&
      sp_flush_groups_worst_delay_us (full_round_us, interval_us, best) < 0.85 * now_us)
    self->groups = best;

  return self->groups;
}
