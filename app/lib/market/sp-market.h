/* A simulated market: a few symbols, each a geometric Brownian motion, reproducible from a seed. */
#pragma once

#include <glib.h>

#include "sp-quote.h"

G_BEGIN_DECLS

#define SP_MARKET_MAX_SYMBOLS    64
#define SP_MARKET_MAX_SYMBOL_LEN 32


typedef struct _SpMarket SpMarket;

/* @symbols: NULL for the defaults, else entries "NAME" or "NAME=PRICE". */
SpMarket      *sp_market_new              (const char * const *symbols,
                                           guint64             seed,
                                           GError            **error);
void           sp_market_free             (SpMarket           *self);
guint          sp_market_get_n_symbols    (SpMarket           *self);
const char    *sp_market_get_symbol       (SpMarket           *self,
                                           guint               index);
int            sp_market_find_symbol      (SpMarket           *self,
                                           const char         *symbol);
const SpQuote *sp_market_get_quote        (SpMarket           *self,
                                           guint               index);
double         sp_market_get_exact_price  (SpMarket           *self,
                                           guint               index);
void           sp_market_get_parameters   (SpMarket           *self,
                                           guint               index,
                                           double             *drift_per_hour,
                                           double             *volatility_per_hour);
void           sp_market_step             (SpMarket           *self,
                                           double              dt_seconds);

const char * const *sp_market_default_symbols (void);

/* The names of @symbols (NULL: the defaults), checked as sp_market_new()
 * checks them, without a market. */
char         **sp_market_list_names        (const char * const *symbols,
                                            GError            **error);

/* Splits "A,B=12.5, C" into validated entries; an error names the bad one. */
char         **sp_market_parse_symbol_list (const char         *list,
                                            GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpMarket, sp_market_free)

G_END_DECLS
