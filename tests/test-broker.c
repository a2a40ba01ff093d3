/* The broker between a publisher and its edges, on a real redis-server that
 * the test starts on a free loopback port (no persistence) and stops: the
 * tick text, live publications numbered by epoch and offset, the history and
 * the last one, publications kept while the broker is away and a new epoch
 * after it lost its data or when another publisher starts. */
#include "config.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "sp-broker-tick.h"
#include "sp-error.h"
#include "sp-redis-broker.h"
#include "sptest-util.h"

#define WAIT_MS 20000

static GSubprocess *redis;
static guint redis_port;
static char *redis_url;

static gboolean
redis_answers (gpointer data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                                       redis_port, NULL, NULL);

  return conn != NULL;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
redis_start (void)
{
  g_autofree char *port = g_strdup_printf ("%u", redis_port);
  g_autoptr(GError) error = NULL;

  /* Silent, and gone with the test even when it fails. */
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  redis = g_subprocess_launcher_spawn (launcher, &error, "redis-server", "--port", port,
                                       "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                       NULL);
  g_assert_no_error (error);
  g_assert_true (sp_test_wait_until (NULL, redis_answers, NULL, WAIT_MS));
}

static void
redis_kill (void)
{
  g_subprocess_force_exit (redis);
  g_subprocess_wait (redis, NULL, NULL);
  g_clear_object (&redis);
}

typedef struct
{
  GPtrArray *epochs;    /* of each publication */
  GArray    *offsets;
  GPtrArray *payloads;
  gboolean   done;
  SpBrokerInfo *info;
  char      *error;
} Seen;

static void
seen_init (Seen *seen)
{
  memset (seen, 0, sizeof *seen);
  seen->epochs = g_ptr_array_new_with_free_func (g_free);
  seen->offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
  seen->payloads = g_ptr_array_new_with_free_func (g_free);
}

static void
seen_clear (Seen *seen)
{
  g_ptr_array_unref (seen->epochs);
  g_array_unref (seen->offsets);
  g_ptr_array_unref (seen->payloads);
  sp_broker_info_free (seen->info);
  g_free (seen->error);
}

static void
on_one (const char *epoch,
        guint64     offset,
        const char *payload,
        gsize       length,
        gpointer    user_data)
{
  Seen *seen = user_data;

  /* Live and fetched both: each publication once. */
  for (guint i = 0; i < seen->offsets->len; i++)
    if (g_array_index (seen->offsets, guint64, i) == offset &&
        g_str_equal (g_ptr_array_index (seen->epochs, i), epoch))
      return;

  g_ptr_array_add (seen->epochs, g_strdup (epoch));
  g_array_append_val (seen->offsets, offset);
  g_ptr_array_add (seen->payloads, g_strndup (payload, length));
}

static void
on_publication (SpBroker   *broker,
                const char *epoch,
                guint64     offset,
                const char *payload,
                guint64     length,
                Seen       *seen)
{
  on_one (epoch, offset, payload, length, seen);
}

static void
on_done (const SpBrokerInfo *info,
         const GError       *error,
         gpointer            user_data)
{
  Seen *seen = user_data;

  seen->done = TRUE;
  if (info != NULL)
    {
      seen->info = g_new0 (SpBrokerInfo, 1);
      seen->info->epoch = g_strdup (info->epoch);
      seen->info->offset = info->offset;
      seen->info->symbols = g_strdupv (info->symbols);
      seen->info->step_us = info->step_us;
    }
  if (error != NULL)
    seen->error = g_strdup (error->message);
}

static gboolean
seen_n (gpointer data)
{
  Seen *seen = data;

  return seen->offsets->len >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (redis), "want"));
}

static void
wait_seen (Seen  *seen,
           guint  n)
{
  g_object_set_data (G_OBJECT (redis), "want", GUINT_TO_POINTER (n));
  if (!sp_test_wait_until (NULL, seen_n, seen, WAIT_MS))
    g_error ("%u publications seen, not %u", seen->offsets->len, n);
}

static gboolean
is_done (gpointer data)
{
  return ((Seen *) data)->done;
}

static gboolean
is_connected (gpointer data)
{
  return sp_broker_get_state (data) == SP_BROKER_CONNECTED;
}

