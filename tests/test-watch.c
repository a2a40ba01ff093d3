/* The viewer's model without a display: symbols listed as they first arrive, with
 * their first and last price; a gap where the stream dropped, the history kept
 * across the reconnection; the rate; a recording holding exactly what arrived;
 * recent addresses and saved connections. */
#include "config.h"

#include <glib/gstdio.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "sp-frame-io.h"
#include "sp-recent.h"
#include "sp-server.h"
#include "sp-watch.h"
#include "sptest-util.h"

#define WAIT_TIMEOUT_MS 8000

typedef struct
{
  double first;
  double last;
  guint  count;
} Seen;

typedef struct
{
  SpServer       *server;
  SpStreamClient *client;
  SpWatch        *watch;
  GPtrArray      *order;      /* names in order of first arrival, as the client said */
  GHashTable     *seen;       /* name → Seen */
  GPtrArray      *frames;     /* SpFrame, while collecting */
  gboolean        collecting;
  guint           n_prices;
  guint           items_added;
} Fixture;

static void
on_prices (SpStreamClient *client,
           GArray         *points,
           SpFrame        *frame,
           gpointer        user_data)
{
  Fixture *fixture = user_data;

  for (guint i = 0; i < points->len; i++)
    {
      const SpPricePoint *point = &g_array_index (points, SpPricePoint, i);
      Seen *seen = g_hash_table_lookup (fixture->seen, point->symbol);

      if (seen == NULL)
        {
          seen = g_new0 (Seen, 1);
          seen->first = point->price;
          g_hash_table_insert (fixture->seen, g_strdup (point->symbol), seen);
          g_ptr_array_add (fixture->order, g_strdup (point->symbol));
        }
      seen->last = point->price;
      seen->count++;
      fixture->n_prices++;
    }
}

static void
on_frame (SpStreamClient *client,
          SpFrame        *frame,
          gpointer        user_data)
{
  Fixture *fixture = user_data;

  if (fixture->collecting)
    g_ptr_array_add (fixture->frames, sp_frame_ref (frame));
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Fixture *fixture = user_data;

  fixture->items_added += added;
}

