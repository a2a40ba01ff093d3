/* The Redis broker (see sp-redis-broker.h): two connections through hiredis on
 * a GMainContext, one for commands and one for the subscription (a
 * subscribed Redis connection takes no other commands); both made again
 * after any fault, with backoff and jitter. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <errno.h>
#include <string.h>

#include "sp-broker-tick.h"
#include "sp-error.h"
#include "sp-redis-broker.h"

#define KEY_META     "{stockpush}:meta"
#define KEY_HISTORY  "{stockpush}:history"
#define KEY_LAST     "{stockpush}:last"
#define CHANNEL      "{stockpush}:ticks"
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000

/* KEYS: meta, history, last. ARGV: owner, a new epoch (used when numbering
 * starts again), the publisher's sequence, the tick, the history's length,
 * the channel, the symbols, the interval. Returns {epoch, offset, sent}. */
static const char publish_script[] =
  "local m = redis.call('hmget', KEYS[1], 'owner', 'epoch', 'pubseq', 'offset')\n"
  "if m[1] ~= ARGV[1] or not m[2] then\n"
  "  redis.call('del', KEYS[2], KEYS[3])\n"
  "  redis.call('hset', KEYS[1], 'owner', ARGV[1], 'epoch', ARGV[2], 'pubseq', 0, 'offset', 0)\n"
  "  m = {ARGV[1], ARGV[2], '0', '0'}\n"
  "elseif tonumber(m[3]) >= tonumber(ARGV[3]) then\n"
  "  return {m[2], tonumber(m[4]), 0}\n"
  "end\n"
  "local offset = tonumber(m[4]) + 1\n"
  "redis.call('hset', KEYS[1], 'pubseq', ARGV[3], 'offset', offset, 'symbols', ARGV[7], "
  "'step_us', ARGV[8])\n"
  "redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[5], offset .. '-1', 't', ARGV[4])\n"
  "redis.call('set', KEYS[3], offset .. ' ' .. ARGV[4])\n"
  "redis.call('publish', ARGV[6], m[2] .. ' ' .. offset .. ' ' .. ARGV[4])\n"
  "return {m[2], offset, 1}\n";

/* hiredis on a GMainContext. Not hiredis's adapters/glib.h: its dispatch reads
 * the context again after a write that freed it (a refused connect), and it
 * never dispatches on an error or a hang-up alone. */
typedef struct
{
  GSource            source;
  redisAsyncContext *ac;       /* NULL once hiredis cleaned up */
  GPollFD            poll_fd;
} RedisSource;

static void
redis_watch (void *data,
             int   add,
             int   condition)
{
  RedisSource *r = data;

  if (add)
    r->poll_fd.events |= condition;
  else
    r->poll_fd.events &= ~condition;
}

static void redis_add_read (void *data) { redis_watch (data, TRUE, G_IO_IN); }
static void redis_del_read (void *data) { redis_watch (data, FALSE, G_IO_IN); }
static void redis_add_write (void *data) { redis_watch (data, TRUE, G_IO_OUT); }
static void redis_del_write (void *data) { redis_watch (data, FALSE, G_IO_OUT); }

static void
redis_cleanup (void *data)
{
  RedisSource *r = data;

  r->ac = NULL;
  r->poll_fd.events = 0;
}

static gboolean
redis_ready (RedisSource *r)
{
  return r->ac != NULL && (r->poll_fd.revents & (r->poll_fd.events | G_IO_ERR | G_IO_HUP)) != 0;
}

static gboolean
redis_prepare (GSource *source,
               gint    *timeout)
{
  *timeout = -1;
  return redis_ready ((RedisSource *) source);
}

static gboolean
redis_check (GSource *source)
{
  return redis_ready ((RedisSource *) source);
}