static gboolean
is_away (gpointer data)
{
  return sp_broker_get_state (data) == SP_BROKER_CONNECTING && sp_broker_get_error (data) != NULL;
}

static const char *const symbols[] = { "ACME", "GLOBEX", NULL };

static char *
tick_text (guint64 seq)
{
  SpQuote quotes[2] = {
    { NULL, 29990 + (gint64) seq, 29990, (gint64) seq, (gint64) seq * 3, 100 * seq, seq },
    { NULL, 12000 - (gint64) seq, 12000, -(gint64) seq, -(gint64) seq * 8, 50 * seq, seq },
  };
  GString *out = g_string_new (NULL);

  sp_broker_tick_encode (out, quotes, 2, 1700000000000000 + (gint64) seq, 250000);
  return g_string_free (out, FALSE);
}

static void
test_tick_text (void)
{
  g_autofree char *text = tick_text (7);
  SpQuote quotes[2];
  gint64 ts, step;
  g_autoptr(GError) error = NULL;
  static const char *bad[] = {
    "", "2 1 1 1:1:0:0:0:0 1:1:0:0:0:0", "1 1 1 1:1:0:0:0:0", "1 1 1 1:1:0:0:0:0 1:1:0:0:0:0 x",
    "1 1 0 1:1:0:0:0:0 1:1:0:0:0:0", "1 1 1 0:1:0:0:0:0 1:1:0:0:0:0", "1 1 1 1:1:0:0:0 1:1:0:0:0:0",
    "1 1 1 1:1:0:0:0:0 1:1:0:0:0:99999999999999999999", "1 -5 1 1:1:0:0:0:0 1:1:0:0:0:0",
  };

  g_assert_cmpstr (text, ==, "1 1700000000000007 250000 29997:29990:7:21:700:7 "
                             "11993:12000:-7:-56:350:7");
  g_assert_true (sp_broker_tick_decode (text, strlen (text), quotes, 2, &ts, &step, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ts, ==, 1700000000000007);
  g_assert_cmpint (step, ==, 250000);
  g_assert_cmpint (quotes[1].price_cents, ==, 11993);
  g_assert_cmpint (quotes[1].change_bp, ==, -56);
  g_assert_cmpuint (quotes[1].seq, ==, 7);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (sp_broker_tick_decode (bad[i], strlen (bad[i]), quotes, 2, &ts, &step, &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_BAD_MESSAGE);
      g_clear_error (&error);
    }
}

static void
publish (SpBroker *broker,
         guint64   seq,
         gboolean  new_epoch)
{
  g_autofree char *text = tick_text (seq);

  sp_broker_publish (broker, text, strlen (text), new_epoch);
}

static void
on_fetched (const SpBrokerInfo *info,
            const GError       *error,
            gpointer            user_data)
{
}

/* Subscribed again: what came without the subscription, from the history. */
static void
on_subscribed_again (SpBroker *broker,
                     Seen     *seen)
{
  sp_broker_fetch_since (broker, 0, on_one, on_fetched, seen);
}

/* Live, in order, numbered; then the history and the last one. */
static void
test_publish (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpBroker) publisher = sp_redis_broker_new (redis_url, &error);
  g_autoptr(SpBroker) edge = sp_redis_broker_new (redis_url, &error);
  Seen live, since, range, last;

  g_assert_no_error (error);
  seen_init (&live);
  seen_init (&since);
  seen_init (&range);
  seen_init (&last);
  g_signal_connect (edge, "publication", G_CALLBACK (on_publication), &live);
  sp_broker_subscribe (edge);
  sp_broker_start (edge, NULL);
  sp_broker_set_market (publisher, symbols, 250000);
  sp_broker_start (publisher, NULL);
  g_assert_true (sp_test_wait_until (NULL, is_connected, edge, WAIT_MS));
  g_assert_true (sp_test_wait_until (NULL, is_connected, publisher, WAIT_MS));

  for (guint64 seq = 1; seq <= 3; seq++)
    publish (publisher, seq, seq == 1);
  wait_seen (&live, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *text = tick_text (i + 1);

      g_assert_cmpuint (g_array_index (live.offsets, guint64, i), ==, i + 1);
      g_assert_cmpstr (g_ptr_array_index (live.payloads, i), ==, text);
      g_assert_cmpstr (g_ptr_array_index (live.epochs, i), ==, g_ptr_array_index (live.epochs, 0));
    }

  sp_broker_fetch_since (edge, 1, on_one, on_done, &since);
  g_assert_true (sp_test_wait_until (NULL, is_done, &since, WAIT_MS));
  g_assert_null (since.error);
  g_assert_cmpuint (since.offsets->len, ==, 2);
  g_assert_cmpuint (g_array_index (since.offsets, guint64, 0), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (since.payloads, 1), ==, g_ptr_array_index (live.payloads, 2));
  g_assert_cmpstr (since.info->epoch, ==, g_ptr_array_index (live.epochs, 0));
  g_assert_cmpstrv (since.info->symbols, symbols);
  g_assert_cmpint (since.info->step_us, ==, 250000);

  /* A range: only the publications asked for, however many the history holds. */
  sp_broker_fetch_range (edge, 0, 2, on_one, on_done, &range);
  g_assert_true (sp_test_wait_until (NULL, is_done, &range, WAIT_MS));
  g_assert_null (range.error);
  g_assert_cmpuint (range.offsets->len, ==, 2);
  g_assert_cmpuint (g_array_index (range.offsets, guint64, 0), ==, 1);
  g_assert_cmpuint (g_array_index (range.offsets, guint64, 1), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (range.payloads, 1), ==, g_ptr_array_index (live.payloads, 1));

  sp_broker_fetch_last (edge, on_one, on_done, &last);
  g_assert_true (sp_test_wait_until (NULL, is_done, &last, WAIT_MS));
  g_assert_cmpuint (last.offsets->len, ==, 1);
  g_assert_cmpuint (g_array_index (last.offsets, guint64, 0), ==, 3);
  g_assert_cmpuint (last.info->offset, ==, 3);

  seen_clear (&live);
  seen_clear (&since);
  seen_clear (&range);
  seen_clear (&last);
}

