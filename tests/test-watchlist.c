/* The watchlist's model without a display: each symbol's last price, its change
 * (against the session's open when the stream says it, else since connecting)
 * and its sparkline, as the stream gave them; the sparkline's fixed memory
 * however long it runs; and a stream of 10,000 symbols held to the viewer's
 * 4,096 (the rest counted as one, "(other)"), each with its few hundred bytes. */
#include "config.h"

#include <libsoup/soup.h>
#include <math.h>

#include "sp-server.h"
#include "sp-sparkline.h"
#include "sp-watch.h"
#include "sptest-util.h"

#define WAIT_TIMEOUT_MS  15000
#define MANY_SYMBOLS     10000
#define KEPT_SYMBOLS     4096   /* the price extractor's bound */

/* A line covering 10 hours of prices, many a second, stays in its 60 points,
 * starts at the first price, ends at the last, and carries a price over time
 * that had none. */
static void
test_sparkline_bounded (void)
{
  SpSparkline spark;
  gint64 t0 = G_GINT64_CONSTANT (1795521600000000);
  gint64 t = t0;
  double min, max;

  sp_sparkline_init (&spark);
  g_assert_false (sp_sparkline_get_range (&spark, &min, &max));

  /* The first seconds: one bucket a second, the last price of each. */
  sp_sparkline_add (&spark, t, 10.0);
  sp_sparkline_add (&spark, t + 400000, 11.0);
  sp_sparkline_add (&spark, t + 1200000, 12.0);
  g_assert_cmpuint (spark.n_values, ==, 2);
  g_assert_cmpfloat (spark.values[0], ==, 11.0);
  g_assert_cmpfloat (spark.values[1], ==, 12.0);

  /* Five quiet seconds: the buckets between hold the price before. */
  sp_sparkline_add (&spark, t + 7200000, 13.0);
  g_assert_cmpuint (spark.n_values, ==, 8);
  for (guint i = 2; i < 7; i++)
    g_assert_cmpfloat (spark.values[i], ==, 12.0);
  g_assert_cmpfloat (spark.values[7], ==, 13.0);

  /* Ten hours, 20 prices a second, on a rising line. */
  for (guint i = 0; i < 10 * 3600 * 20; i++)
    {
      t = t0 + 8 * G_USEC_PER_SEC + (gint64) i * 50000;
      sp_sparkline_add (&spark, t, 100.0 + i);
      g_assert_cmpuint (spark.n_values, <=, SP_SPARKLINE_POINTS);
    }
  g_assert_cmpuint (spark.n_values, >, SP_SPARKLINE_POINTS / 2);
  g_assert_cmpfloat (spark.values[spark.n_values - 1], ==, 100.0 + 10 * 3600 * 20 - 1);
  /* It covers all of it: the buckets, end to end, from the first price to the last. */
  g_assert_cmpint (spark.t_start, ==, t0);
  g_assert_cmpint (spark.t_start + spark.bucket_us * (gint64) spark.n_values, >, t);
  g_assert_cmpint (spark.t_start + spark.bucket_us * (gint64) (spark.n_values - 1), <=, t);
  /* Rising prices, a rising line. */
  for (guint i = 1; i < spark.n_values; i++)
    g_assert_cmpfloat (spark.values[i], >=, spark.values[i - 1]);
  g_assert_true (sp_sparkline_get_range (&spark, &min, &max));
  g_assert_cmpfloat (max, ==, spark.values[spark.n_values - 1]);

  /* A time that went back counts in the last bucket. */
  sp_sparkline_add (&spark, t0, 1.0);
  g_assert_cmpfloat (spark.values[spark.n_values - 1], ==, 1.0);
}

typedef struct
{
  double price;
  double change;
  gboolean has_change;
} Last;

