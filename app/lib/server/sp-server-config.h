/* What the built-in server is asked to do: parsed from the command line or settings. */
#pragma once

#include <gio/gio.h>

#include "sp-protocol.h"

G_BEGIN_DECLS

/* With a broker: the one market that publishes, or a server of its ticks. */
typedef enum
{
  SP_ROLE_STANDALONE,
  SP_ROLE_PUBLISHER,
  SP_ROLE_EDGE,
} SpRole;

#define SP_DEFAULT_PORT        8765
#define SP_DEFAULT_BIND        "127.0.0.1"
#define SP_DEFAULT_INTERVAL_MS 250
#define SP_MIN_INTERVAL_MS     1
#define SP_MAX_INTERVAL_MS     (60 * 60 * 1000)

/* Defences: safe defaults, all adjustable. */
#define SP_DEFAULT_MAX_CLIENTS        20000
#define SP_DEFAULT_MAX_MESSAGE_SIZE   (64 * 1024)
#define SP_DEFAULT_COMMAND_RATE       50        /* a second, bursts of twice that */
#define SP_DEFAULT_HANDSHAKE_TIMEOUT  10000     /* ms */
#define SP_DEFAULT_PING_INTERVAL      30        /* s; 0: no keepalive */
#define SP_DEFAULT_PONG_TIMEOUT       10        /* s */
#define SP_DEFAULT_SLOW_TIMEOUT       10000     /* ms a client may stay behind */

typedef struct
{
  char       *bind_address; /* an IP literal: 127.0.0.1, ::1, 0.0.0.0, :: … */
  guint       port;         /* 0 picks a free port */
  guint       interval_ms;
  char      **symbols;      /* NULL: the default five */
  SpFormat    format;
  SpOnMessage on_message;
  gboolean    have_seed;
  guint64     seed;
  gboolean    deflate;      /* permessage-deflate, off by default */
  gboolean    split;        /* one frame per tick and symbol instead of one batch per tick */
  char       *tls_cert_file; /* PEM; with tls_key_file, serve wss:// and https:// */
  char       *tls_key_file;

  char      **allowed_origins;  /* besides the server's own page and clients that send
                                 * no Origin; "*" allows any */
  char       *token;            /* required as ?token= or Authorization: Bearer; NULL: none */
  char      **trusted_proxies;  /* addresses or CIDR networks whose X-Forwarded-For,
                                 * X-Forwarded-Host and Forwarded are believed; NULL: none */
  guint       max_clients;
  guint       max_message_size; /* bytes a client message may have */
  guint       command_rate;     /* client messages a second */
  guint       handshake_timeout_ms;
  guint       ping_interval_s;
  guint       pong_timeout_s;
  guint       slow_timeout_ms;

  char       *replay_file;      /* a recording to serve instead of the market; NULL: none */
  char       *broker_url;       /* redis://HOST:PORT, with a role other than standalone */
  SpRole      role;
  double      replay_speed;     /* 1, 10…; 0: as fast as the clients take it */
  int         thread_nice;      /* added to the server thread's niceness: in the app, the
                                 * window's thread goes first when both want the CPU */
  guint       test_send_delay_us; /* tests only: every frame to a client waits this long
                                   * first, so that a test can overload any machine */
} SpServerConfig;

#define SP_TYPE_SERVER_CONFIG (sp_server_config_get_type ())

GType           sp_server_config_get_type (void) G_GNUC_CONST;
SpServerConfig *sp_server_config_new      (void);
SpServerConfig *sp_server_config_copy     (const SpServerConfig *self);
void            sp_server_config_free     (SpServerConfig       *self);

/* Each setter validates a value as typed by a person and says what is wrong. */
gboolean sp_server_config_set_port        (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_bind        (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_interval    (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_symbols     (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_format      (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_on_message  (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_seed        (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
/* Both files or neither; checked by loading them. */
gboolean sp_server_config_set_tls         (SpServerConfig *self,
                                           const char     *cert_file,
                                           const char     *key_file,
                                           GError        **error);
GTlsCertificate *sp_server_config_load_tls (const SpServerConfig *self,
                                            GError              **error);

/* An origin as a browser sends it: scheme://host[:port], or "*" for any. */
gboolean sp_server_config_add_origin      (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
/* A proxy (an address, or a network in CIDR: 10.0.0.0/8, fd00::/8) whose
 * word on the client's address and Host is believed. */
gboolean sp_server_config_add_trusted_proxy (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
/* 8 to 256 characters of A–Z a–z 0–9 - _ . ~ (safe in a URL); "" or NULL: none. */
gboolean sp_server_config_set_token       (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
/* Limits, each as typed (a whole number) and checked against its range. */
gboolean sp_server_config_set_max_clients (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_max_message_size (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_command_rate (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_handshake_timeout (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_ping_interval (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_pong_timeout (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
gboolean sp_server_config_set_slow_timeout (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
/* A recording (JSON Lines, as --record writes) to replay as the ticker: the
 * file is read and checked here, so a bad one is refused before the start. */
gboolean sp_server_config_set_replay      (SpServerConfig *self,
                                           const char     *path,
                                           GError        **error);
/* "1", "10" (any factor from 0.01 to 10000) or "max". */
/* --broker URL and --role publisher|edge, checked together (sp_server_config_check_broker). */
gboolean         sp_server_config_set_broker         (SpServerConfig  *self,
                                                      const char      *value,
                                                      GError         **error);
gboolean         sp_server_config_set_role           (SpServerConfig  *self,
                                                      const char      *value,
                                                      GError         **error);
gboolean         sp_server_config_check_broker       (SpServerConfig  *self,
                                                      GError         **error);
gboolean sp_server_config_set_replay_speed (SpServerConfig *self,
                                           const char     *value,
                                           GError        **error);
/* Whether the bind address reaches beyond this machine. */
gboolean sp_server_config_is_exposed      (const SpServerConfig *self);
/* A fresh random token (URL-safe base64 of 18 random bytes). */
char    *sp_server_config_generate_token  (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerConfig, sp_server_config_free)

G_END_DECLS
