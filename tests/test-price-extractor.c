/* Price extraction from what real servers send. */
#include "config.h"

#include "sp-market.h"
#include "sp-price-extractor.h"
#include "sp-protocol.h"

typedef struct
{
  const char *text;
  guint       n;
  const char *symbol;   /* of the first point */
  double      price;    /* of the first point */
  gint64      ts;       /* of the first point */
} Case;

static GArray *
extract (SpPriceExtractor *extractor,
         const char       *text,
         gssize            length)
{
  GArray *points = g_array_new (FALSE, FALSE, sizeof (SpPricePoint));
  guint n = sp_price_extractor_extract (extractor, text, length < 0 ? strlen (text) : (gsize) length,
                                        points);

  g_assert_cmpuint (n, ==, points->len);
  return points;
}

static void
check_cases (SpPriceExtractor *extractor,
             const Case       *cases,
             guint             n_cases)
{
  for (guint i = 0; i < n_cases; i++)
    {
      g_autoptr(GArray) points = extract (extractor, cases[i].text, -1);

      g_test_message ("%s", cases[i].text);
      g_assert_cmpuint (points->len, ==, cases[i].n);
      if (cases[i].n > 0)
        {
          SpPricePoint *point = &g_array_index (points, SpPricePoint, 0);

          g_assert_cmpstr (point->symbol, ==, cases[i].symbol);
          g_assert_cmpfloat_with_epsilon (point->price, cases[i].price, 1e-9);
          g_assert_cmpint (point->ts_us, ==, cases[i].ts);
        }
    }
}

static void
test_stockpush_frames (void)
{
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (NULL, NULL);
  g_autoptr(GArray) points = NULL;
  static const Case cases[] = {
    { "{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":299.91,\"change\":0.01,\"change_pct\":0.00,"
      "\"volume\":1534,\"seq\":1,\"ts\":1795475277034646}", 1, "ACME", 299.91, 1795475277034646 },
    { "{\"type\":\"welcome\",\"server\":\"StockPush\",\"symbols\":[\"ACME\"],\"interval_ms\":250}", 0 },
    { "{\"type\":\"pong\",\"id\":42,\"ts\":1795475277034646}", 0 },
    { "{\"type\":\"subscribed\",\"symbols\":[\"ACME\"]}", 0 },
    { "{\"type\":\"error\",\"code\":\"bad-json\",\"message\":\"price = 1\"}", 0 },
  };

  check_cases (extractor, cases, G_N_ELEMENTS (cases));

  /* The change a tick says it made since the session open comes with its price. */
  points = extract (extractor, cases[0].text, -1);
  g_assert_true (g_array_index (points, SpPricePoint, 0).has_change);
  g_assert_cmpfloat_with_epsilon (g_array_index (points, SpPricePoint, 0).change, 0.01, 1e-9);
  g_clear_pointer (&points, g_array_unref);
  points = extract (extractor, "{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":290.47,"
                               "\"change\":-9.43,\"ts\":5}", -1);
  g_assert_true (g_array_index (points, SpPricePoint, 0).has_change);
  g_assert_cmpfloat_with_epsilon (g_array_index (points, SpPricePoint, 0).change, -9.43, 1e-9);
  g_clear_pointer (&points, g_array_unref);

  /* A batch: one point per entry, in order, each with its own time. */
  points = extract (extractor,
                    "{\"type\":\"ticks\",\"ts\":100,\"ticks\":["
                    "{\"type\":\"tick\",\"symbol\":\"A\",\"price\":1.5,\"ts\":90},"
                    "{\"type\":\"tick\",\"symbol\":\"B\",\"price\":2},"
                    "{\"type\":\"tick\",\"symbol\":\"C\",\"price\":\"3.25\",\"ts\":95}]}", -1);
  g_assert_cmpuint (points->len, ==, 3);
  g_assert_cmpstr (g_array_index (points, SpPricePoint, 0).symbol, ==, "A");
  g_assert_cmpint (g_array_index (points, SpPricePoint, 0).ts_us, ==, 90);
  g_assert_cmpstr (g_array_index (points, SpPricePoint, 1).symbol, ==, "B");
  g_assert_cmpfloat (g_array_index (points, SpPricePoint, 1).price, ==, 2.0);
  g_assert_cmpint (g_array_index (points, SpPricePoint, 1).ts_us, ==, 100);
  g_assert_cmpfloat (g_array_index (points, SpPricePoint, 2).price, ==, 3.25);
  /* Ticks without one say so: no change is made up. */
  g_assert_false (g_array_index (points, SpPricePoint, 0).has_change);
}

