/* The public market-data feeds people point the viewer at, as their
 * documentation shows their messages (status and acknowledgements first,
 * then tickers or trades), read with detection alone: each tick gives the
 * right symbol and last price, and the other messages give nothing; then
 * the same with each feed's preset. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "sp-error.h"
#include "sp-feed-preset.h"
#include "sp-price-extractor.h"

typedef struct
{
  const char *text;
  guint       n;       /* prices it holds */
  const char *symbol;  /* of the first, and of the last */
  double      price;
  const char *last_symbol;
  double      last_price;
} Message;

typedef struct
{
  const char    *name;
  const char    *preset;   /* the preset for this feed, or NULL */
  const Message *messages;
} Feed;

#define END { NULL, 0, NULL, 0, NULL, 0 }

static const Message binance_ticker[] = {
  { "{\"result\":null,\"id\":1}", 0 },
  { "{\"e\":\"24hrTicker\",\"E\":1700000000000,\"s\":\"BTCUSDT\",\"p\":\"-94.99\",\"P\":\"-0.85\","
    "\"w\":\"43100.10\",\"x\":\"43107.49\",\"c\":\"43012.50\",\"Q\":\"0.01000\",\"b\":\"43012.49\","
    "\"B\":\"1.20\",\"a\":\"43012.51\",\"A\":\"0.50\",\"o\":\"43107.49\",\"h\":\"43500.00\","
    "\"l\":\"42800.00\",\"v\":\"1234.5\",\"q\":\"53000000.1\",\"O\":1699913600000,"
    "\"C\":1700000000000,\"F\":100,\"L\":200,\"n\":101}", 1, "BTCUSDT", 43012.50 },
  { "{\"e\":\"24hrTicker\",\"E\":1700000001000,\"s\":\"BTCUSDT\",\"p\":\"12.50\",\"P\":\"0.03\","
    "\"w\":\"43100.10\",\"x\":\"43107.49\",\"c\":\"43120.00\",\"Q\":\"0.02\",\"b\":\"43119.99\","
    "\"B\":\"1.0\",\"a\":\"43120.01\",\"A\":\"0.4\",\"o\":\"43107.50\",\"h\":\"43500.00\","
    "\"l\":\"42800.00\",\"v\":\"1235.0\",\"q\":\"53100000.0\",\"O\":1699913601000,"
    "\"C\":1700000001000,\"F\":100,\"L\":201,\"n\":102}", 1, "BTCUSDT", 43120.00 },
  END,
};

static const Message binance_trade[] = {
  { "{\"result\":null,\"id\":1}", 0 },
  { "{\"e\":\"trade\",\"E\":1700000000000,\"s\":\"BNBBTC\",\"t\":12345,\"p\":\"0.00123400\","
    "\"q\":\"100.00\",\"T\":1700000000000,\"m\":true,\"M\":true}", 1, "BNBBTC", 0.001234 },
  END,
};

static const Message binance_combined[] = {
  { "{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1700000000001,\"s\":\"ETHUSDT\","
    "\"t\":7,\"p\":\"2250.10\",\"q\":\"0.5\",\"T\":1700000000001,\"m\":false,\"M\":true}}", 1,
    "ETHUSDT", 2250.10 },
  END,
};

static const Message coinbase[] = {
  { "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"ticker\",\"product_ids\":[\"BTC-USD\"]}]}", 0 },
  { "{\"type\":\"ticker\",\"sequence\":37475248783,\"product_id\":\"BTC-USD\",\"price\":\"43012.50\","
    "\"open_24h\":\"43107.49\",\"volume_24h\":\"1234.5\",\"low_24h\":\"42800\",\"high_24h\":\"43500\","
    "\"volume_30d\":\"45000.1\",\"best_bid\":\"43012.49\",\"best_bid_size\":\"0.1\","
    "\"best_ask\":\"43012.51\",\"best_ask_size\":\"0.2\",\"side\":\"buy\","
    "\"time\":\"2024-01-05T12:00:00.123456Z\",\"trade_id\":586405,\"last_size\":\"0.01\"}", 1,
    "BTC-USD", 43012.50 },
  END,
};

