/* Finds prices in whatever a stream sends: StockPush ticks and batches, the original
 * demo's "price = 299.9", a bare number, text holding one number, or any JSON
 * object through a configurable field path with automatic detection of common names. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *symbol;  /* owned by the extractor, valid for its lifetime; "" when the message names none */
  double      price;
  gint64      ts_us;   /* the sender's time (µs since the epoch) when the message says it, else 0 */
  gboolean    has_change;
  double      change;  /* price − the session's open, when the message says it (StockPush
                        * ticks' "change"); else has_change is FALSE and this 0 */
} SpPricePoint;

typedef struct _SpPriceExtractor SpPriceExtractor;

/* @price_path / @symbol_path: field paths as sp-json-path.h reads them ("p",
 * "data.price", "data[].p", "[1].c[0]"); NULL or "" to detect them from the
 * messages. Every price a message holds is a point, each with its own symbol. */
SpPriceExtractor *sp_price_extractor_new     (const char        *price_path,
                                              const char        *symbol_path);
void              sp_price_extractor_free    (SpPriceExtractor  *self);
/* Whether the paths can be read, with an error that says how to write them.
 * @symbol_path may end in "~PATTERN": the symbol is what the pattern's first
 * group (or whole match) finds in that field, as in "channel~live_trades_(.+)". */
gboolean          sp_price_extractor_check_paths (const char    *price_path,
                                                  const char    *symbol_path,
                                                  GError       **error);
/* How the last prices were found, in words ("price from data[].p, symbol
 * from data[].s"); NULL before any. */
const char       *sp_price_extractor_get_description (SpPriceExtractor *self);

/* Appends every price found in @text to @points (an array of SpPricePoint)
 * and returns how many it appended; 0 is a normal answer, never an error. */
guint             sp_price_extractor_extract (SpPriceExtractor  *self,
                                              const char        *text,
                                              gsize              length,
                                              GArray            *points);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpPriceExtractor, sp_price_extractor_free)

G_END_DECLS
