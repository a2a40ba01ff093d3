/* The server's parts, shared between its files: the engine (threads and
 * contexts), the listener, the HTTP side and admission, the connections and
 * the fan-out of ticks. Not installed; the public API is sp-server.h. Which
 * thread may call what is said at each function's definition. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <stdatomic.h>

#include "sp-conn-stream.h"
#include "sp-flush-groups.h"
#include "sp-protocol.h"
#include "sp-send-pool.h"
#include "sp-server.h"
#include "sp-broker.h"
#include "sp-tick-source.h"

G_BEGIN_DECLS

#define LISTEN_BACKLOG        4096
/* Connections taken off the backlog per wake-up of the server thread. */
#define ACCEPT_BATCH          256
/* After an accept that failed for want of resources, this long before the next. */
#define ACCEPT_RETRY_MS       100
#define STOP_GRACE_US         (500 * G_TIME_SPAN_MILLISECOND)
#define EVENT_COALESCE_MS     30
/* A busy server sends the steps it fell behind on in one frame, up to this many. */
#define MAX_CATCH_UP_STEPS    SP_TICK_SOURCE_MAX_STEPS
/* The market steps kept (a ring) for clients still to be sent them: a client
 * flushed every SP_FLUSH_GROUPS_MAX ticks (sp-flush-groups.h) of
 * MAX_CATCH_UP_STEPS steps each loses none. */
#define KEPT_STEPS            (MAX_CATCH_UP_STEPS * SP_FLUSH_GROUPS_MAX)
/* A tick's sends are spread over the send threads from this many on. */
#define POOL_MIN_FRAMES       128
/* At most this many threads send (the server thread and helpers). */
#define MAX_SEND_THREADS      4
/* ... while a round takes less than this share of the interval (see send_due). */
#define POOL_MAX_BUSY         0.4
/* A close we asked for that the peer does not complete: cut it after this. */
#define FORCE_CLOSE_US        (1000 * G_TIME_SPAN_MILLISECOND)
#define SWEEP_MS              250
#define CLOSE_REASON_SLOW     "Client too slow: it stopped reading the stream"
#define CLOSE_REASON_DEAD     "No answer to ping"
#define CLOSE_REASON_FLOOD    "Too many messages"
#define CLOSE_REASON_STOP     "StockPush server is shutting down"
#define CLOSE_REASON_KICK     "Disconnected by the StockPush operator"
#define CLOSE_REASON_POLICY   "This server closes the connection after any client message"

typedef struct _SpEngine SpEngine;
typedef struct _SpRecovery SpRecovery;

/* One WebSocket client. Owned by the server thread, touched by the tick
 * thread under the engine's lock (see SpEngine); the published fields
 * (membership in engine->conns, mask, implicit_all) change under the server
 * lock so snapshots from other threads are consistent; counters are atomics. */
typedef struct
{
  SpEngine                *engine;
  SoupWebsocketConnection *conn;
  SpClientInfo            *info;          /* static parts: address, texts, origin… */
  guint64                  mask;          /* subscribed symbols, bit i = symbol i */
  gboolean                 implicit_all;  /* never subscribed explicitly */
  _Atomic guint64          frames_sent;
  _Atomic guint64          bytes_sent;
  _Atomic guint64          frames_received;
  _Atomic guint64          bytes_received;

  GSocket                 *socket;
  SpConnStream            *out;           /* what libsoup writes to, and the ticks */
  gboolean                 lagging;       /* bytes queued: only the latest ticks are kept */
  gint64                   lag_since;
  guint64                  pending_mask;  /* symbols with a tick held back while lagging */
  guint64                  next_step;     /* the first market step it has not been sent */
  GBytes                  *round_frame;   /* this tick's frame, between the passes of on_tick */
  gint64                   last_seen;     /* last pong or message (monotonic) */
  gint64                   last_pong;     /* real time of the last pong, 0: none */
  gint64                   next_ping;     /* when to ping it next (monotonic) */
  gint64                   rtt_us;        /* round trip of the last answered ping, -1: none */
  gint64                   close_requested;
  gushort                  close_code;    /* the close we sent, if we closed */
  const char              *close_reason;  /* static */
  double                   allowance;     /* messages the client may still send now */
  gint64                   allowance_time;
  SpRecovery              *recovery;      /* not owned: a fetch of what it missed is under
                                           * way, and it is sent no ticks till the answer */
} SpConn;