static const Message kraken_v1[] = {
  { "{\"connectionID\":8628615390848610000,\"event\":\"systemStatus\",\"status\":\"online\","
    "\"version\":\"1.9.0\"}", 0 },
  { "{\"channelID\":340,\"channelName\":\"ticker\",\"event\":\"subscriptionStatus\","
    "\"pair\":\"XBT/USD\",\"status\":\"subscribed\",\"subscription\":{\"name\":\"ticker\"}}", 0 },
  { "{\"event\":\"heartbeat\"}", 0 },
  { "[340,{\"a\":[\"43012.60000\",0,\"0.500\"],\"b\":[\"43012.50000\",1,\"1.000\"],"
    "\"c\":[\"43012.55000\",\"0.01000\"],\"v\":[\"100.1\",\"200.2\"],\"p\":[\"43000.1\",\"43001.2\"],"
    "\"t\":[100,200],\"l\":[\"42800.0\",\"42700.0\"],\"h\":[\"43500.0\",\"43600.0\"],"
    "\"o\":[\"43100.0\",\"43050.0\"]},\"ticker\",\"XBT/USD\"]", 1, "XBT/USD", 43012.55 },
  END,
};

static const Message kraken_v2[] = {
  { "{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"version\":\"2.0.0\","
    "\"system\":\"online\",\"api_version\":\"v2\",\"connection_id\":12393906104898154338}]}", 0 },
  { "{\"method\":\"subscribe\",\"result\":{\"channel\":\"ticker\",\"snapshot\":true,"
    "\"symbol\":\"ETH/USD\"},\"success\":true,\"time_in\":\"2023-09-25T09:04:31.742599Z\","
    "\"time_out\":\"2023-09-25T09:04:31.742648Z\"}", 0 },
  { "{\"channel\":\"heartbeat\"}", 0 },
  { "{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{\"symbol\":\"ETH/USD\",\"bid\":2250.1,"
    "\"bid_qty\":1.5,\"ask\":2250.2,\"ask_qty\":2.0,\"last\":2250.15,\"volume\":1000.5,"
    "\"vwap\":2248.3,\"low\":2200.0,\"high\":2300.0,\"change\":-12.4,\"change_pct\":-0.55}]}", 1,
    "ETH/USD", 2250.15 },
  END,
};

static const Message bitstamp[] = {
  { "{\"event\":\"bts:subscription_succeeded\",\"channel\":\"live_trades_btcusd\",\"data\":{}}", 0 },
  { "{\"data\":{\"id\":312345678,\"timestamp\":\"1700000000\",\"amount\":0.0125,"
    "\"amount_str\":\"0.01250000\",\"price\":43012.5,\"price_str\":\"43012.50\",\"type\":0,"
    "\"microtimestamp\":\"1700000000123456\",\"buy_order_id\":1675123456789012,"
    "\"sell_order_id\":1675123456789013},\"channel\":\"live_trades_btcusd\",\"event\":\"trade\"}", 1,
    "btcusd", 43012.5 },
  END,
};

static const Message finnhub[] = {
  { "{\"type\":\"ping\"}", 0 },
  { "{\"data\":[{\"c\":null,\"p\":7296.89,\"s\":\"BINANCE:BTCUSDT\",\"t\":1575526691134,\"v\":0.011},"
    "{\"c\":[\"1\",\"12\"],\"p\":189.52,\"s\":\"AAPL\",\"t\":1575526691200,\"v\":100}],"
    "\"type\":\"trade\"}", 2, "BINANCE:BTCUSDT", 7296.89, "AAPL", 189.52 },
  END,
};