static void
test_text (void)
{
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (NULL, NULL);
  static const Case cases[] = {
    { "price = 299.9", 1, "", 299.9, 0 },
    { "price = 299.90", 1, "", 299.9, 0 },
    { "299.9", 1, "", 299.9, 0 },
    { "  42 \n", 1, "", 42, 0 },
    { "-3.5", 1, "", -3.5, 0 },
    { "1.5e3", 1, "", 1500, 0 },
    { "ACME last 12.50 USD", 1, "", 12.5, 0 },
    { "BTC: 27123.4", 1, "", 27123.4, 0 },
    { "H2O costs 3.10", 1, "", 3.1, 0 },
    { "bid 1.10 ask 1.20", 0 },
    { "no numbers here", 0 },
    { "", 0 },
    { "nan", 0 },
    { "inf", 0 },
  };

  check_cases (extractor, cases, G_N_ELEMENTS (cases));

  /* A bare price says nothing of the session's open. */
  {
    g_autoptr(GArray) points = extract (extractor, "price = 299.9", -1);

    g_assert_false (g_array_index (points, SpPricePoint, 0).has_change);
  }
}

static void
test_json_detection (void)
{
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (NULL, NULL);
  static const Case cases[] = {
    { "{\"s\":\"BTCUSDT\",\"p\":\"27123.45\"}", 1, "BTCUSDT", 27123.45, 0 },
    { "{\"ticker\":\"AAPL\",\"last\":189.5}", 1, "AAPL", 189.5, 0 },
    { "{\"symbol\":\"X\",\"close\":7}", 1, "X", 7, 0 },
    { "{\"product_id\":\"ETH-USD\",\"price\":\"1800.01\"}", 1, "ETH-USD", 1800.01, 0 },
    { "{\"stream\":\"btcusdt@ticker\",\"data\":{\"s\":\"BTCUSDT\",\"c\":\"27000.5\"}}", 1,
      "BTCUSDT", 27000.5, 0 },
    { "{\"value\":3}", 1, "", 3, 0 },
    { "{\"price\":\"abc\"}", 0 },
    { "{\"hello\":\"world\"}", 0 },
    { "{}", 0 },
    { "[]", 0 },
    { "[{\"s\":\"A\",\"p\":1},{\"s\":\"B\",\"p\":2}]", 2, "A", 1, 0 },
    /* A tick after a long list of numbers is found wherever it is. */
    { "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,{\"price\":105.5}]", 1, "", 105.5, 0 },
    { "{\"p\":1", 0 },
  };

  check_cases (extractor, cases, G_N_ELEMENTS (cases));
}

static void
test_paths (void)
{
  g_autoptr(SpPriceExtractor) nested = sp_price_extractor_new ("data.price", "data.sym");
  g_autoptr(SpPriceExtractor) indexed = sp_price_extractor_new ("data.0.p", "data.0.s");
  g_autoptr(SpPriceExtractor) plain = sp_price_extractor_new ("c", NULL);
  static const Case nested_cases[] = {
    { "{\"data\":{\"price\":5.5,\"sym\":\"Q\",\"last\":1}}", 1, "Q", 5.5, 0 },
    { "{\"data\":{\"last\":1}}", 0 },
    { "{\"price\":2}", 0 },
    /* With an explicit path, plain text is not guessed at. */
    { "price = 3", 0 },
  };
  static const Case indexed_cases[] = {
    { "{\"data\":[{\"p\":\"9.75\",\"s\":\"Z\"},{\"p\":1}]}", 1, "Z", 9.75, 0 },
    { "{\"data\":[]}", 0 },
    { "{\"data\":{\"0\":{\"p\":4}}}", 1, "", 4, 0 },
  };
  static const Case plain_cases[] = {
    { "{\"c\":\"11\",\"s\":\"S\",\"price\":99}", 1, "S", 11, 0 },
  };

  check_cases (nested, nested_cases, G_N_ELEMENTS (nested_cases));
  check_cases (indexed, indexed_cases, G_N_ELEMENTS (indexed_cases));
  check_cases (plain, plain_cases, G_N_ELEMENTS (plain_cases));
}

