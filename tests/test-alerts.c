/* Price alerts: a level fires when the price goes through it (not while it stays
 * beyond it), a move fires when the price moved by the percentage within its
 * window (and not when the move took longer), each then stays quiet for a
 * minute; rules survive the round trip through settings and bad entries are
 * dropped; and a watch connected to a real stream checks every price it gets. */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "sp-alerts.h"
#include "sp-stream-client.h"
#include "sp-watch.h"
#include "sptest-util.h"

#define S G_USEC_PER_SEC
#define T0 ((gint64) 1800000000 * S)

typedef struct
{
  GPtrArray *fired;     /* of SpAlert, in order */
  GArray    *prices;    /* the price at each firing */
  GArray    *references;
} Fired;

static void
on_fired (SpAlerts *alerts,
          SpAlert  *alert,
          double    price,
          double    reference,
          gint64    t_us,
          Fired    *fired)
{
  g_ptr_array_add (fired->fired, g_object_ref (alert));
  g_array_append_val (fired->prices, price);
  g_array_append_val (fired->references, reference);
}

static void
fired_init (Fired    *fired,
            SpAlerts *alerts)
{
  fired->fired = g_ptr_array_new_with_free_func (g_object_unref);
  fired->prices = g_array_new (FALSE, FALSE, sizeof (double));
  fired->references = g_array_new (FALSE, FALSE, sizeof (double));
  g_signal_connect (alerts, "fired", G_CALLBACK (on_fired), fired);
}

static void
fired_clear (Fired *fired)
{
  g_ptr_array_unref (fired->fired);
  g_array_unref (fired->prices);
  g_array_unref (fired->references);
}

static void
feed (SpAlerts     *alerts,
      const char   *symbol,
      const double *prices,
      guint         n,
      gint64        t0,
      gint64        step)
{
  for (guint i = 0; i < n; i++)
    sp_alerts_check (alerts, symbol, prices[i], t0 + i * step);
}

static void
test_levels (void)
{
  g_autoptr(SpAlerts) alerts = sp_alerts_new ();
  g_autoptr(SpAlert) above = sp_alert_new ("ACME", SP_ALERT_ABOVE, 300, 0);
  g_autoptr(SpAlert) below = sp_alert_new ("ACME", SP_ALERT_BELOW, 290, 0);
  g_autoptr(SpAlert) other = sp_alert_new ("BOLT", SP_ALERT_ABOVE, 1, 0);
  const double rise[] = { 299.0, 299.9, 300.0, 301.0, 302.0 };
  const double fall[] = { 295.0, 289.5, 288.0 };
  const double again[] = { 299.0, 300.5 };
  Fired fired;
  GArray *events;

  fired_init (&fired, alerts);
  sp_alerts_add (alerts, above);
  sp_alerts_add (alerts, below);
  sp_alerts_add (alerts, other);

  /* Already above the level when first seen: nothing went through it. */
  sp_alerts_check (alerts, "ACME", 305, T0);
  sp_alerts_check (alerts, "ACME", 306, T0 + S);
  g_assert_cmpuint (fired.fired->len, ==, 0);

  sp_alerts_reset (alerts);
  feed (alerts, "ACME", rise, G_N_ELEMENTS (rise), T0 + 10 * S, S);
  g_assert_cmpuint (fired.fired->len, ==, 1);
  g_assert_true (fired.fired->pdata[0] == above);
  g_assert_cmpfloat (g_array_index (fired.prices, double, 0), ==, 300.0);
  g_assert_cmpfloat (g_array_index (fired.references, double, 0), ==, 299.9);

  feed (alerts, "ACME", fall, G_N_ELEMENTS (fall), T0 + 20 * S, S);
  g_assert_cmpuint (fired.fired->len, ==, 2);
  g_assert_true (fired.fired->pdata[1] == below);
  g_assert_cmpfloat (g_array_index (fired.prices, double, 1), ==, 289.5);

  /* Through the level again within the minute: quiet; after it, again. */
  feed (alerts, "ACME", again, G_N_ELEMENTS (again), T0 + 30 * S, S);
  g_assert_cmpuint (fired.fired->len, ==, 2);
  feed (alerts, "ACME", again, G_N_ELEMENTS (again), T0 + 100 * S, S);
  g_assert_cmpuint (fired.fired->len, ==, 3);
  g_assert_true (fired.fired->pdata[2] == above);

  /* Each symbol is its own: BOLT's prices do not move ACME's rules. */
  sp_alerts_check (alerts, "BOLT", 0.5, T0 + 200 * S);
  sp_alerts_check (alerts, "BOLT", 1.5, T0 + 201 * S);
  g_assert_cmpuint (fired.fired->len, ==, 4);
  g_assert_true (fired.fired->pdata[3] == other);

  /* What the notification says. */
  {
    g_autofree char *body = NULL;
    g_autofree char *title = sp_alert_describe_event (above, 300.0, 299.9, &body);

    g_assert_cmpstr (title, ==, "ACME rose above 300.00");
    g_assert_cmpstr (body, ==, "Now 300.00, from 299.90");
  }

  /* Where they fired, for the chart. */
  events = sp_alerts_get_events (alerts, "ACME");
  g_assert_nonnull (events);
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_cmpint (g_array_index (events, SpAlertEvent, 0).t_us, ==, T0 + 12 * S);
  g_assert_cmpfloat (g_array_index (events, SpAlertEvent, 1).price, ==, 289.5);
  g_assert_null (sp_alerts_get_events (alerts, "NONE"));

  /* A rule switched off says nothing. */
  sp_alert_set_enabled (above, FALSE);
  feed (alerts, "ACME", again, G_N_ELEMENTS (again), T0 + 400 * S, S);
  g_assert_cmpuint (fired.fired->len, ==, 4);

  /* A rule added (or switched on) while the price is below its level fires at
   * the next price over it, not only after a second one. */
  sp_alerts_check (alerts, "ACME", 309.0, T0 + 500 * S);
  {
    g_autoptr(SpAlert) later = sp_alert_new ("ACME", SP_ALERT_ABOVE, 310, 0);

    sp_alerts_add (alerts, later);
    sp_alerts_check (alerts, "ACME", 310.5, T0 + 501 * S);
    g_assert_cmpuint (fired.fired->len, ==, 5);
    g_assert_true (fired.fired->pdata[4] == later);
    g_assert_cmpfloat (g_array_index (fired.references, double, 4), ==, 309.0);
  }
  sp_alerts_check (alerts, "ACME", 299.0, T0 + 600 * S);
  sp_alert_set_enabled (above, TRUE);
  sp_alerts_check (alerts, "ACME", 300.5, T0 + 601 * S);
  g_assert_cmpuint (fired.fired->len, ==, 6);
  g_assert_true (fired.fired->pdata[5] == above);
  fired_clear (&fired);
}

