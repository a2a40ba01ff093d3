/* A sparkline's points in fixed memory: the last price of each time bucket
 * since the first price, SP_SPARKLINE_POINTS buckets at most. When they are
 * full, neighbours merge and buckets become twice as long, so the line always
 * covers everything since the start at a bounded cost (one copy per symbol of
 * the watchlist). Plain data, no thread of its own. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SP_SPARKLINE_POINTS     60
/* The first buckets' length; it doubles each time the buckets fill. */
#define SP_SPARKLINE_BUCKET_US  G_USEC_PER_SEC

typedef struct
{
  double values[SP_SPARKLINE_POINTS];
  guint  n_values;
  gint64 t_start;    /* the first bucket's start, µs */
  gint64 bucket_us;
} SpSparkline;

void sp_sparkline_init (SpSparkline *self);
/* A price at @t_us; a time earlier than the last bucket's counts in the last bucket. */
void sp_sparkline_add  (SpSparkline *self,
                        gint64       t_us,
                        double       price);
/* The lowest and highest value; FALSE when there is none. */
gboolean sp_sparkline_get_range (const SpSparkline *self,
                                 double            *min,
                                 double            *max);

G_END_DECLS
