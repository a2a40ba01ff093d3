/* A connected client as a list item: a stable object whose snapshot is refreshed. */
#pragma once

#include <glib-object.h>

#include "sp-client-info.h"

G_BEGIN_DECLS

#define SP_TYPE_CLIENT_ITEM (sp_client_item_get_type ())

G_DECLARE_FINAL_TYPE (SpClientItem, sp_client_item, SP, CLIENT_ITEM, GObject)

SpClientItem *sp_client_item_new      (SpClientInfo *info);
SpClientInfo *sp_client_item_get_info (SpClientItem *self);
void          sp_client_item_set_info (SpClientItem *self,
                                       SpClientInfo *info);

G_END_DECLS
