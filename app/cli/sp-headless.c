/* Serving without a display: prints where it serves, logs clients, stops cleanly on a signal. */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "sp-headless.h"
#include "sp-market.h"
#include "sp-server.h"
#include "sp-watch.h"

static void
log_line (const char *format,
          ...) G_GNUC_PRINTF (1, 2);

/* Lines come in bursts (thousands of clients connecting): the local time is
 * looked up and written once a second, not once a line. Main thread only. */
static const char *
time_stamp (void)
{
  static gint64 second = -1;
  static char stamp[16];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (now != second)
    {
      g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (now);
      g_autofree char *text = g_date_time_format (local, "%H:%M:%S");

      second = now;
      g_strlcpy (stamp, text, sizeof stamp);
    }
  return stamp;
}

static void
log_line (const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s  %s\n", time_stamp (), message);
}

static char *
format_endpoint (const SpClientInfo *info)
{
  if (strchr (info->address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", info->address, info->port);

  return g_strdup_printf ("%s:%u", info->address, info->port);
}

static void
on_client_connected (SpServer     *server,
                     SpClientInfo *info,
                     gpointer      user_data)
{
  g_autofree char *endpoint = format_endpoint (info);

  log_line ("client #%" G_GUINT64_FORMAT " connected from %s%s%s%s%s (%u connected)",
            info->id, endpoint,
            info->origin ? ", origin " : "", info->origin ? info->origin : "",
            info->user_agent ? ", " : "", info->user_agent ? info->user_agent : "",
            sp_server_get_n_clients (server));
}

static void
on_client_disconnected (SpServer     *server,
                        SpClientInfo *info,
                        gpointer      user_data)
{
  g_autofree char *endpoint = format_endpoint (info);

  log_line ("client #%" G_GUINT64_FORMAT " %s left: close %u%s%s, "
            "%" G_GUINT64_FORMAT " frames sent (%u connected)",
            info->id, endpoint, info->close_code,
            info->close_reason && *info->close_reason ? " " : "",
            info->close_reason ? info->close_reason : "",
            info->frames_sent, sp_server_get_n_clients (server));
}

/* Refusals are logged rate-limited per kind and origin: the first in full,
 * then how many more came, at most every REFUSAL_WINDOW_S, so that a flood
 * of refused connections cannot fill a disk. */
#define REFUSAL_WINDOW_S 10

typedef struct
{
  SpRefusalKind kind;
  char         *origin;     /* or NULL */
  guint         status;
  gint64        logged_at;  /* monotonic: when it was last written */
  guint64       more;       /* since then, not written */
} RefusalSeen;

static void
refusal_seen_free (gpointer data)
{
  RefusalSeen *seen = data;

  g_free (seen->origin);
  g_free (seen);
}

static char *
refusal_key (const SpRefusal *refusal)
{
  return g_strdup_printf ("%d %s", refusal->kind, refusal->origin ? refusal->origin : "");
}

static void
log_more (RefusalSeen *seen)
{
  log_line ("refused %" G_GUINT64_FORMAT " more connection%s like that (%u%s%s) in the last %d s",
            seen->more, seen->more == 1 ? "" : "s", seen->status,
            seen->origin ? ", origin " : "", seen->origin ? seen->origin : "", REFUSAL_WINDOW_S);
  seen->more = 0;
}

static void
on_client_refused (SpServer  *server,
                   SpRefusal *refusal,
                   gpointer   user_data)
{
  GHashTable *seen_by_key = user_data;
  g_autofree char *key = refusal_key (refusal);
  g_autofree char *origin = sp_refusal_describe_origin (refusal);
  g_autofree char *endpoint = NULL;
  RefusalSeen *seen = g_hash_table_lookup (seen_by_key, key);
  gint64 now = g_get_monotonic_time ();

  if (seen != NULL && now - seen->logged_at < REFUSAL_WINDOW_S * G_USEC_PER_SEC)
    {
      seen->more += 1 + refusal->more;
      return;
    }
  if (seen == NULL)
    {
      seen = g_new0 (RefusalSeen, 1);
      seen->kind = refusal->kind;
      seen->origin = g_strdup (refusal->origin);
      g_hash_table_insert (seen_by_key, g_steal_pointer (&key), seen);
    }
  else if (seen->more > 0)
    log_more (seen);
  seen->status = refusal->status;
  seen->logged_at = now;
  seen->more = refusal->more;

  endpoint = strchr (refusal->address ? refusal->address : "", ':') != NULL
               ? g_strdup_printf ("[%s]:%u", refusal->address, refusal->port)
               : g_strdup_printf ("%s:%u", refusal->address ? refusal->address : "?",
                                  refusal->port);
  log_line ("refused %s%s%s: %u %s%s%s", endpoint,
            origin == NULL ? ""
                           : g_str_equal (refusal->origin, "null") ? ", " : ", origin ",
            origin ? origin : "", refusal->status, refusal->reason ? refusal->reason : "",
            refusal->user_agent ? "; " : "", refusal->user_agent ? refusal->user_agent : "");
}

/* Every window: the counts not written yet; kinds quiet for a window are forgotten. */
static gboolean
on_refusal_window (gpointer user_data)
{
  GHashTable *seen_by_key = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  RefusalSeen *seen;

  g_hash_table_iter_init (&iter, seen_by_key);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &seen))
    {
      if (seen->more > 0)
        {
          log_more (seen);
          seen->logged_at = now;
        }
      else if (now - seen->logged_at >= REFUSAL_WINDOW_S * G_USEC_PER_SEC)
        g_hash_table_iter_remove (&iter);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);

  return G_SOURCE_CONTINUE;
}

