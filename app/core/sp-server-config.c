/* Server configuration and the validation of values as a person types them. */
#include "config.h"

#include <gio/gio.h>

#include "sp-error.h"
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
                   "%s: “%s” is not a whole number from %" G_GUINT64_FORMAT
                   " to %" G_GUINT64_FORMAT,
                   option, value ? value : "", min, max);
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
                   "--bind: “%s” is not an IP address; use 127.0.0.1 or ::1 (this machine only) "
                   "or 0.0.0.0 or :: (all interfaces)",
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
                   "--symbols: %s", local_error->message);
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
                   "--format: “%s” is not a message format; use json or text",
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
                   "--on-message: “%s” is not a policy; use commands (answer JSON commands) "
                   "or close (close the connection, as the original demo does)",
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
                 "Cannot use the TLS certificate %s with key %s: %s. Both must be PEM files.",
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
                           "--tls-cert and --tls-key go together: give both PEM files, or neither");
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
