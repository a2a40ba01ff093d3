/* Where a server's ticks come from: an abstract source that paces itself on
 * a GMainContext and says when something is due; the receiver, under its
 * own lock, then takes what is due batch by batch. Implementations: the
 * simulated market (sp-market-source.h) and a recording (sp-replay-source.h).
 * Made and started on one thread; paced and read on the context it was
 * started on; sp_tick_source_stop() from any thread. Once stopped and its
 * receiver done with it, it may be started again, on another context: the
 * same market goes on. */
#pragma once

#include <glib-object.h>

#include "sp-frame.h"
#include "sp-market.h"

G_BEGIN_DECLS

/* A batch holds at most this many steps: a source that fell further behind
 * moves on silently over the older ones. */
#define SP_TICK_SOURCE_MAX_STEPS 64

#define SP_TYPE_TICK_SOURCE (sp_tick_source_get_type ())
G_DECLARE_DERIVABLE_TYPE (SpTickSource, sp_tick_source, SP, TICK_SOURCE, GObject)

/* What is due: steps of quotes for every symbol, or one message to pass on as it is. */
typedef struct
{
  guint          n_steps;   /* steps of quotes, oldest first, one interval apart */
  const SpQuote *quotes;    /* n_steps × the source's symbols, step after step */
  gint64         step_us;   /* the interval between steps */
  gint64         ts_us;     /* when the last step was told (µs since the epoch), as a
                             * publisher told it its clients; 0: now */
  SpFrame       *message;   /* or a recorded message (then no quotes) */
  /* An edge's word on its feed (sp-broker-source.h), for its clients before
   * the steps; with no steps and no message, the batch is only that. */
  const char    *sync_state;   /* "lost", "resync" or "ok"; NULL: nothing to say */
  const char    *sync_reason;  /* a code: "new-epoch", "feed-silent"…, or NULL */
  const char    *sync_text;    /* the same for a person, or NULL */
  /* An edge's step: its place in the broker's numbering (one step), so
   * that a client may recover what it missed from the broker's history. */
  const char    *epoch;        /* NULL: not from a broker */
  guint64        offset;
} SpTickBatch;

/* For implementations: how a source paces itself and what it has due. */
struct _SpTickSourceClass
{
  GObjectClass parent_class;

  /* The GSource that paces the source; it calls _sp_tick_source_due()
   * (sp-tick-source-private.h). */
  GSource  *(*create_pacer) (SpTickSource *self);
  gboolean  (*next)         (SpTickSource *self,
                             SpTickBatch  *batch);
  void      (*taken)        (SpTickSource *self,
                             guint         receivers,
                             guint         clients);
  /* Optional: the pacer runs on @context from now on. */
  void      (*started)      (SpTickSource *self,
                             GMainContext *context);
};

/* Something is due: call sp_tick_source_next() until it returns FALSE.
 * Return G_SOURCE_REMOVE to stop the source. */
typedef gboolean (*SpTickDueFunc) (SpTickSource *source,
                                   gpointer      user_data);

const char * const *sp_tick_source_get_symbols     (SpTickSource  *self);
guint               sp_tick_source_get_n_symbols   (SpTickSource  *self);
/* The symbol's index, or -1. */
int                 sp_tick_source_find_symbol     (SpTickSource  *self,
                                                    const char    *name);
/* Attaches the source to @context; @func runs there whenever something is due.
 * A stopped source may start again (after its last due call returned). */
void                sp_tick_source_start           (SpTickSource  *self,
                                                    GMainContext  *context,
                                                    SpTickDueFunc  func,
                                                    gpointer       user_data);
/* Any thread: no more due calls once the one running (if any) returns. */
void                sp_tick_source_stop            (SpTickSource  *self);
/* From the due callback: the next batch due, or FALSE when nothing more is
 * due before the source's next wake-up. @batch is valid until the next call. */
gboolean            sp_tick_source_next            (SpTickSource  *self,
                                                    SpTickBatch   *batch);
/* The receiver's word on the batch just taken: how many of its @clients
 * took it. A source paced by its receivers waits for them on 0. */
void                sp_tick_source_taken           (SpTickSource  *self,
                                                    guint          receivers,
                                                    guint          clients);

G_END_DECLS
