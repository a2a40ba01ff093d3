/* The viewer's model: what a stream has shown so far, fed by an SpStreamClient.
 * A GListModel of SpWatchSymbol in the order the symbols first arrived, each with
 * its price history; gaps marked where the stream stopped; the message rate;
 * and the recording of every frame to a file. The window and the terminal
 * viewer both bind to it. It lives on the thread whose main context was
 * current when it was created, as its client does. */
#pragma once

#include <gio/gio.h>

#include "sp-alerts.h"
#include "sp-series.h"
#include "sp-stream-client.h"
#include "sp-watch-symbol.h"

G_BEGIN_DECLS

#define SP_TYPE_WATCH (sp_watch_get_type ())

G_DECLARE_FINAL_TYPE (SpWatch, sp_watch, SP, WATCH, GObject)

SpWatch        *sp_watch_new              (void);
void            sp_watch_set_client       (SpWatch               *self,
                                           SpStreamClient        *client);
SpStreamClient *sp_watch_get_client       (SpWatch               *self);
/* Connects the client and starts a new list of symbols; the same URL as
 * before keeps the price histories, so the pause shows as a gap. */
gboolean        sp_watch_connect          (SpWatch               *self,
                                           const SpStreamOptions *options,
                                           GError               **error);
/* The client's price and symbol fields changed (sp_stream_client_set_fields()):
 * what was read with the old ones goes, and the symbols start again. */
gboolean        sp_watch_set_fields       (SpWatch               *self,
                                           const char            *price_path,
                                           const char            *symbol_path,
                                           GError               **error);
/* The stream the histories came from, or NULL. */
const char     *sp_watch_get_url          (SpWatch               *self);
/* The symbol named @name in the list, or NULL. */
SpWatchSymbol  *sp_watch_lookup           (SpWatch               *self,
                                           const char            *name);
/* Points kept per symbol. */
void            sp_watch_set_history      (SpWatch               *self,
                                           guint                  history);
guint           sp_watch_get_history      (SpWatch               *self);

/* Every price from now on goes to @alerts (NULL: none); another stream resets them. */
void            sp_watch_set_alerts       (SpWatch               *self,
                                           SpAlerts              *alerts);
SpAlerts       *sp_watch_get_alerts       (SpWatch               *self);

/* Received messages a second, sampled every second while connected. */
SpSeries       *sp_watch_get_rate_series  (SpWatch               *self);
double          sp_watch_get_rate         (SpWatch               *self);
/* Messages received, as of the last sample. */
guint64         sp_watch_get_n_messages   (SpWatch               *self);

/* Every frame from now on to @path as JSON Lines (sp-frame-io.h), for --replay.
 * A recording that cannot be written stops, with ::recording-failed. */
gboolean        sp_watch_start_recording  (SpWatch               *self,
                                           const char            *path,
                                           GError               **error);
/* The number of frames recorded; 0 when not recording or when closing failed. */
guint64         sp_watch_stop_recording   (SpWatch               *self,
                                           GError               **error);
gboolean        sp_watch_get_recording    (SpWatch               *self);
guint64         sp_watch_get_n_recorded   (SpWatch               *self);

G_END_DECLS
