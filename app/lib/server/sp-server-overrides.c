/* Server options from the command line, applied on top of defaults or settings. */
#include "config.h"

#include "sp-server-overrides.h"

typedef gboolean (*ValueSetter) (SpServerConfig *config,
                                 const char     *value,
                                 GError        **error);

/* Options that take one value, each through the setter that checks it as typed. */
static const struct
{
  const char *name;
  ValueSetter setter;
} value_options[] = {
  { "port", sp_server_config_set_port },
  { "bind", sp_server_config_set_bind },
  { "interval-ms", sp_server_config_set_interval },
  { "symbols", sp_server_config_set_symbols },
  { "format", sp_server_config_set_format },
  { "on-message", sp_server_config_set_on_message },
  { "seed", sp_server_config_set_seed },
  { "token", sp_server_config_set_token },
  { "max-clients", sp_server_config_set_max_clients },
  { "max-message-size", sp_server_config_set_max_message_size },
  { "max-command-rate", sp_server_config_set_command_rate },
  { "handshake-timeout-ms", sp_server_config_set_handshake_timeout },
  { "ping-interval", sp_server_config_set_ping_interval },
  { "pong-timeout", sp_server_config_set_pong_timeout },
  { "slow-client-timeout-ms", sp_server_config_set_slow_timeout },
  { "replay-speed", sp_server_config_set_replay_speed },
  { "broker", sp_server_config_set_broker },
  { "role", sp_server_config_set_role },
};

struct _SpServerOverrides
{
  char    *values[G_N_ELEMENTS (value_options)]; /* NULL: not given */
  char    *tls_cert;
  char    *tls_key;
  char   **origins;
  char   **proxies;
  char    *replay;
  gboolean split;
  gboolean no_token;
  gboolean have_send_delay;
  guint    send_delay_us;
  GPtrArray *names;                              /* "--port", …, NULL-terminated */
};

void
sp_server_overrides_free (SpServerOverrides *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (value_options); i++)
    g_free (self->values[i]);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_strfreev (self->origins);
  g_strfreev (self->proxies);
  g_free (self->replay);
  g_ptr_array_unref (self->names);
  g_free (self);
}

static void
add_name (SpServerOverrides *self,
          const char        *name)
{
  g_ptr_array_insert (self->names, self->names->len - 1, g_strconcat ("--", name, NULL));
}

SpServerOverrides *
sp_server_overrides_new_from_options (GVariantDict  *options,
                                      const char   **failed_option,
                                      GError       **error)
{
  g_autoptr(SpServerOverrides) self = g_new0 (SpServerOverrides, 1);
  g_autoptr(SpServerConfig) scratch = sp_server_config_new ();
  gint delay_us;

  self->names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->names, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (value_options); i++)
    if (g_variant_dict_lookup (options, value_options[i].name, "s", &self->values[i]))
      add_name (self, value_options[i].name);
  if (g_variant_dict_lookup (options, "tls-cert", "^ay", &self->tls_cert))
    add_name (self, "tls-cert");
  if (g_variant_dict_lookup (options, "tls-key", "^ay", &self->tls_key))
    add_name (self, "tls-key");
  if (g_variant_dict_lookup (options, "allow-origin", "^as", &self->origins))
    add_name (self, "allow-origin");
  if (g_variant_dict_lookup (options, "trusted-proxy", "^as", &self->proxies))
    add_name (self, "trusted-proxy");
  if ((self->split = g_variant_dict_contains (options, "split")))
    add_name (self, "split");
  if (g_variant_dict_lookup (options, "test-send-delay-us", "i", &delay_us))
    {
      self->have_send_delay = TRUE;
      self->send_delay_us = (guint) CLAMP (delay_us, 0, G_USEC_PER_SEC);
    }
  if (g_variant_dict_lookup (options, "replay", "^ay", &self->replay))
    add_name (self, "replay");
  if ((self->no_token = g_variant_dict_contains (options, "no-token")))
    add_name (self, "no-token");

  if (!sp_server_overrides_apply (self, scratch, failed_option, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
sp_server_overrides_is_empty (const SpServerOverrides *self)
{
  return self->names->len <= 1 && !self->have_send_delay;
}

const char * const *
sp_server_overrides_get_names (const SpServerOverrides *self)
{
  return (const char * const *) self->names->pdata;
}

gboolean
sp_server_overrides_has (const SpServerOverrides *self,
                         const char              *name)
{
  g_autofree char *dashed = g_strconcat ("--", name, NULL);

  return g_strv_contains (sp_server_overrides_get_names (self), dashed);
}

#define FAIL_ON(option, call) \
  G_STMT_START { \
    if (!(call)) \
      { \
        if (failed_option != NULL) \
          *failed_option = (option); \
        return FALSE; \
      } \
  } G_STMT_END

gboolean
sp_server_overrides_apply (const SpServerOverrides *self,
                           SpServerConfig          *config,
                           const char             **failed_option,
                           GError                 **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (value_options); i++)
    if (self->values[i] != NULL)
      FAIL_ON (value_options[i].name, value_options[i].setter (config, self->values[i], error));

  if (self->tls_cert != NULL || self->tls_key != NULL)
    FAIL_ON (self->tls_cert == NULL ? "tls-key" : "tls-cert",
             sp_server_config_set_tls (config, self->tls_cert, self->tls_key, error));

  /* Added to the configured origins: the window's “Allow This Origin” keeps working. */
  for (guint i = 0; self->origins != NULL && self->origins[i] != NULL; i++)
    FAIL_ON ("allow-origin", sp_server_config_add_origin (config, self->origins[i], error));

  for (guint i = 0; self->proxies != NULL && self->proxies[i] != NULL; i++)
    FAIL_ON ("trusted-proxy", sp_server_config_add_trusted_proxy (config, self->proxies[i], error));

  if (self->split)
    config->split = TRUE;
  if (self->have_send_delay)
    config->test_send_delay_us = self->send_delay_us;
  if (self->replay != NULL)
    FAIL_ON ("replay", sp_server_config_set_replay (config, self->replay, error));

  if (sp_server_overrides_has (self, "broker") || sp_server_overrides_has (self, "role"))
    FAIL_ON (config->role == SP_ROLE_STANDALONE ? "broker" : "role",
             sp_server_config_check_broker (config, error));

  if (self->no_token && !sp_server_overrides_has (self, "token"))
    g_clear_pointer (&config->token, g_free);
  /* Reachable from other machines: a token unless told otherwise. */
  else if (sp_server_config_is_exposed (config) && config->token == NULL)
    config->token = sp_server_config_generate_token ();

  return TRUE;
}
