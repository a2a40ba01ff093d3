/* Server configuration and the validation of values as a person types them. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <gio/gio.h>
#include <string.h>
#include <sys/random.h>

#include "sp-error.h"
#include "sp-frame-io.h"
#include "sp-market.h"
#include "sp-server-config.h"

G_DEFINE_BOXED_TYPE (SpServerConfig, sp_server_config, sp_server_config_copy, sp_server_config_free)

SpServerConfig *
sp_server_config_new (void)
{
  SpServerConfig *self = g_new0 (SpServerConfig, 1);

  self->bind_address = g_strdup (SP_DEFAULT_BIND);
  self->port = SP_DEFAULT_PORT;
  self->interval_ms = SP_DEFAULT_INTERVAL_MS;
  self->format = SP_FORMAT_JSON;
  self->on_message = SP_ON_MESSAGE_COMMANDS;
  self->max_clients = SP_DEFAULT_MAX_CLIENTS;
  self->max_message_size = SP_DEFAULT_MAX_MESSAGE_SIZE;
  self->command_rate = SP_DEFAULT_COMMAND_RATE;
  self->handshake_timeout_ms = SP_DEFAULT_HANDSHAKE_TIMEOUT;
  self->ping_interval_s = SP_DEFAULT_PING_INTERVAL;
  self->pong_timeout_s = SP_DEFAULT_PONG_TIMEOUT;
  self->slow_timeout_ms = SP_DEFAULT_SLOW_TIMEOUT;
  self->replay_speed = 1;

  return self;
}

SpServerConfig *
sp_server_config_copy (const SpServerConfig *self)
{
  SpServerConfig *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->bind_address = g_strdup (self->bind_address);
  copy->symbols = g_strdupv (self->symbols);
  copy->tls_cert_file = g_strdup (self->tls_cert_file);
  copy->tls_key_file = g_strdup (self->tls_key_file);
  copy->allowed_origins = g_strdupv (self->allowed_origins);
  copy->trusted_proxies = g_strdupv (self->trusted_proxies);
  copy->token = g_strdup (self->token);
  copy->replay_file = g_strdup (self->replay_file);
  copy->broker_url = g_strdup (self->broker_url);

  return copy;
}

void
sp_server_config_free (SpServerConfig *self)
{
  if (self == NULL)
    return;

  g_free (self->bind_address);
  g_strfreev (self->symbols);
  g_free (self->tls_cert_file);
  g_free (self->tls_key_file);
  g_strfreev (self->allowed_origins);
  g_strfreev (self->trusted_proxies);
  g_free (self->token);
  g_free (self->replay_file);
  g_free (self->broker_url);
  g_free (self);
}

static gboolean
parse_unsigned (const char *option,
                const char *value,
                guint64     min,
                guint64     max,
                guint64    *out,
                GError    **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (value ? value : ""));

  if (!g_ascii_string_to_unsigned (trimmed, 10, min, max, out, NULL))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("%s: “%s” is not a whole number from %llu to %llu"),
                   option, value ? value : "", (unsigned long long) min,
                   (unsigned long long) max);
      return FALSE;
    }

  return TRUE;
}

gboolean
sp_server_config_set_port (SpServerConfig *self,
                           const char     *value,
                           GError        **error)
{
  guint64 port;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!parse_unsigned ("--port", value, 0, 65535, &port, error))
    return FALSE;

  self->port = (guint) port;
  return TRUE;
}

gboolean
sp_server_config_set_bind (SpServerConfig *self,
                           const char     *value,
                           GError        **error)
{
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (value != NULL)
    address = g_inet_address_new_from_string (value);

  if (address == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_ADDRESS,
                   _("--bind: “%s” is not an IP address; use 127.0.0.1 or ::1 (this machine only) "
                      "or 0.0.0.0 or :: (all interfaces)"),
                   value ? value : "");
      return FALSE;
    }

  g_free (self->bind_address);
  self->bind_address = g_inet_address_to_string (address);
  return TRUE;
}

gboolean
sp_server_config_set_interval (SpServerConfig *self,
                               const char     *value,
                               GError        **error)
{
  guint64 interval;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!parse_unsigned ("--interval-ms", value, SP_MIN_INTERVAL_MS, SP_MAX_INTERVAL_MS,
                       &interval, error))
    return FALSE;

  self->interval_ms = (guint) interval;
  return TRUE;
}

gboolean
sp_server_config_set_symbols (SpServerConfig *self,
                              const char     *value,
                              GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  char **symbols;

  g_return_val_if_fail (self != NULL, FALSE);

  symbols = sp_market_parse_symbol_list (value ? value : "", &local_error);
  if (symbols == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--symbols: %s"), local_error->message);
      return FALSE;
    }

  g_strfreev (self->symbols);
  self->symbols = symbols;
  return TRUE;
}

gboolean
sp_server_config_set_format (SpServerConfig *self,
                             const char     *value,
                             GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!sp_format_from_string (value, &self->format))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--format: “%s” is not a message format; use json or text"),
                   value ? value : "");
      return FALSE;
    }

  return TRUE;
}

gboolean
sp_server_config_set_on_message (SpServerConfig *self,
                                 const char     *value,
                                 GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!sp_on_message_from_string (value, &self->on_message))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--on-message: “%s” is not a policy; use commands (answer JSON commands) "
                      "or close (close the connection, as the original demo does)"),
                   value ? value : "");
      return FALSE;
    }

  return TRUE;
}

gboolean
sp_server_config_set_seed (SpServerConfig *self,
                           const char     *value,
                           GError        **error)
{
  guint64 seed;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!parse_unsigned ("--seed", value, 0, G_MAXUINT64, &seed, error))
    return FALSE;

  self->seed = seed;
  self->have_seed = TRUE;
  return TRUE;
}

GTlsCertificate *
sp_server_config_load_tls (const SpServerConfig  *self,
                           GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->tls_cert_file != NULL && self->tls_key_file != NULL, NULL);

  certificate = g_tls_certificate_new_from_files (self->tls_cert_file, self->tls_key_file,
                                                  &local_error);
  if (certificate == NULL)
    g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                 _("Cannot use the TLS certificate %s with key %s: %s. Both must be PEM files."),
                 self->tls_cert_file, self->tls_key_file, local_error->message);

  return certificate;
}

gboolean
sp_server_config_set_tls (SpServerConfig *self,
                          const char     *cert_file,
                          const char     *key_file,
                          GError        **error)
{
  g_autoptr(SpServerConfig) trial = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if ((cert_file == NULL || *cert_file == '\0') != (key_file == NULL || *key_file == '\0'))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("--tls-cert and --tls-key go together: give both PEM files, or neither"));
      return FALSE;
    }

  if (cert_file == NULL || *cert_file == '\0')
    {
      g_clear_pointer (&self->tls_cert_file, g_free);
      g_clear_pointer (&self->tls_key_file, g_free);
      return TRUE;
    }

  trial = sp_server_config_new ();
  trial->tls_cert_file = g_strdup (cert_file);
  trial->tls_key_file = g_strdup (key_file);
  certificate = sp_server_config_load_tls (trial, error);
  if (certificate == NULL)
    return FALSE;

  g_free (self->tls_cert_file);
  self->tls_cert_file = g_strdup (cert_file);
  g_free (self->tls_key_file);
  self->tls_key_file = g_strdup (key_file);

  return TRUE;
}

gboolean
sp_server_config_add_trusted_proxy (SpServerConfig *self,
                                    const char     *value,
                                    GError        **error)
{
  g_autofree char *text = g_strstrip (g_strdup (value ? value : ""));
  g_autoptr(GInetAddressMask) mask = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  mask = g_inet_address_mask_new_from_string (text, NULL);
  if (mask == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--trusted-proxy: “%s” is not an address or a network; write the "
                     "proxy's address (10.0.0.5, ::1) or its network in CIDR (10.0.0.0/8, "
                     "fd00::/8)"),
                   text);
      return FALSE;
    }
  builder = g_strv_builder_new ();
  if (self->trusted_proxies != NULL)
    g_strv_builder_addv (builder, (const char **) self->trusted_proxies);
  g_strv_builder_add (builder, text);
  g_strfreev (self->trusted_proxies);
  self->trusted_proxies = g_strv_builder_end (builder);
  return TRUE;
}

gboolean
sp_server_config_add_origin (SpServerConfig *self,
                             const char     *value,
                             GError        **error)
{
  g_autofree char *origin = g_strstrip (g_strdup (value ? value : ""));
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) list = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  /* "null" is what pages opened from a file send, like the original demo's. */
  if (!g_str_equal (origin, "*") && !g_str_equal (origin, "null"))
    {
      uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
          (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
          (*g_uri_get_path (uri) != '\0' && !g_str_equal (g_uri_get_path (uri), "/")))
        {
          g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                       _("--allow-origin: “%s” is not an origin; write it as a browser sends it, "
                          "e.g. https://example.com or http://192.168.1.20:8080 (null for pages "
                          "opened from files, * for any)"),
                       origin);
          return FALSE;
        }
      /* Browsers send no trailing slash. */
      if (g_str_has_suffix (origin, "/"))
        origin[strlen (origin) - 1] = '\0';
    }

  builder = g_strv_builder_new ();
  if (self->allowed_origins != NULL)
    g_strv_builder_addv (builder, (const char **) self->allowed_origins);
  g_strv_builder_add (builder, origin);
  list = g_strv_builder_end (builder);
  g_strfreev (self->allowed_origins);
  self->allowed_origins = g_steal_pointer (&list);

  return TRUE;
}