static gboolean
redis_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  RedisSource *r = (RedisSource *) source;
  gushort revents = r->poll_fd.revents;

  r->poll_fd.revents = 0;
  /* Each call may free the context (cleanup clears r->ac). */
  if (r->ac != NULL && (revents & (G_IO_OUT | G_IO_ERR | G_IO_HUP)) && (r->poll_fd.events & G_IO_OUT))
    redisAsyncHandleWrite (r->ac);
  if (r->ac != NULL && (revents & (G_IO_IN | G_IO_ERR | G_IO_HUP)))
    redisAsyncHandleRead (r->ac);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs redis_source_funcs = { redis_prepare, redis_check, redis_dispatch, NULL, NULL, NULL };

static GSource *
redis_source_new (redisAsyncContext *ac)
{
  RedisSource *r = (RedisSource *) g_source_new (&redis_source_funcs, sizeof (RedisSource));

  r->ac = ac;
  r->poll_fd.fd = ac->c.fd;
  g_source_add_poll ((GSource *) r, &r->poll_fd);
  ac->ev.addRead = redis_add_read;
  ac->ev.delRead = redis_del_read;
  ac->ev.addWrite = redis_add_write;
  ac->ev.delWrite = redis_del_write;
  ac->ev.cleanup = redis_cleanup;
  ac->ev.data = r;
  return (GSource *) r;
}

typedef struct
{
  SpRedisBroker     *broker;
  redisAsyncContext *ac;
  GSource           *source;
  gboolean           ready;
} Link;

typedef struct
{
  guint64  pubseq;
  char    *owner;
  GBytes  *payload;
} Publication;

struct _SpRedisBroker
{
  SpBroker      parent_instance;

  char         *host;
  int           port;
  GMainContext *context;
  gboolean      started;
  gboolean      subscribed;
  Link         *cmd;
  Link         *sub;
  GSource      *retry;
  GSource      *fault;      /* lost() after the hiredis callback that found the fault */
  char         *fault_why;
  guint         attempts;

  char         *owner;      /* this publisher's start */
  guint64       pubseq;
  GQueue        waiting;    /* Publication: not yet numbered by the broker, oldest first */
  guint         inflight;   /* the first of them, sent on this connection */
  char          *sha1;
  char         *last_epoch; /* the numbers the broker gave the last publication */
  guint64       last_offset;
  gint64        last_sent;  /* monotonic: the last publication or heartbeat sent */
  GSource      *heartbeat;
};

G_DEFINE_FINAL_TYPE (SpRedisBroker, sp_redis_broker, SP_TYPE_BROKER)

static void connect_links (SpRedisBroker *self);

/* Takes commands now: connected, and not going (after a fault hiredis runs
 * the pending callbacks before the disconnect callback, and refuses commands
 * meanwhile; the link itself goes an idle later). */
static gboolean
link_usable (const Link *link)
{
  return link != NULL && link->ready && link->ac != NULL &&
         (link->ac->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING)) == 0;
}

static void
publication_free (Publication *pub)
{
  g_free (pub->owner);
  g_bytes_unref (pub->payload);
  g_free (pub);
}

static char *
random_id (void)
{
  return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}

/* ------------------------------------------------------------------------ */
/* Connections                                                                */

static void
link_free (Link *link)
{
  if (link == NULL)
    return;
  if (link->ac != NULL)
    {
      redisAsyncContext *ac = g_steal_pointer (&link->ac);

      /* Its callbacks, run by the free with no reply, find no link. */
      ac->data = NULL;
      redisAsyncFree (ac);
    }
  if (link->source != NULL)
    {
      g_source_destroy (link->source);
      g_clear_pointer (&link->source, g_source_unref);
    }
  g_free (link);
}

static void
drop_links (SpRedisBroker *self)
{
  g_clear_pointer (&self->cmd, link_free);
  g_clear_pointer (&self->sub, link_free);
  self->inflight = 0;   /* sent again on the next connection; the script knows repeats */
}

