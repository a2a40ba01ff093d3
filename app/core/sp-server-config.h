/* What the built-in server is asked to do: parsed from the command line or settings. */
#pragma once

#include <gio/gio.h>

#include "sp-protocol.h"

G_BEGIN_DECLS

#define SP_DEFAULT_PORT        8765
#define SP_DEFAULT_BIND        "127.0.0.1"
#define SP_DEFAULT_INTERVAL_MS 250
#define SP_MIN_INTERVAL_MS     1
#define SP_MAX_INTERVAL_MS     (60 * 60 * 1000)

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
  char       *tls_cert_file; /* PEM; with tls_key_file, serve wss:// and https:// */
  char       *tls_key_file;
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpServerConfig, sp_server_config_free)

G_END_DECLS
