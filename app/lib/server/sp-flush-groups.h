/* How many flush groups a server splits its clients into, from the time its
 * rounds of sends take. A round that sends every client a frame costs
 * clients × the time per frame (measured, on all the send threads
 * together). Split into k groups, one sent per tick with the ticks since
 * that client's last frame, a tick waits up to (k - 1) intervals for its
 * group's turn, then up to a round k times shorter for the sends before its
 * client's. A round longer than the interval makes the next tick late:
 * rounds then follow each other, the wait for a group's turn is (k - 1)
 * rounds, and the steps the server fell behind on wait longer still
 * (counted twice). The k with the smallest worst delay is taken, with a
 * margin against flapping. Measured with 5,000 clients at 40 ticks a second
 * (rounds of 7.6 µs a frame), p99 43 and 62 ms with 2 and 3 groups, as this
 * predicts (44 and 63); the earlier model, a round doubled from 80 % of the
 * interval on, chose 3 groups whenever a frame's time rose a little. With
 * one tick a second, as by default, the answer is always 1.
 * Pure: the caller serialises calls on one SpFlushGroups. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SP_FLUSH_GROUPS_MAX 4

typedef struct
{
  guint  groups;         /* 1: every client every tick */
  double frame_cost_us;  /* time per frame sent in a round (average) */
} SpFlushGroups;

void    sp_flush_groups_init           (SpFlushGroups *self);
/* After a round that sent @frames frames in @round_us to @n_clients
 * receivers, ticks @interval_us apart: the groups for the next rounds. */
guint   sp_flush_groups_update         (SpFlushGroups *self,
                                        double         interval_us,
                                        guint          n_clients,
                                        guint          frames,
                                        gint64         round_us);
/* The longest a tick waits for its client's frame with @groups groups. */
double  sp_flush_groups_worst_delay_us (double         full_round_us,
                                        double         interval_us,
                                        guint          groups);

G_END_DECLS