static SpServer *
start_server (guint port)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(GError) error = NULL;
  SpServer *server = sp_server_new ();

  config->port = port;
  config->interval_ms = 20;
  config->have_seed = TRUE;
  config->seed = 7;
  g_assert_true (sp_server_start (server, config, &error));
  g_assert_no_error (error);

  return server;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = start_server (0);
  fixture->client = sp_stream_client_new ();
  fixture->watch = sp_watch_new ();
  fixture->order = g_ptr_array_new_with_free_func (g_free);
  fixture->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fixture->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);

  /* The model first, as in the window: the test sees what it saw. */
  sp_watch_set_client (fixture->watch, fixture->client);
  g_signal_connect (fixture->client, "prices", G_CALLBACK (on_prices), fixture);
  g_signal_connect (fixture->client, "frame", G_CALLBACK (on_frame), fixture);
  g_signal_connect (fixture->watch, "items-changed", G_CALLBACK (on_items_changed), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_signal_handlers_disconnect_by_data (fixture->client, fixture);
  g_signal_handlers_disconnect_by_data (fixture->watch, fixture);
  sp_stream_client_disconnect (fixture->client);
  g_clear_object (&fixture->watch);
  g_clear_object (&fixture->client);
  sp_server_stop (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_pointer (&fixture->order, g_ptr_array_unref);
  g_clear_pointer (&fixture->seen, g_hash_table_unref);
  g_clear_pointer (&fixture->frames, g_ptr_array_unref);
}

typedef struct
{
  gboolean    (*done) (Fixture *, gconstpointer);
  Fixture      *fixture;
  gconstpointer data;
} Wait;

static gboolean
wait_done (gpointer data)
{
  Wait *wait = data;

  return wait->done (wait->fixture, wait->data);
}

static void
wait_for (gboolean    (*done) (Fixture *, gconstpointer),
          Fixture      *fixture,
          gconstpointer data,
          const char   *what)
{
  Wait wait = { done, fixture, data };

  if (!sp_test_wait_until (NULL, wait_done, &wait, WAIT_TIMEOUT_MS))
    g_error ("Timed out waiting for %s (state %s)", what,
             sp_stream_state_to_string (sp_stream_client_get_state (fixture->client)));
}

static gboolean
has_prices (Fixture      *fixture,
            gconstpointer data)
{
  return fixture->n_prices >= GPOINTER_TO_UINT (data) &&
         g_list_model_get_n_items (G_LIST_MODEL (fixture->watch)) >= 5;
}

static gboolean
is_state (Fixture      *fixture,
          gconstpointer data)
{
  return sp_stream_client_get_state (fixture->client) == (SpStreamState) GPOINTER_TO_INT (data);
}

static gboolean
has_frames (Fixture      *fixture,
            gconstpointer data)
{
  return fixture->frames->len >= GPOINTER_TO_UINT (data);
}

static void
connect_watch (Fixture *fixture)
{
  g_autofree char *url = sp_server_dup_ws_url (fixture->server);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_watch_connect (fixture->watch, options, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sp_watch_get_url (fixture->watch), ==, url);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* The symbols appear in the order their first prices came, each with the first
 * and the last price the stream gave it and every price in its history. */
static void
test_symbols (Fixture       *fixture,
              gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->watch);
  g_autoptr(SpWatchSymbol) first = NULL;
  guint n_last_price = 0;
  double previous;
  guint changes = 0;

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_true (g_list_model_get_item_type (model) == SP_TYPE_WATCH_SYMBOL);
  connect_watch (fixture);
  wait_for (has_prices, fixture, GUINT_TO_POINTER (1), "the first prices");

  /* The last price is announced when it changes, not on every tick. */
  first = g_list_model_get_item (model, 0);
  previous = sp_watch_symbol_get_last_price (first);
  g_signal_connect (first, "notify::last-price", G_CALLBACK (count_notify), &n_last_price);
  while (fixture->n_prices < 60)
    {
      g_main_context_iteration (NULL, TRUE);
      if (sp_watch_symbol_get_last_price (first) != previous)
        {
          previous = sp_watch_symbol_get_last_price (first);
          changes++;
        }
    }
  sp_stream_client_disconnect (fixture->client);
  g_assert_cmpuint (n_last_price, >=, changes);
  g_assert_cmpuint (n_last_price, <=, ((Seen *) g_hash_table_lookup (fixture->seen,
                                         sp_watch_symbol_get_name (first)))->count);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, fixture->order->len);
  g_assert_cmpuint (fixture->items_added, ==, fixture->order->len);
  for (guint i = 0; i < fixture->order->len; i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (model, i);
      const char *name = g_ptr_array_index (fixture->order, i);
      Seen *seen = g_hash_table_lookup (fixture->seen, name);
      SpSeries *series = sp_watch_symbol_get_series (symbol);

      g_assert_cmpstr (sp_watch_symbol_get_name (symbol), ==, name);
      g_assert_true (sp_watch_lookup (fixture->watch, name) == symbol);
      g_assert_cmpfloat (sp_watch_symbol_get_first_price (symbol), ==, seen->first);
      g_assert_cmpfloat (sp_watch_symbol_get_last_price (symbol), ==, seen->last);
      g_assert_cmpuint (sp_series_get_length (series), ==, seen->count);
      g_assert_cmpfloat (sp_series_get_point (series, 0)->price, ==, seen->first);
      g_assert_cmpint (sp_series_get_point (series, 0)->ref, !=, 0);
    }
  g_assert_null (g_list_model_get_item (model, fixture->order->len));
  g_assert_null (sp_watch_lookup (fixture->watch, "NOPE"));
}

static gboolean
symbol_has_no_gap (Fixture      *fixture,
                   gconstpointer data)
{
  return sp_watch_symbol_get_n_gaps ((SpWatchSymbol *) data) == 0;
}

static void
on_recovered (SpStreamClient *client,
              gboolean        recovered,
              gpointer        user_data)
{
  *(int *) user_data = recovered;
}