static gboolean
on_retry (gpointer data)
{
  SpRedisBroker *self = data;

  g_clear_pointer (&self->retry, g_source_unref);
  connect_links (self);
  return G_SOURCE_REMOVE;
}

/* After a fault: both connections again, later each time, never in step with other edges. */
static void
lost (SpRedisBroker *self,
      const char    *why)
{
  guint delay;
  g_autofree char *error = NULL;

  drop_links (self);
  if (!self->started || self->retry != NULL)
    return;

  delay = MIN (RETRY_MAX_MS, RETRY_MIN_MS << MIN (self->attempts, 6));
  delay = (guint) (delay * g_random_double_range (0.8, 1.2));
  self->attempts++;
  /* Translators: "Redis at 127.0.0.1:6379: Connection refused; again in 0.4 s" */
  error = g_strdup_printf (_("Redis at %s:%d: %s; again in %.1f s"), self->host, self->port,
                           why, delay / 1000.0);
  g_debug ("broker %p: %s", self, error);
  _sp_broker_set_state (SP_BROKER (self), SP_BROKER_CONNECTING, error);
  self->retry = g_timeout_source_new (delay);
  g_source_set_callback (self->retry, on_retry, self, NULL);
  g_source_set_static_name (self->retry, "[stockpush] broker retry");
  g_source_attach (self->retry, self->context);
}

static gboolean
on_fault (gpointer data)
{
  SpRedisBroker *self = data;
  g_autofree char *why = g_steal_pointer (&self->fault_why);

  g_clear_pointer (&self->fault, g_source_unref);
  lost (self, why);
  return G_SOURCE_REMOVE;
}

/* From a hiredis callback: hiredis still uses the context (and its GSource)
 * when the callback returns, so the links go a moment later. */
static void
fault (SpRedisBroker *self,
       const char    *why)
{
  if (self->fault != NULL)
    return;
  self->fault_why = g_strdup (why);
  self->fault = g_idle_source_new ();
  g_source_set_callback (self->fault, on_fault, self, NULL);
  g_source_set_static_name (self->fault, "[stockpush] broker fault");
  g_source_attach (self->fault, self->context);
}

static void
update_state (SpRedisBroker *self)
{
  if (self->cmd != NULL && self->cmd->ready && (!self->subscribed || (self->sub && self->sub->ready)))
    {
      self->attempts = 0;
      _sp_broker_set_state (SP_BROKER (self), SP_BROKER_CONNECTED, NULL);
    }
}

static void send_waiting (SpRedisBroker *self);
static void subscribe_link (SpRedisBroker *self);

static void
on_connect (const redisAsyncContext *ac,
            int                      status)
{
  Link *link = ac->data;
  SpRedisBroker *self;

  if (link == NULL)
    return;
  self = link->broker;
  if (status != REDIS_OK)
    {
      /* hiredis frees the context after this. */
      link->ac = NULL;
      fault (self, ac->errstr);
      return;
    }

  link->ready = TRUE;
  g_debug ("broker %p: %s connected", self, link == self->cmd ? "commands" : "subscription");
  if (link == self->cmd)
    send_waiting (self);
  else
    subscribe_link (self);
  update_state (self);
}

static void
on_disconnect (const redisAsyncContext *ac,
               int                      status)
{
  Link *link = ac->data;

  if (link == NULL)
    return;
  link->ac = NULL;   /* freed by hiredis after this */
  link->ready = FALSE;
  fault (link->broker, ac->errstr[0] ? ac->errstr : _("the connection closed"));
}

