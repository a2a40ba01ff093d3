/* Server options given on the command line, kept apart from the configuration they
 * override: headless applies them to the defaults, the window to its settings, each
 * time it starts the server. One parser, one merge, for both. */
#pragma once

#include <glib.h>

#include "sp-server-config.h"

G_BEGIN_DECLS

typedef struct _SpServerOverrides SpServerOverrides;

/* Reads the server options out of a command line's dictionary and checks each value
 * (on a scratch configuration). On error, *failed_option names the option refused. */
SpServerOverrides *sp_server_overrides_new_from_options (GVariantDict  *options,
                                                         const char   **failed_option,
                                                         GError       **error);
void               sp_server_overrides_free             (SpServerOverrides *self);
gboolean           sp_server_overrides_is_empty         (const SpServerOverrides *self);
/* The options given, as typed: "--port", "--symbols", … in command-line order of the
 * table; NULL-terminated, owned by the overrides. */
const char * const *sp_server_overrides_get_names       (const SpServerOverrides *self);
/* Whether the option (without the dashes) was given. */
gboolean           sp_server_overrides_has              (const SpServerOverrides *self,
                                                         const char              *name);
/* Applies every override to config, then the rule for a server reachable from other
 * machines: a fresh token unless --no-token. */
gboolean           sp_server_overrides_apply            (const SpServerOverrides *self,
                                                         SpServerConfig          *config,
                                                         const char             **failed_option,
                                                         GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerOverrides, sp_server_overrides_free)

G_END_DECLS