static gboolean
answered (Fixture      *fixture,
          gconstpointer data)
{
  return *(const int *) data >= 0;
}

/* Drops the client from the server's side and waits until it is back. */
static void
kick_and_wait (Fixture *fixture)
{
  g_autoptr(GPtrArray) clients = NULL;

  while (sp_server_get_n_clients (fixture->server) != 1)
    g_main_context_iteration (NULL, TRUE);
  clients = sp_server_list_clients (fixture->server);
  sp_server_kick_client (fixture->server, ((SpClientInfo *) g_ptr_array_index (clients, 0))->id);
  wait_for (is_state, fixture, GINT_TO_POINTER (SP_STREAM_RECONNECTING), "the drop");
}

/* A dropped stream leaves a gap in every history while it is down; back on
 * a StockPush server that still has the ticks missed, the client says what
 * it last had, gets them, and the histories go on without a gap: every
 * price, in order. Connecting again by hand keeps the histories. */
static void
test_gap_on_reconnect (Fixture       *fixture,
                       gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->watch);
  g_autoptr(SpWatchSymbol) symbol = NULL;
  SpSeries *series;
  guint length;
  guint n_gaps_notified = 0;
  gint64 t_start, t_end;
  guint index;
  int recovered = -1;

  connect_watch (fixture);
  g_signal_connect (fixture->client, "recovered", G_CALLBACK (on_recovered), &recovered);
  wait_for (has_prices, fixture, GUINT_TO_POINTER (10), "prices");
  symbol = g_list_model_get_item (model, 0);
  series = sp_watch_symbol_get_series (symbol);
  g_assert_cmpuint (sp_watch_symbol_get_n_gaps (symbol), ==, 0);
  g_signal_connect (symbol, "notify::n-gaps", G_CALLBACK (count_notify), &n_gaps_notified);

  kick_and_wait (fixture);
  g_assert_cmpuint (sp_watch_symbol_get_n_gaps (symbol), ==, 1);
  g_assert_cmpuint (n_gaps_notified, ==, 1);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SpWatchSymbol) other = g_list_model_get_item (model, i);

      g_assert_cmpuint (sp_watch_symbol_get_n_gaps (other), ==, 1);
    }
  sp_series_get_gap (series, 0, &t_start, &t_end, &index);
  g_assert_cmpint (t_end, ==, G_MAXINT64);   /* still down */

  length = sp_series_get_length (series);
  wait_for (is_state, fixture, GINT_TO_POINTER (SP_STREAM_OPEN), "the reconnection");
  wait_for (answered, fixture, &recovered, "the answer to what it last had");
  g_assert_cmpint (recovered, ==, TRUE);
  fixture->n_prices = 0;
  wait_for (has_prices, fixture, GUINT_TO_POINTER (20), "prices after the reconnection");
  wait_for (symbol_has_no_gap, fixture, symbol, "the gap taken back");
  g_assert_true (sp_watch_symbol_get_series (symbol) == series);
  /* The prices missed while away are there: about one per 20 ms of the drop. */
  g_assert_cmpuint (sp_series_get_length (series), >, length + 20);
  for (guint i = 1; i < sp_series_get_length (series); i++)
    g_assert_cmpint (sp_series_get_point (series, i)->t_us, >, sp_series_get_point (series, i - 1)->t_us);

  /* Connecting again by hand: a new list, the same histories. */
  fixture->items_added = 0;
  connect_watch (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  fixture->n_prices = 0;
  wait_for (has_prices, fixture, GUINT_TO_POINTER (10), "prices after connecting again");
  g_assert_true (sp_watch_symbol_get_series (sp_watch_lookup (fixture->watch,
                                                              sp_watch_symbol_get_name (symbol)))
                 == series);
}

/* Back too late (the server keeps the last 256 ticks, half a second at 2 ms):
 * only the latest prices come, and the gap stays where the stream was down. */
