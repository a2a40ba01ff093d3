/* The message view's layout of JSON: numbers and strings exactly as received,
 * and each value's path as the price extractor reads it. */
#include "config.h"

#include <string.h>

#include "sp-json-pretty.h"
#include "sp-price-extractor.h"

static char *
lay_out (const char  *text,
         GArray     **spans)
{
  return sp_json_pretty (text, strlen (text), spans);
}

static void
test_numbers_kept (void)
{
  g_autofree char *pretty = lay_out ("{\"price\":297.70,\"change\":-2.2,\"big\":12393906104898154338,"
                                     "\"e\":1.5e-7,\"s\":\"caf\\u00e9 \\\"q\\\"\"}", NULL);

  g_assert_cmpstr (pretty, ==,
                   "{\n"
                   "  \"price\": 297.70,\n"
                   "  \"change\": -2.2,\n"
                   "  \"big\": 12393906104898154338,\n"
                   "  \"e\": 1.5e-7,\n"
                   "  \"s\": \"caf\\u00e9 \\\"q\\\"\"\n"
                   "}");
}

static void
test_nesting (void)
{
  g_autofree char *pretty = lay_out (" [ {\"a\" : [ ] , \"b\":{}}, [1, true, null] ] ", NULL);

  g_assert_cmpstr (pretty, ==,
                   "[\n"
                   "  {\n"
                   "    \"a\": [],\n"
                   "    \"b\": {}\n"
                   "  },\n"
                   "  [\n"
                   "    1,\n"
                   "    true,\n"
                   "    null\n"
                   "  ]\n"
                   "]");
}

static void
test_not_json (void)
{
  static const char *texts[] = { "", "price = 299.9", "299.9", "\"text\"", "{\"a\":", "{\"a\":1}x",
                                 "[1,]", "{'a':1}" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_assert_null (lay_out (texts[i], NULL));
}

/* The path of the span around @needle's first occurrence in @pretty. */
static const char *
path_at (const char *pretty,
         GArray     *spans,
         const char *needle)
{
  const char *at = strstr (pretty, needle);
  const SpJsonSpan *span;

  g_assert_nonnull (at);
  span = sp_json_spans_find (spans, at - pretty);
  return span != NULL ? span->path : NULL;
}

static void
test_paths (void)
{
  const char *finnhub = "{\"data\":[{\"p\":7296.89,\"s\":\"BINANCE:BTCUSDT\"},{\"p\":189.52,\"s\":\"AAPL\"}],"
                        "\"type\":\"trade\"}";
  const char *kraken = "[340,{\"c\":[\"43012.55000\",\"0.01000\"]},\"ticker\",\"XBT/USD\"]";
  const char *odd = "{\"a.b\":1,\"x\":{\"y\":[[1,2]]},\"ok\":true}";
  g_autoptr(GArray) spans = NULL;
  g_autoptr(GArray) kraken_spans = NULL;
  g_autoptr(GArray) odd_spans = NULL;
  g_autofree char *pretty = lay_out (finnhub, &spans);
  g_autofree char *kraken_pretty = lay_out (kraken, &kraken_spans);
  g_autofree char *odd_pretty = lay_out (odd, &odd_spans);

  /* The name and the value of a member lead to it. */
  g_assert_cmpstr (path_at (pretty, spans, "\"p\""), ==, "data[].p");
  g_assert_cmpstr (path_at (pretty, spans, "7296.89"), ==, "data[].p");
  g_assert_cmpstr (path_at (pretty, spans, "AAPL"), ==, "data[].s");
  g_assert_cmpstr (path_at (pretty, spans, "\"trade\""), ==, "type");
  g_assert_null (path_at (pretty, spans, "\"data\""));

  g_assert_cmpstr (path_at (kraken_pretty, kraken_spans, "340"), ==, "[0]");
  g_assert_cmpstr (path_at (kraken_pretty, kraken_spans, "43012.55000"), ==, "[1].c[0]");
  g_assert_cmpstr (path_at (kraken_pretty, kraken_spans, "XBT/USD"), ==, "[3]");

  /* A name the path syntax cannot say, and booleans, offer nothing. */
  g_assert_null (path_at (odd_pretty, odd_spans, "\"a.b\""));
  g_assert_cmpstr (path_at (odd_pretty, odd_spans, "2"), ==, "x.y[0][1]");
  g_assert_null (path_at (odd_pretty, odd_spans, "true"));
  sp_json_spans_free (g_steal_pointer (&spans));
  sp_json_spans_free (g_steal_pointer (&kraken_spans));
  sp_json_spans_free (g_steal_pointer (&odd_spans));
}

/* What the view offers reads the same prices back through the extractor. */
static void
test_paths_read_back (void)
{
  const char *text = "{\"data\":[{\"p\":7296.89,\"s\":\"BTC\"},{\"p\":189.52,\"s\":\"AAPL\"}]}";
  g_autoptr(GArray) spans = NULL;
  g_autofree char *pretty = lay_out (text, &spans);
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (path_at (pretty, spans, "7296"),
                                                                  path_at (pretty, spans, "AAPL"));
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (SpPricePoint));

  g_assert_cmpuint (sp_price_extractor_extract (extractor, text, strlen (text), points), ==, 2);
  g_assert_cmpstr (g_array_index (points, SpPricePoint, 1).symbol, ==, "AAPL");
  g_assert_cmpfloat (g_array_index (points, SpPricePoint, 1).price, ==, 189.52);
  sp_json_spans_free (g_steal_pointer (&spans));
}

static void
test_deep (void)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < 1000; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (text, ']');
  g_assert_null (sp_json_pretty (text->str, text->len, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-pretty/numbers-kept", test_numbers_kept);
  g_test_add_func ("/json-pretty/nesting", test_nesting);
  g_test_add_func ("/json-pretty/not-json", test_not_json);
  g_test_add_func ("/json-pretty/paths", test_paths);
  g_test_add_func ("/json-pretty/paths-read-back", test_paths_read_back);
  g_test_add_func ("/json-pretty/deep", test_deep);
  return g_test_run ();
}
