/* The live chart's pacing: which range it shows and when that range moves. */
#include "config.h"

#include <math.h>

#include "sp-redraw-pace.h"

/* The smallest of min_span × 1.25ⁿ that holds @elapsed: the same steps for
 * every draw, so the range changes only when the stream outgrows one. */
static gint64
grown_span (gint64 elapsed,
            gint64 min_span)
{
  double span = (double) MAX (min_span, 1);

  while (span < (double) elapsed)
    span *= SP_REDRAW_GROWTH;

  return (gint64) ceil (span);
}

gboolean
sp_redraw_pace_live_range (gint64    now_us,
                           gboolean  has_points,
                           gint64    first_us,
                           gint64    last_us,
                           gint64    span_us,
                           gint64    min_span_us,
                           gint64   *start_us,
                           gint64   *end_us)
{
  gint64 end = has_points ? MAX (now_us, last_us) : now_us;
  gint64 min_span = span_us > 0 ? MIN (min_span_us, span_us) : min_span_us;
  gint64 grown;

  /* Nothing yet, or a stream older than the span: the last span up to now. */
  if (!has_points || (span_us > 0 && end - first_us >= span_us))
    {
      *end_us = end;
      *start_us = end - (has_points ? span_us : min_span);
      return TRUE;
    }

  grown = grown_span (end - first_us, min_span);
  if (span_us > 0)
    grown = MIN (grown, span_us);
  *start_us = first_us;
  *end_us = first_us + grown;
  return FALSE;
}

gint64
sp_redraw_pace_next_change (gboolean sliding,
                            gint64   drawn_us,
                            gint64   start_us,
                            gint64   end_us,
                            double   width_px)
{
  if (!sliding)
    return end_us + SP_REDRAW_LAZY_US;
  if (width_px < 1)
    return drawn_us;

  return drawn_us + (gint64) ceil ((double) (end_us - start_us) / width_px);
}
