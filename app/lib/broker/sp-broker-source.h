/* An edge's tick source: the publisher's steps from the broker, applied in
 * offset order, duplicates dropped, gaps filled from the broker's history;
 * when a gap cannot be filled (history trimmed) or the numbering starts
 * again (a new epoch: the broker lost its data, or another publisher), the
 * next step, which holds every symbol, resynchronises it, and says so to
 * the clients (SpTickBatch.sync_state "resync"). A watchdog notices a feed
 * that falls silent or a broker that is away ("lost"), and the feed's
 * return with nothing missed ("ok"). Each step keeps
 * the time the publisher's clients were told it. Made on any thread; runs
 * on the context it is started on, as its broker. */
#pragma once

#include "sp-broker.h"
#include "sp-tick-source.h"

G_BEGIN_DECLS

#define SP_TYPE_BROKER_SOURCE (sp_broker_source_get_type ())
G_DECLARE_FINAL_TYPE (SpBrokerSource, sp_broker_source, SP, BROKER_SOURCE, SpTickSource)

/* Asks @broker (blocking, again and again for up to @timeout_ms: the broker
 * or the publisher may be starting too) for the publisher's market; NULL
 * with an error that says what to do when there is none. */
SpTickSource *sp_broker_source_new          (SpBroker       *broker,
                                             guint           timeout_ms,
                                             GError        **error);
SpBroker     *sp_broker_source_get_broker   (SpBrokerSource *self);
/* The publisher's interval between steps. */
gint64        sp_broker_source_get_step_us  (SpBrokerSource *self);
/* Times the source started again from a step after a gap it could not fill. */
guint         sp_broker_source_get_resyncs  (SpBrokerSource *self);
/* Whether the feed is in sync: the broker connected and the publisher heard
 * (a step or a heartbeat) within SP_BROKER_SILENT_MS; when not, @reason (if
 * not NULL) gets why, for a person. Any thread. */
gboolean      sp_broker_source_get_in_sync  (SpBrokerSource *self,
                                             char          **reason);
/* Publications dropped as repeats, and steps taken from the history. */
guint64       sp_broker_source_get_repeats  (SpBrokerSource *self);
guint64       sp_broker_source_get_filled   (SpBrokerSource *self);
/* The publisher's epoch as the broker said it when the source was made
 * (each step then says its own: SpTickBatch.epoch). Any thread. */
const char   *sp_broker_source_get_first_epoch (SpBrokerSource *self);

G_END_DECLS
