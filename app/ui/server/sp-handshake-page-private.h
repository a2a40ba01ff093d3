/* The Handshake page's hooks for tests and screenshots: what it shows. */
#pragma once

#include "sp-handshake-page.h"

G_BEGIN_DECLS

/* The verdict shown, "✓" or "✗" or "". */
const char *sp_handshake_page_get_verdict         (SpHandshakePage *self);
/* The accept value the page shows as expected, or NULL. */
const char *sp_handshake_page_get_expected_accept (SpHandshakePage *self);

G_END_DECLS
