/* The fan-out of what the tick source (sp-tick-source.h) has due: each
 * market step encoded once per symbol into a ring of the last steps, a frame
 * per subscription and first step shared by every client that needs it,
 * clients split into flush groups when a round of sends would take most of
 * an interval (sp-flush-groups.h), the sends shared out on the send pool; a
 * recording's messages passed on as they are. Tick thread, under the
 * engine's lock. */
#include "config.h"

#include <string.h>

#include "sp-broker-tick.h"
#include "sp-error.h"
#include "sp-protocol.h"
#include "sp-server-private.h"

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

/* Whether @step is in the ring, encoded. */
gboolean
_sp_fanout_has_step (SpEngine *engine,
                     guint64   step)
{
  return step < engine->step && step >= engine->ring_from &&
         (engine->step <= KEPT_STEPS || step >= engine->step - KEPT_STEPS);
}

/* A client says the last seq it had of some symbols (after a reconnect,
 * to this server or another with the same feed): the first step it needs
 * for every one of them in @mask, or FALSE when the ring no longer holds
 * one (or never had it: another market). Up to date: the next step. */
gboolean
_sp_fanout_recover_from (SpEngine           *engine,
                         guint64             mask,
                         const char * const *symbols,
                         const guint64      *seqs,
                         guint64            *first_step)
{
  guint n = engine->all_symbols;

  *first_step = engine->step;
  for (guint k = 0; symbols[k] != NULL; k++)
    {
      int s = sp_tick_source_find_symbol (engine->source, symbols[k]);
      gboolean found = FALSE;

      if (s < 0 || !(mask & (G_GUINT64_CONSTANT (1) << s)))
        continue;   /* not asked for now */
      if (engine->step == 0)
        return FALSE;
      /* Newest first: a resync may have numbered a symbol's seqs again. */
      for (guint64 step = engine->step; step-- > 0 && _sp_fanout_has_step (engine, step);)
        {
          guint64 seq = engine->tick_seq[(step % KEPT_STEPS) * n + (guint) s];

          if (seq == seqs[k])
            {
              *first_step = MIN (*first_step, step + 1);
              found = TRUE;
              break;
            }
          if (seq == seqs[k] + 1 && (step == 0 || !_sp_fanout_has_step (engine, step - 1) ||
                                     engine->tick_seq[((step - 1) % KEPT_STEPS) * n + (guint) s] != seq - 1))
            {
              /* The step after its last is the oldest kept: from there. */
              *first_step = MIN (*first_step, step);
              found = TRUE;
              break;
            }
        }
      if (!found)
        return FALSE;
    }
  /* Across an edge's resync (and from its very step, which the client was
   * not told of) the seqs may have started again: no telling. */
  return engine->resync_step == 0 || *first_step > engine->resync_step;
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

/* The flush groups of the next rounds, from the time this round took
 * (see sp-flush-groups.h). */
static void
choose_groups (SpEngine *engine,
               guint     n_clients,
               guint     frames,
               gint64    round_us)
{
  double interval_us = (double) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND;

  sp_flush_groups_update (&engine->flush, interval_us, n_clients, frames, round_us);
}

/* Seed-compatible text mode: "price = 299.90" of the first symbol, to every
 * client that can take it now; the others get the latest when they drain. */
static guint
deliver_text (SpEngine          *engine,
              const SpTickBatch *batch)
{
  GPtrArray *conns = engine->server->conns;
  g_autoptr(GBytes) frame = NULL;
  guint taken = 0;

  engine->text_price_cents = batch->quotes[(batch->n_steps - 1) * engine->all_symbols].price_cents;
  engine->step += batch->n_steps;
  if (conns->len == 0)
    return 0;

  g_string_truncate (engine->scratch, 0);
  sp_protocol_append_text_price (engine->scratch, engine->text_price_cents);
  frame = g_bytes_new (engine->scratch->str, engine->scratch->len);

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->close_requested != 0)
        continue;
      if (_sp_conn_ready (c))
        {
          _sp_conn_send_bytes (c, frame);
          taken++;
        }
      else
        c->pending_mask |= 1;
    }

  return taken;
}

/* Each step's ticks, encoded once per symbol into the ring, carry the time
 * that step was due. */
static void
encode_steps (SpEngine          *engine,
              const SpTickBatch *batch,
              gint64             ts,
              gboolean           anyone)
{
  guint n = engine->all_symbols;

  for (guint k = 0; k < batch->n_steps; k++)
    {
      gint64 step_ts = ts - (gint64) (batch->n_steps - 1 - k) * batch->step_us;

      for (guint i = 0; i < n; i++)
        {
          GString *tick = tick_json_at (engine, engine->step, i);

          g_string_truncate (tick, 0);
          if (anyone)
            sp_protocol_append_tick (tick, &batch->quotes[k * n + i], step_ts);
          engine->tick_seq[(engine->step % KEPT_STEPS) * n + i] = batch->quotes[k * n + i].seq;
        }
      engine->tick_offset[engine->step % KEPT_STEPS] = batch->n_steps == 1 ? batch->offset : 0;
      engine->step++;
      if (!anyone)
        engine->ring_from = engine->step;
    }
}

