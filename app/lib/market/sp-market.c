/* A simulated market: each symbol a geometric Brownian motion with its own seeded generator. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sp-market.h"

#include <math.h>
#include <string.h>

#include "sp-error.h"

typedef struct
{
  char   *name;
  double  price;        /* exact, never <= MIN_PRICE */
  double  drift;        /* per hour */
  double  volatility;   /* per √hour */
  GRand  *rand;
  SpQuote quote;
} Symbol;

struct _SpMarket
{
  Symbol *symbols;
  guint   n_symbols;
};

#define MIN_PRICE 0.01
#define MAX_PRICE 1e9

static const struct
{
  const char *name;
  double      price;
  double      drift;
  double      volatility;
} defaults[] = {
  { "ACME",     299.90, 0.02,  0.06 },
  { "GLOBEX",   142.35, 0.01,  0.05 },
  { "INITECH",   48.12, -0.01, 0.09 },
  { "HOOLI",    812.40, 0.03,  0.07 },
  { "UMBRELLA",  23.77, 0.00,  0.12 },
};

const char * const *
sp_market_default_symbols (void)
{
  static const char * const names[] = { "ACME", "GLOBEX", "INITECH", "HOOLI", "UMBRELLA", NULL };

  return names;
}

static gboolean
validate_name (const char  *entry,
               const char  *name,
               gsize        length,
               GError     **error)
{
  const char *end;

  if (length == 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s”: a symbol needs a name"), entry);
      return FALSE;
    }
  if (length > SP_MARKET_MAX_SYMBOL_LEN)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s”: a symbol name has at most %d bytes"), entry, SP_MARKET_MAX_SYMBOL_LEN);
      return FALSE;
    }
  if (!g_utf8_validate_len (name, length, &end))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("A symbol name is not valid UTF-8"));
      return FALSE;
    }
  for (const char *p = name; p < name + length; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == ',' || c == '=')
        {
          g_autofree char *shown = g_strescape (entry, NULL);

          g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                       _("“%s”: a symbol name cannot hold control characters, ‘,’ or ‘=’"), shown);
          return FALSE;
        }
    }

  return TRUE;
}

/* Splits "NAME" or "NAME=PRICE"; *price is 0 when none is given. */
static char *
parse_entry (const char  *entry,
             double      *price,
             GError     **error)
{
  const char *eq = strchr (entry, '=');
  gsize length = eq ? (gsize) (eq - entry) : strlen (entry);

  *price = 0;

  if (!g_utf8_validate (entry, -1, NULL))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT, _("A symbol is not valid UTF-8"));
      return NULL;
    }
  if (!validate_name (entry, entry, length, error))
    return NULL;

  if (eq != NULL)
    {
      char *end = NULL;

      *price = g_ascii_strtod (eq + 1, &end);
      if (end == eq + 1 || *end != '\0' || !isfinite (*price) || *price < MIN_PRICE ||
          *price > MAX_PRICE)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                       _("“%s”: the opening price must be a number from 0.01 to 1000000000, "
                          "e.g. %.*s=299.90"), entry, (int) length, entry);
          return NULL;
        }
    }

  return g_strndup (entry, length);
}

char **
sp_market_list_names (const char * const *symbols,
                      GError            **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint n;

  if (symbols == NULL)
    symbols = sp_market_default_symbols ();

  n = g_strv_length ((char **) symbols);
  if (n == 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT, _("No symbols given"));
      return NULL;
    }
  if (n > SP_MARKET_MAX_SYMBOLS)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("%u symbols given; at most %d are supported"), n, SP_MARKET_MAX_SYMBOLS);
      return NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      double price;
      char *name = parse_entry (symbols[i], &price, error);

      if (name == NULL)
        return NULL;
      for (guint j = 0; j < names->len; j++)
        if (g_str_equal (g_ptr_array_index (names, j), name))
          {
            g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT, _("“%s” is listed twice"), name);
            g_free (name);
            return NULL;
          }
      g_ptr_array_add (names, name);
    }
  g_ptr_array_add (names, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

SpMarket *
sp_market_new (const char * const *symbols,
               guint64             seed,
               GError            **error)
{
  g_autoptr(SpMarket) self = NULL;
  g_auto(GStrv) names = sp_market_list_names (symbols, error);
  guint n;

  if (names == NULL)
    return NULL;
  if (symbols == NULL)
    symbols = sp_market_default_symbols ();
  n = g_strv_length (names);

  self = g_new0 (SpMarket, 1);
  self->symbols = g_new0 (Symbol, n);

  for (guint i = 0; i < n; i++)
    {
      Symbol *symbol = &self->symbols[i];
      double price;
      guint32 seeds[4];
      guint hash;

      /* Checked above: parsing cannot fail here. */
      symbol->name = parse_entry (symbols[i], &price, NULL);
      self->n_symbols = i + 1;

      /* Unknown names get parameters of their own, the same every time. */
      hash = g_str_hash (symbol->name);
      symbol->price = 20.0 + (hash % 48000) / 100.0;
      symbol->drift = 0.0;
      symbol->volatility = 0.06;
      for (guint j = 0; j < G_N_ELEMENTS (defaults); j++)
        if (g_str_equal (defaults[j].name, symbol->name))
          {
            symbol->price = defaults[j].price;
            symbol->drift = defaults[j].drift;
            symbol->volatility = defaults[j].volatility;
          }
      if (price > 0)
        symbol->price = price;

      /* One generator per symbol, from the seed and the position only. */
      seeds[0] = (guint32) seed;
      seeds[1] = (guint32) (seed >> 32);
      seeds[2] = i;
      seeds[3] = 0x53704d6b; /* "SpMk" */
      symbol->rand = g_rand_new_with_seed_array (seeds, G_N_ELEMENTS (seeds));

      symbol->quote.symbol = symbol->name;
      symbol->quote.price_cents = MAX (1, (gint64) llround (symbol->price * 100));
      symbol->quote.open_cents = symbol->quote.price_cents;
    }

  return g_steal_pointer (&self);
}

void
sp_market_free (SpMarket *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->n_symbols; i++)
    {
      g_free (self->symbols[i].name);
      g_clear_pointer (&self->symbols[i].rand, g_rand_free);
    }
  g_free (self->symbols);
  g_free (self);
}

