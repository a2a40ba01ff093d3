/* The public feeds StockPush knows, as their documentation describes them.
 * Detection reads each of them right without a preset (tests/test-feeds.c);
 * a preset adds what detection cannot know: the address and the subscription. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include <string.h>

#include "sp-error.h"
#include "sp-feed-preset.h"

#define SEND(...) (const char *const[]) { __VA_ARGS__, NULL }

static const SpFeedPreset binance_trades = {
  "binance-trades", "Binance", N_("Spot trades"),
  "wss://stream.binance.com:9443/ws", "(.+\\.)?binance\\.(com|us|vision)", "@trade", "^/ws/.|streams=",
  SEND ("{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\",\"ethusdt@trade\"],\"id\":1}"),
  "p", "s", NULL, NULL,
  "https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams",
};

static const SpFeedPreset binance = {
  "binance", "Binance", N_("24-hour tickers, last price"),
  "wss://stream.binance.com:9443/ws", "(.+\\.)?binance\\.(com|us|vision)", NULL, "^/ws/.|streams=",
  SEND ("{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@ticker\",\"ethusdt@ticker\"],\"id\":1}"),
  "c", "s", NULL, NULL,
  "https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams",
};

static const SpFeedPreset coinbase = {
  "coinbase", "Coinbase Exchange", N_("Tickers"),
  "wss://ws-feed.exchange.coinbase.com", "ws-feed(-public)?\\.(exchange|pro|sandbox\\.exchange)\\.coinbase\\.com",
  NULL, NULL,
  SEND ("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"],\"channels\":[\"ticker\"]}"),
  "price", "product_id", NULL, NULL,
  "https://docs.cdp.coinbase.com/exchange/docs/websocket-channels",
};

static const SpFeedPreset kraken = {
  "kraken", "Kraken", N_("Tickers (WebSocket API v2)"),
  "wss://ws.kraken.com/v2", "(beta-)?ws\\.kraken\\.com", "/v2", NULL,
  SEND ("{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\",\"symbol\":[\"BTC/USD\",\"ETH/USD\"]}}"),
  "data[].last", "data[].symbol", NULL, NULL,
  "https://docs.kraken.com/api/docs/websocket-v2/ticker",
};

static const SpFeedPreset bitstamp = {
  "bitstamp", "Bitstamp", N_("Live trades"),
  "wss://ws.bitstamp.net", "ws\\.bitstamp\\.net", NULL, NULL,
  SEND ("{\"event\":\"bts:subscribe\",\"data\":{\"channel\":\"live_trades_btcusd\"}}"),
  "data.price", "channel~live_trades_(.+)", NULL, NULL,
  "https://www.bitstamp.net/websocket/v2/",
};

static const SpFeedPreset finnhub = {
  "finnhub", "Finnhub", N_("Trades of stocks, forex and crypto"),
  "wss://ws.finnhub.io?token={key}", "ws\\.finnhub\\.io", NULL, NULL,
  SEND ("{\"type\":\"subscribe\",\"symbol\":\"AAPL\"}",
        "{\"type\":\"subscribe\",\"symbol\":\"BINANCE:BTCUSDT\"}"),
  "data[].p", "data[].s", N_("API key"), NULL,
  "https://finnhub.io/docs/api/websocket-trades",
};

static const SpFeedPreset alpaca = {
  "alpaca", "Alpaca", N_("Stock trades (IEX)"),
  "wss://stream.data.alpaca.markets/v2/iex", "stream\\.data\\.(sandbox\\.)?alpaca\\.markets", NULL, NULL,
  SEND ("{\"action\":\"auth\",\"key\":\"{key}\",\"secret\":\"{secret}\"}",
        "{\"action\":\"subscribe\",\"trades\":[\"AAPL\",\"MSFT\"]}"),
  "[].p", "[].S", N_("API key ID"), N_("Secret key"),
  "https://docs.alpaca.markets/docs/real-time-stock-pricing-data",
};

static const SpFeedPreset polygon = {
  "polygon", "Polygon.io", N_("Stock trades"),
  "wss://socket.polygon.io/stocks", "(socket|delayed)\\.polygon\\.io", NULL, NULL,
  SEND ("{\"action\":\"auth\",\"params\":\"{key}\"}",
        "{\"action\":\"subscribe\",\"params\":\"T.AAPL,T.MSFT\"}"),
  "[].p", "[].sym", N_("API key"), NULL,
  "https://polygon.io/docs/stocks/ws_stocks_t",
};

static const SpFeedPreset bybit = {
  "bybit", "Bybit", N_("Spot tickers (API v5)"),
  "wss://stream.bybit.com/v5/public/spot", "stream(-testnet)?\\.bybit\\.com", NULL, NULL,
  SEND ("{\"op\":\"subscribe\",\"args\":[\"tickers.BTCUSDT\",\"tickers.ETHUSDT\"]}"),
  "data.lastPrice", "data.symbol", NULL, NULL,
  "https://bybit-exchange.github.io/docs/v5/websocket/public/ticker",
};

static const SpFeedPreset okx = {
  "okx", "OKX", N_("Tickers (API v5)"),
  "wss://ws.okx.com:8443/ws/v5/public", "(ws|wsaws|wspap)\\.okx\\.com", NULL, NULL,
  SEND ("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"tickers\",\"instId\":\"BTC-USDT\"},"
        "{\"channel\":\"tickers\",\"instId\":\"ETH-USDT\"}]}"),
  "data[].last", "data[].instId", NULL, NULL,
  "https://www.okx.com/docs-v5/en/#public-data-websocket-tickers-channel",
};

static const SpFeedPreset gemini = {
  "gemini", "Gemini", N_("Trades (market data v2)"),
  "wss://api.gemini.com/v2/marketdata", "api(\\.sandbox)?\\.gemini\\.com", "/v2", NULL,
  SEND ("{\"type\":\"subscribe\",\"subscriptions\":[{\"name\":\"l2\",\"symbols\":[\"BTCUSD\",\"ETHUSD\"]}]}"),
  "price", "symbol", NULL, NULL,
  "https://docs.gemini.com/websocket/market-data/v2/about",
};

/* More specific presets first: the first that matches an address wins. */
static const SpFeedPreset *const presets[] = {
  &binance_trades, &binance, &coinbase, &kraken, &bitstamp, &finnhub, &alpaca, &polygon,
  &bybit, &okx, &gemini, NULL,
};

