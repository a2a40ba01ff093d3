/* Serving without a display: prints where it serves, logs clients, stops cleanly on a signal. */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "sp-headless.h"
#include "sp-market.h"
#include "sp-server.h"

static void
log_line (const char *format,
          ...) G_GNUC_PRINTF (1, 2);

static void
log_line (const char *format,
          ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s  %s\n", stamp, message);
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
  guint sigint_id;
  guint sigterm_id;
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
  printf ("StockPush %s serving %u symbol%s every %u ms, %s format\n",
          PACKAGE_VERSION, n_symbols, n_symbols == 1 ? "" : "s",
          config->interval_ms, sp_format_to_string (config->format));
  printf ("  WebSocket: %s\n", ws_url);
  printf ("  Web page:  %s\n", http_url);
  printf ("Press Ctrl+C to stop.\n");
  fflush (stdout);

  g_signal_connect (server, "client-connected", G_CALLBACK (on_client_connected), NULL);
  g_signal_connect (server, "client-disconnected", G_CALLBACK (on_client_disconnected), NULL);

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, loop);

  g_main_loop_run (loop);

  log_line ("stopping: closing %u client%s with 1001 (going away)",
            sp_server_get_n_clients (server),
            sp_server_get_n_clients (server) == 1 ? "" : "s");
  sp_server_stop (server);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  return 0;
}
