/* A bounded price history for one symbol, made for drawing. */
#include "config.h"

#include <string.h>

#include "sp-series.h"

/* Complete blocks of points are summarised at two levels, so a range of any
 * length is summarised by at most ~4 × 63 raw points and blocks plus its
 * whole level-2 blocks: drawing a column never walks all the points in it. */
#define L1_SIZE  64
#define L2_SIZE  (L1_SIZE * L1_SIZE)

typedef struct
{
  double min;
  double max;
} Block;

typedef struct
{
  gint64  t_start;
  gint64  t_end;
  guint64 serial;   /* the first point after the gap */
} Gap;

struct _SpSeries
{
  gatomicrefcount ref_count;
  guint    capacity;
  guint    granularity;   /* points dropped at once when full */
  GArray  *points;        /* SpSeriesPoint */
  GArray  *l1;            /* Block per complete run of L1_SIZE points */
  GArray  *l2;            /* Block per complete run of L2_SIZE points */
  GArray  *gaps;          /* Gap, in order */
  guint64  first_serial;
  guint64  generation;
  gboolean gap_open;
};

G_DEFINE_BOXED_TYPE (SpSeries, sp_series, sp_series_ref, sp_series_unref)

static void
update_granularity (SpSeries *self)
{
  /* Drop about a sixteenth at a time; whole level-2 blocks when that is large
   * enough, so the summaries move with the points instead of being rebuilt. */
  guint granularity = self->capacity / 16;

  if (granularity >= L2_SIZE)
    granularity -= granularity % L2_SIZE;
  else
    granularity = MAX (L1_SIZE, granularity - granularity % L1_SIZE);
  self->granularity = granularity;
}

