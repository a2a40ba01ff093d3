/* An edge's client recovering from the broker's history: what it missed is
 * older than the ring of the last steps (sp-server-fanout.c) but may still
 * be kept by the broker. The fetch runs on the tick thread, where the broker
 * lives, bounded in steps, in time and in how many run at once; the client is
 * sent no ticks meanwhile, then its answer and everything it missed, in
 * order. Started on the server thread, finished on the tick thread, each
 * under the engine's lock; the fetch itself runs without it, so nothing
 * waits for the broker but the client that asked. */
#include "config.h"

#include "sp-broker-source.h"
#include "sp-broker-tick.h"
#include "sp-protocol.h"
#include "sp-redis-broker.h"
#include "sp-server-private.h"

/* History steps × symbols one recovery may hold (some 7 MB of JSON sent at
 * most; a client that does not read it is cut off as any slow one). */
#define RECOVERY_MAX_TICKS   (50 * 1024)
/* Recoveries fetching at once; a client past that is told "recovered":false. */
#define RECOVERY_MAX_RUNNING 4
/* A broker slower than this to answer: "recovered":false (the fetch may go
 * on, and still counts as running, until the broker answers or goes). */
#define RECOVERY_TIMEOUT_MS  2000
/* A ring that moved on past the step a fetch led up to (an edge catching
 * up on a backlog goes through 256 steps fast): the steps between are
 * fetched too, this many times at most. */
#define RECOVERY_MAX_ROUNDS  4
/* Steps per frame of what is sent from the history. */
#define RECOVERY_FRAME_STEPS 64

struct _SpRecovery
{
  SpEngine  *engine;       /* NULL once the engine is going */
  guint64    conn_id;
  char      *id_json;
  char      *epoch;        /* the ring's from ring_step on */
  guint64    ring_step;    /* the step the history leads up to */
  guint64    ring_offset;  /* …and its offset */
  guint64    resync_step;  /* the engine's when asked: a resync since breaks the thread */
  guint64   *seqs;         /* per symbol: the client's last */
  guint64    since_mask;   /* the symbols it named, in the ring's past */
  guint64    from;         /* the first offset fetched: a step the client had */
  guint64    next_offset;  /* the one expected next */
  guint64    max_steps;    /* from … ring_offset, at most */
  guint      rounds;
  GPtrArray *payloads;     /* GBytes, offsets from … ring_offset - 1 */
  gboolean   broken;       /* an offset missing or another numbering */
  GSource   *timeout;
  gboolean   started;
  gboolean   answered;
};

static void
recovery_free (SpRecovery *rec)
{
  if (rec->timeout != NULL)
    g_source_destroy (rec->timeout);
  g_clear_pointer (&rec->timeout, g_source_unref);
  g_clear_pointer (&rec->payloads, g_ptr_array_unref);
  g_free (rec->seqs);
  g_free (rec->epoch);
  g_free (rec->id_json);
  g_free (rec);
}