struct _SpEngine
{
  SpServer       *server;        /* not owned: the server outlives the thread */
  SpServerConfig *config;
  GMainContext   *context;
  gboolean        running;       /* the server thread's loop goes on */
  /* The ticks run on a thread of their own, whose context holds the ticker
   * alone: each iteration of the server thread's context costs time in
   * proportion to its clients (GLib prepares, polls and checks every
   * client's source), measured at a third of the thread's time with 5,000
   * clients at 40 ticks a second, when every tick woke it. Code of either
   * thread that touches the engine or its clients holds @lock: the tick
   * thread for a whole tick, the server thread while it dispatches. A
   * dispatch can be long (a burst of clients connecting: measured 0.3 s under
   * AddressSanitizer and a busy machine, when 64 missed steps are already
   * more than a tick catches up), so the server thread lets a tick that has
   * waited long go first between clients (engine_yield). */
  GMutex          lock;
  GCond           tick_done;
  guint64         ticks_done;          /* under @lock */
  _Atomic gint64  tick_waiting_since;  /* monotonic µs; 0: no tick waiting */
  GMainContext   *tick_context;
  GThread        *tick_thread;
  gboolean        tick_quit;
  SoupServer     *soup;
  GSocket        *listener;
  GSource        *accept_source;
  GTlsCertificate *certificate;  /* wss: each accepted socket is wrapped in TLS */
  SpTickSource   *source;        /* the market, a recording, or a broker's ticks (an edge) */
  SpBroker       *broker;        /* a publisher's: every step goes there too; else NULL */
  gboolean        published;     /* the first step went to the broker (a new epoch) */
  GSource        *stop_poll;
  char          **symbols;       /* names, in market order */
  guint64         all_mask;
  guint64         next_id;
  gint64          stop_deadline;
  gboolean        stopping;
  GPtrArray      *tick_json;     /* GString per symbol for each of the last KEPT_STEPS steps */
  guint64        *tick_seq;      /* …and each one's seq, for clients recovering what they missed */
  guint64        *tick_offset;   /* an edge's: each step's offset on the broker (0: none) */
  char           *market_id;     /* the market's identity, as the welcome says it (NULL: an
                                  * edge before its first step); the edge's: the epoch */
  GPtrArray      *recoveries;    /* SpRecovery: from the broker's history, under way */
  guint           recoveries_running;
  guint64         ring_from;     /* the oldest step encoded (steps with no client are not) */
  guint64         resync_step;   /* an edge's last resync: the seqs before it may not go on */
  GPtrArray      *parts;         /* scratch: the ticks of one batch frame */
  guint64         step;          /* market steps taken (the next step's number) */
  guint64         round;         /* ticks sent */
  SpFlushGroups   flush;         /* how many groups the clients are flushed in */
  gint64          text_price_cents; /* --format text: the first symbol's latest */
  double          busy;          /* share of the interval a round takes (average) */
  SpSendPool     *pool;          /* sends a round's frames on all cores */
  GPtrArray      *due;           /* SpConn: the clients sent a frame this tick */
  guint           all_symbols;
  GSource        *sweep;
  GHashTable     *handshakes;    /* SoupServerMessage → start (monotonic µs) */
  GHashTable     *frames_by_mask;/* FrameKey → GBytes, valid during one tick */
  GString        *scratch;

  /* Start hand-shake with the owner thread. */
  GMutex          start_lock;
  GCond           start_cond;
  gboolean        start_done;
  GError         *start_error;
  guint           port;
};

typedef enum
{
  EVENT_CONNECTED,
  EVENT_DISCONNECTED,
  EVENT_REFUSED,
} EventKind;

typedef struct
{
  EventKind     kind;
  SpClientInfo *info;
  SpRefusal    *refusal;   /* EVENT_REFUSED */
} Event;

/* Refusals waiting for the owner: a flood of refused connections is told
 * as counts (SpRefusal.more) beyond these, so memory stays bounded. */
#define MAX_PENDING_REFUSALS 256

struct _SpServer
{
  GObject       parent_instance;

  GMainContext *owner_context;
  GThread      *thread;
  SpEngine     *engine;
  guint         port;
  char         *bind_address;
  char         *token;           /* part of every URL handed out */
  gboolean      tls;
  gboolean      stopping;

  /* Guards conns (membership and subscriptions), events and event_source. */
  GMutex        lock;
  GPtrArray    *conns;           /* SpConn*, ordered by id; mutated by the server thread */
  GArray       *events;
  guint         pending_refusals;
  GSource      *event_source;