/* --split: one frame per tick, as the peers and the original demo send;
 * each encoded once (into @split) for every client. Returns the frames sent. */
static guint
send_split (SpEngine   *engine,
            SpConn     *c,
            GPtrArray **split,
            guint64     first_new)
{
  guint frames = 0;

  if (*split == NULL)
    {
      *split = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      for (guint64 k = first_new; k < engine->step; k++)
        for (guint s = 0; s < engine->all_symbols; s++)
          {
            GString *tick = tick_json_at (engine, k, s);

            g_ptr_array_add (*split, g_bytes_new (tick->str, tick->len));
          }
    }
  for (guint k = 0; k < engine->step - first_new; k++)
    for (guint s = 0; s < engine->all_symbols; s++)
      if (c->mask & (G_GUINT64_CONSTANT (1) << s))
        {
          _sp_conn_send_bytes (c, g_ptr_array_index (*split, k * engine->all_symbols + s));
          frames++;
        }
  c->next_step = engine->step;

  return frames;
}

/* The sends: each client's only, so they may run on several threads.
 * That pays for bursts: a round that takes a small part of the interval
 * ends sooner on idle cores. A server that sends most of the time gains
 * little from another core and takes it from everything else on the
 * machine (measured: fanout-1k's p99 rose from 9 to 12 ms with two send
 * threads, where multi-symbol's fell from 20 to 16 ms). */
static void
send_due (SpEngine *engine,
          guint     groups)
{
  if (engine->due->len >= POOL_MIN_FRAMES && groups == 1 && engine->busy < POOL_MAX_BUSY)
    sp_send_pool_run (engine->pool, engine->due, send_round_frame, NULL);
  else
    for (guint i = 0; i < engine->due->len; i++)
      send_round_frame (g_ptr_array_index (engine->due, i), NULL);
  g_ptr_array_set_size (engine->due, 0);
}

/* A round of market steps: encoded once, then for each client whose flush
 * group's turn it is, one frame with every step since its last. Returns the
 * clients that could take it. */
static guint
deliver_quotes (SpEngine          *engine,
                const SpTickBatch *batch)
{
  GPtrArray *conns = engine->server->conns;
  gint64 interval_us = (gint64) engine->config->interval_ms * G_TIME_SPAN_MILLISECOND;
  g_autoptr(GPtrArray) split = NULL;   /* --split: each tick's frame, made once */
  guint64 first_new = engine->step;
  guint groups, frames = 0, receivers = 0;
  gint64 ts = batch->ts_us, started, round_us;

  /* Only the server thread mutates conns, while it dispatches: under the
   * engine's lock, which this holds; so no need of the server's lock. */
  /* Encoded even with no client: one that comes back recovers from the ring. */
  encode_steps (engine, batch, ts, TRUE);
  if (conns->len == 0)
    return 0;

  /* --split sends one frame per tick, like the peers: never grouped. */
  groups = engine->config->split ? 1 : MAX (engine->flush.groups, 1);
  engine->round++;
  started = g_get_monotonic_time ();

  g_ptr_array_set_size (engine->due, 0);
  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);
      GBytes *frame;

      if (c->mask == 0 || c->close_requested != 0 || c->recovery != NULL)
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
          frames += send_split (engine, c, &split, first_new);
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

  frames += engine->due->len;
  send_due (engine, groups);
  g_hash_table_remove_all (engine->frames_by_mask);
  round_us = g_get_monotonic_time () - started;
  engine->busy = 0.9 * engine->busy + 0.1 * (double) round_us / (double) interval_us;
  choose_groups (engine, receivers, frames, round_us);

  return receivers;
}

/* A recorded message, as it is, to every client that can take it now. A
 * client that cannot misses it: a recording has no "latest price per
 * symbol" to keep. */
static guint
deliver_message (SpEngine *engine,
                 SpFrame  *frame)
{
  GPtrArray *conns = engine->server->conns;
  guint8 opcode = frame->kind == SP_FRAME_BINARY ? SP_WS_OPCODE_BINARY : SP_WS_OPCODE_TEXT;
  guint taken = 0;

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->mask == 0 || c->close_requested != 0 || !_sp_conn_is_open (c))
        continue;
      if (!_sp_conn_ready (c))
        continue;

      _sp_conn_send_frame (c, opcode, frame->payload);
      taken++;
    }

  return taken;
}

/* A publisher's steps to the broker, with the times its own clients get. */
static void
publish_steps (SpEngine          *engine,
               const SpTickBatch *batch)
{
  guint n = engine->all_symbols;

  for (guint k = 0; k < batch->n_steps; k++)
    {
      g_string_truncate (engine->scratch, 0);
      sp_broker_tick_encode (engine->scratch, &batch->quotes[k * n], n,
                             batch->ts_us - (gint64) (batch->n_steps - 1 - k) * batch->step_us,
                             batch->step_us);
      sp_broker_publish (engine->broker, engine->scratch->str, engine->scratch->len,
                         !engine->published);
      engine->published = TRUE;
    }
}