SpSeries *
sp_series_new (guint capacity)
{
  SpSeries *self = g_new0 (SpSeries, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->capacity = MAX (capacity, 1);
  update_granularity (self);
  self->points = g_array_new (FALSE, FALSE, sizeof (SpSeriesPoint));
  self->l1 = g_array_new (FALSE, FALSE, sizeof (Block));
  self->l2 = g_array_new (FALSE, FALSE, sizeof (Block));
  self->gaps = g_array_new (FALSE, FALSE, sizeof (Gap));

  return self;
}

SpSeries *
sp_series_ref (SpSeries *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
sp_series_unref (SpSeries *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_array_unref (self->points);
  g_array_unref (self->l1);
  g_array_unref (self->l2);
  g_array_unref (self->gaps);
  g_free (self);
}

static Block
summarize_points (const SpSeriesPoint *points,
                  guint                n)
{
  Block block = { points[0].price, points[0].price };

  for (guint i = 1; i < n; i++)
    {
      block.min = MIN (block.min, points[i].price);
      block.max = MAX (block.max, points[i].price);
    }

  return block;
}

static Block
summarize_blocks (const Block *blocks,
                  guint        n)
{
  Block block = blocks[0];

  for (guint i = 1; i < n; i++)
    {
      block.min = MIN (block.min, blocks[i].min);
      block.max = MAX (block.max, blocks[i].max);
    }

  return block;
}

static void
rebuild_blocks (SpSeries *self)
{
  const SpSeriesPoint *points = (const SpSeriesPoint *) self->points->data;
  guint n1 = self->points->len / L1_SIZE;
  guint n2 = n1 / L1_SIZE;

  g_array_set_size (self->l1, n1);
  for (guint i = 0; i < n1; i++)
    g_array_index (self->l1, Block, i) = summarize_points (points + i * L1_SIZE, L1_SIZE);

  g_array_set_size (self->l2, n2);
  for (guint i = 0; i < n2; i++)
    g_array_index (self->l2, Block, i) =
      summarize_blocks ((const Block *) self->l1->data + i * L1_SIZE, L1_SIZE);
}

static void
drop_oldest (SpSeries *self,
             guint     n)
{
  guint kept_gaps = 0;

  n = MIN (n, self->points->len);
  g_array_remove_range (self->points, 0, n);
  self->first_serial += n;

  if (n % L2_SIZE == 0)
    {
      g_array_remove_range (self->l1, 0, MIN (n / L1_SIZE, self->l1->len));
      g_array_remove_range (self->l2, 0, MIN (n / L2_SIZE, self->l2->len));
    }
  else
    {
      rebuild_blocks (self);
    }

  /* A gap before the oldest point kept has nothing left to separate. */
  for (guint i = 0; i < self->gaps->len; i++)
    if (g_array_index (self->gaps, Gap, i).serial <= self->first_serial)
      kept_gaps = i + 1;
  g_array_remove_range (self->gaps, 0, kept_gaps);
}

void
sp_series_set_capacity (SpSeries *self,
                        guint     capacity)
{
  g_return_if_fail (self != NULL);

  self->capacity = MAX (capacity, 1);
  update_granularity (self);
  if (self->points->len > self->capacity)
    {
      drop_oldest (self, self->points->len - self->capacity);
      self->generation++;
    }
}

guint
sp_series_get_capacity (SpSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->capacity;
}

void
sp_series_clear (SpSeries *self)
{
  g_return_if_fail (self != NULL);

  self->first_serial += self->points->len;
  g_array_set_size (self->points, 0);
  g_array_set_size (self->l1, 0);
  g_array_set_size (self->l2, 0);
  g_array_set_size (self->gaps, 0);
  self->gap_open = FALSE;
  self->generation++;
}

void
sp_series_append (SpSeries *self,
                  gint64    t_us,
                  double    price)
{
  sp_series_append_full (self, t_us, price, 0);
}

int
sp_series_find_ref (SpSeries *self,
                    gint64    ref)
{
  const SpSeriesPoint *points;
  guint low = 0;
  guint high;

  g_return_val_if_fail (self != NULL, -1);

  points = (const SpSeriesPoint *) self->points->data;
  high = self->points->len;
  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (points[mid].ref <= ref)
        low = mid + 1;
      else
        high = mid;
    }

  return (int) low - 1;
}

void
sp_series_append_full (SpSeries *self,
                       gint64    t_us,
                       double    price,
                       gint64    ref)
{
  SpSeriesPoint point = { t_us, price, ref };
  guint len;

  g_return_if_fail (self != NULL);

  len = self->points->len;
  if (len > 0)
    point.t_us = MAX (point.t_us, g_array_index (self->points, SpSeriesPoint, len - 1).t_us);

  if (self->gap_open)
    {
      Gap *gap = &g_array_index (self->gaps, Gap, self->gaps->len - 1);

      gap->t_end = MAX (point.t_us, gap->t_start);
      self->gap_open = FALSE;
    }

  g_array_append_val (self->points, point);
  len++;

  if (len % L1_SIZE == 0)
    {
      Block block = summarize_points ((const SpSeriesPoint *) self->points->data + len - L1_SIZE,
                                      L1_SIZE);

      g_array_append_val (self->l1, block);
      if (len % L2_SIZE == 0)
        {
          block = summarize_blocks ((const Block *) self->l1->data + self->l1->len - L1_SIZE,
                                    L1_SIZE);
          g_array_append_val (self->l2, block);
        }
    }

  if (len >= self->capacity + self->granularity)
    drop_oldest (self, len - self->capacity);

  self->generation++;
}

void
sp_series_mark_gap (SpSeries *self,
                    gint64    t_us)
{
  Gap gap;

  g_return_if_fail (self != NULL);

  if (self->gap_open || self->points->len == 0)
    return;

  gap.t_start = MAX (t_us, g_array_index (self->points, SpSeriesPoint, self->points->len - 1).t_us);
  gap.t_end = G_MAXINT64;
  gap.serial = self->first_serial + self->points->len;
  g_array_append_val (self->gaps, gap);
  self->gap_open = TRUE;
  self->generation++;
}

gboolean
sp_series_cancel_gap (SpSeries *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->gap_open || self->gaps->len == 0)
    return FALSE;
  g_array_set_size (self->gaps, self->gaps->len - 1);
  self->gap_open = FALSE;
  self->generation++;
  return TRUE;
}

guint
sp_series_get_length (SpSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->points->len;
}

const SpSeriesPoint *
sp_series_get_point (SpSeries *self,
                     guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->points->len, NULL);

  return &g_array_index (self->points, SpSeriesPoint, index);
}

guint64
sp_series_get_first_serial (SpSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->first_serial;
}

guint64
sp_series_get_generation (SpSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->generation;
}

guint
sp_series_lower_bound (SpSeries *self,
                       gint64    t_us)
{
  const SpSeriesPoint *points;
  guint low = 0;
  guint high;

  g_return_val_if_fail (self != NULL, 0);

  points = (const SpSeriesPoint *) self->points->data;
  high = self->points->len;
  while (low < high)
    {
      guint mid = low + (high - low) / 2;

      if (points[mid].t_us < t_us)
        low = mid + 1;
      else
        high = mid;
    }

  return low;
}