static void
on_prices (SpStreamClient *client,
           GArray         *points,
           SpFrame        *frame,
           gpointer        user_data)
{
  GHashTable *last = user_data;

  for (guint i = 0; i < points->len; i++)
    {
      const SpPricePoint *point = &g_array_index (points, SpPricePoint, i);
      Last *seen = g_new0 (Last, 1);

      seen->price = point->price;
      seen->change = point->change;
      seen->has_change = point->has_change;
      g_hash_table_insert (last, g_strdup (point->symbol), seen);
    }
}

typedef struct
{
  SpWatch *watch;
  guint    n_symbols;
  guint    n_prices;
} Enough;

static gboolean
every_symbol_moved (gpointer data)
{
  Enough *enough = data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (enough->watch));

  if (n < enough->n_symbols)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (G_LIST_MODEL (enough->watch), i);

      if (sp_series_get_length (sp_watch_symbol_get_series (symbol)) < enough->n_prices)
        return FALSE;
    }
  return TRUE;
}

/* What the watchlist shows of a StockPush stream: every symbol with its last
 * price and the change the ticks carry (against the session's open), the
 * percentage against the open, and a sparkline ending at the last price. */
static void
test_values (void)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(SpServer) server = sp_server_new ();
  g_autoptr(SpStreamClient) client = sp_stream_client_new ();
  g_autoptr(SpWatch) watch = sp_watch_new ();
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(SpStreamOptions) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  Enough enough = { watch, 5, 5 };

  config->port = 0;
  config->interval_ms = 20;
  config->have_seed = TRUE;
  config->seed = 11;
  g_assert_true (sp_server_start (server, config, &error));
  g_assert_no_error (error);
  url = sp_server_dup_ws_url (server);
  options = sp_stream_options_new (url);

  sp_watch_set_client (watch, client);
  g_signal_connect (client, "prices", G_CALLBACK (on_prices), last);
  g_assert_true (sp_watch_connect (watch, options, &error));
  g_assert_no_error (error);
  g_assert_true (sp_test_wait_until (NULL, every_symbol_moved, &enough, WAIT_TIMEOUT_MS));
  sp_stream_client_disconnect (client);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (watch)); i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (G_LIST_MODEL (watch), i);
      Last *seen = g_hash_table_lookup (last, sp_watch_symbol_get_name (symbol));
      const SpSparkline *spark = sp_watch_symbol_get_sparkline (symbol);
      double change, percent;

      g_assert_nonnull (seen);
      g_assert_true (seen->has_change);
      g_assert_cmpfloat (sp_watch_symbol_get_last_price (symbol), ==, seen->price);
      g_assert_true (sp_watch_symbol_get_change (symbol, &change, &percent));
      g_assert_cmpfloat (change, ==, seen->change);
      g_assert_cmpfloat_with_epsilon (percent, seen->change / (seen->price - seen->change) * 100.0, 1e-9);
      g_assert_cmpuint (spark->n_values, >=, 1);
      g_assert_cmpuint (spark->n_values, <=, SP_SPARKLINE_POINTS);
      g_assert_cmpfloat (spark->values[spark->n_values - 1], ==, seen->price);
    }

  sp_server_stop (server);
}

/* A feed of MANY_SYMBOLS symbols: each round, every symbol's trade, a thousand
 * trades a message (the viewer reads at most 4,096 points of a message). No
 * change is said, so the change is since connecting. */
#define TRADES_PER_MESSAGE 1000

static char *
many_symbols_message (guint round,
                      guint first)
{
  GString *message = g_string_new ("{\"data\":[");

  for (guint i = first; i < first + TRADES_PER_MESSAGE; i++)
    g_string_append_printf (message, "%s{\"s\":\"S%05u\",\"p\":%u.%02u}", i > first ? "," : "", i,
                            10 + i % 90, round * 10 + i % 7);
  g_string_append (message, "]}");
  return g_string_free (message, FALSE);
}

