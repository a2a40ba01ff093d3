/* The price-push server engine. It runs on a thread of its own with its own
 * GMainContext, and its ticks on another; every public function may be
 * called from the thread that created it, and its signals are emitted there. */
#pragma once

#include <gio/gio.h>

#include "sp-client-info.h"
#include "sp-server-config.h"

G_BEGIN_DECLS

#define SP_TYPE_SERVER (sp_server_get_type ())

G_DECLARE_FINAL_TYPE (SpServer, sp_server, SP, SERVER, GObject)

SpServer  *sp_server_new            (void);
gboolean   sp_server_start          (SpServer             *self,
                                     const SpServerConfig *config,
                                     GError              **error);
void       sp_server_stop           (SpServer             *self);
/* Stops without blocking the calling thread's loop while clients close. */
void       sp_server_stop_async     (SpServer             *self,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
gboolean   sp_server_stop_finish    (SpServer             *self,
                                     GAsyncResult         *result,
                                     GError              **error);
gboolean   sp_server_get_stopping   (SpServer             *self);
gboolean   sp_server_get_running    (SpServer             *self);
guint      sp_server_get_port       (SpServer             *self);
guint      sp_server_get_n_clients  (SpServer             *self);
char      *sp_server_dup_ws_url     (SpServer             *self);
char      *sp_server_dup_http_url   (SpServer             *self);
/* Every ws:// URL a client could use: one per local address when bound to all. */
char     **sp_server_dup_urls       (SpServer             *self);
/* Element type SpClientInfo, ordered by id. */
GPtrArray *sp_server_list_clients   (SpServer             *self);
gboolean   sp_server_kick_client    (SpServer             *self,
                                     guint64               id);

/* With a broker (sp-server-config.h's role): how this server stands with it. */
typedef enum
{
  SP_SERVER_BROKER_NONE,          /* no broker: not running, or standalone */
  SP_SERVER_BROKER_IN_SYNC,       /* a publisher connected, an edge in sync */
  SP_SERVER_BROKER_RECONNECTING,  /* the broker is away; connecting again */
  SP_SERVER_BROKER_OUT_OF_SYNC,   /* an edge: connected, but its feed is silent */
} SpServerBrokerState;

/* @reason (if not NULL) gets why it is not in
 * sync, for a person, or NULL. */
SpServerBrokerState sp_server_get_broker_state (SpServer      *self,
                                                char         **reason);

/* While running: from the next connection on, browser pages from these
 * origins (as given to sp_server_config_add_origin()) are let in besides the
 * server's own page. */
void          sp_server_set_allowed_origins (SpServer           *self,
                                             const char * const *origins);

G_END_DECLS