/* An edge's word on its feed, to every JSON client, in its place among the
 * ticks. After a resync a client's next frame starts at the step that
 * resynchronises (the latest of every symbol), not at older ones. */
static void
deliver_sync (SpEngine          *engine,
              const SpTickBatch *batch)
{
  GPtrArray *conns = engine->server->conns;
  g_autoptr(GBytes) frame = NULL;
  gboolean resync = g_str_equal (batch->sync_state, "resync");

  if (resync)
    engine->resync_step = engine->step;
  if (engine->config->format != SP_FORMAT_JSON || conns->len == 0)
    return;
  g_string_truncate (engine->scratch, 0);
  sp_protocol_append_sync (engine->scratch, batch->sync_state, batch->sync_reason,
                           batch->sync_text, g_get_real_time ());
  frame = g_bytes_new (engine->scratch->str, engine->scratch->len);
  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->close_requested != 0 || !_sp_conn_is_open (c))
        continue;
      _sp_conn_send_bytes (c, frame);
      if (resync && !c->lagging)
        c->next_step = engine->step;
    }
}

/* In a cluster the market is the broker's numbering: a new epoch, another
 * market, for the publisher's clients as for the edges'. */
static void
set_market_id (SpEngine   *engine,
               const char *epoch)
{
  if (epoch != NULL && g_strcmp0 (epoch, engine->market_id) != 0)
    {
      g_free (engine->market_id);
      engine->market_id = g_strdup (epoch);
    }
}

static guint
deliver (SpEngine    *engine,
         SpTickBatch *batch)
{
  if (batch->sync_state != NULL)
    deliver_sync (engine, batch);
  if (batch->message != NULL)
    return deliver_message (engine, batch->message);
  if (batch->n_steps == 0)
    return engine->server->conns->len;
  /* One time for this round: the publisher's, or now. */
  if (batch->ts_us == 0)
    batch->ts_us = g_get_real_time ();
  if (engine->broker != NULL)
    {
      publish_steps (engine, batch);
      set_market_id (engine, sp_broker_get_epoch (engine->broker));
    }
  /* An edge's market is its publisher's numbering: a new epoch, another market. */
  set_market_id (engine, batch->epoch);
  if (engine->config->format == SP_FORMAT_TEXT)
    return deliver_text (engine, batch);
  return deliver_quotes (engine, batch);
}

/* The tick source says something is due, on the tick thread. */
static gboolean
on_due (SpTickSource *source,
        gpointer      user_data)
{
  SpEngine *engine = user_data;
  SpTickBatch batch;

  atomic_store (&engine->tick_waiting_since, g_get_monotonic_time ());
  g_mutex_lock (&engine->lock);
  atomic_store (&engine->tick_waiting_since, 0);
  /* Stopped (engine_begin_stop) while this waited for the lock. */
  if (!g_source_is_destroyed (g_main_current_source ()))
    while (sp_tick_source_next (source, &batch))
      sp_tick_source_taken (source, deliver (engine, &batch), engine->server->conns->len);
  engine->ticks_done++;
  g_cond_broadcast (&engine->tick_done);
  g_mutex_unlock (&engine->lock);

  return G_SOURCE_CONTINUE;
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

static void
string_free (gpointer data)
{
  g_string_free (data, TRUE);
}

/* With the engine's symbols known, before its threads start. */
void
_sp_fanout_init (SpEngine *engine)
{
  sp_flush_groups_init (&engine->flush);
  engine->due = g_ptr_array_new ();
  engine->parts = g_ptr_array_new ();
  engine->frames_by_mask = g_hash_table_new_full (frame_key_hash, frame_key_equal,
                                                  g_free, (GDestroyNotify) g_bytes_unref);
  engine->tick_json = g_ptr_array_new_with_free_func (string_free);
  for (guint i = 0; i < engine->all_symbols * KEPT_STEPS; i++)
    g_ptr_array_add (engine->tick_json, g_string_new (NULL));
  engine->tick_seq = g_new0 (guint64, engine->all_symbols * KEPT_STEPS);
  engine->tick_offset = g_new0 (guint64, KEPT_STEPS);
  engine->recoveries = g_ptr_array_new ();
}

void
_sp_fanout_clear (SpEngine *engine)
{
  g_clear_pointer (&engine->tick_json, g_ptr_array_unref);
  g_clear_pointer (&engine->tick_seq, g_free);
  g_clear_pointer (&engine->tick_offset, g_free);
  g_clear_pointer (&engine->recoveries, g_ptr_array_unref);
  g_clear_pointer (&engine->market_id, g_free);
  g_clear_pointer (&engine->frames_by_mask, g_hash_table_unref);
  g_clear_pointer (&engine->due, g_ptr_array_unref);
  g_clear_pointer (&engine->parts, g_ptr_array_unref);
}

/* On the server thread, at start: the ticks from the engine's source, on
 * the tick thread's context. */
void
_sp_fanout_start (SpEngine *engine)
{
  if (engine->broker != NULL)
    sp_broker_start (engine->broker, engine->tick_context);
  sp_tick_source_start (engine->source, engine->tick_context, on_due, engine);
}
