/* The simulated market: reproducible, positive, statistically what it claims to be. */
#include "config.h"

#include <math.h>

#include "sp-error.h"
#include "sp-market.h"

static void
test_defaults (void)
{
  g_autoptr(SpMarket) market = sp_market_new (NULL, 1, NULL);
  const char * const *names = sp_market_default_symbols ();

  g_assert_nonnull (market);
  g_assert_cmpuint (sp_market_get_n_symbols (market), ==, 5);
  g_assert_cmpuint (g_strv_length ((char **) names), ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (sp_market_get_symbol (market, i), ==, names[i]);

  /* ACME opens where the original demo's price was. */
  g_assert_cmpint (sp_market_find_symbol (market, "ACME"), ==, 0);
  g_assert_cmpint (sp_market_get_quote (market, 0)->price_cents, ==, 29990);
  g_assert_cmpint (sp_market_get_quote (market, 0)->open_cents, ==, 29990);
  g_assert_cmpint (sp_market_get_quote (market, 0)->seq, ==, 0);
  g_assert_cmpint (sp_market_find_symbol (market, "NOPE"), ==, -1);

  /* Each default symbol moves in its own way. */
  for (guint i = 1; i < 5; i++)
    {
      double v0, vi, d0, di;

      sp_market_get_parameters (market, 0, &d0, &v0);
      sp_market_get_parameters (market, i, &di, &vi);
      g_assert_true (v0 != vi || d0 != di);
      g_assert_cmpfloat (vi, >, 0);
    }
}

static void
test_same_seed_same_path (void)
{
  g_autoptr(SpMarket) a = sp_market_new (NULL, 42, NULL);
  g_autoptr(SpMarket) b = sp_market_new (NULL, 42, NULL);
  g_autoptr(SpMarket) c = sp_market_new (NULL, 43, NULL);
  gboolean differs = FALSE;

  for (guint step = 0; step < 10000; step++)
    {
      sp_market_step (a, 0.25);
      sp_market_step (b, 0.25);
      sp_market_step (c, 0.25);
      for (guint i = 0; i < 5; i++)
        {
          g_assert_cmpfloat (sp_market_get_exact_price (a, i), ==, sp_market_get_exact_price (b, i));
          g_assert_cmpint (sp_market_get_quote (a, i)->volume, ==, sp_market_get_quote (b, i)->volume);
          differs |= sp_market_get_exact_price (a, i) != sp_market_get_exact_price (c, i);
        }
    }
  g_assert_true (differs);
}

static void
test_paths_independent_of_list (void)
{
  /* A symbol's path depends on the seed and its position, not on the others' names. */
  const char *one[] = { "ACME", "GLOBEX", NULL };
  const char *two[] = { "ACME", "ZZZ=5", NULL };
  g_autoptr(SpMarket) a = sp_market_new (one, 9, NULL);
  g_autoptr(SpMarket) b = sp_market_new (two, 9, NULL);

  for (guint step = 0; step < 1000; step++)
    {
      sp_market_step (a, 1);
      sp_market_step (b, 1);
      g_assert_cmpfloat (sp_market_get_exact_price (a, 0), ==, sp_market_get_exact_price (b, 0));
    }
}

static void
test_never_zero (void)
{
  /* A cheap, very volatile symbol over a long simulated time. */
  const char *symbols[] = { "PENNY=0.05", "UMBRELLA", NULL };
  g_autoptr(SpMarket) market = sp_market_new (symbols, 7, NULL);

  for (guint step = 0; step < 200000; step++)
    {
      sp_market_step (market, 3600);
      for (guint i = 0; i < 2; i++)
        {
          const SpQuote *quote = sp_market_get_quote (market, i);

          g_assert_cmpint (quote->price_cents, >=, 1);
          g_assert_true (isfinite (sp_market_get_exact_price (market, i)));
          g_assert_cmpfloat (sp_market_get_exact_price (market, i), >, 0);
        }
    }
}

static void
test_log_return_statistics (void)
{
  const guint n = 40000;
  const double dt_seconds = 60;
  const double dt = dt_seconds / 3600.0;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(SpMarket) m = sp_market_new (NULL, 2026 + i, NULL);
      double drift, vol, sum = 0, sum2 = 0, mean, var, expected_mean, expected_sd, se;
      double previous = sp_market_get_exact_price (m, i);

      sp_market_get_parameters (m, i, &drift, &vol);
      for (guint step = 0; step < n; step++)
        {
          double price;
          double r;

          sp_market_step (m, dt_seconds);
          price = sp_market_get_exact_price (m, i);
          r = log (price / previous);
          sum += r;
          sum2 += r * r;
          previous = price;
        }

      mean = sum / n;
      var = sum2 / n - mean * mean;
      expected_mean = (drift - vol * vol / 2) * dt;
      expected_sd = vol * sqrt (dt);
      se = expected_sd / sqrt (n);
      g_test_message ("%s: mean %.3g (expected %.3g ± %.2g), sd %.4g (expected %.4g)",
                      sp_market_get_symbol (m, i), mean, expected_mean, se, sqrt (var), expected_sd);

      /* Five standard errors for the mean; 3 % for the spread (its SE is ~0.35 % here). */
      g_assert_cmpfloat (fabs (mean - expected_mean), <, 5 * se);
      g_assert_cmpfloat (fabs (sqrt (var) / expected_sd - 1), <, 0.03);
    }
}

