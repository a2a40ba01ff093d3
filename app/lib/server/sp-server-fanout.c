/* The fan-out of ticks: each market step encoded once per symbol into a
 * ring of the last steps, a frame per subscription and first step shared by
 * every client that needs it, clients split into flush groups when a round
 * of sends would take most of an interval, the sends shared out on the send
 * pool; and the replay of a recording. Tick thread (replay: server thread),
 * under the engine's lock. */
#include "config.h"

#include <string.h>

#include "sp-error.h"
#include "sp-frame-io.h"
#include "sp-protocol.h"
#include "sp-server-private.h"
#include "sp-ticker.h"

static GString *
tick_json_at (SpEngine *engine,
              guint64   step,
              guint     symbol)
{
  return g_ptr_array_index (engine->tick_json,
                            (step % KEPT_STEPS) * engine->all_symbols + symbol);
}

typedef struct
{
  guint64 mask;
  guint64 first_step;
} FrameKey;

static guint
frame_key_hash (gconstpointer key)
{
  const FrameKey *k = key;

  return (guint) (k->mask ^ (k->mask >> 32) ^ (k->first_step * 0x9E3779B1u));
}

static gboolean
frame_key_equal (gconstpointer a,
                 gconstpointer b)
{
  const FrameKey *x = a, *y = b;

  return x->mask == y->mask && x->first_step == y->first_step;
}

/* The frame for one subscription: the ticks of every step from @first_step
 * to the last for the symbols in @mask, one tick alone or a batch. With
 * @shared, encoded once per tick for all the clients with the same
 * subscription and the same first step (only during on_tick, which empties
 * the cache). Returns a new reference, or NULL when nothing is selected. */
GBytes *
_sp_fanout_frame_for_mask (SpEngine *engine,
                           guint64   mask,
                           gint64    ts,
                           guint64   first_step,
                           gboolean  shared)
{
  GBytes *frame;
  GString *single = NULL;
  FrameKey key;

  /* Steps older than the ring are gone (a server far behind drops them). */
  if (engine->step > KEPT_STEPS && first_step < engine->step - KEPT_STEPS)
    first_step = engine->step - KEPT_STEPS;
  key.mask = mask;
  key.first_step = first_step;
  if (shared && (frame = g_hash_table_lookup (engine->frames_by_mask, &key)) != NULL)
    return g_bytes_ref (frame);

  g_ptr_array_set_size (engine->parts, 0);
  for (guint64 step = first_step; step < engine->step; step++)
    for (guint i = 0; i < engine->all_symbols; i++)
      if (mask & (G_GUINT64_CONSTANT (1) << i))
        {
          single = tick_json_at (engine, step, i);
          g_ptr_array_add (engine->parts, single->str);
        }

  if (engine->parts->len == 0)
    return NULL;

  g_string_truncate (engine->scratch, 0);
  if (engine->parts->len == 1)
    g_string_append_len (engine->scratch, single->str, single->len);
  else
    sp_protocol_append_batch (engine->scratch, ts, (const char **) engine->parts->pdata,
                              engine->parts->len);

  frame = g_bytes_new (engine->scratch->str, engine->scratch->len);
  if (shared)
    g_hash_table_insert (engine->frames_by_mask, g_memdup2 (&key, sizeof key), g_bytes_ref (frame));

  return frame;
}

/* The second pass of a tick: runs on the send pool's threads. */
static void
send_round_frame (gpointer item,
                  gpointer user_data)
{
  SpConn *c = item;

  _sp_conn_send_bytes (c, c->round_frame);
  c->round_frame = NULL;
}

/* How many flush groups the next rounds use. A round that sends every client
 * a frame costs clients x the time per frame (measured, on all the send
 * threads together). Split into k groups, one sent per tick with the ticks
 * since that client's last frame, a tick waits up to (k - 1) intervals for
 * its group's turn, then up to a round k times shorter for the sends before
 * its client's. A round longer than the interval makes the next tick late:
 * rounds then follow each other, the wait for a group's turn is (k - 1)
 * rounds, and the steps the server fell behind on wait longer still (counted
 * twice). The k with the smallest worst delay is taken (with a margin against
 * flapping). Measured with 5,000 clients at 40 ticks a second (rounds of
 * 7.6 µs a frame), p99 43 and 62 ms with 2 and 3 groups, as this predicts
 * (44 and 63); the earlier model, a round doubled from 80 % of the interval
 * on, chose 3 groups whenever a frame's time rose a little. With one tick a
 * second, as by default, the answer is always 1. */