/* A connection under way, or NULL with why it could not even start. */
static Link *
link_new (SpRedisBroker  *self,
          char          **why)
{
  Link *link;
  redisAsyncContext *ac = redisAsyncConnect (self->host, self->port);

  if (ac == NULL || ac->err)
    {
      *why = g_strdup (ac != NULL ? ac->errstr : g_strerror (ENOMEM));
      if (ac != NULL)
        redisAsyncFree (ac);
      return NULL;
    }

  link = g_new0 (Link, 1);
  link->broker = self;
  link->ac = ac;
  ac->data = link;
  link->source = redis_source_new (ac);
  g_source_set_static_name (link->source, "[stockpush] redis");
  g_source_attach (link->source, self->context);
  redisAsyncSetConnectCallback (ac, on_connect);
  redisAsyncSetDisconnectCallback (ac, on_disconnect);
  return link;
}

static void
connect_links (SpRedisBroker *self)
{
  g_autofree char *why = NULL;

  drop_links (self);
  if (sp_broker_get_state (SP_BROKER (self)) == SP_BROKER_DISCONNECTED)
    _sp_broker_set_state (SP_BROKER (self), SP_BROKER_CONNECTING, NULL);
  self->cmd = link_new (self, &why);
  if (self->cmd != NULL && self->subscribed)
    self->sub = link_new (self, &why);
  if (why != NULL)
    lost (self, why);
}

/* ------------------------------------------------------------------------ */
/* Publishing                                                                 */

static void
on_published (redisAsyncContext *ac,
              void              *r,
              void              *privdata)
{
  redisReply *reply = r;
  Link *link = ac->data;
  SpRedisBroker *self;

  if (link == NULL || reply == NULL)
    return;   /* the connection went: sent again on the next */
  self = link->broker;
  g_assert (self->inflight > 0);
  self->inflight--;
  publication_free (g_queue_pop_head (&self->waiting));
  if (reply->type == REDIS_REPLY_ERROR)
    _sp_broker_set_state (SP_BROKER (self), sp_broker_get_state (SP_BROKER (self)), reply->str);
  else if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
           reply->element[0]->type == REDIS_REPLY_STRING &&
           reply->element[1]->type == REDIS_REPLY_INTEGER)
    {
      /* {epoch, offset, sent}: what a heartbeat repeats. */
      if (g_strcmp0 (self->last_epoch, reply->element[0]->str) != 0)
        {
          g_free (self->last_epoch);
          self->last_epoch = g_strdup (reply->element[0]->str);
        }
      self->last_offset = (guint64) reply->element[1]->integer;
    }
}

/* A quiet market: the publisher says it is there, with its last numbers. */
static gboolean
on_heartbeat (gpointer data)
{
  SpRedisBroker *self = data;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *message = NULL;

  if (!link_usable (self->cmd) || self->last_epoch == NULL ||
      !g_queue_is_empty (&self->waiting) ||
      now - self->last_sent < SP_BROKER_HEARTBEAT_MS * G_TIME_SPAN_MILLISECOND * 9 / 10)
    return G_SOURCE_CONTINUE;
  message = g_strdup_printf ("hb %s %" G_GUINT64_FORMAT, self->last_epoch, self->last_offset);
  redisAsyncCommand (self->cmd->ac, NULL, NULL, "PUBLISH %s %s", CHANNEL, message);
  self->last_sent = now;
  return G_SOURCE_CONTINUE;
}

static void
send_one (SpRedisBroker *self,
          Publication   *pub)
{
  const char *const *symbols = _sp_broker_get_symbols (SP_BROKER (self));
  g_autofree char *names = g_strjoinv (",", (char **) symbols);
  g_autofree char *epoch = random_id ();
  g_autofree char *pubseq = g_strdup_printf ("%" G_GUINT64_FORMAT, pub->pubseq);
  g_autofree char *history = g_strdup_printf ("%d", SP_REDIS_BROKER_HISTORY);
  g_autofree char *step = g_strdup_printf ("%" G_GINT64_FORMAT, _sp_broker_get_step_us (SP_BROKER (self)));
  gsize length;
  const char *payload = g_bytes_get_data (pub->payload, &length);
  const char *argv[] = { "EVALSHA", self->sha1, "3", KEY_META, KEY_HISTORY, KEY_LAST, pub->owner,
                         epoch, pubseq, payload, history, CHANNEL, names, step };
  size_t lengths[G_N_ELEMENTS (argv)];

  for (guint i = 0; i < G_N_ELEMENTS (argv); i++)
    lengths[i] = argv[i] == payload ? length : strlen (argv[i]);
  redisAsyncCommandArgv (self->cmd->ac, on_published, NULL, G_N_ELEMENTS (argv), argv, lengths);
}

