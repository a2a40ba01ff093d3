/* The Stream page's send bar: a message to the server as text, hex or base64,
 * recent messages, and a ping. Main thread only. */
#pragma once

#include <gtk/gtk.h>

#include "sp-stream-client.h"

G_BEGIN_DECLS

#define SP_TYPE_SEND_BAR (sp_send_bar_get_type ())

G_DECLARE_FINAL_TYPE (SpSendBar, sp_send_bar, SP, SEND_BAR, GtkWidget)

void sp_send_bar_set_client   (SpSendBar      *self,
                               SpStreamClient *client);
/* Sent messages are remembered in @settings ("recent-messages"). */
void sp_send_bar_set_settings (SpSendBar      *self,
                               GSettings      *settings);

G_END_DECLS
