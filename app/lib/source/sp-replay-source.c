/* A recording as a tick source (see sp-replay-source.h). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sp-error.h"
#include "sp-frame-io.h"
#include "sp-replay-source.h"
#include "sp-tick-source-private.h"

/* Messages passed on per wake-up at most, so that the receiver's lock is
 * free between bounded runs. */
#define BATCH_PER_WAKE_UP 256

struct _SpReplaySource
{
  SpTickSource  parent_instance;

  GPtrArray    *frames;      /* SpFrame: the recording's received data messages */
  double        speed;       /* 0: as fast as the receivers take them */
  guint         pos;
  gint64        pass_start;  /* monotonic µs the current pass began */
  GSource      *pacer;       /* not a reference: the parent's */
  guint         sent;        /* in this wake-up */
  gboolean      held;        /* nobody took the last one: wait */
};

G_DEFINE_FINAL_TYPE (SpReplaySource, sp_replay_source, SP_TYPE_TICK_SOURCE)

static gboolean
pacer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  SpReplaySource *self = user_data;

  self->sent = 0;
  self->held = FALSE;
  return _sp_tick_source_due (SP_TICK_SOURCE (self));
}

static GSourceFuncs pacer_funcs = { NULL, NULL, pacer_dispatch, NULL, NULL, NULL };

static GSource *
sp_replay_source_create_pacer (SpTickSource *source)
{
  SpReplaySource *self = SP_REPLAY_SOURCE (source);

  self->pass_start = g_get_monotonic_time ();
  self->pacer = g_source_new (&pacer_funcs, sizeof (GSource));
  g_source_set_callback (self->pacer, NULL, self, NULL);
  g_source_set_static_name (self->pacer, "[stockpush] replay");
  g_source_set_ready_time (self->pacer, 0);
  return self->pacer;
}

static gboolean
sp_replay_source_next (SpTickSource *source,
                       SpTickBatch  *batch)
{
  SpReplaySource *self = SP_REPLAY_SOURCE (source);
  SpFrame *frame = g_ptr_array_index (self->frames, self->pos);

  if (self->held)
    return FALSE;
  if (self->sent >= BATCH_PER_WAKE_UP)
    {
      g_source_set_ready_time (self->pacer, 0);
      return FALSE;
    }
  if (self->speed > 0)
    {
      gint64 t0 = ((SpFrame *) g_ptr_array_index (self->frames, 0))->time_us;
      gint64 due = self->pass_start + (gint64) ((double) (frame->time_us - t0) / self->speed);

      if (due > g_get_monotonic_time ())
        {
          g_source_set_ready_time (self->pacer, due);
          return FALSE;
        }
    }

  batch->n_steps = 0;
  batch->quotes = NULL;
  batch->step_us = 0;
  batch->message = frame;
  return TRUE;
}

/* At full speed a message nobody could take waits for them: a millisecond,
 * or ten while nobody is connected. At the recorded pace they miss it: a
 * recording has no "latest price per symbol" to keep for them. */
static void
sp_replay_source_taken (SpTickSource *source,
                        guint         receivers,
                        guint         clients)
{
  SpReplaySource *self = SP_REPLAY_SOURCE (source);
  gint64 now = g_get_monotonic_time ();

  if (receivers == 0 && self->speed <= 0)
    {
      self->held = TRUE;
      g_source_set_ready_time (self->pacer, now + (clients == 0 ? 10 : 1) * G_TIME_SPAN_MILLISECOND);
      return;
    }

  self->sent++;
  /* At the end, from the start again. */
  if (++self->pos == self->frames->len)
    {
      self->pos = 0;
      self->pass_start = now;
    }
}

static void
sp_replay_source_finalize (GObject *object)
{
  SpReplaySource *self = SP_REPLAY_SOURCE (object);

  g_clear_pointer (&self->frames, g_ptr_array_unref);

  G_OBJECT_CLASS (sp_replay_source_parent_class)->finalize (object);
}

static void
sp_replay_source_class_init (SpReplaySourceClass *klass)
{
  SpTickSourceClass *source_class = SP_TICK_SOURCE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sp_replay_source_finalize;
  source_class->create_pacer = sp_replay_source_create_pacer;
  source_class->next = sp_replay_source_next;
  source_class->taken = sp_replay_source_taken;
}

static void
sp_replay_source_init (SpReplaySource *self)
{
}

SpTickSource *
sp_replay_source_new (const char         *path,
                      double              speed,
                      const char * const *symbols,
                      GError            **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  g_auto(GStrv) names = NULL;
  SpReplaySource *self;

  g_return_val_if_fail (path != NULL, NULL);

  names = sp_market_list_names (symbols, error);
  if (names == NULL)
    return NULL;
  file = g_file_new_for_path (path);
  frames = sp_frames_load (file, 0, NULL, error);
  if (frames == NULL)
    return NULL;

  self = g_object_new (SP_TYPE_REPLAY_SOURCE, NULL);
  self->speed = speed;
  self->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  for (guint i = 0; i < frames->len; i++)
    {
      SpFrame *frame = g_ptr_array_index (frames, i);

      if (frame->direction == SP_FRAME_IN && frame->size > 0 &&
          (frame->kind == SP_FRAME_TEXT || frame->kind == SP_FRAME_BINARY))
        g_ptr_array_add (self->frames, sp_frame_ref (frame));
    }
  if (self->frames->len == 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("%s holds no received messages to replay"), path);
      g_object_unref (self);
      return NULL;
    }
  _sp_tick_source_set_symbols (SP_TICK_SOURCE (self), g_steal_pointer (&names));

  return SP_TICK_SOURCE (self);
}