static void
test_gap_not_recovered (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(SpWatchSymbol) symbol = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t_start, t_end;
  guint index;
  int recovered = -1;

  sp_server_stop (fixture->server);
  config->interval_ms = 2;
  g_assert_true (sp_server_start (fixture->server, config, &error));
  g_assert_no_error (error);
  connect_watch (fixture);
  g_signal_connect (fixture->client, "recovered", G_CALLBACK (on_recovered), &recovered);
  wait_for (has_prices, fixture, GUINT_TO_POINTER (10), "prices");
  symbol = g_list_model_get_item (G_LIST_MODEL (fixture->watch), 0);

  kick_and_wait (fixture);
  wait_for (is_state, fixture, GINT_TO_POINTER (SP_STREAM_OPEN), "the reconnection");
  wait_for (answered, fixture, &recovered, "the answer to what it last had");
  g_assert_cmpint (recovered, ==, FALSE);
  fixture->n_prices = 0;
  wait_for (has_prices, fixture, GUINT_TO_POINTER (20), "prices after the reconnection");
  g_assert_cmpuint (sp_watch_symbol_get_n_gaps (symbol), ==, 1);
  sp_series_get_gap (sp_watch_symbol_get_series (symbol), 0, &t_start, &t_end, &index);
  g_assert_cmpint (t_end, >, t_start);
  g_assert_cmpint (t_end, <, G_MAXINT64);   /* prices came back, after the gap */
}

/* Back on another market (the server started anew with another seed) whose
 * ring holds the same seqs: the client names the market it had, is told
 * "recovered":false, and the gap stays. */
static void
test_another_market (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(SpWatchSymbol) symbol = NULL;
  g_autoptr(GError) error = NULL;
  int recovered = -1;

  connect_watch (fixture);
  g_signal_connect (fixture->client, "recovered", G_CALLBACK (on_recovered), &recovered);
  wait_for (has_prices, fixture, GUINT_TO_POINTER (10), "prices");
  symbol = g_list_model_get_item (G_LIST_MODEL (fixture->watch), 0);

  /* The same address, another market: its seqs soon pass the few the client had. */
  config->port = sp_server_get_port (fixture->server);
  config->interval_ms = 20;
  config->have_seed = TRUE;
  config->seed = 8;
  sp_server_stop (fixture->server);
  wait_for (is_state, fixture, GINT_TO_POINTER (SP_STREAM_RECONNECTING), "the drop");
  g_assert_true (sp_server_start (fixture->server, config, &error));
  g_assert_no_error (error);
  wait_for (answered, fixture, &recovered, "the answer to what it last had");
  g_assert_cmpint (recovered, ==, FALSE);
  fixture->n_prices = 0;
  wait_for (has_prices, fixture, GUINT_TO_POINTER (20), "prices after the reconnection");
  g_assert_cmpuint (sp_watch_symbol_get_n_gaps (symbol), ==, 1);
}

/* Another stream starts from nothing. */
static void
test_new_stream (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SpServer) other = start_server (0);
  g_autofree char *url = sp_server_dup_ws_url (other);
  g_autoptr(SpStreamOptions) options = sp_stream_options_new (url);
  g_autoptr(SpWatchSymbol) before = NULL;
  guint n_url = 0;

  connect_watch (fixture);
  wait_for (has_prices, fixture, GUINT_TO_POINTER (10), "prices");
  before = g_list_model_get_item (G_LIST_MODEL (fixture->watch), 0);

  g_signal_connect (fixture->watch, "notify::url", G_CALLBACK (count_notify), &n_url);
  g_assert_true (sp_watch_connect (fixture->watch, options, NULL));
  g_assert_cmpuint (n_url, ==, 1);
  g_assert_cmpuint (sp_series_get_length (sp_watch_get_rate_series (fixture->watch)), ==, 0);
  fixture->n_prices = 0;
  wait_for (has_prices, fixture, GUINT_TO_POINTER (5), "the other stream's prices");
  {
    SpWatchSymbol *after = sp_watch_lookup (fixture->watch, sp_watch_symbol_get_name (before));

    g_assert_nonnull (after);
    g_assert_true (sp_watch_symbol_get_series (after) != sp_watch_symbol_get_series (before));
    g_assert_cmpuint (sp_watch_symbol_get_n_gaps (after), ==, 0);
  }
  sp_stream_client_disconnect (fixture->client);
  sp_server_stop (other);
}