int
sp_headless_run (const SpServerConfig *config)
{
  g_autoptr(SpServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ws_url = NULL;
  g_autofree char *http_url = NULL;
  g_autoptr(GHashTable) refusals = NULL;
  guint refusal_window;
  guint n_symbols;

  g_return_val_if_fail (config != NULL, 1);

  server = sp_server_new ();
  if (!sp_server_start (server, config, &error))
    {
      fprintf (stderr, "stockpush: %s\n", error->message);
      return 1;
    }

  ws_url = sp_server_dup_ws_url (server);
  http_url = sp_server_dup_http_url (server);
  n_symbols = g_strv_length (config->symbols ? config->symbols
                                              : (char **) sp_market_default_symbols ());
  if (config->role == SP_ROLE_EDGE)
    printf ("StockPush %s serving the ticks its publisher puts on %s\n", PACKAGE_VERSION,
            config->broker_url);
  else if (config->replay_file != NULL && config->replay_speed > 0)
    printf ("StockPush %s replaying %s at %g×, from the start again at its end\n",
            PACKAGE_VERSION, config->replay_file, config->replay_speed);
  else if (config->replay_file != NULL)
    printf ("StockPush %s replaying %s as fast as each client takes it, from the start again at its end\n",
            PACKAGE_VERSION, config->replay_file);
  else
    printf ("StockPush %s serving %u symbol%s every %u ms, %s format\n",
            PACKAGE_VERSION, n_symbols, n_symbols == 1 ? "" : "s",
            config->interval_ms, sp_format_to_string (config->format));
  if (config->role == SP_ROLE_PUBLISHER)
    printf ("  Publishing every tick on %s\n", config->broker_url);
  printf ("  WebSocket: %s\n", ws_url);
  printf ("  Web page:  %s\n", http_url);
  printf ("Press Ctrl+C to stop.\n");
  fflush (stdout);

  g_signal_connect (server, "client-connected", G_CALLBACK (on_client_connected), NULL);
  g_signal_connect (server, "client-disconnected", G_CALLBACK (on_client_disconnected), NULL);
  refusals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, refusal_seen_free);
  g_signal_connect (server, "client-refused", G_CALLBACK (on_client_refused), refusals);
  refusal_window = g_timeout_add_seconds (REFUSAL_WINDOW_S, on_refusal_window, refusals);

  loop = g_main_loop_new (NULL, FALSE);
  /* The handlers stay installed until the process exits: a second Ctrl+C or
   * SIGTERM during shutdown must not kill it half way (the loop is not run
   * again, so they only keep the default action away). */
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);

  g_main_loop_run (loop);

  log_line ("stopping: closing %u client%s with 1001 (going away)",
            sp_server_get_n_clients (server),
            sp_server_get_n_clients (server) == 1 ? "" : "s");
  sp_server_stop (server);
  g_signal_handlers_disconnect_by_data (server, refusals);
  g_source_remove (refusal_window);

  return 0;
}

/* ------------------------------------------------------------------------ */
/* Terminal viewer: stockpush --headless --connect URL                        */

typedef struct
{
  GMainLoop      *loop;
  SpStreamClient *client;
  const SpWatchOptions *watch;
  guint64         n_prices;
  int             status;
  gboolean        was_open;
} Watch;

static char *
format_time (gint64 time_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time_us / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (utc == NULL)
    return g_strdup ("?");

  seconds = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", seconds, (int) ((time_us % G_USEC_PER_SEC) / 1000));
}