/* Paths with every element ("[]"), positions ("[1]"), and a symbol inside
 * another field ("~"); each trade of a message on its own symbol. */
static void
test_array_paths (void)
{
  g_autoptr(SpPriceExtractor) trades = sp_price_extractor_new ("data[].p", "data[].s");
  g_autoptr(SpPriceExtractor) positional = sp_price_extractor_new ("[1].c[0]", "[3]");
  g_autoptr(SpPriceExtractor) channel = sp_price_extractor_new ("data.price",
                                                                 "channel~live_trades_(.+)");
  g_autoptr(SpPriceExtractor) outer = sp_price_extractor_new ("data[].last", "arg.instId");
  g_autoptr(GError) error = NULL;
  static const Case trade_cases[] = {
    { "{\"data\":[{\"p\":1.5,\"s\":\"A\"},{\"p\":\"2.5\",\"s\":\"B\"},{\"s\":\"C\"}]}", 2, "A", 1.5, 0 },
    { "{\"data\":{\"p\":3}}", 0 },
  };
  static const Case positional_cases[] = {
    { "[7,{\"c\":[\"43012.5\",\"0.1\"]},\"ticker\",\"XBT/USD\"]", 1, "XBT/USD", 43012.5, 0 },
    { "{\"event\":\"heartbeat\"}", 0 },
  };
  static const Case channel_cases[] = {
    { "{\"channel\":\"live_trades_ethusd\",\"data\":{\"price\":2250}}", 1, "ethusd", 2250, 0 },
    { "{\"channel\":\"order_book_ethusd\",\"data\":{\"price\":1}}", 1, "", 1, 0 },
  };
  static const Case outer_cases[] = {
    { "{\"arg\":{\"instId\":\"BTC-USDT\"},\"data\":[{\"last\":\"5\"},{\"last\":\"6\"}]}", 2,
      "BTC-USDT", 5, 0 },
  };

  check_cases (trades, trade_cases, G_N_ELEMENTS (trade_cases));
  check_cases (positional, positional_cases, G_N_ELEMENTS (positional_cases));
  check_cases (channel, channel_cases, G_N_ELEMENTS (channel_cases));
  check_cases (outer, outer_cases, G_N_ELEMENTS (outer_cases));
  {
    g_autoptr(GArray) points = extract (trades, trade_cases[0].text, -1);

    g_assert_cmpstr (g_array_index (points, SpPricePoint, 1).symbol, ==, "B");
    g_assert_cmpfloat (g_array_index (points, SpPricePoint, 1).price, ==, 2.5);
    g_assert_cmpstr (sp_price_extractor_get_description (trades), ==,
                     "price from data[].p, symbol from data[].s");
  }

  /* What cannot be read is told how to write it. */
  g_assert_true (sp_price_extractor_check_paths ("data[].p", "[3]", NULL));
  g_assert_true (sp_price_extractor_check_paths (NULL, "", NULL));
  g_assert_false (sp_price_extractor_check_paths ("data[", NULL, &error));
  g_assert_nonnull (strstr (error->message, "“[” is not closed"));
  g_clear_error (&error);
  g_assert_false (sp_price_extractor_check_paths ("a..b", NULL, &error));
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);
  g_assert_false (sp_price_extractor_check_paths ("[x]", NULL, &error));
  g_assert_nonnull (strstr (error->message, "data[].p"));
  g_clear_error (&error);
  g_assert_false (sp_price_extractor_check_paths (NULL, "channel~(", &error));
  g_assert_nonnull (strstr (error->message, "pattern"));
}