/* A recording holds every frame that arrived while it ran, in order, and
 * nothing from before or after it. */
static void
test_recording (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("stockpush-watch-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "recording.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GError) error = NULL;
  guint n_recording = 0;
  guint64 n;

  connect_watch (fixture);
  wait_for (has_prices, fixture, GUINT_TO_POINTER (5), "prices");

  g_signal_connect (fixture->watch, "notify::recording", G_CALLBACK (count_notify), &n_recording);
  g_assert_true (sp_watch_start_recording (fixture->watch, path, &error));
  g_assert_no_error (error);
  g_assert_true (sp_watch_get_recording (fixture->watch));
  fixture->collecting = TRUE;
  wait_for (has_frames, fixture, GUINT_TO_POINTER (20), "frames to record");
  g_assert_cmpuint (sp_watch_get_n_recorded (fixture->watch), ==, fixture->frames->len);
  n = sp_watch_stop_recording (fixture->watch, &error);
  fixture->collecting = FALSE;
  g_assert_no_error (error);
  g_assert_false (sp_watch_get_recording (fixture->watch));
  g_assert_cmpuint (n_recording, ==, 2);
  g_assert_cmpuint (n, ==, fixture->frames->len);
  g_assert_cmpuint (sp_watch_stop_recording (fixture->watch, NULL), ==, 0);

  loaded = sp_frames_load (file, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, fixture->frames->len);
  for (guint i = 0; i < loaded->len; i++)
    {
      SpFrame *want = g_ptr_array_index (fixture->frames, i);
      SpFrame *got = g_ptr_array_index (loaded, i);

      g_assert_cmpint (got->time_us, ==, want->time_us);
      g_assert_cmpint (got->direction, ==, want->direction);
      g_assert_cmpint (got->kind, ==, want->kind);
      g_assert_true (g_bytes_equal (got->payload, want->payload));
    }

  /* A file that cannot be made: refused with the reason, nothing recording. */
  g_assert_false (sp_watch_start_recording (fixture->watch, bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (sp_watch_get_recording (fixture->watch));
  g_assert_cmpuint (n_recording, ==, 2);

  g_unlink (path);
  g_rmdir (dir);
}

static gboolean
has_rate (Fixture      *fixture,
          gconstpointer data)
{
  return sp_watch_get_n_messages (fixture->watch) > 0;
}

/* The rate strip gets samples of what the client received. */
static void
test_rate (Fixture       *fixture,
           gconstpointer  data)
{
  SpSeries *rate = sp_watch_get_rate_series (fixture->watch);

  connect_watch (fixture);
  wait_for (has_rate, fixture, NULL, "a rate sample");
  g_assert_cmpuint (sp_watch_get_n_messages (fixture->watch), <=,
                    sp_stream_client_get_messages_in (fixture->client));
  g_assert_cmpuint (sp_series_get_length (rate), >=, 1);
  g_assert_cmpfloat (sp_watch_get_rate (fixture->watch), >, 0);
}

static GSettings *
memory_settings (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "..", "data", NULL);
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GError) error = NULL;

  source = g_settings_schema_source_new_from_directory (dir, NULL, TRUE, &error);
  g_assert_no_error (error);
  schema = g_settings_schema_source_lookup (source, "com.example.StockPush", FALSE);
  g_assert_nonnull (schema);
  return g_settings_new_full (schema, backend, NULL);
}

/* The newest address first, each once, a dozen at most; a saved connection
 * comes back as it was saved, and saving under its name again replaces it. */