static double
worst_delay_us (double full_round_us,
                double interval_us,
                guint  groups)
{
  double round_us = full_round_us / groups;
  double late_us = MAX (0, round_us - interval_us);

  return (double) (groups - 1) * MAX (interval_us, round_us) + round_us + 2 * late_us;
}

static void
choose_groups (SpEngine *engine,
               guint     n_clients,
               guint     frames,
               gint64    round_us)
{
  double interval_us = (double) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND;
  double sample, full_round_us, now_us;
  guint best = 1;

  /* Too few frames to time a frame by. */
  if (frames < 64)
    return;
  /* A round the thread was taken off the CPU in says little about the next. */
  sample = (double) round_us / frames;
  if (engine->frame_cost_us <= 0)
    engine->frame_cost_us = sample;
  else
    engine->frame_cost_us = 0.9 * engine->frame_cost_us +
                            0.1 * MIN (sample, 2 * engine->frame_cost_us);

  full_round_us = engine->frame_cost_us * n_clients;
  for (guint k = 2; k <= MAX_FLUSH_GROUPS; k++)
    if (worst_delay_us (full_round_us, interval_us, k) <
        worst_delay_us (full_round_us, interval_us, best))
      best = k;
  now_us = worst_delay_us (full_round_us, interval_us, engine->groups);
  if (best != engine->groups && worst_delay_us (full_round_us, interval_us, best) < 0.85 * now_us)
    engine->groups = best;
}

static gboolean
tick (gint64   deadline_us,
      guint    missed,
      gpointer user_data)
{
  SpEngine *engine = user_data;
  GPtrArray *conns = engine->server->conns;
  gint64 interval_us = (gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND;
  guint steps = MIN (missed, MAX_CATCH_UP_STEPS - 1) + 1;
  g_autoptr(GPtrArray) split = NULL;   /* --split: each tick's frame, made once */
  guint64 first_new;
  guint groups, frames = 0, receivers = 0;
  gint64 ts, started, round_us;

  /* Every interval the market moves once, also those the loop was too busy
   * for: their ticks go out together in this tick's frame, none lost. */
  for (guint k = steps; k <= missed; k++)
    sp_market_step (engine->market, engine->config->interval_ms / 1000.0);

  ts = g_get_real_time ();

  if (engine->config->format == SP_FORMAT_TEXT)
    {
      g_autoptr(GBytes) frame = NULL;

      for (guint k = 0; k < steps; k++)
        sp_market_step (engine->market, engine->config->interval_ms / 1000.0);
      engine->step += steps;
      if (conns->len == 0)
        return G_SOURCE_CONTINUE;

      g_string_truncate (engine->scratch, 0);
      sp_protocol_append_text_price (engine->scratch,
                                     sp_market_get_quote (engine->market, 0)->price_cents);
      frame = g_bytes_new (engine->scratch->str, engine->scratch->len);

      for (guint i = 0; i < conns->len; i++)
        {
          SpConn *c = g_ptr_array_index (conns, i);

          if (c->close_requested != 0)
            continue;
          if (_sp_conn_ready (c))
            _sp_conn_send_bytes (c, frame);
          else
            c->pending_mask |= 1;
        }

      return G_SOURCE_CONTINUE;
    }

  /* Each step's ticks carry the time that step was due. */
  first_new = engine->step;
  for (guint k = 0; k < steps; k++)
    {
      gint64 step_ts = ts - (gint64) (steps - 1 - k) * interval_us;

      sp_market_step (engine->market, engine->config->interval_ms / 1000.0);
      for (guint i = 0; i < engine->all_symbols; i++)
        {
          GString *tick = tick_json_at (engine, engine->step, i);

          g_string_truncate (tick, 0);
          if (conns->len > 0)
            sp_protocol_append_tick (tick, sp_market_get_quote (engine->market, i), step_ts);
        }
      engine->step++;
    }

  /* Only the server thread mutates conns, while it dispatches: under the
   * engine's lock, which this tick holds; so no need of the server's lock. */
  if (conns->len == 0)
    return G_SOURCE_CONTINUE;

  /* --split sends one frame per tick, like the peers: never grouped. */
  groups = engine->config->split ? 1 : MAX (engine->groups, 1);
  engine->round++;
  started = g_get_monotonic_time ();

  g_ptr_array_set_size (engine->due, 0);
  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);
      GBytes *frame;

      if (c->mask == 0 || c->close_requested != 0)
        continue;

      if (!_sp_conn_ready (c))
        {
          c->pending_mask |= c->mask;
          continue;
        }
      receivers++;
      if (groups > 1 && (c->info->id + engine->round) % groups != 0)
        continue;  /* its group's turn is another tick */

      if (engine->config->split)
        {
          /* One frame per tick, as the peers and the original demo send;
           * each encoded once for every client. */
          if (split == NULL)
            {
              split = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
              for (guint64 k = first_new; k < engine->step; k++)
                for (guint s = 0; s < engine->all_symbols; s++)
                  {
                    GString *tick = tick_json_at (engine, k, s);

                    g_ptr_array_add (split, g_bytes_new (tick->str, tick->len));
                  }
            }
          for (guint k = 0; k < steps; k++)
            for (guint s = 0; s < engine->all_symbols; s++)
              if (c->mask & (G_GUINT64_CONSTANT (1) << s))
                {
                  _sp_conn_send_bytes (c, g_ptr_array_index (split, k * engine->all_symbols + s));
                  frames++;
                }
          c->next_step = engine->step;
          continue;
        }

      /* Encoded here, on this thread, once per subscription and first step;
       * the cache keeps the frame until the sends are done. */
      frame = _sp_fanout_frame_for_mask (engine, c->mask, ts, c->next_step, TRUE);
      c->next_step = engine->step;
      if (frame != NULL)
        {
          c->round_frame = frame;
          g_bytes_unref (frame);
          g_ptr_array_add (engine->due, c);
        }
    }

  /* The sends: each client's only, so they may run on several threads.
   * That pays for bursts: a round that takes a small part of the interval
   * ends sooner on idle cores. A server that sends most of the time gains
   * little from another core and takes it from everything else on the
   * machine (measured: fanout-1k's p99 rose from 9 to 12 ms with two send
   * threads, where multi-symbol's fell from 20 to 16 ms). */
  frames += engine->due->len;
  if (engine->due->len >= POOL_MIN_FRAMES && groups == 1 && engine->busy < POOL_MAX_BUSY)
    sp_send_pool_run (engine->pool, engine->due, send_round_frame, NULL);
  else
    for (guint i = 0; i < engine->due->len; i++)
      send_round_frame (g_ptr_array_index (engine->due, i), NULL);
  g_ptr_array_set_size (engine->due, 0);

  g_hash_table_remove_all (engine->frames_by_mask);
  round_us = g_get_monotonic_time () - started;
  engine->busy = 0.9 * engine->busy + 0.1 * (double) round_us / (double) interval_us;
  choose_groups (engine, receivers, frames, round_us);

  return G_SOURCE_CONTINUE;
}