static void
on_script_loaded (redisAsyncContext *ac,
                  void              *r,
                  void              *privdata)
{
  redisReply *reply = r;
  Link *link = ac->data;

  if (link != NULL && reply != NULL && reply->type == REDIS_REPLY_ERROR)
    _sp_broker_set_state (SP_BROKER (link->broker), SP_BROKER_CONNECTING, reply->str);
}

/* Those not sent on this connection yet, in order, after the script they run. */
static void
send_waiting (SpRedisBroker *self)
{
  guint i = 0;

  if (!link_usable (self->cmd))
    return;
  if (self->inflight == 0 && !g_queue_is_empty (&self->waiting))
    redisAsyncCommand (self->cmd->ac, on_script_loaded, NULL, "SCRIPT LOAD %s", publish_script);
  for (GList *l = self->waiting.head; l != NULL; l = l->next, i++)
    if (i >= self->inflight)
      {
        send_one (self, l->data);
        self->inflight++;
      }
}

static void
sp_redis_broker_publish (SpBroker   *broker,
                         const char *payload,
                         gsize       length,
                         gboolean    new_epoch)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);
  Publication *pub = g_new0 (Publication, 1);

  if (new_epoch || self->owner == NULL)
    {
      g_free (self->owner);
      self->owner = random_id ();
      self->pubseq = 0;
    }
  pub->pubseq = ++self->pubseq;
  pub->owner = g_strdup (self->owner);
  pub->payload = g_bytes_new (payload, length);
  g_queue_push_tail (&self->waiting, pub);
  self->last_sent = g_get_monotonic_time ();
  if (self->heartbeat == NULL && self->started)
    {
      self->heartbeat = g_timeout_source_new (SP_BROKER_HEARTBEAT_MS / 2);
      g_source_set_callback (self->heartbeat, on_heartbeat, self, NULL);
      g_source_set_static_name (self->heartbeat, "[stockpush] broker heartbeat");
      g_source_attach (self->heartbeat, self->context);
    }

  /* Away too long: the oldest not yet sent go. */
  while (self->waiting.length > SP_REDIS_BROKER_QUEUE && self->waiting.length > self->inflight)
    publication_free (g_queue_pop_nth (&self->waiting, self->inflight));

  if (link_usable (self->cmd))
    {
      if (self->inflight == 0)
        send_waiting (self);
      else
        {
          send_one (self, pub);
          self->inflight++;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Subscribing and fetching                                                   */

static void
on_message (redisAsyncContext *ac,
            void              *r,
            void              *privdata)
{
  redisReply *reply = r;
  Link *link = ac->data;
  const char *epoch, *payload;
  gsize epoch_length, payload_length;
  guint64 offset;
  g_autofree char *epoch_text = NULL;

  if (link == NULL || reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING)
    return;
  if (strcmp (reply->element[0]->str, "subscribe") == 0)
    {
      _sp_broker_emit_subscribed (SP_BROKER (link->broker));
      return;
    }
  if (reply->element[2]->type != REDIS_REPLY_STRING || strcmp (reply->element[0]->str, "message") != 0)
    return;
  /* "hb EPOCH OFFSET" (a quiet market's heartbeat; an epoch is hexadecimal). */
  if (g_str_has_prefix (reply->element[2]->str, "hb "))
    {
      g_auto(GStrv) words = g_strsplit (reply->element[2]->str + 3, " ", 3);

      if (g_strv_length (words) == 2 && *words[0] != '\0')
        _sp_broker_emit_heartbeat (SP_BROKER (link->broker), words[0],
                                   g_ascii_strtoull (words[1], NULL, 10));
      return;
    }
  if (!sp_broker_message_parse (reply->element[2]->str, reply->element[2]->len, &epoch,
                                &epoch_length, &offset, &payload, &payload_length))
    return;
  epoch_text = g_strndup (epoch, epoch_length);
  _sp_broker_emit (SP_BROKER (link->broker), epoch_text, offset, payload, payload_length);
}

static void
subscribe_link (SpRedisBroker *self)
{
  redisAsyncCommand (self->sub->ac, on_message, NULL, "SUBSCRIBE %s", CHANNEL);
}

static void
sp_redis_broker_subscribe (SpBroker *broker)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);

  if (self->subscribed)
    return;
  self->subscribed = TRUE;
  if (self->started && self->cmd != NULL)
    {
      g_autofree char *why = NULL;

      self->sub = link_new (self, &why);
      if (why != NULL)
        lost (self, why);
    }
}

