/* The Handshake page: the opening handshake of a connection and the accept
 * derivation, as the core recorded them. On the main thread. */
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

G_END_DECLS