static void
test_move (void)
{
  g_autoptr(SpAlerts) alerts = sp_alerts_new ();
  g_autoptr(SpAlert) move = sp_alert_new ("ACME", SP_ALERT_MOVE, 2, 300);
  Fired fired;

  fired_init (&fired, alerts);
  sp_alerts_add (alerts, move);

  /* 2 % up, but over 10 minutes: within no 5-minute window. */
  for (guint i = 0; i <= 600; i++)
    sp_alerts_check (alerts, "ACME", 100.0 + 2.5 * i / 600, T0 + i * S);
  g_assert_cmpuint (fired.fired->len, ==, 0);

  /* Then 2 % down within two minutes, many prices a second. */
  for (guint i = 0; i <= 1200; i++)
    {
      sp_alerts_check (alerts, "ACME", 102.5 - 2.1 * i / 1200, T0 + 601 * S + i * S / 10);
      if (fired.fired->len > 0)
        break;
    }
  g_assert_cmpuint (fired.fired->len, ==, 1);
  g_assert_cmpfloat (g_array_index (fired.references, double, 0), >=, 102.4);
  g_assert_cmpfloat (g_array_index (fired.prices, double, 0), <=,
                     g_array_index (fired.references, double, 0) * 0.98);
  {
    g_autofree char *body = NULL;
    g_autofree char *title = sp_alert_describe_event (move, 100.0, 102.5, &body);

    g_assert_cmpstr (title, ==, "ACME moved -2.44 %");
    g_assert_cmpstr (body, ==, "From 102.50 to 100.00 within 5 minutes");
  }

  /* Measured afresh from there, and quiet for a minute anyway. */
  sp_alerts_check (alerts, "ACME", 100.4, T0 + 740 * S);
  sp_alerts_check (alerts, "ACME", 98.0, T0 + 900 * S);
  g_assert_cmpuint (fired.fired->len, ==, 2);
  g_assert_cmpfloat (g_array_index (fired.references, double, 1), ==,
                     g_array_index (fired.prices, double, 0));
  fired_clear (&fired);
}

static void
count (guint *counter)
{
  (*counter)++;
}