/* Detection, told only the price, finds the symbol beside it. */
static void
test_detection_explained (void)
{
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (NULL, NULL);
  g_autoptr(GArray) points = NULL;

  g_assert_null (sp_price_extractor_get_description (extractor));
  points = extract (extractor, "{\"data\":[{\"p\":7296.89,\"s\":\"BINANCE:BTCUSDT\",\"v\":0.011}]}", -1);
  g_assert_cmpuint (points->len, ==, 1);
  g_assert_cmpstr (sp_price_extractor_get_description (extractor), ==,
                   "price from data[].p, symbol from data[].s");
  g_clear_pointer (&points, g_array_unref);
  points = extract (extractor, "price = 299.9", -1);
  g_assert_cmpstr (sp_price_extractor_get_description (extractor), ==,
                   "the number in each text message");
}

static void
test_hostile_input (void)
{
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (NULL, NULL);
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autoptr(GArray) points = NULL;
  static const char invalid_utf8[] = "price = \xff\xfe 12";
  static const char binary[] = { 0, 1, 2, '1', '2', 0 };

  for (guint i = 0; i < 10000; i++)
    g_string_append_c (deep, '[');
  points = extract (extractor, deep->str, deep->len);
  g_assert_cmpuint (points->len, ==, 0);
  g_clear_pointer (&points, g_array_unref);

  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (digits, '7');
  points = extract (extractor, digits->str, digits->len);
  g_assert_cmpuint (points->len, ==, 0);
  g_clear_pointer (&points, g_array_unref);

  points = extract (extractor, invalid_utf8, sizeof invalid_utf8 - 1);
  g_assert_cmpuint (points->len, ==, 0);
  g_clear_pointer (&points, g_array_unref);

  points = extract (extractor, binary, sizeof binary);
  g_assert_cmpuint (points->len, ==, 0);
}

static void
test_symbol_pool (void)
{
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (NULL, NULL);
  g_autoptr(GString) long_symbol = g_string_new (NULL);
  g_autofree char *message = NULL;
  g_autoptr(GArray) first = NULL;
  g_autoptr(GArray) again = NULL;
  const char *other = NULL;

  /* The same symbol is the same pooled string, valid after the call. */
  first = extract (extractor, "{\"s\":\"ACME\",\"p\":1}", -1);
  again = extract (extractor, "{\"s\":\"ACME\",\"p\":2}", -1);
  g_assert_true (g_array_index (first, SpPricePoint, 0).symbol ==
                 g_array_index (again, SpPricePoint, 0).symbol);

  /* Long names are cut, on a character boundary. */
  for (guint i = 0; i < 40; i++)
    g_string_append (long_symbol, "é");
  message = g_strdup_printf ("{\"s\":\"%s\",\"p\":1}", long_symbol->str);
  {
    g_autoptr(GArray) points = extract (extractor, message, -1);
    const char *symbol = g_array_index (points, SpPricePoint, 0).symbol;

    g_assert_cmpuint (strlen (symbol), <=, 64);
    g_assert_true (g_utf8_validate (symbol, -1, NULL));
    g_assert_true (g_str_has_prefix (long_symbol->str, symbol));
  }

  /* A stream inventing endless symbols cannot grow the pool without bound. */
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"s\":\"S%u\",\"p\":%u}", i, i + 1);
      g_autoptr(GArray) points = extract (extractor, text, -1);

      g_assert_cmpuint (points->len, ==, 1);
      if (i == 9999)
        other = g_array_index (points, SpPricePoint, 0).symbol;
    }
  g_assert_cmpstr (other, ==, "(other)");
}

/* The server's own frames take a shortcut past the JSON parser: it must
 * find exactly what the parser finds, for single ticks and batches, symbols
 * that need escaping included (those take the parser's road). */
