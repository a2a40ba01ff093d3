/* The command line's options (see sp-options.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* NULL-terminated, for g_application_add_main_option_entries(). */
const GOptionEntry *sp_options_entries (void);

G_END_DECLS