/* Another publisher's start is a new epoch, numbered from 1. */
static void
test_new_publisher (void)
{
  g_autoptr(SpBroker) first = sp_redis_broker_new (redis_url, NULL);
  g_autoptr(SpBroker) second = sp_redis_broker_new (redis_url, NULL);
  g_autoptr(SpBroker) edge = sp_redis_broker_new (redis_url, NULL);
  Seen live;

  seen_init (&live);
  g_signal_connect (edge, "publication", G_CALLBACK (on_publication), &live);
  sp_broker_subscribe (edge);
  sp_broker_start (edge, NULL);
  g_assert_true (sp_test_wait_until (NULL, is_connected, edge, WAIT_MS));
  sp_broker_set_market (first, symbols, 250000);
  sp_broker_set_market (second, symbols, 250000);
  sp_broker_start (first, NULL);
  publish (first, 1, TRUE);
  publish (first, 2, FALSE);
  wait_seen (&live, 2);
  sp_broker_stop (first);
  sp_broker_start (second, NULL);
  publish (second, 1, TRUE);
  wait_seen (&live, 3);
  g_assert_cmpuint (g_array_index (live.offsets, guint64, 2), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (live.epochs, 2), !=, g_ptr_array_index (live.epochs, 1));
  seen_clear (&live);
}

/* The broker dies and comes back empty: the publisher kept what it published
 * meanwhile and sends it in order; the edge, subscribed again, finds a new
 * epoch numbered from 1, live or in the history. */