const SpFeedPreset *const *
sp_feed_preset_list (void)
{
  return presets;
}

const SpFeedPreset *
sp_feed_preset_lookup (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; presets[i] != NULL; i++)
    if (g_ascii_strcasecmp (presets[i]->id, id) == 0)
      return presets[i];

  return NULL;
}

gboolean
sp_feed_preset_needs_key (const SpFeedPreset *preset)
{
  g_return_val_if_fail (preset != NULL, FALSE);

  return preset->key_label != NULL;
}

/* The path with its query, as the patterns read it. */
static char *
path_of (GUri *uri)
{
  const char *path = *g_uri_get_path (uri) ? g_uri_get_path (uri) : "/";

  if (g_uri_get_query (uri) != NULL)
    return g_strconcat (path, "?", g_uri_get_query (uri), NULL);
  return g_strdup (path);
}

static gboolean
host_matches (const SpFeedPreset *preset,
              const char         *host)
{
  g_autofree char *anchored = g_strdup_printf ("^(%s)$", preset->host_pattern);

  return g_regex_match_simple (anchored, host, G_REGEX_CASELESS, 0);
}

const SpFeedPreset *
sp_feed_preset_match (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *path = NULL;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;

  path = path_of (uri);
  for (guint i = 0; presets[i] != NULL; i++)
    if (host_matches (presets[i], g_uri_get_host (uri)) &&
        (presets[i]->path_pattern == NULL || strstr (path, presets[i]->path_pattern) != NULL))
      return presets[i];

  return NULL;
}

/* @template with {key} and {secret} written in; @escape makes each fit where it goes. */
static char *
fill_in (const char  *template,
         const char  *key,
         const char  *secret,
         char      *(*escape) (const char *))
{
  g_autoptr(GString) text = g_string_new (template);
  g_autofree char *key_text = escape (key != NULL ? key : "");
  g_autofree char *secret_text = escape (secret != NULL ? secret : "");

  g_string_replace (text, "{key}", key_text, 0);
  g_string_replace (text, "{secret}", secret_text, 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
json_escape (const char *value)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), value);
  g_autofree char *quoted = json_to_string (node, FALSE);

  return g_strndup (quoted + 1, strlen (quoted) - 2);
}

static char *
uri_escape (const char *value)
{
  return g_uri_escape_string (value, NULL, FALSE);
}

static gboolean
check_credentials (const SpFeedPreset *preset,
                   const char         *url,
                   const char         *key,
                   const char         *secret,
                   GError            **error)
{
  gboolean wants_key = url == NULL && strstr (preset->url, "{key}") != NULL;
  gboolean wants_secret = FALSE;

  for (guint i = 0; preset->send[i] != NULL; i++)
    {
      wants_key |= strstr (preset->send[i], "{key}") != NULL;
      wants_secret |= strstr (preset->send[i], "{secret}") != NULL;
    }

  if (wants_key && (key == NULL || *key == '\0'))
    {
      /* Translators: "Finnhub needs your API key (--feed-key)" */
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("%s needs your %s (--feed-key); its site gives you one: %s"),
                   preset->name, _(preset->key_label), preset->docs);
      return FALSE;
    }
  if (wants_secret && (secret == NULL || *secret == '\0'))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("%s needs your %s too (--feed-secret)"), preset->name, _(preset->secret_label));
      return FALSE;
    }
  return TRUE;
}

/* Whether @url subscribes by its path alone (Binance's /ws/btcusdt@trade). */
static gboolean
url_subscribes (const SpFeedPreset *preset,
                const char         *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *path = NULL;

  if (preset->subscribed_path == NULL || url == NULL)
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
  if (uri == NULL)
    return FALSE;
  path = path_of (uri);
  return g_regex_match_simple (preset->subscribed_path, path, 0, 0);
}

SpStreamOptions *
sp_feed_preset_dup_options (const SpFeedPreset *preset,
                            const char         *url,
                            const char         *key,
                            const char         *secret,
                            GError            **error)
{
  g_autoptr(SpStreamOptions) options = NULL;
  g_autoptr(GStrvBuilder) send = g_strv_builder_new ();

  g_return_val_if_fail (preset != NULL, NULL);

  if (!check_credentials (preset, url, key, secret, error))
    return NULL;

  if (url != NULL)
    options = sp_stream_options_new (url);
  else
    {
      g_autofree char *address = fill_in (preset->url, key, secret, uri_escape);

      options = sp_stream_options_new (address);
    }
  if (!url_subscribes (preset, url))
    for (guint i = 0; preset->send[i] != NULL; i++)
      {
        g_autofree char *message = fill_in (preset->send[i], key, secret, json_escape);

        g_strv_builder_add (send, message);
      }
  options->send_on_open = g_strv_builder_end (send);
  options->price_path = g_strdup (preset->price_path);
  options->symbol_path = g_strdup (preset->symbol_path);

  return g_steal_pointer (&options);
}