typedef struct
{
  SpRedisBroker    *broker;
  SpBrokerFunc      func;
  SpBrokerDoneFunc  done;
  gpointer          user_data;
  SpBrokerInfo     *info;
} Fetch;

static void
fetch_finish (Fetch      *fetch,
              const char *failure)
{
  g_autoptr(GError) error = NULL;

  if (failure != NULL)
    error = g_error_new (SP_ERROR, SP_ERROR_FAILED, _("Redis at %s:%d: %s"), fetch->broker->host,
                         fetch->broker->port, failure);
  fetch->done (error ? NULL : fetch->info, error, fetch->user_data);
  sp_broker_info_free (fetch->info);
  g_free (fetch);
}

static const char *
element_text (redisReply *reply,
              guint       i)
{
  return i < reply->elements && reply->element[i]->type == REDIS_REPLY_STRING ?
         reply->element[i]->str : NULL;
}

/* HMGET meta epoch offset symbols step_us: the publisher's market, or none. */
static void
on_meta (redisAsyncContext *ac,
         void              *r,
         void              *privdata)
{
  redisReply *reply = r;
  Fetch *fetch = privdata;
  const char *epoch, *offset, *symbols, *step;

  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
    return;   /* the next reply (or the end of the connection) finishes it */
  epoch = element_text (reply, 0);
  offset = element_text (reply, 1);
  symbols = element_text (reply, 2);
  step = element_text (reply, 3);
  if (epoch == NULL || offset == NULL || symbols == NULL || step == NULL)
    return;
  fetch->info = g_new0 (SpBrokerInfo, 1);
  fetch->info->epoch = g_strdup (epoch);
  fetch->info->offset = g_ascii_strtoull (offset, NULL, 10);
  fetch->info->symbols = g_strsplit (symbols, ",", -1);
  fetch->info->step_us = g_ascii_strtoll (step, NULL, 10);
}

/* XRANGE history: [[id, [t, tick]], …]. */
static void
on_history (redisAsyncContext *ac,
            void              *r,
            void              *privdata)
{
  redisReply *reply = r;
  Fetch *fetch = privdata;

  if (reply == NULL)
    {
      fetch_finish (fetch, _("the connection closed"));
      return;
    }
  if (reply->type == REDIS_REPLY_ERROR)
    {
      fetch_finish (fetch, reply->str);
      return;
    }
  for (gsize i = 0; fetch->info != NULL && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++)
    {
      redisReply *entry = reply->element[i];
      redisReply *fields;

      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
          entry->element[0]->type != REDIS_REPLY_STRING ||
          (fields = entry->element[1])->type != REDIS_REPLY_ARRAY || fields->elements != 2 ||
          fields->element[1]->type != REDIS_REPLY_STRING)
        continue;
      fetch->func (fetch->info->epoch, g_ascii_strtoull (entry->element[0]->str, NULL, 10),
                   fields->element[1]->str, fields->element[1]->len, fetch->user_data);
    }
  fetch_finish (fetch, NULL);
}