  /* The market of the last run, for the next one that asks for the same (owner thread). */
  SpTickSource   *kept_source;
  SpServerConfig *kept_config;
};

/* engine (sp-server-engine.c) */
/* Any thread while the engine lives. */
SpServerBrokerState _sp_engine_broker_state (SpEngine        *engine,
                                             char           **reason);
/* @market: a stopped market source to go on with (its seed @seed), or NULL. */
SpEngine *_sp_engine_new               (SpServer             *server,
                                        const SpServerConfig *config,
                                        SpTickSource         *market,
                                        guint64               seed,
                                        GError              **error);
void      _sp_engine_free              (SpEngine             *engine);
gpointer  _sp_engine_thread            (gpointer              data);
gboolean  _sp_engine_begin_stop        (gpointer              data);
void      _sp_engine_yield             (SpEngine             *engine,
                                        gint64                patience_us);
gint64    _sp_engine_yield_patience_us (SpEngine             *engine);

/* listener (sp-server-listener.c) */
GSocket  *_sp_listener_new             (SpEngine             *engine,
                                        GError              **error);
void      _sp_listener_watch           (SpEngine             *engine);

/* the HTTP side: admission before any upgrade, slow requests, pages (sp-server-http.c) */
void      _sp_http_setup               (SpEngine             *engine);
void      _sp_http_sweep_handshakes    (SpEngine             *engine,
                                        gint64                now);
GSocket  *_sp_http_message_socket      (SoupServerMessage    *msg);
const char *_sp_http_client_address    (SoupServerMessage    *msg);

/* connections (sp-server-conn.c) */
void      _sp_conn_on_websocket        (SoupServer              *soup,
                                        SoupServerMessage       *msg,
                                        const char              *path,
                                        SoupWebsocketConnection *conn,
                                        gpointer                 user_data);
gboolean  _sp_conn_is_open             (SpConn               *c);
gboolean  _sp_conn_ready               (SpConn               *c);
void      _sp_conn_send_frame          (SpConn               *c,
                                        guint8                opcode,
                                        GBytes               *bytes);
void      _sp_conn_send_bytes          (SpConn               *c,
                                        GBytes               *bytes);
void      _sp_conn_close               (SpConn               *c,
                                        gushort               code,
                                        const char           *reason);
void      _sp_conn_closed              (SpConn               *c);
void      _sp_conn_sweep               (SpConn               *c,
                                        gint64                now);

/* fan-out of ticks (sp-server-fanout.c) */
void      _sp_fanout_init              (SpEngine             *engine);
void      _sp_fanout_clear             (SpEngine             *engine);
void      _sp_fanout_start             (SpEngine             *engine);
GBytes   *_sp_fanout_frame_for_mask    (SpEngine             *engine,
                                        guint64               mask,
                                        gint64                ts,
                                        guint64               first_step,
                                        gboolean              shared);
gpointer  _sp_fanout_thread            (gpointer              data);
gboolean  _sp_fanout_recover_from      (SpEngine             *engine,
                                        guint64               mask,
                                        const char * const   *symbols,
                                        const guint64        *seqs,
                                        guint64              *first_step);
gboolean  _sp_fanout_has_step          (SpEngine             *engine,
                                        guint64               step);

/* answers to a subscribe with "since" (sp-server-conn.c) */
void      _sp_conn_send_recovered      (SpConn               *c,
                                        gboolean              recovered,
                                        const char           *id_json);
void      _sp_conn_send_steps_from     (SpConn               *c,
                                        guint64               first);
void      _sp_conn_answer_recovery     (SpConn               *c,
                                        gboolean              recovered,
                                        guint64               first,
                                        const char           *id_json);

/* recovery from the broker's history (sp-server-recovery.c) */
gboolean  _sp_recovery_start           (SpConn               *c,
                                        const SpCommand      *command);
void      _sp_recovery_shutdown        (SpEngine             *engine);

/* events for the owner (sp-server.c) */
SpClientInfo *_sp_server_snapshot      (SpConn               *c);
char    **_sp_server_mask_to_strv      (SpEngine             *engine,
                                        guint64               mask);
void      _sp_server_push_event_locked (SpServer             *self,
                                        EventKind             kind,
                                        SpClientInfo         *info);
void      _sp_server_push_refusal      (SpServer             *self,
                                        SpRefusal            *refusal);

G_END_DECLS
