/* The main window. */
#pragma once

#include <adwaita.h>

#include "sp-application.h"
#include "sp-server.h"
#include "sp-stream-client.h"

G_BEGIN_DECLS

#define SP_TYPE_WINDOW (sp_window_get_type ())

G_DECLARE_FINAL_TYPE (SpWindow, sp_window, SP, WINDOW, AdwApplicationWindow)

SpWindow       *sp_window_new               (SpApplication *application);
void            sp_window_start_default     (SpWindow      *self,
                                             const char    *connect_url);
gboolean        sp_window_start_server      (SpWindow      *self);
void            sp_window_connect           (SpWindow      *self,
                                             const char    *url);
SpServerConfig *sp_window_dup_server_config (SpWindow      *self);
SpServer       *sp_window_get_server        (SpWindow      *self);
SpStreamClient *sp_window_get_client        (SpWindow      *self);
/* The Stream page charting @name (a price alert's notification was clicked). */
void            sp_window_show_symbol       (SpWindow      *self,
                                             const char    *name);
/* The name of the page shown ("stream", "clients", "handshake"). */
const char     *sp_window_get_visible_page  (SpWindow      *self);
void            sp_window_show_page         (SpWindow      *self,
                                             const char    *name);
GtkWidget      *sp_window_get_page          (SpWindow      *self,
                                             const char    *name);
GtkSwitch      *sp_window_get_server_switch (SpWindow      *self);

G_END_DECLS
