/* Immutable snapshots of server-side clients, and of refused connections,
 * safe to hand between threads. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 id;
  char   *address;         /* remote IP as text */
  guint16 port;            /* remote port */
  gint64  connected_at;    /* g_get_real_time() when the upgrade completed */
  char   *origin;          /* NULL when the client sent none */
  char   *user_agent;      /* NULL when the client sent none */
  char   *request_text;    /* the upgrade request, raw */
  char   *response_text;   /* the 101 response, raw */
  char  **subscriptions;   /* NULL while subscribed to everything */
  guint64 frames_sent;
  guint64 bytes_sent;      /* payload bytes */
  guint64 frames_received;
  guint64 bytes_received;
  gushort close_code;      /* 0 while connected; 1006 when it left without a close frame */
  char   *close_reason;
  gint64  last_pong_at;    /* g_get_real_time() of its last pong; 0: none yet */
  gint64  ping_rtt_us;     /* round trip of the last answered ping; -1: none yet */
  gboolean lagging;        /* its socket takes no more: it gets only the latest ticks */
  gint64  lagging_since;   /* g_get_real_time(), while lagging */
  gint64  left_at;         /* g_get_real_time() when it left; 0 while connected */
} SpClientInfo;

#define SP_TYPE_CLIENT_INFO (sp_client_info_get_type ())

GType         sp_client_info_get_type (void) G_GNUC_CONST;
SpClientInfo *sp_client_info_new      (void);
SpClientInfo *sp_client_info_ref      (SpClientInfo *self);
void          sp_client_info_unref    (SpClientInfo *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpClientInfo, sp_client_info_unref)

/* Why a connection was refused before it became a client. */
typedef enum
{
  SP_REFUSAL_ORIGIN,       /* 403: a browser page from an origin not allowed */
  SP_REFUSAL_TOKEN,        /* 401: without the access token */
  SP_REFUSAL_FULL,         /* 503: as many clients as the server takes */
  SP_REFUSAL_HEADERS,      /* 431: too many or too large headers */
  SP_REFUSAL_VERSION,      /* 426: a WebSocket version other than 13 */
  SP_REFUSAL_BAD_REQUEST,  /* 400: a request the server cannot read safely */
} SpRefusalKind;

/* An immutable record of one refused connection. */
typedef struct
{
  SpRefusalKind kind;
  gint64        at;            /* g_get_real_time() */
  char         *address;       /* remote IP as text */
  guint16       port;
  char         *origin;        /* NULL when the request had none (or was not read) */
  char         *user_agent;    /* NULL when none */
  guint         status;        /* the HTTP status answered */
  char         *reason;        /* the answer's text: why, for the peer and the log */
  guint         more;          /* refusals of the same kind dropped behind this one (a flood) */
} SpRefusal;

#define SP_TYPE_REFUSAL (sp_refusal_get_type ())

GType      sp_refusal_get_type (void) G_GNUC_CONST;
SpRefusal *sp_refusal_new      (void);
SpRefusal *sp_refusal_ref      (SpRefusal *self);
void       sp_refusal_unref    (SpRefusal *self);

/* "a page opened from a file (Origin null)", "https://example.com", or NULL. */
char      *sp_refusal_describe_origin (const SpRefusal *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpRefusal, sp_refusal_unref)

G_END_DECLS
