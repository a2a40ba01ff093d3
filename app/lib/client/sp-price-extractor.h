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
} SpPricePoint;

typedef struct _SpPriceExtractor SpPriceExtractor;

/* @price_path / @symbol_path: dot-separated member names and array indices
 * ("p", "data.price", "data.0.c"); NULL or "" for automatic detection. */
SpPriceExtractor *sp_price_extractor_new     (const char        *price_path,
                                              const char        *symbol_path);
void              sp_price_extractor_free    (SpPriceExtractor  *self);

/* Appends every price found in @text to @points (an array of SpPricePoint)
 * and returns how many it appended; 0 is a normal answer, never an error. */
guint             sp_price_extractor_extract (SpPriceExtractor  *self,
                                              const char        *text,
                                              gsize              length,
                                              GArray            *points);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpPriceExtractor, sp_price_extractor_free)

G_END_DECLS