static const Message alpaca[] = {
  { "[{\"T\":\"success\",\"msg\":\"connected\"}]", 0 },
  { "[{\"T\":\"success\",\"msg\":\"authenticated\"}]", 0 },
  { "[{\"T\":\"subscription\",\"trades\":[\"AAPL\"],\"quotes\":[],\"bars\":[]}]", 0 },
  { "[{\"T\":\"t\",\"S\":\"AAPL\",\"i\":96921,\"x\":\"D\",\"p\":126.55,\"s\":1,"
    "\"t\":\"2021-02-22T15:51:44.208Z\",\"c\":[\"@\",\"I\"],\"z\":\"C\"},"
    "{\"T\":\"t\",\"S\":\"MSFT\",\"i\":96922,\"x\":\"D\",\"p\":240.10,\"s\":300,"
    "\"t\":\"2021-02-22T15:51:44.300Z\",\"c\":[\"@\"],\"z\":\"C\"}]", 2, "AAPL", 126.55, "MSFT", 240.10 },
  END,
};

static const Message polygon[] = {
  { "[{\"ev\":\"status\",\"status\":\"connected\",\"message\":\"Connected Successfully\"}]", 0 },
  { "[{\"ev\":\"status\",\"status\":\"auth_success\",\"message\":\"authenticated\"}]", 0 },
  { "[{\"ev\":\"T\",\"sym\":\"MSFT\",\"x\":4,\"i\":\"12345\",\"z\":3,\"p\":114.125,\"s\":100,"
    "\"c\":[0,12],\"t\":1536036818784,\"q\":3681328}]", 1, "MSFT", 114.125 },
  END,
};

static const Message bybit[] = {
  { "{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"2324d924-aa4d-45b0-a858-7b8be29ab52b\","
    "\"req_id\":\"10001\",\"op\":\"subscribe\"}", 0 },
  { "{\"topic\":\"tickers.BTCUSDT\",\"ts\":1673853746003,\"type\":\"snapshot\",\"cs\":2588407389,"
    "\"data\":{\"symbol\":\"BTCUSDT\",\"lastPrice\":\"43012.50\",\"highPrice24h\":\"43500.00\","
    "\"lowPrice24h\":\"42800.00\",\"prevPrice24h\":\"43107.49\",\"volume24h\":\"1234.5\","
    "\"turnover24h\":\"53000000.1\",\"price24hPcnt\":\"-0.0022\",\"usdIndexPrice\":\"43000.1\"}}", 1,
    "BTCUSDT", 43012.50 },
  END,
};

static const Message okx[] = {
  { "{\"event\":\"subscribe\",\"arg\":{\"channel\":\"tickers\",\"instId\":\"BTC-USDT\"},"
    "\"connId\":\"a4d3ae55\"}", 0 },
  { "{\"arg\":{\"channel\":\"tickers\",\"instId\":\"BTC-USDT\"},\"data\":[{\"instType\":\"SPOT\","
    "\"instId\":\"BTC-USDT\",\"last\":\"43012.5\",\"lastSz\":\"0.1\",\"askPx\":\"43012.6\","
    "\"askSz\":\"11\",\"bidPx\":\"43012.4\",\"bidSz\":\"5\",\"open24h\":\"43107.4\","
    "\"high24h\":\"43500\",\"low24h\":\"42800\",\"sodUtc0\":\"43000\",\"sodUtc8\":\"43050\","
    "\"volCcy24h\":\"2222\",\"vol24h\":\"2222\",\"ts\":\"1597026383085\"}]}", 1, "BTC-USDT", 43012.5 },
  END,
};

static const Message gemini[] = {
  { "{\"type\":\"heartbeat\",\"timestamp\":1652380786599}", 0 },
  { "{\"type\":\"trade\",\"symbol\":\"BTCUSD\",\"event_id\":3575573053,\"timestamp\":1593621342000,"
    "\"price\":\"9122.04\",\"quantity\":\"0.0073173\",\"side\":\"sell\",\"tid\":3575573053}", 1,
    "BTCUSD", 9122.04 },
  END,
};