static void
on_feed_client (SoupServer              *server,
                SoupServerMessage       *msg,
                const char              *path,
                SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  for (guint round = 1; round <= 3; round++)
    for (guint first = 0; first < MANY_SYMBOLS; first += TRADES_PER_MESSAGE)
      {
        g_autofree char *message = many_symbols_message (round, first);

        soup_websocket_connection_send_text (conn, message);
      }
  /* Kept open by the server; the test closes its side. */
  g_object_set_data_full (G_OBJECT (server), "conn", g_object_ref (conn), g_object_unref);
}

static gboolean
round_three_arrived (gpointer data)
{
  SpWatch *watch = data;
  SpWatchSymbol *other = sp_watch_lookup (watch, "(other)");
  SpWatchSymbol *first = sp_watch_lookup (watch, "S00000");

  /* The last symbol of round 3 (S09999 → "(other)") at its price. */
  return other != NULL && first != NULL &&
         fabs (sp_watch_symbol_get_last_price (other) - (10 + 9999 % 90 + (30 + 9999 % 7) / 100.0)) < 1e-9 &&
         sp_series_get_length (sp_watch_symbol_get_series (first)) >= 3;
}

static void
test_many_symbols (void)
{
  g_autoptr(SoupServer) feed = soup_server_new (NULL, NULL);
  g_autoptr(SpStreamClient) client = sp_stream_client_new ();
  g_autoptr(SpWatch) watch = sp_watch_new ();
  g_autoptr(SpStreamOptions) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GSList *uris;
  guint n;

  soup_server_add_websocket_handler (feed, NULL, NULL, NULL, on_feed_client, NULL, NULL);
  g_assert_true (soup_server_listen_local (feed, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (feed);
  url = g_strdup_printf ("ws://127.0.0.1:%u/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  options = sp_stream_options_new (url);

  sp_watch_set_client (watch, client);
  g_assert_true (sp_watch_connect (watch, options, &error));
  g_assert_no_error (error);
  if (!sp_test_wait_until (NULL, round_three_arrived, watch, WAIT_TIMEOUT_MS))
    g_error ("the third round did not arrive: %u symbols, %" G_GUINT64_FORMAT " messages, %s",
             g_list_model_get_n_items (G_LIST_MODEL (watch)), sp_stream_client_get_messages_in (client),
             sp_stream_state_to_string (sp_stream_client_get_state (client)));
  sp_stream_client_disconnect (client);

  /* Held to the viewer's symbols, each with its fixed sparkline. */
  n = g_list_model_get_n_items (G_LIST_MODEL (watch));
  g_test_message ("%u symbols in the stream, %u kept", MANY_SYMBOLS, n);
  g_assert_cmpuint (n, ==, KEPT_SYMBOLS + 1);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (G_LIST_MODEL (watch), i);
      const SpSparkline *spark = sp_watch_symbol_get_sparkline (symbol);
      double change, percent;

      g_assert_cmpuint (spark->n_values, >=, 1);
      g_assert_cmpuint (spark->n_values, <=, SP_SPARKLINE_POINTS);
      /* No change in the stream: since connecting, from the first price. */
      g_assert_false (sp_watch_symbol_get_change (symbol, &change, &percent));
      if (i < KEPT_SYMBOLS)
        {
          double first = 10 + i % 90 + (10 + i % 7) / 100.0;
          double latest = 10 + i % 90 + (30 + i % 7) / 100.0;

          g_assert_cmpfloat_with_epsilon (sp_watch_symbol_get_last_price (symbol), latest, 1e-9);
          g_assert_cmpfloat_with_epsilon (change, latest - first, 1e-9);
          g_assert_cmpfloat_with_epsilon (percent, (latest - first) / first * 100.0, 1e-9);
        }
    }
  g_assert_nonnull (sp_watch_lookup (watch, "S04095"));
  g_assert_null (sp_watch_lookup (watch, "S04096"));

  soup_server_disconnect (feed);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/watchlist/sparkline-bounded", test_sparkline_bounded);
  g_test_add_func ("/watchlist/values", test_values);
  g_test_add_func ("/watchlist/many-symbols", test_many_symbols);

  return g_test_run ();
}