/* As many decimals as the price needs, at least two: 299.9 → 299.90, 0.000123 → 0.000123. */
static void
format_price (char   *buffer,
              gsize   size,
              double  price)
{
  static const char *formats[] = { "%.2f", "%.3f", "%.4f", "%.5f", "%.6f", "%.7f", "%.8f" };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buffer, size, formats[i], price);
      if (g_ascii_strtod (buffer, NULL) == price)
        return;
    }
}

static void
on_watch_prices (SpStreamClient *client,
                 GArray         *points,
                 SpFrame        *frame,
                 gpointer        user_data)
{
  Watch *watch = user_data;

  for (guint i = 0; i < points->len; i++)
    {
      const SpPricePoint *point = &g_array_index (points, SpPricePoint, i);
      g_autofree char *when = format_time (point->ts_us ? point->ts_us : frame->time_us);
      char price[G_ASCII_DTOSTR_BUF_SIZE];

      format_price (price, sizeof price, point->price);
      printf ("%s  %s  %s\n", when, *point->symbol ? point->symbol : "-", price);

      if (watch->watch->count > 0 && ++watch->n_prices >= watch->watch->count)
        {
          watch->status = 0;
          g_main_loop_quit (watch->loop);
          break;
        }
    }
  fflush (stdout);
}

static void
print_payload (GBytes      *payload,
               SpFrameKind  kind)
{
  gsize size;
  const guchar *data;

  if (payload == NULL)
    return;

  data = g_bytes_get_data (payload, &size);
  if (kind == SP_FRAME_TEXT)
    fprintf (stderr, "  %.*s", (int) MIN (size, 2000), (const char *) data);
  else
    for (gsize i = 0; i < MIN (size, 64); i++)
      fprintf (stderr, "%s%02x", i ? " " : "  ", data[i]);
  if (size > 2000 || (kind != SP_FRAME_TEXT && size > 64))
    fprintf (stderr, " …");
}

static void
on_watch_frame (SpStreamClient *client,
                SpFrame        *frame,
                gpointer        user_data)
{
  Watch *watch = user_data;
  g_autofree char *when = NULL;

  if (!watch->watch->verbose)
    return;

  when = format_time (frame->time_us);
  fprintf (stderr, "%s  %s %s %" G_GSIZE_FORMAT " B", when,
           frame->direction == SP_FRAME_IN ? "←" : "→",
           sp_frame_kind_to_string (frame->kind), frame->size);
  if (frame->kind == SP_FRAME_CLOSE)
    fprintf (stderr, "  code %u%s%s", frame->close_code,
             frame->close_reason ? " " : "", frame->close_reason ? frame->close_reason : "");
  else
    print_payload (frame->payload, frame->kind);
  fprintf (stderr, "\n");
}

static void
on_recording_failed (SpWatch      *model,
                     const GError *error,
                     gpointer      user_data)
{
  Watch *watch = user_data;

  fprintf (stderr, "stockpush: --record %s: %s\n", watch->watch->record, error->message);
  watch->status = 1;
  g_main_loop_quit (watch->loop);
}

/* With --verbose: how the prices are read, whenever that changes. */
static void
on_watch_price_source (SpStreamClient *client,
                       GParamSpec     *pspec,
                       gpointer        user_data)
{
  Watch *watch = user_data;
  const char *source = sp_stream_client_get_price_source (client);

  if (watch->watch->verbose && source != NULL)
    fprintf (stderr, "Prices: %s\n", source);
}

static void
on_watch_handshake (SpStreamClient *client,
                    GParamSpec     *pspec,
                    gpointer        user_data)
{
  Watch *watch = user_data;
  const SpHandshakeRecord *record = sp_stream_client_get_handshake (client);

  if (!watch->watch->verbose || record == NULL)
    return;

  fprintf (stderr, "%s", record->request_text);
  if (record->response_text != NULL)
    fprintf (stderr, "%s", record->response_text);
  if (record->derivation != NULL)
    fprintf (stderr,
             "Sec-WebSocket-Accept derivation:\n"
             "  key            %s\n"
             "  key + GUID     %s\n"
             "  SHA-1          %s\n"
             "  base64         %s  %s\n\n",
             record->derivation->key, record->derivation->concatenated,
             record->derivation->sha1_hex, record->derivation->accept,
             record->verified ? "✓ matches the server's" : "✗ does not match");
}