static const Feed feeds[] = {
  { "Binance 24-hour ticker", "binance", binance_ticker },
  { "Binance trades", "binance-trades", binance_trade },
  { "Binance combined streams", NULL, binance_combined },
  { "Coinbase ticker", "coinbase", coinbase },
  { "Kraken ticker (v1)", NULL, kraken_v1 },
  { "Kraken ticker (v2)", "kraken", kraken_v2 },
  { "Bitstamp live trades", "bitstamp", bitstamp },
  { "Finnhub trades", "finnhub", finnhub },
  { "Alpaca trades", "alpaca", alpaca },
  { "Polygon trades", "polygon", polygon },
  { "Bybit tickers", "bybit", bybit },
  { "OKX tickers", "okx", okx },
  { "Gemini trades", "gemini", gemini },
};

static void
check_point (const Feed         *feed,
             const Message      *message,
             const SpPricePoint *point,
             const char         *symbol,
             double              price)
{
  if (g_strcmp0 (point->symbol, symbol) != 0 || fabs (point->price - price) > 1e-9)
    g_error ("%s: %s\n  read as %s %.10g, not %s %.10g", feed->name, message->text,
             point->symbol, point->price, symbol, price);
}

static void
read_feed (const Feed *feed,
           const char *price_path,
           const char *symbol_path)
{
  g_autoptr(SpPriceExtractor) extractor = sp_price_extractor_new (price_path, symbol_path);

  for (const Message *m = feed->messages; m->text != NULL; m++)
    {
      g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (SpPricePoint));
      guint n = sp_price_extractor_extract (extractor, m->text, strlen (m->text), points);

      if (n != m->n)
        g_error ("%s (%s): %u prices in %s, not %u", feed->name,
                 price_path ? price_path : "detected", n, m->text, m->n);
      if (n == 0)
        continue;
      check_point (feed, m, &g_array_index (points, SpPricePoint, 0), m->symbol, m->price);
      if (m->last_symbol != NULL)
        check_point (feed, m, &g_array_index (points, SpPricePoint, n - 1), m->last_symbol,
                     m->last_price);
    }
}

/* Detection alone, then the preset's fields: the same prices. */
static void
test_feed (gconstpointer data)
{
  const Feed *feed = data;
  const SpFeedPreset *preset;

  read_feed (feed, NULL, NULL);
  if (feed->preset == NULL)
    return;
  preset = sp_feed_preset_lookup (feed->preset);
  g_assert_nonnull (preset);
  read_feed (feed, preset->price_path, preset->symbol_path);
}

/* A preset without its feed's documented messages here is untested. */
static void
test_every_preset_has_messages (void)
{
  const SpFeedPreset *const *presets = sp_feed_preset_list ();
  guint n = 0;

  for (; presets[n] != NULL; n++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (feeds); i++)
        found |= g_strcmp0 (feeds[i].preset, presets[n]->id) == 0;
      if (!found)
        g_error ("preset %s has no messages in tests/test-feeds.c", presets[n]->id);
      g_assert_true (sp_price_extractor_check_paths (presets[n]->price_path,
                                                     presets[n]->symbol_path, NULL));
    }
  g_assert_cmpuint (n, >=, 10);
}