/* GET last: "OFFSET TICK". */
static void
on_last (redisAsyncContext *ac,
         void              *r,
         void              *privdata)
{
  redisReply *reply = r;
  Fetch *fetch = privdata;
  const char *space;

  if (reply == NULL)
    {
      fetch_finish (fetch, _("the connection closed"));
      return;
    }
  if (fetch->info != NULL && reply->type == REDIS_REPLY_STRING &&
      (space = memchr (reply->str, ' ', reply->len)) != NULL)
    fetch->func (fetch->info->epoch, g_ascii_strtoull (reply->str, NULL, 10), space + 1,
                 reply->len - (gsize) (space + 1 - reply->str), fetch->user_data);
  fetch_finish (fetch, NULL);
}

static Fetch *
fetch_new (SpRedisBroker    *self,
           SpBrokerFunc      func,
           SpBrokerDoneFunc  done,
           gpointer          user_data)
{
  Fetch *fetch = g_new0 (Fetch, 1);

  fetch->broker = self;
  fetch->func = func;
  fetch->done = done;
  fetch->user_data = user_data;
  /* (Its second command follows at once: hiredis does no I/O in between.) */
  if (!link_usable (self->cmd) ||
      redisAsyncCommand (self->cmd->ac, on_meta, fetch,
                         "HMGET " KEY_META " epoch offset symbols step_us") != REDIS_OK)
    {
      fetch_finish (fetch, _("not connected"));
      return NULL;
    }
  return fetch;
}

static void
sp_redis_broker_fetch_since (SpBroker         *broker,
                             guint64           offset,
                             SpBrokerFunc      func,
                             SpBrokerDoneFunc  done,
                             gpointer          user_data)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);
  Fetch *fetch = fetch_new (self, func, done, user_data);

  if (fetch != NULL)
    redisAsyncCommand (self->cmd->ac, on_history, fetch,
                       "XRANGE " KEY_HISTORY " %" G_GUINT64_FORMAT "-1 +", offset + 1);
}

static const char *
sp_redis_broker_get_epoch (SpBroker *broker)
{
  return SP_REDIS_BROKER (broker)->last_epoch;
}

static void
sp_redis_broker_fetch_range (SpBroker         *broker,
                             guint64           after,
                             guint64           upto,
                             SpBrokerFunc      func,
                             SpBrokerDoneFunc  done,
                             gpointer          user_data)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);
  Fetch *fetch = fetch_new (self, func, done, user_data);

  /* COUNT as well: entries are numbered by offset, but the reply's size
   * must not rest on that. */
  if (fetch != NULL)
    redisAsyncCommand (self->cmd->ac, on_history, fetch,
                       "XRANGE " KEY_HISTORY " %" G_GUINT64_FORMAT "-1 %" G_GUINT64_FORMAT
                       "-1 COUNT %" G_GUINT64_FORMAT, after + 1, upto, upto - after);
}

static void
sp_redis_broker_fetch_last (SpBroker         *broker,
                            SpBrokerFunc      func,
                            SpBrokerDoneFunc  done,
                            gpointer          user_data)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);
  Fetch *fetch = fetch_new (self, func, done, user_data);

  if (fetch != NULL)
    redisAsyncCommand (self->cmd->ac, on_last, fetch, "GET " KEY_LAST);
}

/* ------------------------------------------------------------------------ */

static void
sp_redis_broker_start (SpBroker     *broker,
                       GMainContext *context)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);

  if (self->started)
    return;
  self->started = TRUE;
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref (context);
  connect_links (self);
}