/* The ticker's callback, on the tick thread. */
static gboolean
on_tick (gint64   deadline_us,
         guint    missed,
         gpointer user_data)
{
  SpEngine *engine = user_data;
  gboolean again = G_SOURCE_REMOVE;

  atomic_store (&engine->tick_waiting_since, g_get_monotonic_time ());
  g_mutex_lock (&engine->lock);
  atomic_store (&engine->tick_waiting_since, 0);
  /* Stopped (engine_begin_stop) while this tick waited for the lock. */
  if (!g_source_is_destroyed (g_main_current_source ()))
    again = tick (deadline_us, missed, user_data);
  engine->ticks_done++;
  g_cond_broadcast (&engine->tick_done);
  g_mutex_unlock (&engine->lock);

  return again;
}

gpointer
_sp_fanout_thread (gpointer data)
{
  SpEngine *engine = data;

  g_main_context_push_thread_default (engine->tick_context);
  while (!g_atomic_int_get (&engine->tick_quit))
    g_main_context_iteration (engine->tick_context, TRUE);
  g_main_context_pop_thread_default (engine->tick_context);

  return NULL;
}

/* One recorded message to every client that can take it now. A client that
 * cannot misses it: a recording has no "latest price per symbol" to keep. */
static guint
replay_broadcast (SpEngine *engine,
                  SpFrame  *frame)
{
  GPtrArray *conns = engine->server->conns;
  guint taken = 0;

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->mask == 0 || c->close_requested != 0 || !_sp_conn_is_open (c))
        continue;
      if (!_sp_conn_ready (c))
        continue;

      _sp_conn_send_frame (c, frame->kind == SP_FRAME_BINARY ? SP_WS_OPCODE_BINARY : SP_WS_OPCODE_TEXT,
                           frame->payload);
      taken++;
    }

  return taken;
}

