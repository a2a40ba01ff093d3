/* How the price extractor reads a feed it was told nothing about: it looks at
 * every field of each message as a person would (a price is a positive
 * number that stays near a level, named like "last" or "price" rather than
 * "change", "size" or "time"; a symbol is a short stable text, named like
 * "symbol", or a pair in a positional array, or part of a channel name), and
 * remembers what the first messages showed. Internal to the extractor; the
 * thread that owns it. */
#pragma once

#include "sp-json-path.h"

G_BEGIN_DECLS

typedef struct
{
  SpJsonPath *price;
  SpJsonPath *symbol;            /* NULL: the messages name none */
  gboolean    symbol_from_name;  /* @symbol is a channel or topic name holding the symbol */
} SpPriceRule;

typedef struct _SpPriceDetector SpPriceDetector;

SpPriceDetector   *_sp_price_detector_new       (void);
void               _sp_price_detector_free      (SpPriceDetector *self);
/* What reads @root, from this message and those before; NULL when it holds
 * no price. Valid until the next call. */
const SpPriceRule *_sp_price_detector_observe   (SpPriceDetector *self,
                                                 JsonNode        *root);
/* Only the symbol, for a price read by a configured @price path. */
const SpPriceRule *_sp_price_detector_symbol_for (SpPriceDetector *self,
                                                  JsonNode        *root,
                                                  const SpJsonPath *price);
/* A number, or a string that is exactly one ("43012.50"); in sp-price-extractor.c. */
gboolean           _sp_price_node_number        (JsonNode        *node,
                                                 double          *value);
/* The symbol in a channel or topic name ("live_trades_btcusd" → "btcusd",
 * "tickers.BTCUSDT" → "BTCUSDT"), or NULL. */
char              *_sp_price_symbol_from_name   (const char      *name);

G_END_DECLS