static void
test_fast_path_agrees (void)
{
  const char *symbols[] = { "ACME", "GLOBEX=0.01", "A\"B", "X\\Y=1234567.89", "Ü-TF8", NULL };
  g_autoptr(SpMarket) market = sp_market_new (symbols, 9, NULL);
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (NULL, NULL);

  g_assert_nonnull (market);
  for (guint step = 0; step < 200; step++)
    {
      g_autoptr(GPtrArray) ticks = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GString) batch = g_string_new (NULL);
      g_autoptr(GString) spaced = NULL;
      g_autoptr(GArray) fast = NULL;
      g_autoptr(GArray) slow = NULL;
      gint64 ts = G_GINT64_CONSTANT (1795521600000000) + step;

      sp_market_step (market, 0.25);
      for (guint i = 0; i < sp_market_get_n_symbols (market); i++)
        {
          GString *tick = g_string_new (NULL);

          sp_protocol_append_tick (tick, sp_market_get_quote (market, i), ts);
          g_ptr_array_add (ticks, g_string_free (tick, FALSE));
        }
      g_ptr_array_add (ticks, NULL);
      sp_protocol_append_batch (batch, ts, (const char * const *) ticks->pdata, ticks->len - 1);

      /* A space after the brace keeps the shortcut out: the parser's answer. */
      spaced = g_string_new (batch->str);
      g_string_insert_c (spaced, 1, ' ');
      fast = extract (extractor, batch->str, batch->len);
      slow = extract (extractor, spaced->str, spaced->len);
      g_assert_cmpuint (fast->len, ==, 5);
      g_assert_cmpuint (slow->len, ==, fast->len);
      for (guint i = 0; i < fast->len; i++)
        {
          SpPricePoint *a = &g_array_index (fast, SpPricePoint, i);
          SpPricePoint *b = &g_array_index (slow, SpPricePoint, i);

          g_assert_cmpstr (a->symbol, ==, b->symbol);
          g_assert_cmpfloat (a->price, ==, b->price);
          g_assert_cmpint (a->ts_us, ==, b->ts_us);
          /* The tick's own change against the session open, read both ways. */
          g_assert_true (a->has_change);
          g_assert_true (b->has_change);
          g_assert_cmpfloat (a->change, ==, b->change);
          g_assert_cmpfloat_with_epsilon (a->change, sp_market_get_quote (market, i)->change_cents / 100.0,
                                          1e-9);
        }

      /* And one tick alone. */
      {
        g_autoptr(GArray) one = extract (extractor, ticks->pdata[0], strlen (ticks->pdata[0]));
        g_autofree char *spaced_one = g_strconcat ("{ ", (char *) ticks->pdata[0] + 1, NULL);
        g_autoptr(GArray) parsed = extract (extractor, spaced_one, strlen (spaced_one));

        g_assert_cmpuint (one->len, ==, 1);
        g_assert_cmpuint (parsed->len, ==, 1);
        g_assert_cmpstr (g_array_index (one, SpPricePoint, 0).symbol, ==, "ACME");
        g_assert_cmpfloat (g_array_index (one, SpPricePoint, 0).price, ==,
                           g_array_index (parsed, SpPricePoint, 0).price);
      }
    }

  /* Near misses go to the parser and still work, or yield nothing. */
  {
    const char *near[] = {
      "{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":1.5,\"ts\":7}",
      "{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":1.5,\"ts\":7} ",
      "{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":1.5,\"ts\":7,\"extra\":1}",
      "{\"type\":\"ticks\",\"ts\":7,\"ticks\":[{\"type\":\"tick\",\"symbol\":\"ACME\",\"price\":1.5,\"ts\":7}]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (near); i++)
      {
        g_autoptr(GArray) points = extract (extractor, near[i], strlen (near[i]));

        g_assert_cmpuint (points->len, ==, 1);
        g_assert_cmpfloat (g_array_index (points, SpPricePoint, 0).price, ==, 1.5);
        g_assert_cmpint (g_array_index (points, SpPricePoint, 0).ts_us, ==, 7);
      }
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/price-extractor/stockpush-frames", test_stockpush_frames);
  g_test_add_func ("/price-extractor/fast-path-agrees", test_fast_path_agrees);
  g_test_add_func ("/price-extractor/text", test_text);
  g_test_add_func ("/price-extractor/json-detection", test_json_detection);
  g_test_add_func ("/price-extractor/paths", test_paths);
  g_test_add_func ("/price-extractor/array-paths", test_array_paths);
  g_test_add_func ("/price-extractor/detection-explained", test_detection_explained);
  g_test_add_func ("/price-extractor/hostile-input", test_hostile_input);
  g_test_add_func ("/price-extractor/symbol-pool", test_symbol_pool);

  return g_test_run ();
}