static void
test_broker_restart (void)
{
  g_autoptr(SpBroker) publisher = sp_redis_broker_new (redis_url, NULL);
  g_autoptr(SpBroker) edge = sp_redis_broker_new (redis_url, NULL);
  Seen live;

  seen_init (&live);
  g_signal_connect (edge, "publication", G_CALLBACK (on_publication), &live);
  sp_broker_subscribe (edge);
  sp_broker_start (edge, NULL);
  sp_broker_set_market (publisher, symbols, 250000);
  sp_broker_start (publisher, NULL);
  g_assert_true (sp_test_wait_until (NULL, is_connected, edge, WAIT_MS));
  publish (publisher, 1, TRUE);
  wait_seen (&live, 1);
  g_signal_connect (edge, "subscribed", G_CALLBACK (on_subscribed_again), &live);

  redis_kill ();
  g_assert_true (sp_test_wait_until (NULL, is_away, publisher, WAIT_MS));
  g_assert_true (sp_test_wait_until (NULL, is_away, edge, WAIT_MS));
  g_test_message ("away: %s", sp_broker_get_error (publisher));
  g_assert_nonnull (strstr (sp_broker_get_error (publisher), "Redis at 127.0.0.1"));
  publish (publisher, 2, FALSE);
  publish (publisher, 3, FALSE);

  redis_start ();
  wait_seen (&live, 3);
  g_assert_cmpuint (g_array_index (live.offsets, guint64, 1), ==, 1);
  g_assert_cmpuint (g_array_index (live.offsets, guint64, 2), ==, 2);
  g_assert_cmpstr (g_ptr_array_index (live.epochs, 1), !=, g_ptr_array_index (live.epochs, 0));
  {
    g_autofree char *second = tick_text (2);

    g_assert_cmpstr (g_ptr_array_index (live.payloads, 1), ==, second);
  }
  g_assert_true (is_connected (publisher));
  g_assert_null (sp_broker_get_error (publisher));
  seen_clear (&live);
}

/* The publisher's connection is cut while ticks are on their way: those sent
 * again that the broker had numbered already are not numbered twice. */
static void
test_cut_while_publishing (void)
{
  g_autoptr(SpBroker) publisher = sp_redis_broker_new (redis_url, NULL);
  g_autoptr(SpBroker) edge = sp_redis_broker_new (redis_url, NULL);
  struct timeval timeout = { 5, 0 };
  redisContext *admin;
  redisReply *reply;
  Seen live;

  seen_init (&live);
  g_signal_connect (edge, "publication", G_CALLBACK (on_publication), &live);
  sp_broker_subscribe (edge);
  sp_broker_start (edge, NULL);
  sp_broker_set_market (publisher, symbols, 250000);
  sp_broker_start (publisher, NULL);
  g_assert_true (sp_test_wait_until (NULL, is_connected, edge, WAIT_MS));
  g_assert_true (sp_test_wait_until (NULL, is_connected, publisher, WAIT_MS));
  /* The edge's connections are cut too: it takes what it missed from the history. */
  g_signal_connect (edge, "subscribed", G_CALLBACK (on_subscribed_again), &live);

  for (guint64 seq = 1; seq <= 200; seq++)
    {
      publish (publisher, seq, seq == 1);
      if (seq == 100)
        {
          /* Let some go out, then cut every ordinary connection (not the subscriber). */
          sp_test_wait_until (NULL, NULL, NULL, 2);
          admin = redisConnectWithTimeout ("127.0.0.1", (int) redis_port, timeout);
          g_assert_true (admin != NULL && admin->err == 0);
          reply = redisCommand (admin, "CLIENT KILL TYPE normal");
          g_assert_nonnull (reply);
          g_test_message ("connections cut: %lld", reply->integer);
          freeReplyObject (reply);
          redisFree (admin);
        }
    }
  wait_seen (&live, 200);
  sp_test_wait_until (NULL, NULL, NULL, 300);
  /* Each of the 200 once, under its own offset, whatever came live or fetched. */
  g_assert_cmpuint (live.offsets->len, ==, 200);
  for (guint i = 0; i < 200; i++)
    {
      guint64 offset = g_array_index (live.offsets, guint64, i);
      g_autofree char *text = tick_text (offset);

      g_assert_cmpuint (offset, >=, 1);
      g_assert_cmpuint (offset, <=, 200);
      g_assert_cmpstr (g_ptr_array_index (live.payloads, i), ==, text);
    }
  seen_clear (&live);
}

static void
ignore_one (const char *epoch,
            guint64     offset,
            const char *payload,
            gsize       length,
            gpointer    user_data)
{
}

static gboolean
all_answered (gpointer data)
{
  const guint *counts = data;

  return counts[0] == counts[1];
}