/* The client by its id (conns is ordered by id), or NULL: it left. */
static SpConn *
find_conn (SpEngine *engine,
           guint64   id)
{
  GPtrArray *conns = engine->server->conns;
  guint lo = 0, hi = conns->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      SpConn *c = g_ptr_array_index (conns, mid);

      if (c->info->id == id)
        return c;
      if (c->info->id < id)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

/* Decodes what came and checks it is the thread the client left: each
 * symbol's last seq at its place. Returns the decoded quotes (steps ×
 * symbols) and their times, or NULL. */
static SpQuote *
decode_history (SpRecovery *rec,
                gint64    **times)
{
  SpEngine *engine = rec->engine;
  guint n = engine->all_symbols;
  guint steps = rec->payloads->len;
  g_autofree SpQuote *quotes = g_new0 (SpQuote, (gsize) steps * n);
  g_autofree gint64 *ts = g_new0 (gint64, steps);

  for (guint k = 0; k < steps; k++)
    {
      gsize length;
      const char *data = g_bytes_get_data (g_ptr_array_index (rec->payloads, k), &length);
      gint64 step_us;

      if (!sp_broker_tick_decode (data, length, &quotes[(gsize) k * n], n, &ts[k], &step_us, NULL))
        return NULL;
      for (guint i = 0; i < n; i++)
        quotes[(gsize) k * n + i].symbol = engine->symbols[i];
    }
  for (guint i = 0; i < n; i++)
    {
      guint64 ring_seq = engine->tick_seq[(rec->ring_step % KEPT_STEPS) * n + i];

      if (!(rec->since_mask & (G_GUINT64_CONSTANT (1) << i)))
        continue;
      /* Where it should be (a seq a step), and the ring's first step next. */
      guint k = (guint) (steps - (ring_seq - rec->seqs[i]));
      if (quotes[(gsize) k * n + i].seq != rec->seqs[i] ||
          quotes[(gsize) (steps - 1) * n + i].seq + 1 != ring_seq)
        return NULL;
    }
  *times = g_steal_pointer (&ts);
  return g_steal_pointer (&quotes);
}

/* The history's ticks the client has not had, for its symbols now. */
static void
send_history (SpConn        *c,
              SpRecovery    *rec,
              const SpQuote *quotes,
              const gint64  *times)
{
  SpEngine *engine = c->engine;
  guint n = engine->all_symbols;
  guint steps = rec->payloads->len;
  guint first = steps;
  g_autoptr(GPtrArray) ticks = g_ptr_array_new_with_free_func (g_free);

  /* From the step after the oldest last seq among the symbols it now has. */
  for (guint i = 0; i < n; i++)
    if ((rec->since_mask & c->mask & (G_GUINT64_CONSTANT (1) << i)))
      {
        guint64 ring_seq = engine->tick_seq[(rec->ring_step % KEPT_STEPS) * n + i];

        first = MIN (first, (guint) (steps - (ring_seq - rec->seqs[i])) + 1);
      }
  while (first < steps)
    {
      guint end = MIN (steps, first + RECOVERY_FRAME_STEPS);
      g_autoptr(GBytes) frame = NULL;

      g_ptr_array_set_size (ticks, 0);
      for (guint k = first; k < end; k++)
        for (guint i = 0; i < n; i++)
          if (c->mask & (G_GUINT64_CONSTANT (1) << i))
            {
              g_autoptr(GString) tick = g_string_new (NULL);

              sp_protocol_append_tick (tick, &quotes[(gsize) k * n + i], times[k]);
              g_ptr_array_add (ticks, g_string_free (g_steal_pointer (&tick), FALSE));
            }
      g_string_truncate (engine->scratch, 0);
      if (ticks->len == 1)
        g_string_append (engine->scratch, g_ptr_array_index (ticks, 0));
      else if (ticks->len > 1)
        sp_protocol_append_batch (engine->scratch, times[end - 1],
                                  (const char * const *) ticks->pdata, ticks->len);
      if (ticks->len > 0)
        {
          frame = g_bytes_new (engine->scratch->str, engine->scratch->len);
          _sp_conn_send_bytes (c, frame);
        }
      first = end;
    }
}

/* Tick thread, under the engine's lock: the answer, once. */
static void
finish (SpRecovery *rec,
        gboolean    fetched)
{
  SpEngine *engine = rec->engine;
  g_autofree SpQuote *quotes = NULL;
  g_autofree gint64 *times = NULL;
  SpConn *c;

  rec->answered = TRUE;
  c = find_conn (engine, rec->conn_id);
  if (c == NULL || c->recovery != rec)
    return;   /* gone, or it asked again */
  c->recovery = NULL;
  if (c->close_requested != 0 || !_sp_conn_is_open (c))
    return;

  /* The ring must still hold the step the history leads to, as it was. */
  if (fetched && !rec->broken && rec->next_offset == rec->ring_offset &&
      engine->resync_step == rec->resync_step && _sp_fanout_has_step (engine, rec->ring_step) &&
      engine->tick_offset[rec->ring_step % KEPT_STEPS] == rec->ring_offset &&
      g_strcmp0 (engine->market_id, rec->epoch) == 0)
    quotes = decode_history (rec, &times);

  if (quotes == NULL)
    {
      _sp_conn_answer_recovery (c, FALSE, engine->step, rec->id_json);
      return;
    }
  _sp_conn_send_recovered (c, TRUE, rec->id_json);
  send_history (c, rec, quotes, times);
  _sp_conn_send_steps_from (c, rec->ring_step);
}

/* The oldest step of the present numbering the ring holds (a resync
 * starts a numbering), or the engine's step when none. */
static guint64
oldest_step (SpEngine *engine)
{
  guint64 oldest = MAX (engine->ring_from,
                        engine->step > KEPT_STEPS ? engine->step - KEPT_STEPS : 0);

  return MIN (MAX (oldest, engine->resync_step), engine->step);
}

/* Tick thread, under the engine's lock, after a fetch that brought all it
 * asked: when the ring has moved on past the step it led up to, the next
 * round is to fetch up to the ring's oldest now. */
static gboolean
follow_ring (SpRecovery *rec)
{
  SpEngine *engine = rec->engine;
  SpConn *c = find_conn (engine, rec->conn_id);
  guint64 oldest, offset;

  if (c == NULL || c->recovery != rec || rec->rounds >= RECOVERY_MAX_ROUNDS ||
      engine->resync_step != rec->resync_step || g_strcmp0 (engine->market_id, rec->epoch) != 0)
    return FALSE;
  if (_sp_fanout_has_step (engine, rec->ring_step) &&
      engine->tick_offset[rec->ring_step % KEPT_STEPS] == rec->ring_offset)
    return FALSE;   /* still there */
  oldest = oldest_step (engine);
  if (oldest >= engine->step)
    return FALSE;
  offset = engine->tick_offset[oldest % KEPT_STEPS];
  if (offset <= rec->ring_offset || offset - rec->from > rec->max_steps)
    return FALSE;
  rec->ring_step = oldest;
  rec->ring_offset = offset;
  rec->rounds++;
  return TRUE;
}

static void
on_history_one (const char *epoch,
                guint64     offset,
                const char *payload,
                gsize       length,
                gpointer    user_data)
{
  SpRecovery *rec = user_data;

  if (rec->broken || g_strcmp0 (epoch, rec->epoch) != 0 || offset != rec->next_offset ||
      offset >= rec->ring_offset)
    {
      rec->broken = TRUE;
      return;
    }
  g_ptr_array_add (rec->payloads, g_bytes_new (payload, length));
  rec->next_offset++;
}

static void
on_history_done (const SpBrokerInfo *info,
                 const GError       *error,
                 gpointer            user_data)
{
  SpRecovery *rec = user_data;
  SpEngine *engine = rec->engine;
  gboolean again = FALSE;

  if (engine != NULL)
    {
      g_mutex_lock (&engine->lock);
      if (!rec->answered)
        {
          gboolean fetched = error == NULL && info != NULL &&
                             g_strcmp0 (info->epoch, rec->epoch) == 0 && !rec->broken &&
                             rec->next_offset == rec->ring_offset;

          again = fetched && follow_ring (rec);
          if (!again)
            finish (rec, fetched);
        }
      if (!again)
        {
          engine->recoveries_running--;
          g_ptr_array_remove_fast (engine->recoveries, rec);
        }
      g_mutex_unlock (&engine->lock);
    }
  if (again)
    {
      /* Without the lock: the broker may answer at once. */
      sp_broker_fetch_range (sp_broker_source_get_broker (SP_BROKER_SOURCE (engine->source)),
                             rec->next_offset - 1, rec->ring_offset - 1, on_history_one,
                             on_history_done, rec);
      return;
    }
  recovery_free (rec);
}

static gboolean
on_timeout (gpointer data)
{
  SpRecovery *rec = data;
  SpEngine *engine = rec->engine;

  if (engine != NULL)
    {
      g_mutex_lock (&engine->lock);
      if (!rec->answered)
        finish (rec, FALSE);
      g_mutex_unlock (&engine->lock);
    }
  return G_SOURCE_REMOVE;
}

/* Tick thread, without the engine's lock (the fetch may answer at once). */
static gboolean
begin (gpointer data)
{
  SpRecovery *rec = data;
  SpEngine *engine = rec->engine;
  SpBroker *broker;

  rec->started = TRUE;
  broker = sp_broker_source_get_broker (SP_BROKER_SOURCE (engine->source));
  rec->timeout = g_timeout_source_new (RECOVERY_TIMEOUT_MS);
  g_source_set_callback (rec->timeout, on_timeout, rec, NULL);
  g_source_set_static_name (rec->timeout, "[stockpush] recovery timeout");
  g_source_attach (rec->timeout, engine->tick_context);
  sp_broker_fetch_range (broker, rec->from - 1, rec->ring_offset - 1, on_history_one,
                         on_history_done, rec);
  return G_SOURCE_REMOVE;
}

/* Server thread, under the engine's lock: the ring does not reach back to
 * what the client last had; TRUE when the broker's history may, the fetch
 * under way and the answer to come. FALSE: answer as before. */
gboolean
_sp_recovery_start (SpConn          *c,
                    const SpCommand *command)
{
  SpEngine *engine = c->engine;
  guint n = engine->all_symbols;
  g_autoptr(GSource) idle = NULL;
  SpRecovery *rec;
  guint64 oldest, ring_offset, from, max_steps;
  guint64 since_mask = 0;
  g_autofree guint64 *seqs = NULL;

  if (engine->config->role != SP_ROLE_EDGE || engine->config->format != SP_FORMAT_JSON ||
      engine->market_id == NULL || c->recovery != NULL || engine->step == 0 ||
      engine->recoveries_running >= RECOVERY_MAX_RUNNING)
    return FALSE;
  if (command->market != NULL && !g_str_equal (command->market, engine->market_id))
    return FALSE;

  oldest = oldest_step (engine);
  if (oldest >= engine->step)
    return FALSE;
  ring_offset = engine->tick_offset[oldest % KEPT_STEPS];
  if (ring_offset <= 1)
    return FALSE;

  /* Seqs go up by one a step: the offset of each symbol's last, checked
   * against the history's own seqs when it comes. */
  max_steps = MIN (SP_REDIS_BROKER_HISTORY, RECOVERY_MAX_TICKS / MAX (n, 1));
  from = ring_offset;
  seqs = g_new0 (guint64, n);
  for (guint k = 0; command->since_symbols[k] != NULL; k++)
    {
      int s = sp_tick_source_find_symbol (engine->source, command->since_symbols[k]);
      guint64 ring_seq, back;

      if (s < 0 || !(c->mask & (G_GUINT64_CONSTANT (1) << s)))
        continue;
      ring_seq = engine->tick_seq[(oldest % KEPT_STEPS) * n + (guint) s];
      if (command->since_seqs[k] >= ring_seq)
        {
          /* In the ring (or ahead of it: another market's). */
          if (command->since_seqs[k] > engine->tick_seq[((engine->step - 1) % KEPT_STEPS) * n + (guint) s])
            return FALSE;
          continue;
        }
      back = ring_seq - command->since_seqs[k];
      if (back >= ring_offset || back > max_steps)
        return FALSE;   /* before the numbering began, or more than a client may ask */
      seqs[s] = command->since_seqs[k];
      since_mask |= G_GUINT64_CONSTANT (1) << s;
      from = MIN (from, ring_offset - back);
    }
  if (since_mask == 0)
    return FALSE;

  rec = g_new0 (SpRecovery, 1);
  rec->engine = engine;
  rec->conn_id = c->info->id;
  rec->id_json = g_strdup (command->id_json);
  rec->epoch = g_strdup (engine->market_id);
  rec->ring_step = oldest;
  rec->ring_offset = ring_offset;
  rec->resync_step = engine->resync_step;
  rec->seqs = g_steal_pointer (&seqs);
  rec->since_mask = since_mask;
  rec->from = from;
  rec->next_offset = from;
  rec->max_steps = max_steps;
  rec->payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  c->recovery = rec;
  engine->recoveries_running++;
  g_ptr_array_add (engine->recoveries, rec);

  /* Not g_main_context_invoke: it may run the function here, on this thread. */
  idle = g_idle_source_new ();
  g_source_set_callback (idle, begin, rec, NULL);
  g_source_set_static_name (idle, "[stockpush] recovery");
  g_source_attach (idle, engine->tick_context);
  return TRUE;
}

/* The engine is going, its threads gone: fetches still to answer find no
 * engine; those the tick thread never began (it never will) go now. */
void
_sp_recovery_shutdown (SpEngine *engine)
{
  for (guint i = 0; i < engine->recoveries->len; i++)
    {
      SpRecovery *rec = g_ptr_array_index (engine->recoveries, i);

      rec->engine = NULL;
      if (!rec->started)
        recovery_free (rec);
    }
  g_ptr_array_set_size (engine->recoveries, 0);
}
