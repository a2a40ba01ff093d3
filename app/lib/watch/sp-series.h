/* A bounded price history for one symbol, made for drawing: points in time
 * order, gaps where the stream was down, and range summaries whose cost does
 * not grow with the number of points (a two-level min/max pyramid). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 t_us;   /* µs since the epoch, never decreasing along a series */
  double price;
  gint64 ref;    /* what the point came from (the viewer: its message's arrival time); 0: none */
} SpSeriesPoint;

/* What a run of points did: first, last, lowest and highest price. */
typedef struct
{
  guint  count;
  double first;
  double last;
  double min;
  double max;
  gint64 t_first;
  gint64 t_last;
} SpSeriesSummary;

typedef struct _SpSeries SpSeries;

#define SP_TYPE_SERIES (sp_series_get_type ())

GType                sp_series_get_type      (void) G_GNUC_CONST;
/* @capacity: points kept; the oldest leave in blocks once it is exceeded. */
SpSeries            *sp_series_new           (guint                  capacity);
SpSeries            *sp_series_ref           (SpSeries              *self);
void                 sp_series_unref         (SpSeries              *self);

void                 sp_series_set_capacity  (SpSeries              *self,
                                              guint                  capacity);
guint                sp_series_get_capacity  (SpSeries              *self);
void                 sp_series_clear         (SpSeries              *self);

/* A time earlier than the last point's is moved up to it, so the series stays sorted. */
void                 sp_series_append        (SpSeries              *self,
                                              gint64                 t_us,
                                              double                 price);
void                 sp_series_append_full   (SpSeries              *self,
                                              gint64                 t_us,
                                              double                 price,
                                              gint64                 ref);
/* The index of the last point whose ref is at most @ref (refs never decrease
 * along a series), or -1. */
int                  sp_series_find_ref      (SpSeries              *self,
                                              gint64                 ref);
/* The stream stopped at @t_us: the next point starts a new segment, and the
 * time between is drawn as a gap. Marking twice without points in between is one gap. */
void                 sp_series_mark_gap      (SpSeries              *self,
                                              gint64                 t_us);
/* Nothing was missed after all (the stream recovered what it missed): the
 * gap still open, with no point after it, is taken back. Whether there was one. */
gboolean             sp_series_cancel_gap    (SpSeries              *self);

guint                sp_series_get_length    (SpSeries              *self);
/* @index counts from the oldest point still kept. */
const SpSeriesPoint *sp_series_get_point     (SpSeries              *self,
                                              guint                  index);
/* Points ever appended, including those dropped since: a stable identity for a
 * point is sp_series_get_first_serial() + index. */
guint64              sp_series_get_first_serial (SpSeries           *self);
guint64              sp_series_get_generation (SpSeries             *self);

/* The index of the first point at or after @t_us (the length when none is). */
guint                sp_series_lower_bound   (SpSeries              *self,
                                              gint64                 t_us);
/* Summarises points [@begin, @end); FALSE (and count 0) when the range is empty. */
gboolean             sp_series_summarize     (SpSeries              *self,
                                              guint                  begin,
                                              guint                  end,
                                              SpSeriesSummary       *summary);

/* Gaps: each starts where the stream stopped and ends at the first point after it
 * (G_MAXINT64 while the stream is still down). @index is the first point after it. */
guint                sp_series_get_n_gaps    (SpSeries              *self);
void                 sp_series_get_gap       (SpSeries              *self,
                                              guint                  i,
                                              gint64                *t_start,
                                              gint64                *t_end,
                                              guint                 *index);
/* Whether a gap lies between point @index - 1 and point @index. */
gboolean             sp_series_gap_before    (SpSeries              *self,
                                              guint                  index);

/* The series as CSV ("time,symbol,price", ISO 8601 UTC with microseconds). */
GBytes              *sp_series_to_csv        (SpSeries              *self,
                                              const char            *symbol);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpSeries, sp_series_unref)

G_END_DECLS