static gboolean
replay_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  SpEngine *engine = user_data;
  double speed = engine->config->replay_speed;
  gint64 now = g_get_monotonic_time ();
  gint64 t0 = ((SpFrame *) g_ptr_array_index (engine->replay, 0))->time_us;
  guint sent = 0;

  if (engine->server->conns->len == 0 && speed <= 0)
    {
      g_source_set_ready_time (source, now + 10 * G_TIME_SPAN_MILLISECOND);
      return G_SOURCE_CONTINUE;
    }

  /* A bounded batch per dispatch, so new clients are accepted meanwhile. */
  while (sent < 256)
    {
      SpFrame *frame = g_ptr_array_index (engine->replay, engine->replay_pos);

      if (speed > 0)
        {
          gint64 due = engine->replay_start + (gint64) ((double) (frame->time_us - t0) / speed);

          if (due > now)
            {
              g_source_set_ready_time (source, due);
              return G_SOURCE_CONTINUE;
            }
        }

      if (replay_broadcast (engine, frame) == 0 && speed <= 0)
        {
          /* Nobody can take more now: look again in a millisecond. */
          g_source_set_ready_time (source, now + G_TIME_SPAN_MILLISECOND);
          return G_SOURCE_CONTINUE;
        }
      sent++;

      /* At the end, from the start again. */
      if (++engine->replay_pos == engine->replay->len)
        {
          engine->replay_pos = 0;
          engine->replay_start = now;
        }
    }

  g_source_set_ready_time (source, 0);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs replay_funcs = { NULL, NULL, replay_dispatch, NULL, NULL, NULL };

static gboolean
start_replay (SpEngine  *engine,
              GError   **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (engine->config->replay_file);
  g_autoptr(GPtrArray) frames = sp_frames_load (file, 0, NULL, error);

  if (frames == NULL)
    return FALSE;

  engine->replay = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  for (guint i = 0; i < frames->len; i++)
    {
      SpFrame *frame = g_ptr_array_index (frames, i);

      if (frame->direction == SP_FRAME_IN && frame->size > 0 &&
          (frame->kind == SP_FRAME_TEXT || frame->kind == SP_FRAME_BINARY))
        g_ptr_array_add (engine->replay, sp_frame_ref (frame));
    }
  if (engine->replay->len == 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   "%s holds no received messages to replay", engine->config->replay_file);
      return FALSE;
    }

  engine->replay_start = g_get_monotonic_time ();
  engine->replay_source = g_source_new (&replay_funcs, sizeof (GSource));
  g_source_set_callback (engine->replay_source, NULL, engine, NULL);
  g_source_set_static_name (engine->replay_source, "[stockpush] replay");
  g_source_set_ready_time (engine->replay_source, 0);
  g_source_attach (engine->replay_source, engine->context);

  return TRUE;
}


static void
string_free (gpointer data)
{
  g_string_free (data, TRUE);
}

/* With the engine's symbols known, before its threads start. */
void
_sp_fanout_init (SpEngine *engine)
{
  engine->groups = 1;
  engine->due = g_ptr_array_new ();
  engine->parts = g_ptr_array_new ();
  engine->frames_by_mask = g_hash_table_new_full (frame_key_hash, frame_key_equal,
                                                  g_free, (GDestroyNotify) g_bytes_unref);
  engine->tick_json = g_ptr_array_new_with_free_func (string_free);
  for (guint i = 0; i < engine->all_symbols * KEPT_STEPS; i++)
    g_ptr_array_add (engine->tick_json, g_string_new (NULL));
}

void
_sp_fanout_clear (SpEngine *engine)
{
  g_clear_pointer (&engine->tick_json, g_ptr_array_unref);
  g_clear_pointer (&engine->frames_by_mask, g_hash_table_unref);
  g_clear_pointer (&engine->due, g_ptr_array_unref);
  g_clear_pointer (&engine->parts, g_ptr_array_unref);
  g_clear_pointer (&engine->replay, g_ptr_array_unref);
}

/* On the server thread, at start: the ticker on the tick thread's context,
 * or the replay of a recording on this thread's. */
gboolean
_sp_fanout_start (SpEngine  *engine,
                  GError   **error)
{
  if (engine->config->replay_file != NULL)
    return start_replay (engine, error);

  engine->ticker = sp_ticker_source_new ((gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND,
                                         on_tick, engine, NULL);
  g_source_set_static_name (engine->ticker, "[stockpush] ticker");
  g_source_attach (engine->ticker, engine->tick_context);

  return TRUE;
}