static void
test_recent (void)
{
  g_autoptr(GSettings) settings = memory_settings ();
  g_autoptr(SpStreamOptions) options = sp_stream_options_new ("wss://example.test/feed");
  g_autoptr(SpStreamOptions) saved = NULL;
  g_autoptr(GVariant) connections = NULL;
  g_auto(GStrv) recent = NULL;
  static const char *subscribe[] = { "{\"op\":\"subscribe\"}", "{\"op\":\"more\"}", NULL };
  const char *headers[] = { "Authorization: Bearer x", "X-Feed: fx", NULL };
  const char *protocols[] = { "v2.feed", "v1.feed", NULL };

  sp_recent_remember (settings, "recent-urls", "ws://a/");
  sp_recent_remember (settings, "recent-urls", "ws://b/");
  sp_recent_remember (settings, "recent-urls", "ws://a/");
  sp_recent_remember (settings, "recent-urls", "");
  recent = g_settings_get_strv (settings, "recent-urls");
  g_assert_cmpuint (g_strv_length (recent), ==, 2);
  g_assert_cmpstr (recent[0], ==, "ws://a/");
  g_assert_cmpstr (recent[1], ==, "ws://b/");
  g_clear_pointer (&recent, g_strfreev);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *url = g_strdup_printf ("ws://host%u/", i);

      sp_recent_remember (settings, "recent-urls", url);
    }
  recent = g_settings_get_strv (settings, "recent-urls");
  g_assert_cmpuint (g_strv_length (recent), ==, SP_RECENT_MAX);
  g_assert_cmpstr (recent[0], ==, "ws://host19/");

  options->headers = g_strdupv ((char **) headers);
  options->protocols = g_strdupv ((char **) protocols);
  options->price_path = g_strdup ("data.p");
  options->send_on_open = g_strdupv ((char **) subscribe);
  sp_saved_connection_store (settings, "Feed", options);
  saved = sp_saved_connection_lookup (settings, "Feed");
  g_assert_nonnull (saved);
  g_assert_cmpstrv (saved->send_on_open, subscribe);
  g_assert_cmpstr (saved->url, ==, options->url);
  g_assert_cmpstrv (saved->headers, headers);
  g_assert_cmpstrv (saved->protocols, protocols);
  g_assert_cmpstr (saved->price_path, ==, "data.p");
  g_assert_null (saved->symbol_path);
  g_assert_null (sp_saved_connection_lookup (settings, "Other"));

  g_free (options->url);
  options->url = g_strdup ("wss://example.test/other");
  sp_saved_connection_store (settings, "Feed", options);
  connections = g_settings_get_value (settings, "saved-connections");
  g_assert_cmpuint (g_variant_n_children (connections), ==, 1);
  g_clear_pointer (&saved, sp_stream_options_free);
  saved = sp_saved_connection_lookup (settings, "Feed");
  g_assert_cmpstr (saved->url, ==, "wss://example.test/other");
  g_assert_cmpstrv (saved->send_on_open, subscribe);

  /* Saved again without messages: none are sent any more. */
  g_clear_pointer (&options->send_on_open, g_strfreev);
  sp_saved_connection_store (settings, "Feed", options);
  g_clear_pointer (&saved, sp_stream_options_free);
  saved = sp_saved_connection_lookup (settings, "Feed");
  g_assert_true (saved->send_on_open == NULL || saved->send_on_open[0] == NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/watch/symbols", Fixture, NULL, fixture_set_up, test_symbols, fixture_tear_down);
  g_test_add ("/watch/another-market", Fixture, NULL, fixture_set_up, test_another_market,
              fixture_tear_down);
  g_test_add ("/watch/gap-not-recovered", Fixture, NULL, fixture_set_up, test_gap_not_recovered,
              fixture_tear_down);
  g_test_add ("/watch/gap-on-reconnect", Fixture, NULL, fixture_set_up, test_gap_on_reconnect,
              fixture_tear_down);
  g_test_add ("/watch/new-stream", Fixture, NULL, fixture_set_up, test_new_stream,
              fixture_tear_down);
  g_test_add ("/watch/recording", Fixture, NULL, fixture_set_up, test_recording,
              fixture_tear_down);
  g_test_add ("/watch/rate", Fixture, NULL, fixture_set_up, test_rate, fixture_tear_down);
  g_test_add_func ("/watch/recent", test_recent);

  return g_test_run ();
}