static void
test_settings (void)
{
  g_autoptr(SpAlerts) alerts = sp_alerts_new ();
  g_autoptr(SpAlerts) loaded = sp_alerts_new ();
  g_autoptr(SpAlert) above = sp_alert_new ("ACME", SP_ALERT_ABOVE, 300, 0);
  g_autoptr(SpAlert) move = sp_alert_new ("BTC-USD", SP_ALERT_MOVE, 2.5, 3600);
  g_autoptr(GVariant) saved = NULL;
  g_autoptr(GVariant) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *above_words = NULL;
  g_autofree char *move_words = NULL;
  guint changed = 0;

  g_signal_connect_swapped (alerts, "changed", G_CALLBACK (count), &changed);
  sp_alerts_add (alerts, above);
  sp_alerts_add (alerts, move);
  sp_alert_set_enabled (move, FALSE);
  g_assert_cmpuint (changed, ==, 3);
  saved = g_variant_ref_sink (sp_alerts_serialize (alerts));
  g_assert_cmpstr (g_variant_get_type_string (saved), ==, "a(ssddb)");

  sp_alerts_load (loaded, saved);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (loaded)), ==, 2);
  g_assert_cmpstr (sp_alert_get_symbol (sp_alerts_get (loaded, 1)), ==, "BTC-USD");
  g_assert_cmpint (sp_alert_get_kind (sp_alerts_get (loaded, 1)), ==, SP_ALERT_MOVE);
  g_assert_cmpuint (sp_alert_get_window (sp_alerts_get (loaded, 1)), ==, 3600);
  g_assert_false (sp_alert_get_enabled (sp_alerts_get (loaded, 1)));
  g_assert_true (sp_alert_get_enabled (sp_alerts_get (loaded, 0)));

  above_words = sp_alert_describe (sp_alerts_get (loaded, 0));
  move_words = sp_alert_describe (sp_alerts_get (loaded, 1));
  g_assert_cmpstr (above_words, ==, "ACME rises above 300.00");
  g_assert_cmpstr (move_words, ==, "BTC-USD moves 2.5 % within 1 hour");

  /* Entries that make no sense are dropped, the rest kept. */
  bad = g_variant_ref_sink (g_variant_new_parsed (
    "[('', 'above', 1.0, 0.0, true), ('X', 'sideways', 1.0, 0.0, true),"
    " ('X', 'below', -3.0, 0.0, true), ('X', 'move', 150.0, 60.0, true),"
    " ('X', 'move', 1.0, 0.0, true), ('X', 'move', 1.0, 1e12, true),"
    " ('OK', 'below', 10.0, 0.0, true)]"));
  sp_alerts_load (loaded, bad);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (loaded)), ==, 1);
  g_assert_cmpstr (sp_alert_get_symbol (sp_alerts_get (loaded, 0)), ==, "OK");

  /* What the dialog says to a mistake. */
  g_assert_false (sp_alerts_validate ("  ", SP_ALERT_ABOVE, 1, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (sp_alerts_validate ("X", SP_ALERT_MOVE, 100, 60, &error));
  g_assert_nonnull (strstr (error->message, "percentage"));
  g_clear_error (&error);

  sp_alerts_remove (alerts, 0);
  g_assert_cmpuint (changed, ==, 4);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (alerts)), ==, 1);
}

/* ------------------------------------------------------------------------ */
/* Through a watch on a real stream                                          */

static const char *const stream[] = {
  "{\"symbol\":\"ACME\",\"price\":299.50}",
  "{\"symbol\":\"BOLT\",\"price\":10.00}",
  "{\"symbol\":\"ACME\",\"price\":300.25}",
  "{\"symbol\":\"ACME\",\"price\":301.00}",
  NULL
};

static void
on_client (SoupServer              *server,
           SoupServerMessage       *msg,
           const char              *path,
           SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  for (guint i = 0; stream[i] != NULL; i++)
    soup_websocket_connection_send_text (conn, stream[i]);
}

static gboolean
fired_once (gpointer data)
{
  return ((Fired *) data)->fired->len >= 1;
}

static void
test_watch (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(SpAlerts) alerts = sp_alerts_new ();
  g_autoptr(SpAlert) above = sp_alert_new ("ACME", SP_ALERT_ABOVE, 300, 0);
  g_autoptr(SpWatch) watch = sp_watch_new ();
  g_autoptr(SpStreamClient) client = sp_stream_client_new ();
  g_autoptr(SpStreamOptions) options = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GArray *events;
  Fired fired;

  soup_server_add_websocket_handler (server, NULL, NULL, NULL, on_client, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("ws://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  fired_init (&fired, alerts);
  sp_alerts_add (alerts, above);
  sp_watch_set_client (watch, client);
  sp_watch_set_alerts (watch, alerts);
  options = sp_stream_options_new (url);
  options->auto_reconnect = FALSE;
  g_assert_true (sp_watch_connect (watch, options, &error));
  g_assert_no_error (error);

  g_assert_true (sp_test_wait_until (NULL, fired_once, &fired, 20000));
  sp_test_wait_until (NULL, NULL, NULL, 200);
  g_assert_cmpuint (fired.fired->len, ==, 1);
  g_assert_cmpfloat (g_array_index (fired.prices, double, 0), ==, 300.25);
  g_assert_cmpfloat (g_array_index (fired.references, double, 0), ==, 299.50);
  events = sp_alerts_get_events (alerts, "ACME");
  g_assert_nonnull (events);
  g_assert_cmpuint (events->len, ==, 1);

  sp_stream_client_disconnect (client);
  sp_watch_set_client (watch, NULL);
  soup_server_disconnect (server);
  fired_clear (&fired);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/alerts/levels", test_levels);
  g_test_add_func ("/alerts/move", test_move);
  g_test_add_func ("/alerts/settings", test_settings);
  g_test_add_func ("/alerts/watch", test_watch);
  return g_test_run ();
}
