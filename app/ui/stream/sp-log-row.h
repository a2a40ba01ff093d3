/* One row of the message log, drawn in one piece: its height is known without
 * measuring text, so a fast stream's rows cost only what is on screen. */
#pragma once

#include <gtk/gtk.h>

#include "sp-log-item.h"

G_BEGIN_DECLS

#define SP_TYPE_LOG_ROW (sp_log_row_get_type ())
G_DECLARE_FINAL_TYPE (SpLogRow, sp_log_row, SP, LOG_ROW, GtkWidget)

GtkWidget *sp_log_row_new      (void);
void       sp_log_row_set_item (SpLogRow  *self,
                                SpLogItem *item);

G_END_DECLS