gboolean
sp_server_config_set_token (SpServerConfig *self,
                            const char     *value,
                            GError        **error)
{
  gsize length = value != NULL ? strlen (value) : 0;

  g_return_val_if_fail (self != NULL, FALSE);

  if (length == 0)
    {
      g_clear_pointer (&self->token, g_free);
      return TRUE;
    }

  if (length < 8 || length > 256 ||
      strspn (value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~") != length)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("--token: use 8 to 256 letters, digits, “-”, “_”, “.” or “~” "
                              "(the token travels in URLs)"));
      return FALSE;
    }

  g_free (self->token);
  self->token = g_strdup (value);
  return TRUE;
}

#define DEFINE_LIMIT_SETTER(name, field, option, min, max)                        \
  gboolean                                                                         \
  sp_server_config_set_##name (SpServerConfig *self,                               \
                               const char     *value,                              \
                               GError        **error)                              \
  {                                                                                \
    guint64 number;                                                                \
                                                                                   \
    g_return_val_if_fail (self != NULL, FALSE);                                    \
                                                                                   \
    if (!parse_unsigned (option, value, min, max, &number, error))                 \
      return FALSE;                                                                \
    self->field = (guint) number;                                                  \
    return TRUE;                                                                   \
  }

DEFINE_LIMIT_SETTER (max_clients, max_clients, "--max-clients", 1, 1000000)
DEFINE_LIMIT_SETTER (max_message_size, max_message_size, "--max-message-size", 125, 16 * 1024 * 1024)
DEFINE_LIMIT_SETTER (command_rate, command_rate, "--max-command-rate", 1, 100000)
DEFINE_LIMIT_SETTER (handshake_timeout, handshake_timeout_ms, "--handshake-timeout-ms", 100, 600000)
DEFINE_LIMIT_SETTER (ping_interval, ping_interval_s, "--ping-interval", 0, 3600)
DEFINE_LIMIT_SETTER (pong_timeout, pong_timeout_s, "--pong-timeout", 1, 3600)
DEFINE_LIMIT_SETTER (slow_timeout, slow_timeout_ms, "--slow-client-timeout-ms", 100, 600000)

