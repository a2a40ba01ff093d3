/* The Clients page: who is connected to the built-in server, live. */
#pragma once

#include <adwaita.h>

#include "sp-server.h"

G_BEGIN_DECLS

#define SP_TYPE_CLIENTS_PAGE (sp_clients_page_get_type ())

G_DECLARE_FINAL_TYPE (SpClientsPage, sp_clients_page, SP, CLIENTS_PAGE, GtkWidget)

void        sp_clients_page_set_server  (SpClientsPage *self,
                                         SpServer      *server);
/* The connected clients, as items with an "info" property (SpClientInfo). */
GListModel *sp_clients_page_get_clients (SpClientsPage *self);
/* Refused connections listed (repeats counted), since the list was cleared. */
guint       sp_clients_page_get_n_refusals (SpClientsPage *self);

G_END_DECLS
