/* The edge's tick source (see sp-broker-source.h). Publications arrive on the
 * tick thread's context, where the broker lives; the fan-out takes the steps
 * they hold there too, under its lock. */
#include "config.h"

#include <string.h>

#include "sp-broker-source.h"
#include "sp-broker-tick.h"
#include "sp-tick-source-private.h"

/* Publications held past a gap while the history is fetched. */
#define MAX_AHEAD 4096
#define LOOKUP_RETRY_US (100 * G_TIME_SPAN_MILLISECOND)
#define WATCHDOG_MS     250

/* What the clients are told, with a code and words for a person. */
typedef struct
{
  const char *state;
  const char *reason;
  const char *text;
} Sync;

static const Sync SYNC_NEW_EPOCH = { "resync", "new-epoch",
  "The broker numbers the ticks anew (it or the publisher started again): prices go on from "
  "the latest of each symbol" };
static const Sync SYNC_TRIMMED = { "resync", "history-trimmed",
  "Ticks were missed and are no longer in the broker's history: prices go on from the latest "
  "of each symbol" };
static const Sync SYNC_GAP = { "resync", "gap",
  "Ticks were missed and the broker's history could not be read: prices go on from the latest "
  "of each symbol" };
static const Sync SYNC_SILENT = { "lost", "feed-silent",
  "No tick or heartbeat from the publisher for 2 s: prices may be stale" };
static const Sync SYNC_AWAY = { "lost", "broker-unreachable",
  "The broker cannot be reached: prices may be stale" };
static const Sync SYNC_OK = { "ok", NULL, NULL };

typedef struct
{
  gint64      ts_us;
  SpQuote    *quotes;   /* NULL: only a word on the feed */
  const Sync *sync;
  char       *epoch;    /* with the quotes: where the broker numbers them */
  guint64     offset;
} Step;

struct _SpBrokerSource
{
  SpTickSource  parent_instance;

  SpBroker     *broker;
  guint         n;            /* symbols */
  const char *const *symbols; /* the parent's */
  gint64        step_us;
  char         *epoch;        /* of the last step applied; NULL before the first */
  guint64       offset;       /* …and its offset */
  GQueue        ready;        /* Step, due, oldest first */
  GTree        *ahead;        /* offset → GBytes: arrived past a gap */
  gboolean      filling;
  GSource      *pacer;        /* not a reference: the parent's */
  SpQuote      *quotes;       /* the batch handed out last */
  char         *batch_epoch;  /* …and its epoch */
  char         *first_epoch;  /* the broker's when the source was made */
  guint         resyncs;
  guint64       repeats;
  guint64       filled;
  const Sync   *resync;       /* for the next step applied */
  gboolean      checking;     /* a heartbeat's look at the broker is under way */
  gint64        last_heard;   /* monotonic: the last publication or heartbeat */
  GSource      *watchdog;
  gboolean      told_lost;    /* the clients were told "lost", not yet "ok" or "resync" */
  gboolean      heard;        /* the publisher heard since the broker (re)connected */

  GMutex        sync_lock;    /* in_sync and sync_reason, read by other threads */
  gboolean      in_sync;
  char         *sync_reason;
};

G_DEFINE_FINAL_TYPE (SpBrokerSource, sp_broker_source, SP_TYPE_TICK_SOURCE)

static void
step_free (Step *step)
{
  g_free (step->quotes);
  g_free (step->epoch);
  g_free (step);
}

