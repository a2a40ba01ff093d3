/* Serving without a display: the `stockpush --headless` main loop. */
#pragma once

#include "sp-server-config.h"
#include "sp-stream-client.h"

G_BEGIN_DECLS

/* Runs until SIGINT or SIGTERM; returns the process exit status. */
int sp_headless_run (const SpServerConfig *config);

typedef struct
{
  SpStreamOptions *stream;
  gboolean         verbose;  /* handshake and every frame on stderr */
  guint64          count;    /* exit after this many prices; 0: never */
  const char      *record;   /* every frame to this file, as JSON Lines; NULL: none */
} SpWatchOptions;

/* The terminal viewer: one line per price on stdout until the stream ends.
 * Returns 0 after a normal close (1000/1001), a count reached or a signal;
 * 1 when the connection fails or ends abnormally; 2 for a bad URL. */
int sp_headless_watch (const SpWatchOptions *options);

G_END_DECLS