static void
test_match (void)
{
  const SpFeedPreset *const *presets = sp_feed_preset_list ();
  static const struct { const char *url; const char *id; } cases[] = {
    { "wss://stream.binance.com:9443/ws/btcusdt@trade", "binance-trades" },
    { "wss://stream.binance.com:9443/ws/btcusdt@ticker", "binance" },
    { "wss://stream.binance.us:9443/stream?streams=ethusdt@trade", "binance-trades" },
    { "wss://WS-FEED.exchange.coinbase.com/", "coinbase" },
    { "wss://ws.kraken.com/v2", "kraken" },
    { "wss://ws.finnhub.io/?token=abc", "finnhub" },
    { "wss://stream.data.sandbox.alpaca.markets/v2/test", "alpaca" },
    { "wss://api.gemini.com/v2/marketdata", "gemini" },
    /* Another version of the API, a look-alike host, not a feed at all. */
    { "wss://ws.kraken.com/", NULL },
    { "wss://api.gemini.com/v1/marketdata/BTCUSD", NULL },
    { "wss://binance.com.attacker.example/ws", NULL },
    { "wss://notws.finnhub.io.example/", NULL },
    { "ws://127.0.0.1:8765/", NULL },
    { "not a url", NULL },
  };

  /* Each preset's own address is its own. */
  for (guint i = 0; presets[i] != NULL; i++)
    if (strstr (presets[i]->url, "{key}") == NULL && presets[i]->path_pattern == NULL)
      g_assert_true (sp_feed_preset_match (presets[i]->url) == presets[i]);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const SpFeedPreset *found = sp_feed_preset_match (cases[i].url);

      if (g_strcmp0 (found ? found->id : NULL, cases[i].id) != 0)
        g_error ("%s matched %s, not %s", cases[i].url, found ? found->id : "nothing",
                 cases[i].id ? cases[i].id : "nothing");
    }
}

/* Credentials go where the feed wants them, escaped for the place. */
static void
test_options (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpStreamOptions) finnhub_options = NULL;
  g_autoptr(SpStreamOptions) alpaca_options = NULL;
  g_autoptr(SpStreamOptions) own = NULL;
  g_autoptr(SpStreamOptions) subscribed = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *auth;

  g_assert_null (sp_feed_preset_dup_options (sp_feed_preset_lookup ("finnhub"), NULL, NULL, NULL,
                                             &error));
  g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Finnhub"));
  g_clear_error (&error);

  finnhub_options = sp_feed_preset_dup_options (sp_feed_preset_lookup ("finnhub"), NULL, "a b&c", NULL,
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (finnhub_options->url, ==, "wss://ws.finnhub.io?token=a%20b%26c");
  g_assert_cmpuint (g_strv_length (finnhub_options->send_on_open), ==, 2);
  g_assert_cmpstr (finnhub_options->price_path, ==, "data[].p");

  /* A key with a quote in it stays one JSON string. */
  alpaca_options = sp_feed_preset_dup_options (sp_feed_preset_lookup ("alpaca"), NULL, "k\"1", "s\\2",
                                       &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, alpaca_options->send_on_open[0], -1, NULL));
  auth = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (auth, "key"), ==, "k\"1");
  g_assert_cmpstr (json_object_get_string_member (auth, "secret"), ==, "s\\2");
  g_assert_null (sp_feed_preset_dup_options (sp_feed_preset_lookup ("alpaca"), NULL, "k", NULL,
                                             &error));
  g_assert_nonnull (strstr (error->message, "Secret key"));
  g_clear_error (&error);

  /* An address of the user's own with the token in it needs no key. */
  own = sp_feed_preset_dup_options (sp_feed_preset_lookup ("finnhub"), "ws://127.0.0.1:1/?token=x",
                                    NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (own->url, ==, "ws://127.0.0.1:1/?token=x");

  /* A Binance address that names its stream subscribes by itself. */
  subscribed = sp_feed_preset_dup_options (sp_feed_preset_lookup ("binance"),
                                           "wss://stream.binance.com:9443/ws/btcusdt@ticker",
                                           NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (subscribed->send_on_open), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (feeds); i++)
    {
      g_autofree char *name = g_strdup_printf ("/feeds/%s", feeds[i].name);

      g_strdelimit (name + 7, " ()", '-');
      g_test_add_data_func (name, &feeds[i], test_feed);
    }
  g_test_add_func ("/presets/every-one-tested", test_every_preset_has_messages);
  g_test_add_func ("/presets/match", test_match);
  g_test_add_func ("/presets/options", test_options);
  return g_test_run ();
}