static void
on_watch_state (SpStreamClient *client,
                GParamSpec     *pspec,
                gpointer        user_data)
{
  Watch *watch = user_data;
  const char *error = sp_stream_client_get_error (client);

  switch (sp_stream_client_get_state (client))
    {
    case SP_STREAM_OPEN:
      watch->was_open = TRUE;
      fprintf (stderr, "Connected to %s\n", watch->watch->stream->url);
      break;

    case SP_STREAM_RECONNECTING:
      if (sp_stream_client_get_close_code (client) != 0)
        fprintf (stderr, "Connection closed: code %u%s%s; reconnecting in %u s\n",
                 sp_stream_client_get_close_code (client),
                 sp_stream_client_get_close_reason (client) ? ", " : "",
                 sp_stream_client_get_close_reason (client) ? sp_stream_client_get_close_reason (client) : "",
                 sp_stream_client_get_reconnect_seconds (client));
      else
        fprintf (stderr, "%s; reconnecting in %u s\n", error ? error : "Connection failed",
                 sp_stream_client_get_reconnect_seconds (client));
      break;

    case SP_STREAM_CLOSED:
      if (!watch->was_open)
        {
          fprintf (stderr, "stockpush: %s\n", error ? error : "the connection failed");
          watch->status = 1;
        }
      else
        {
          gushort code = sp_stream_client_get_close_code (client);
          const char *reason = sp_stream_client_get_close_reason (client);

          fprintf (stderr, "Connection closed by %s: code %u%s%s\n",
                   sp_stream_client_get_closed_by_us (client) ? "stockpush" : "the server", code,
                   reason ? ", " : "", reason ? reason : "");
          watch->status = code == 1000 || code == 1001 || (code >= 1012 && code <= 1014) ? 0 : 1;
        }
      g_main_loop_quit (watch->loop);
      break;

    case SP_STREAM_DISCONNECTED:
      g_main_loop_quit (watch->loop);
      break;

    case SP_STREAM_CONNECTING:
    case SP_STREAM_CLOSING:
    default:
      break;
    }
}

static gboolean
on_watch_signal (gpointer user_data)
{
  Watch *watch = user_data;

  watch->status = 0;
  g_main_loop_quit (watch->loop);

  return G_SOURCE_CONTINUE;
}

int
sp_headless_watch (const SpWatchOptions *options)
{
  g_autoptr(SpStreamClient) client = NULL;
  g_autoptr(SpWatch) model = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  Watch watch = { 0 };
  guint sigint_id;
  guint sigterm_id;

  g_return_val_if_fail (options != NULL, 1);

  loop = g_main_loop_new (NULL, FALSE);
  client = sp_stream_client_new ();
  model = sp_watch_new ();
  sp_watch_set_client (model, client);
  watch.loop = loop;
  watch.client = client;
  watch.watch = options;
  watch.status = 1;

  if (options->record != NULL)
    {
      if (!sp_watch_start_recording (model, options->record, &error))
        {
          fprintf (stderr, "stockpush: --record %s: %s\n", options->record, error->message);
          return 1;
        }
    }

  g_signal_connect (client, "prices", G_CALLBACK (on_watch_prices), &watch);
  g_signal_connect (client, "frame", G_CALLBACK (on_watch_frame), &watch);
  g_signal_connect (client, "notify::handshake", G_CALLBACK (on_watch_handshake), &watch);
  g_signal_connect (client, "notify::price-source", G_CALLBACK (on_watch_price_source), &watch);
  g_signal_connect (client, "notify::state", G_CALLBACK (on_watch_state), &watch);
  g_signal_connect (model, "recording-failed", G_CALLBACK (on_recording_failed), &watch);

  if (!sp_watch_connect (model, options->stream, &error))
    {
      fprintf (stderr, "stockpush: %s\n", error->message);
      return 2;
    }

  sigint_id = g_unix_signal_add (SIGINT, on_watch_signal, &watch);
  sigterm_id = g_unix_signal_add (SIGTERM, on_watch_signal, &watch);

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (client, &watch);
  g_signal_handlers_disconnect_by_data (model, &watch);
  sp_stream_client_disconnect (client);

  if (sp_watch_get_recording (model))
    {
      guint64 n = sp_watch_stop_recording (model, &error);

      if (error != NULL)
        {
          fprintf (stderr, "stockpush: --record %s: %s\n", options->record, error->message);
          watch.status = 1;
        }
      else
        fprintf (stderr, "stockpush: recorded %" G_GUINT64_FORMAT " frames to %s\n",
                 n, options->record);
    }

  return watch.status;
}
