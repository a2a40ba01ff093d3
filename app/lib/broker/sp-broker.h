/* A broker between one publisher (the market) and its edges (the servers that
 * hand its ticks on): every publication numbered by the broker with the
 * publisher's epoch and a global offset, delivered live, kept in a capped
 * history to fill gaps, and the last one kept for those who join late.
 * Abstract, so that another engine than Redis (sp-redis-broker.h) can be
 * added. An instance lives on the context given to sp_broker_start(); every
 * signal is emitted there. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  SP_BROKER_DISCONNECTED,  /* not started, or stopped */
  SP_BROKER_CONNECTING,    /* a first attempt, or again after a fault (with backoff) */
  SP_BROKER_CONNECTED,
} SpBrokerState;

/* What the publisher says about its market, for edges to serve the same. */
typedef struct
{
  char   *epoch;
  guint64 offset;       /* the last publication's */
  char  **symbols;
  gint64  step_us;
} SpBrokerInfo;

void          sp_broker_info_free (SpBrokerInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpBrokerInfo, sp_broker_info_free)

/* One publication: @payload points into the broker's reply, valid during the call. */
typedef void (*SpBrokerFunc) (const char *epoch,
                              guint64     offset,
                              const char *payload,
                              gsize       length,
                              gpointer    user_data);
/* The end of a fetch: @error set when it failed; otherwise @info as the
 * broker has it (NULL: no publisher ever published there). */
typedef void (*SpBrokerDoneFunc) (const SpBrokerInfo *info,
                                  const GError       *error,
                                  gpointer            user_data);

#define SP_TYPE_BROKER (sp_broker_get_type ())
G_DECLARE_DERIVABLE_TYPE (SpBroker, sp_broker, SP, BROKER, GObject)

struct _SpBrokerClass
{
  GObjectClass parent_class;

  void (*start)       (SpBroker          *self,
                       GMainContext      *context);
  SpBrokerInfo *(*lookup_market) (SpBroker  *self,
                                  guint      timeout_ms,
                                  GError   **error);
  void (*stop)        (SpBroker          *self);
  void (*publish)     (SpBroker          *self,
                       const char        *payload,
                       gsize              length,
                       gboolean           new_epoch);
  void (*subscribe)   (SpBroker          *self);
  void (*fetch_since) (SpBroker          *self,
                       guint64            offset,
                       SpBrokerFunc       func,
                       SpBrokerDoneFunc   done,
                       gpointer           user_data);
  void (*fetch_last)  (SpBroker          *self,
                       SpBrokerFunc       func,
                       SpBrokerDoneFunc   done,
                       gpointer           user_data);
  const char *(*get_epoch) (SpBroker     *self);
  void (*fetch_range) (SpBroker          *self,
                       guint64            after,
                       guint64            upto,
                       SpBrokerFunc       func,
                       SpBrokerDoneFunc   done,
                       gpointer           user_data);
};

/* Connects, and again after every fault, with backoff and jitter; the broker
 * then lives on @context (NULL: the thread-default one). */
void           sp_broker_start        (SpBroker          *self,
                                       GMainContext      *context);
/* Blocking, before a start: the market the publisher says it runs, NULL
 * with an error when the broker does not answer within @timeout_ms or no
 * publisher has published there. */
SpBrokerInfo  *sp_broker_lookup_market (SpBroker         *self,
                                        guint             timeout_ms,
                                        GError          **error);
void           sp_broker_stop         (SpBroker          *self);
SpBrokerState  sp_broker_get_state    (SpBroker          *self);
/* Any thread: the state, and (if @error is not NULL) why the last attempt
 * failed, or NULL. */
SpBrokerState  sp_broker_dup_status   (SpBroker          *self,
                                       char             **error);
/* Why the last attempt or connection failed, or NULL. */
const char    *sp_broker_get_error    (SpBroker          *self);
/* The publisher's market, said once at its start and kept with each publication. */
void           sp_broker_set_market   (SpBroker          *self,
                                       const char *const *symbols,
                                       gint64             step_us);
/* Publishes @payload (an sp-broker-tick.h text) with the next offset. While
 * the broker is away publications wait, up to a bounded number (the oldest
 * go first), and are sent in order once it is back. @new_epoch starts a new
 * numbering, as a publisher does at its start. */
void           sp_broker_publish      (SpBroker          *self,
                                       const char        *payload,
                                       gsize              length,
                                       gboolean           new_epoch);
/* While the market is quiet (nothing published for
 * SP_BROKER_HEARTBEAT_MS), a publisher says it is there: subscribers get
 * ::heartbeat with its last publication's epoch and offset, so that a
 * subscriber hearing neither for SP_BROKER_SILENT_MS knows its feed is
 * lost, and one that missed the last publications knows it. */
#define SP_BROKER_HEARTBEAT_MS 500
#define SP_BROKER_SILENT_MS    2000

/* From now on every publication arrives as ::publication; again after a
 * reconnect. ::subscribed says each time the subscription is in place, so
 * that what was published without it can be fetched. */
void           sp_broker_subscribe    (SpBroker          *self);
/* The kept publications after @offset, oldest first, then @done. */
void           sp_broker_fetch_since  (SpBroker          *self,
                                       guint64            offset,
                                       SpBrokerFunc       func,
                                       SpBrokerDoneFunc   done,
                                       gpointer           user_data);
/* The broker's context: the epoch the broker gave this publisher's last
 * publication, or NULL before the first answer. */
const char    *sp_broker_get_epoch    (SpBroker          *self);
/* The kept publications after @after up to @upto (inclusive), oldest
 * first, then @done: at most @upto - @after of them, so that what a fetch
 * holds is bounded by its asker (a client recovering what it missed). */
void           sp_broker_fetch_range  (SpBroker          *self,
                                       guint64            after,
                                       guint64            upto,
                                       SpBrokerFunc       func,
                                       SpBrokerDoneFunc   done,
                                       gpointer           user_data);
/* The last publication (if any), then @done with the publisher's market. */
void           sp_broker_fetch_last   (SpBroker          *self,
                                       SpBrokerFunc       func,
                                       SpBrokerDoneFunc   done,
                                       gpointer           user_data);

/* For implementations. */
void          _sp_broker_set_state    (SpBroker          *self,
                                       SpBrokerState      state,
                                       const char        *error);
void          _sp_broker_emit         (SpBroker          *self,
                                       const char        *epoch,
                                       guint64            offset,
                                       const char        *payload,
                                       gsize              length);
void          _sp_broker_emit_subscribed (SpBroker       *self);
void          _sp_broker_emit_heartbeat (SpBroker        *self,
                                         const char      *epoch,
                                         guint64          offset);
const char *const *_sp_broker_get_symbols (SpBroker      *self);
gint64        _sp_broker_get_step_us  (SpBroker          *self);

G_END_DECLS