gboolean
sp_server_config_is_exposed (const SpServerConfig *self)
{
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  address = g_inet_address_new_from_string (self->bind_address);
  return address == NULL || !g_inet_address_get_is_loopback (address);
}

char *
sp_server_config_generate_token (void)
{
  guint8 bytes[18];
  char *token;

  /* From the kernel's CSPRNG; GRand is predictable. */
  if (getrandom (bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes)
    g_error ("Could not get random bytes for an access token");
  token = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (token, "+", '-');
  g_strdelimit (token, "/", '_');

  return token;
}

gboolean
sp_server_config_set_replay (SpServerConfig *self,
                             const char     *path,
                             GError        **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(GError) local_error = NULL;
  guint n_data = 0;

  g_return_val_if_fail (self != NULL, FALSE);

  file = g_file_new_for_commandline_arg (path);
  frames = sp_frames_load (file, 0, NULL, &local_error);
  if (frames == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT, _("--replay %s: %s"), path,
                   local_error->message);
      return FALSE;
    }
  for (guint i = 0; i < frames->len; i++)
    {
      SpFrame *frame = g_ptr_array_index (frames, i);

      n_data += frame->direction == SP_FRAME_IN &&
                (frame->kind == SP_FRAME_TEXT || frame->kind == SP_FRAME_BINARY) && frame->size > 0;
    }
  if (n_data == 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--replay %s: the recording holds no received messages to replay"), path);
      return FALSE;
    }

  g_free (self->replay_file);
  self->replay_file = g_file_get_path (file);
  return TRUE;
}