static void
on_fetch_answered (const SpBrokerInfo *info,
                   const GError       *error,
                   gpointer            user_data)
{
  (*(guint *) user_data)++;
}

/* The connections are cut while the publisher publishes and the edge asks
 * for history on every turn of the loop, the turn after hiredis reports the
 * fault (the links go an idle later) among them: nothing crashes, every fetch
 * is answered, and every publication reaches the edge once. */
static void
test_cut_between_turns (void)
{
  g_autoptr(SpBroker) publisher = sp_redis_broker_new (redis_url, NULL);
  g_autoptr(SpBroker) edge = sp_redis_broker_new (redis_url, NULL);
  struct timeval timeout = { 5, 0 };
  redisContext *admin;
  redisReply *reply;
  guint counts[2] = { 0, 0 };   /* fetches asked, answered */
  guint64 seq = 1;
  Seen live;

  seen_init (&live);
  g_signal_connect (edge, "publication", G_CALLBACK (on_publication), &live);
  sp_broker_subscribe (edge);
  sp_broker_start (edge, NULL);
  sp_broker_set_market (publisher, symbols, 250000);
  sp_broker_start (publisher, NULL);
  g_assert_true (sp_test_wait_until (NULL, is_connected, edge, WAIT_MS));
  g_assert_true (sp_test_wait_until (NULL, is_connected, publisher, WAIT_MS));
  publish (publisher, seq, TRUE);
  wait_seen (&live, 1);
  g_signal_connect (edge, "subscribed", G_CALLBACK (on_subscribed_again), &live);

  admin = redisConnectWithTimeout ("127.0.0.1", (int) redis_port, timeout);
  g_assert_true (admin != NULL && admin->err == 0);
  reply = redisCommand (admin, "CLIENT KILL TYPE normal");
  g_assert_nonnull (reply);
  freeReplyObject (reply);
  redisFree (admin);

  /* One publication and one fetch per turn until both have seen the cut. */
  while (!is_away (publisher) || !is_away (edge))
    {
      g_assert_cmpuint (seq, <, 100000);
      publish (publisher, ++seq, FALSE);
      counts[0]++;
      sp_broker_fetch_since (edge, 0, ignore_one, on_fetch_answered, &counts[1]);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (50);
    }
  g_test_message ("%" G_GUINT64_FORMAT " published around the cut", seq);
  publish (publisher, ++seq, FALSE);

  wait_seen (&live, (guint) seq);
  g_assert_true (sp_test_wait_until (NULL, is_connected, publisher, WAIT_MS));
  g_assert_true (sp_test_wait_until (NULL, all_answered, counts, WAIT_MS));
  for (guint i = 0; i < live.offsets->len; i++)
    {
      guint64 offset = g_array_index (live.offsets, guint64, i);
      g_autofree char *text = tick_text (offset);

      g_assert_cmpstr (g_ptr_array_index (live.payloads, i), ==, text);
    }
  g_assert_cmpuint (live.offsets->len, ==, seq);
  seen_clear (&live);
}

static void
test_bad_url (void)
{
  static const char *bad[] = { "127.0.0.1:6379", "http://127.0.0.1/", "redis://", "redis:///x" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (sp_redis_broker_new (bad[i], &error));
      g_assert_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "redis://HOST:PORT"));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *server = g_find_program_in_path ("redis-server");
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/tick-text", test_tick_text);
  g_test_add_func ("/broker/bad-url", test_bad_url);
  if (server == NULL)
    {
      g_test_message ("redis-server is not installed: the broker tests against it are skipped");
      return g_test_run ();
    }

  redis_port = sp_test_free_port ();
  redis_url = g_strdup_printf ("redis://127.0.0.1:%u", redis_port);
  redis_start ();
  g_test_add_func ("/broker/publish", test_publish);
  g_test_add_func ("/broker/new-publisher", test_new_publisher);
  g_test_add_func ("/broker/broker-restart", test_broker_restart);
  g_test_add_func ("/broker/cut-while-publishing", test_cut_while_publishing);
  g_test_add_func ("/broker/cut-between-turns", test_cut_between_turns);
  status = g_test_run ();
  redis_kill ();
  g_free (redis_url);
  return status;
}