guint
sp_market_get_n_symbols (SpMarket *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_symbols;
}

const char *
sp_market_get_symbol (SpMarket *self,
                      guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_symbols, NULL);

  return self->symbols[index].name;
}

int
sp_market_find_symbol (SpMarket   *self,
                       const char *symbol)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (symbol != NULL, -1);

  for (guint i = 0; i < self->n_symbols; i++)
    if (g_str_equal (self->symbols[i].name, symbol))
      return (int) i;

  return -1;
}

const SpQuote *
sp_market_get_quote (SpMarket *self,
                     guint     index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_symbols, NULL);

  return &self->symbols[index].quote;
}

double
sp_market_get_exact_price (SpMarket *self,
                           guint     index)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (index < self->n_symbols, 0);

  return self->symbols[index].price;
}

void
sp_market_get_parameters (SpMarket *self,
                          guint     index,
                          double   *drift_per_hour,
                          double   *volatility_per_hour)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->n_symbols);

  if (drift_per_hour != NULL)
    *drift_per_hour = self->symbols[index].drift;
  if (volatility_per_hour != NULL)
    *volatility_per_hour = self->symbols[index].volatility;
}

/* Box–Muller; one normal deviate per call keeps each path independent of
 * how many draws other code makes. */
static double
normal (GRand *rand)
{
  double u1 = g_rand_double (rand);
  double u2 = g_rand_double (rand);

  if (u1 < 1e-300)
    u1 = 1e-300;

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

void
sp_market_step (SpMarket *self,
                double    dt_seconds)
{
  double dt;

  g_return_if_fail (self != NULL);
  g_return_if_fail (dt_seconds >= 0);

  dt = dt_seconds / 3600.0;

  for (guint i = 0; i < self->n_symbols; i++)
    {
      Symbol *symbol = &self->symbols[i];
      SpQuote *quote = &symbol->quote;
      double z = normal (symbol->rand);
      double sigma = symbol->volatility;

      symbol->price *= exp ((symbol->drift - sigma * sigma / 2) * dt + sigma * sqrt (dt) * z);
      if (!(symbol->price >= MIN_PRICE))
        symbol->price = MIN_PRICE;
      else if (symbol->price > MAX_PRICE)
        symbol->price = MAX_PRICE;

      quote->price_cents = MAX (1, (gint64) llround (symbol->price * 100));
      quote->change_cents = quote->price_cents - quote->open_cents;
      quote->change_bp = (gint64) llround (quote->change_cents * 10000.0 / quote->open_cents);
      /* Trading volume: a few lots per tick, more when the price moves more. */
      quote->volume += 100 * (1 + g_rand_int_range (symbol->rand, 0, 20)) +
                       (guint64) (fabs (z) * 500);
      quote->seq++;
    }
}

char **
sp_market_parse_symbol_list (const char  *list,
                             GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;
  g_autoptr(SpMarket) check = NULL;

  g_return_val_if_fail (list != NULL, NULL);

  parts = g_strsplit (list, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] == '\0')
        {
          g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                               _("An empty symbol name in the list; separate names with single "
                                  "commas, e.g. ACME,GLOBEX"));
          return NULL;
        }
      g_strv_builder_add (builder, parts[i]);
    }

  result = g_strv_builder_end (builder);
  if (result[0] == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("No symbols given; list at least one, e.g. ACME,GLOBEX"));
      return NULL;
    }

  /* Every other rule is the market's own. */
  check = sp_market_new ((const char * const *) result, 0, error);
  if (check == NULL)
    return NULL;

  return g_steal_pointer (&result);
}