gboolean
sp_server_config_set_broker (SpServerConfig *self,
                             const char     *value,
                             GError        **error)
{
  g_autoptr(GUri) uri = value ? g_uri_parse (value, G_URI_FLAGS_NONE, NULL) : NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "redis") != 0 ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--broker: “%s” is not a Redis address: write redis://HOST:PORT, "
                     "e.g. redis://127.0.0.1:6379"), value ? value : "");
      return FALSE;
    }
  g_free (self->broker_url);
  self->broker_url = g_strdup (value);
  return TRUE;
}

gboolean
sp_server_config_set_role (SpServerConfig *self,
                           const char     *value,
                           GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (g_strcmp0 (value, "publisher") == 0)
    self->role = SP_ROLE_PUBLISHER;
  else if (g_strcmp0 (value, "edge") == 0)
    self->role = SP_ROLE_EDGE;
  else if (g_strcmp0 (value, "standalone") == 0)
    self->role = SP_ROLE_STANDALONE;
  else
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--role: “%s” is not publisher (runs the market and publishes it), edge "
                     "(serves a publisher's ticks) or standalone"), value ? value : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
sp_server_config_check_broker (SpServerConfig *self,
                               GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->role != SP_ROLE_STANDALONE && self->broker_url == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("--role: a publisher or an edge needs a broker: add --broker "
                             "redis://HOST:PORT"));
      return FALSE;
    }
  if (self->role == SP_ROLE_STANDALONE && self->broker_url != NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("--broker: say what this server is there: --role publisher or "
                             "--role edge"));
      return FALSE;
    }
  if (self->role == SP_ROLE_EDGE && self->replay_file != NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                           _("--replay: an edge serves the publisher's ticks; give the "
                             "recording to the publisher"));
      return FALSE;
    }
  return TRUE;
}

gboolean
sp_server_config_set_replay_speed (SpServerConfig *self,
                                   const char     *value,
                                   GError        **error)
{
  double speed;
  char *end = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (g_strcmp0 (value, "max") == 0)
    {
      self->replay_speed = 0;
      return TRUE;
    }

  speed = value != NULL ? g_ascii_strtod (value, &end) : 0;
  if (value == NULL || end == value || *end != '\0' || !(speed >= 0.01 && speed <= 10000))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("--replay-speed: “%s” is not 1, 10 (any factor from 0.01 to 10000) or max"),
                   value ? value : "");
      return FALSE;
    }
  self->replay_speed = speed;
  return TRUE;
}