static gint
compare_offsets (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/* Decodes and queues the step; one that cannot be read is skipped (it was
 * numbered, so the order goes on). */
static void
apply (SpBrokerSource *self,
       guint64         offset,
       const char     *payload,
       gsize           length)
{
  g_autoptr(GError) error = NULL;
  Step *step = g_new0 (Step, 1);
  gint64 step_us;

  self->offset = offset;
  step->sync = self->resync;
  self->resync = NULL;
  if (step->sync != NULL)
    self->told_lost = FALSE;
  step->quotes = g_new0 (SpQuote, self->n);
  if (!sp_broker_tick_decode (payload, length, step->quotes, self->n, &step->ts_us, &step_us, &error))
    {
      g_warning ("Publication %" G_GUINT64_FORMAT " skipped: %s", offset, error->message);
      self->resync = step->sync;
      step_free (step);
      return;
    }
  for (guint i = 0; i < self->n; i++)
    step->quotes[i].symbol = self->symbols[i];
  step->epoch = g_strdup (self->epoch);
  step->offset = offset;
  g_queue_push_tail (&self->ready, step);
  if (self->pacer != NULL)
    g_source_set_ready_time (self->pacer, 0);
}

/* Those held past the gap that now follow on. */
static void
apply_ahead (SpBrokerSource *self)
{
  for (;;)
    {
      guint64 next = self->offset + 1;
      GBytes *bytes = g_tree_lookup (self->ahead, &next);
      gsize length;
      const char *data;

      if (bytes == NULL)
        break;
      data = g_bytes_get_data (bytes, &length);
      apply (self, next, data, length);
      g_tree_remove (self->ahead, &next);
    }
}

/* Held ones the history brought already. */
static void
forget_ahead_upto (SpBrokerSource *self,
                   guint64         offset)
{
  GTreeNode *node;

  while ((node = g_tree_node_first (self->ahead)) != NULL &&
         *(const guint64 *) g_tree_node_key (node) <= offset)
    g_tree_remove (self->ahead, g_tree_node_key (node));
}

static void
on_filled_one (const char *epoch,
               guint64     offset,
               const char *payload,
               gsize       length,
               gpointer    user_data)
{
  SpBrokerSource *self = user_data;

  if (g_strcmp0 (epoch, self->epoch) != 0 || offset <= self->offset)
    return;   /* an older numbering, or had already */
  if (offset != self->offset + 1)
    {
      /* Trimmed from the history: start again from the oldest it has. */
      self->resyncs++;
      self->resync = &SYNC_TRIMMED;
      forget_ahead_upto (self, offset);
    }
  self->filled++;
  apply (self, offset, payload, length);
}

static void
on_filled (const SpBrokerInfo *info,
           const GError       *error,
           gpointer            user_data)
{
  SpBrokerSource *self = user_data;

  self->filling = FALSE;
  forget_ahead_upto (self, self->offset);   /* the history brought them */
  apply_ahead (self);
  /* Still a gap (nothing kept, or the fetch failed): go on from what came live. */
  if (g_tree_nnodes (self->ahead) > 0)
    {
      GTreeNode *first = g_tree_node_first (self->ahead);
      guint64 offset = *(guint64 *) g_tree_node_key (first);

      self->resyncs++;
      self->resync = &SYNC_GAP;
      self->offset = offset - 1;
      apply_ahead (self);
    }
  g_object_unref (self);
}

static void
hold (SpBrokerSource *self,
      guint64         offset,
      const char     *payload,
      gsize           length)
{
  guint64 *key = g_new (guint64, 1);

  *key = offset;
  if (g_tree_nnodes (self->ahead) < MAX_AHEAD)
    g_tree_insert (self->ahead, key, g_bytes_new (payload, length));
  else
    g_free (key);
  if (!self->filling)
    {
      self->filling = TRUE;
      sp_broker_fetch_since (self->broker, self->offset, on_filled_one, on_filled,
                             g_object_ref (self));
    }
}

static void
on_publication (SpBroker       *broker,
                const char     *epoch,
                guint64         offset,
                const char     *payload,
                guint64         length,
                SpBrokerSource *self)
{
  self->last_heard = g_get_monotonic_time ();
  self->heard = TRUE;
  if (self->filling)
    {
      hold (self, offset, payload, length);
      return;
    }
  if (g_strcmp0 (epoch, self->epoch) != 0)
    {
      /* The first, or a numbering begun again: this step holds every symbol. */
      if (self->epoch != NULL)
        {
          self->resyncs++;
          self->resync = &SYNC_NEW_EPOCH;
        }
      g_free (self->epoch);
      self->epoch = g_strdup (epoch);
      g_tree_remove_all (self->ahead);
      apply (self, offset, payload, length);
      return;
    }
  if (offset <= self->offset)
    {
      self->repeats++;
      return;
    }
  if (offset == self->offset + 1)
    {
      apply (self, offset, payload, length);
      apply_ahead (self);
      return;
    }
  hold (self, offset, payload, length);
}

static void
ignore_one (const char *epoch,
            guint64     offset,
            const char *payload,
            gsize       length,
            gpointer    user_data)
{
}

/* Subscribed (again): what was published without the subscription comes
 * from the history; a new numbering from its start. */
static void
on_recovery_point (const SpBrokerInfo *info,
                   const GError       *error,
                   gpointer            user_data)
{
  SpBrokerSource *self = user_data;
  guint64 from;

  self->checking = FALSE;
  if (info == NULL || self->filling)
    {
      g_object_unref (self);
      return;
    }
  self->last_heard = g_get_monotonic_time ();
  self->heard = TRUE;
  if (self->epoch == NULL)
    {
      /* The first subscription: from now on, as a late joiner. */
      self->epoch = g_strdup (info->epoch);
      self->offset = info->offset;
      g_object_unref (self);
      return;
    }
  if (!g_str_equal (info->epoch, self->epoch))
    {
      self->resyncs++;
      self->resync = &SYNC_NEW_EPOCH;
      g_free (self->epoch);
      self->epoch = g_strdup (info->epoch);
      self->offset = 0;
      g_tree_remove_all (self->ahead);
    }
  else if (info->offset <= self->offset)
    {
      g_object_unref (self);
      return;
    }
  from = self->offset;
  self->filling = TRUE;
  /* The reference goes on to on_filled. */
  sp_broker_fetch_since (self->broker, from, on_filled_one, on_filled, self);
}

static void
on_subscribed (SpBroker       *broker,
               SpBrokerSource *self)
{
  self->checking = TRUE;
  sp_broker_fetch_last (self->broker, ignore_one, on_recovery_point, g_object_ref (self));
}

/* A quiet market's heartbeat: the feed is there; and when its numbers are
 * past ours (the last publications missed) or anew, the broker is asked. */
static void
on_heartbeat (SpBroker       *broker,
              const char     *epoch,
              guint64         offset,
              SpBrokerSource *self)
{
  self->last_heard = g_get_monotonic_time ();
  self->heard = TRUE;
  if (self->filling || self->checking || self->epoch == NULL)
    return;
  if (g_str_equal (epoch, self->epoch) && offset <= self->offset)
    return;
  on_subscribed (broker, self);
}

/* A word for the clients, in its place among the steps. */
static void
tell (SpBrokerSource *self,
      const Sync     *sync)
{
  Step *step = g_new0 (Step, 1);

  step->sync = sync;
  g_queue_push_tail (&self->ready, step);
  if (self->pacer != NULL)
    g_source_set_ready_time (self->pacer, 0);
}

static void
set_in_sync (SpBrokerSource *self,
             gboolean        in_sync,
             const char     *reason)
{
  g_mutex_lock (&self->sync_lock);
  self->in_sync = in_sync;
  if (g_strcmp0 (self->sync_reason, reason) != 0)
    {
      g_free (self->sync_reason);
      self->sync_reason = g_strdup (reason);
    }
  g_mutex_unlock (&self->sync_lock);
}

/* Four times a second: a broker away or a feed silent for
 * SP_BROKER_SILENT_MS is a feed lost, and the clients are told. */
static gboolean
on_watchdog (gpointer data)
{
  SpBrokerSource *self = data;
  gint64 silent = g_get_monotonic_time () - self->last_heard;
  const Sync *lost = NULL;
  g_autofree char *reason = NULL;

  if (sp_broker_get_state (self->broker) != SP_BROKER_CONNECTED)
    {
      const char *error = sp_broker_get_error (self->broker);

      lost = &SYNC_AWAY;
      reason = g_strdup_printf ("the broker is away: %s",
                                error != NULL ? error : "connecting");
      /* Back, it may be empty (restarted): in sync once the publisher is heard again. */
      self->heard = FALSE;
    }
  else if (self->epoch == NULL)
    reason = g_strdup ("waiting for the publisher's first tick");
  else if (silent > SP_BROKER_SILENT_MS * G_TIME_SPAN_MILLISECOND)
    {
      lost = &SYNC_SILENT;
      reason = g_strdup_printf ("no tick or heartbeat from the publisher for %.1f s",
                                (double) silent / G_USEC_PER_SEC);
    }
  else if (!self->heard)
    reason = g_strdup ("the broker is back; waiting for the publisher");

  set_in_sync (self, reason == NULL, reason);
  if (lost != NULL && !self->told_lost)
    {
      self->told_lost = TRUE;
      tell (self, lost);
    }
  else if (reason == NULL && self->told_lost && self->resync == NULL && !self->filling &&
           !self->checking)
    {
      /* (A resync to come, or the broker still being asked, tells more.) */
      /* Back with nothing missed (what was missed came from the history). */
      self->told_lost = FALSE;
      tell (self, &SYNC_OK);
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */

static gboolean
pacer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return _sp_tick_source_due (SP_TICK_SOURCE (user_data));
}

static GSourceFuncs pacer_funcs = { NULL, NULL, pacer_dispatch, NULL, NULL, NULL };

static GSource *
sp_broker_source_create_pacer (SpTickSource *source)
{
  SpBrokerSource *self = SP_BROKER_SOURCE (source);

  self->pacer = g_source_new (&pacer_funcs, sizeof (GSource));
  g_source_set_callback (self->pacer, NULL, self, NULL);
  g_source_set_static_name (self->pacer, "[stockpush] broker ticks");
  return self->pacer;
}

static void
sp_broker_source_started (SpTickSource *source,
                          GMainContext *context)
{
  SpBrokerSource *self = SP_BROKER_SOURCE (source);

  g_signal_connect (self->broker, "publication", G_CALLBACK (on_publication), self);
  g_signal_connect (self->broker, "subscribed", G_CALLBACK (on_subscribed), self);
  g_signal_connect (self->broker, "heartbeat", G_CALLBACK (on_heartbeat), self);
  sp_broker_subscribe (self->broker);
  sp_broker_start (self->broker, context);
  self->last_heard = g_get_monotonic_time ();
  if (self->watchdog != NULL)
    g_source_destroy (self->watchdog);
  g_clear_pointer (&self->watchdog, g_source_unref);
  self->watchdog = g_timeout_source_new (WATCHDOG_MS);
  g_source_set_callback (self->watchdog, on_watchdog, self, NULL);
  g_source_set_static_name (self->watchdog, "[stockpush] broker watchdog");
  g_source_attach (self->watchdog, context);
}

static gboolean
sp_broker_source_next (SpTickSource *source,
                       SpTickBatch  *batch)
{
  SpBrokerSource *self = SP_BROKER_SOURCE (source);
  Step *step = g_queue_pop_head (&self->ready);

  if (step == NULL)
    return FALSE;
  if (step->sync != NULL)
    {
      batch->sync_state = step->sync->state;
      batch->sync_reason = step->sync->reason;
      batch->sync_text = step->sync->text;
    }
  batch->step_us = self->step_us;
  if (step->quotes != NULL)
    {
      g_free (self->quotes);
      self->quotes = g_steal_pointer (&step->quotes);
      batch->n_steps = 1;
      batch->quotes = self->quotes;
      batch->ts_us = step->ts_us;
      g_free (self->batch_epoch);
      self->batch_epoch = g_steal_pointer (&step->epoch);
      batch->epoch = self->batch_epoch;
      batch->offset = step->offset;
    }
  step_free (step);
  return TRUE;
}

static void
sp_broker_source_dispose (GObject *object)
{
  SpBrokerSource *self = SP_BROKER_SOURCE (object);

  /* After the tick thread is gone: nothing runs the broker's context now. */
  if (self->watchdog != NULL)
    g_source_destroy (self->watchdog);
  g_clear_pointer (&self->watchdog, g_source_unref);
  if (self->broker != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->broker, self);
      sp_broker_stop (self->broker);
    }
  g_clear_object (&self->broker);

  G_OBJECT_CLASS (sp_broker_source_parent_class)->dispose (object);
}

static void
sp_broker_source_finalize (GObject *object)
{
  SpBrokerSource *self = SP_BROKER_SOURCE (object);

  g_queue_clear_full (&self->ready, (GDestroyNotify) step_free);
  g_tree_unref (self->ahead);
  g_free (self->epoch);
  g_free (self->quotes);
  g_free (self->batch_epoch);
  g_free (self->first_epoch);
  g_free (self->sync_reason);
  g_mutex_clear (&self->sync_lock);

  G_OBJECT_CLASS (sp_broker_source_parent_class)->finalize (object);
}

static void
sp_broker_source_class_init (SpBrokerSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SpTickSourceClass *source_class = SP_TICK_SOURCE_CLASS (klass);

  object_class->dispose = sp_broker_source_dispose;
  object_class->finalize = sp_broker_source_finalize;
  source_class->create_pacer = sp_broker_source_create_pacer;
  source_class->started = sp_broker_source_started;
  source_class->next = sp_broker_source_next;
}

static void
sp_broker_source_init (SpBrokerSource *self)
{
  g_queue_init (&self->ready);
  g_mutex_init (&self->sync_lock);
  self->sync_reason = g_strdup ("not started");
  self->ahead = g_tree_new_full (compare_offsets, NULL, g_free, (GDestroyNotify) g_bytes_unref);
}

SpTickSource *
sp_broker_source_new (SpBroker  *broker,
                      guint      timeout_ms,
                      GError   **error)
{
  g_autoptr(SpBrokerInfo) info = NULL;
  SpBrokerSource *self;
  gint64 deadline;

  g_return_val_if_fail (SP_IS_BROKER (broker), NULL);

  /* An edge started with (or before) its publisher waits for it a little. */
  deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;

      info = sp_broker_lookup_market (broker, MIN (timeout_ms, 1000), &local_error);
      if (info != NULL)
        break;
      if (g_get_monotonic_time () + LOOKUP_RETRY_US >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_usleep (LOOKUP_RETRY_US);
    }

  self = g_object_new (SP_TYPE_BROKER_SOURCE, NULL);
  self->broker = g_object_ref (broker);
  self->n = g_strv_length (info->symbols);
  self->step_us = info->step_us;
  self->first_epoch = g_strdup (info->epoch);
  _sp_tick_source_set_symbols (SP_TICK_SOURCE (self), g_steal_pointer (&info->symbols));
  self->symbols = sp_tick_source_get_symbols (SP_TICK_SOURCE (self));
  return SP_TICK_SOURCE (self);
}

gint64
sp_broker_source_get_step_us (SpBrokerSource *self)
{
  g_return_val_if_fail (SP_IS_BROKER_SOURCE (self), 0);

  return self->step_us;
}

guint
sp_broker_source_get_resyncs (SpBrokerSource *self)
{
  g_return_val_if_fail (SP_IS_BROKER_SOURCE (self), 0);

  return self->resyncs;
}

guint64
sp_broker_source_get_repeats (SpBrokerSource *self)
{
  g_return_val_if_fail (SP_IS_BROKER_SOURCE (self), 0);

  return self->repeats;
}

guint64
sp_broker_source_get_filled (SpBrokerSource *self)
{
  g_return_val_if_fail (SP_IS_BROKER_SOURCE (self), 0);

  return self->filled;
}

gboolean
sp_broker_source_get_in_sync (SpBrokerSource  *self,
                              char           **reason)
{
  gboolean in_sync;

  g_return_val_if_fail (SP_IS_BROKER_SOURCE (self), FALSE);

  g_mutex_lock (&self->sync_lock);
  in_sync = self->in_sync;
  if (reason != NULL)
    *reason = g_strdup (self->sync_reason);
  g_mutex_unlock (&self->sync_lock);
  return in_sync;
}

SpBroker *
sp_broker_source_get_broker (SpBrokerSource *self)
{
  g_return_val_if_fail (SP_IS_BROKER_SOURCE (self), NULL);

  return self->broker;
}

const char *
sp_broker_source_get_first_epoch (SpBrokerSource *self)
{
  g_return_val_if_fail (SP_IS_BROKER_SOURCE (self), NULL);

  return self->first_epoch;
}
