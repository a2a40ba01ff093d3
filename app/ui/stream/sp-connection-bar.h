/* The Stream page's connection bar: the address, its options, recent and saved
 * connections, Connect, the connection's state and its message rate. Main thread only. */
#pragma once

#include <gtk/gtk.h>

#include "sp-stream-client.h"
#include "sp-watch.h"

G_BEGIN_DECLS

#define SP_TYPE_CONNECTION_BAR (sp_connection_bar_get_type ())

G_DECLARE_FINAL_TYPE (SpConnectionBar, sp_connection_bar, SP, CONNECTION_BAR, GtkWidget)

void             sp_connection_bar_set_watch    (SpConnectionBar *self,
                                                 SpWatch         *watch);
/* Recent and saved connections come from and go to @settings. */
void             sp_connection_bar_set_settings (SpConnectionBar *self,
                                                 GSettings       *settings);
/* The connection as the bar describes it. */
SpStreamOptions *sp_connection_bar_dup_options  (SpConnectionBar *self);
void             sp_connection_bar_set_url      (SpConnectionBar *self,
                                                 const char      *url);
void             sp_connection_bar_focus_url    (SpConnectionBar *self);
/* The price and symbol fields the bar shows (NULL or "": detect). */
void             sp_connection_bar_set_fields   (SpConnectionBar *self,
                                                 const char      *price_path,
                                                 const char      *symbol_path);
/* What is wrong with the address (or the options), under the bar in place of
 * the state, until the address changes; NULL to take it away. */
void             sp_connection_bar_show_error   (SpConnectionBar *self,
                                                 const char      *message);
const char      *sp_connection_bar_get_error    (SpConnectionBar *self);

G_END_DECLS
