/* The Handshake page: the raw opening handshake of a connection and the accept derivation. */
#pragma once

#include <adwaita.h>

#include "sp-stream-client.h"

G_BEGIN_DECLS

#define SP_TYPE_HANDSHAKE_PAGE (sp_handshake_page_get_type ())

G_DECLARE_FINAL_TYPE (SpHandshakePage, sp_handshake_page, SP, HANDSHAKE_PAGE, GtkWidget)

/* @clients: SpClientItem list of the built-in server's clients. */
void      sp_handshake_page_set_sources (SpHandshakePage *self,
                                         SpStreamClient  *viewer,
                                         GListModel      *clients);
/* For tests and screenshots: the verdict shown, "✓" or "✗" or "". */
const char *sp_handshake_page_get_verdict (SpHandshakePage *self);
const char *sp_handshake_page_get_expected_accept (SpHandshakePage *self);

G_END_DECLS