static void
test_quote_consistency (void)
{
  g_autoptr(SpMarket) market = sp_market_new (NULL, 5, NULL);
  guint64 last_volume[5] = { 0 };

  for (guint step = 1; step <= 5000; step++)
    {
      sp_market_step (market, 0.25);
      for (guint i = 0; i < 5; i++)
        {
          const SpQuote *quote = sp_market_get_quote (market, i);
          double exact = sp_market_get_exact_price (market, i);

          g_assert_cmpint (quote->seq, ==, step);
          g_assert_cmpint (quote->price_cents, ==, MAX (1, llround (exact * 100)));
          g_assert_cmpint (quote->change_cents, ==, quote->price_cents - quote->open_cents);
          g_assert_cmpint (quote->change_bp, ==,
                           llround (quote->change_cents * 10000.0 / quote->open_cents));
          g_assert_cmpuint (quote->volume, >, last_volume[i]);
          g_assert_cmpstr (quote->symbol, ==, sp_market_get_symbol (market, i));
          last_volume[i] = quote->volume;
        }
    }
}

static void
test_price_entries (void)
{
  const char *symbols[] = { "ACME=10.5", "NEW", "Ünï \"q\"", NULL };
  g_autoptr(SpMarket) market = sp_market_new (symbols, 1, NULL);
  g_autoptr(SpMarket) again = sp_market_new (symbols, 99, NULL);

  g_assert_nonnull (market);
  g_assert_cmpint (sp_market_get_quote (market, 0)->price_cents, ==, 1050);
  g_assert_cmpstr (sp_market_get_symbol (market, 2), ==, "Ünï \"q\"");
  /* An unknown name gets a starting price of its own, the same every time. */
  g_assert_cmpint (sp_market_get_quote (market, 1)->price_cents, ==,
                   sp_market_get_quote (again, 1)->price_cents);
  g_assert_cmpint (sp_market_get_quote (market, 1)->price_cents, >=, 2000);
}

static void
test_bad_entries (void)
{
  static const struct { const char *list; const char *mention; } cases[] = {
    { "ACME,,GLOBEX", "empty" },
    { "A,A", "A" },
    { "ACME=abc", "ACME=abc" },
    { "ACME=-1", "ACME=-1" },
    { "ACME=0", "ACME=0" },
    { "ACME=1e12", "ACME=1e12" },
    { "THIS_NAME_IS_MUCH_TOO_LONG_FOR_A_SYMBOL", "at most" },
    { "TAB\tX", "control" },
    { "=5", "name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) parsed = sp_market_parse_symbol_list (cases[i].list, &error);

      g_test_message ("%s → %s", cases[i].list, error ? error->message : "(accepted)");
      g_assert_null (parsed);
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].mention));
    }

  {
    g_autoptr(GString) many = g_string_new ("S0");
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) parsed = NULL;

    for (guint i = 1; i <= SP_MARKET_MAX_SYMBOLS; i++)
      g_string_append_printf (many, ",S%u", i);
    parsed = sp_market_parse_symbol_list (many->str, &error);
    g_assert_null (parsed);
    g_assert_nonnull (strstr (error->message, "at most"));
  }

  {
    const char *invalid[] = { "OK", "\xff\xfe", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(SpMarket) market = sp_market_new (invalid, 1, &error);

    g_assert_null (market);
    g_assert_nonnull (strstr (error->message, "UTF-8"));
  }
}

static void
test_parse_list (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parsed = sp_market_parse_symbol_list ("  ACME , GLOBEX=12.50,Z ", &error);

  g_assert_no_error (error);
  g_assert_cmpstrv (parsed, ((const char *[]) { "ACME", "GLOBEX=12.50", "Z", NULL }));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/market/defaults", test_defaults);
  g_test_add_func ("/market/same-seed-same-path", test_same_seed_same_path);
  g_test_add_func ("/market/paths-independent-of-list", test_paths_independent_of_list);
  g_test_add_func ("/market/never-zero", test_never_zero);
  g_test_add_func ("/market/log-return-statistics", test_log_return_statistics);
  g_test_add_func ("/market/quote-consistency", test_quote_consistency);
  g_test_add_func ("/market/price-entries", test_price_entries);
  g_test_add_func ("/market/bad-entries", test_bad_entries);
  g_test_add_func ("/market/parse-list", test_parse_list);

  return g_test_run ();
}