gboolean
sp_series_summarize (SpSeries        *self,
                     guint            begin,
                     guint            end,
                     SpSeriesSummary *summary)
{
  const SpSeriesPoint *points;
  const Block *l1;
  const Block *l2;
  double min = G_MAXDOUBLE;
  double max = -G_MAXDOUBLE;
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);

  end = MIN (end, self->points->len);
  if (begin >= end)
    {
      memset (summary, 0, sizeof *summary);
      return FALSE;
    }

  points = (const SpSeriesPoint *) self->points->data;
  l1 = (const Block *) self->l1->data;
  l2 = (const Block *) self->l2->data;

  for (i = begin; i < end && i % L1_SIZE != 0; i++)
    {
      min = MIN (min, points[i].price);
      max = MAX (max, points[i].price);
    }
  while (i + L1_SIZE <= end)
    {
      if (i % L2_SIZE == 0 && i + L2_SIZE <= end)
        {
          min = MIN (min, l2[i / L2_SIZE].min);
          max = MAX (max, l2[i / L2_SIZE].max);
          i += L2_SIZE;
        }
      else
        {
          min = MIN (min, l1[i / L1_SIZE].min);
          max = MAX (max, l1[i / L1_SIZE].max);
          i += L1_SIZE;
        }
    }
  for (; i < end; i++)
    {
      min = MIN (min, points[i].price);
      max = MAX (max, points[i].price);
    }

  summary->count = end - begin;
  summary->first = points[begin].price;
  summary->last = points[end - 1].price;
  summary->min = min;
  summary->max = max;
  summary->t_first = points[begin].t_us;
  summary->t_last = points[end - 1].t_us;

  return TRUE;
}

guint
sp_series_get_n_gaps (SpSeries *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->gaps->len;
}

void
sp_series_get_gap (SpSeries *self,
                   guint     i,
                   gint64   *t_start,
                   gint64   *t_end,
                   guint    *index)
{
  const Gap *gap;

  g_return_if_fail (self != NULL);
  g_return_if_fail (i < self->gaps->len);

  gap = &g_array_index (self->gaps, Gap, i);
  if (t_start != NULL)
    *t_start = gap->t_start;
  if (t_end != NULL)
    *t_end = gap->t_end;
  if (index != NULL)
    *index = (guint) (gap->serial - self->first_serial);
}

gboolean
sp_series_gap_before (SpSeries *self,
                      guint     index)
{
  guint64 serial;
  guint low = 0;
  guint high;

  g_return_val_if_fail (self != NULL, FALSE);

  serial = self->first_serial + index;
  high = self->gaps->len;
  while (low < high)
    {
      guint mid = low + (high - low) / 2;
      guint64 gap_serial = g_array_index (self->gaps, Gap, mid).serial;

      if (gap_serial == serial)
        return TRUE;
      if (gap_serial < serial)
        low = mid + 1;
      else
        high = mid;
    }

  return FALSE;
}

static void
append_csv_field (GString    *out,
                  const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      g_string_append (out, field);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = field; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

GBytes *
sp_series_to_csv (SpSeries   *self,
                  const char *symbol)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_sized_new (64 + self->points->len * 48);
  g_string_append (out, "time,symbol,price\n");
  for (guint i = 0; i < self->points->len; i++)
    {
      const SpSeriesPoint *point = &g_array_index (self->points, SpSeriesPoint, i);
      gint64 seconds = point->t_us / G_USEC_PER_SEC;
      gint64 micro = point->t_us % G_USEC_PER_SEC;
      g_autoptr(GDateTime) time = NULL;
      g_autofree char *stamp = NULL;
      char price[G_ASCII_DTOSTR_BUF_SIZE];

      if (micro < 0)
        {
          seconds--;
          micro += G_USEC_PER_SEC;
        }
      time = g_date_time_new_from_unix_utc (seconds);
      stamp = time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%S") : g_strdup ("");
      g_string_append_printf (out, "%s.%06" G_GINT64_FORMAT "Z,", stamp, micro);
      append_csv_field (out, symbol != NULL ? symbol : "");
      g_string_append_c (out, ',');
      g_string_append (out, g_ascii_formatd (price, sizeof price, "%.15g", point->price));
      g_string_append_c (out, '\n');
    }

  return g_string_free_to_bytes (out);
}