static SpBrokerInfo *
sp_redis_broker_lookup_market (SpBroker  *broker,
                               guint      timeout_ms,
                               GError   **error)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);
  struct timeval timeout = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
  redisContext *c = redisConnectWithTimeout (self->host, self->port, timeout);
  redisReply *reply = NULL;
  SpBrokerInfo *info = NULL;

  if (c == NULL || c->err)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED, _("Redis at %s:%d does not answer: %s"),
                   self->host, self->port, c ? c->errstr : g_strerror (ENOMEM));
      goto out;
    }
  redisSetTimeout (c, timeout);
  reply = redisCommand (c, "HMGET " KEY_META " epoch offset symbols step_us");
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || element_text (reply, 0) == NULL ||
      element_text (reply, 2) == NULL || element_text (reply, 3) == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_FAILED,
                   _("No publisher has published on Redis at %s:%d yet: start one first "
                     "(stockpush --headless --broker redis://%s:%d --role publisher)"),
                   self->host, self->port, self->host, self->port);
      goto out;
    }
  info = g_new0 (SpBrokerInfo, 1);
  info->epoch = g_strdup (element_text (reply, 0));
  info->offset = element_text (reply, 1) ? g_ascii_strtoull (element_text (reply, 1), NULL, 10) : 0;
  info->symbols = g_strsplit (element_text (reply, 2), ",", -1);
  info->step_us = g_ascii_strtoll (element_text (reply, 3), NULL, 10);

out:
  if (reply != NULL)
    freeReplyObject (reply);
  if (c != NULL)
    redisFree (c);
  return info;
}

static void
sp_redis_broker_stop (SpBroker *broker)
{
  SpRedisBroker *self = SP_REDIS_BROKER (broker);

  self->started = FALSE;
  if (self->heartbeat != NULL)
    {
      g_source_destroy (self->heartbeat);
      g_clear_pointer (&self->heartbeat, g_source_unref);
    }
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
  if (self->fault != NULL)
    {
      g_source_destroy (self->fault);
      g_clear_pointer (&self->fault, g_source_unref);
      g_clear_pointer (&self->fault_why, g_free);
    }
  drop_links (self);
}

static void
sp_redis_broker_finalize (GObject *object)
{
  SpRedisBroker *self = SP_REDIS_BROKER (object);

  sp_redis_broker_stop (SP_BROKER (self));
  g_queue_clear_full (&self->waiting, (GDestroyNotify) publication_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->host);
  g_free (self->owner);
  g_free (self->sha1);
  g_free (self->last_epoch);

  G_OBJECT_CLASS (sp_redis_broker_parent_class)->finalize (object);
}

static void
sp_redis_broker_class_init (SpRedisBrokerClass *klass)
{
  SpBrokerClass *broker_class = SP_BROKER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sp_redis_broker_finalize;
  broker_class->start = sp_redis_broker_start;
  broker_class->lookup_market = sp_redis_broker_lookup_market;
  broker_class->stop = sp_redis_broker_stop;
  broker_class->publish = sp_redis_broker_publish;
  broker_class->subscribe = sp_redis_broker_subscribe;
  broker_class->fetch_since = sp_redis_broker_fetch_since;
  broker_class->fetch_range = sp_redis_broker_fetch_range;
  broker_class->get_epoch = sp_redis_broker_get_epoch;
  broker_class->fetch_last = sp_redis_broker_fetch_last;
}

static void
sp_redis_broker_init (SpRedisBroker *self)
{
  g_queue_init (&self->waiting);
  self->sha1 = g_compute_checksum_for_string (G_CHECKSUM_SHA1, publish_script, -1);
}

SpBroker *
sp_redis_broker_new (const char  *url,
                     GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  SpRedisBroker *self;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "redis") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a Redis address: write redis://HOST:PORT, e.g. redis://127.0.0.1:6379"),
                   url);
      return NULL;
    }

  self = g_object_new (SP_TYPE_REDIS_BROKER, NULL);
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 6379;
  return SP_BROKER (self);
}
