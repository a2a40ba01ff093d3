/* Binary from what a person types: hex ("01 ff a0", "0x01ff") or base64.
 * Plain functions on strings; any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GBytes *sp_parse_hex    (const char  *text,
                         GError     **error);
GBytes *sp_parse_base64 (const char  *text,
                         GError     **error);

G_END_DECLS
