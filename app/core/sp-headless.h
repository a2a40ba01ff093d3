/* Serving without a display: the `stockpush --headless` main loop. */
#pragma once

#include "sp-server-config.h"

G_BEGIN_DECLS

/* Runs until SIGINT or SIGTERM; returns the process exit status. */
int sp_headless_run (const SpServerConfig *config);

G_END_DECLS
