/* The abstract broker (see sp-broker.h): its state and signals; the engines do the rest. */
#include "config.h"

#include "sp-broker.h"

typedef struct
{
  GMutex         lock;     /* state and error, for sp_broker_dup_status() */
  SpBrokerState  state;
  char          *error;
  char         **symbols;
  gint64         step_us;
} SpBrokerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SpBroker, sp_broker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR,
  N_PROPS
};

enum {
  PUBLICATION,
  SUBSCRIBED,
  HEARTBEAT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
sp_broker_info_free (SpBrokerInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->epoch);
  g_strfreev (info->symbols);
  g_free (info);
}

void
sp_broker_start (SpBroker     *self,
                 GMainContext *context)
{
  g_autoptr(GMainContext) home = NULL;

  g_return_if_fail (SP_IS_BROKER (self));

  home = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  SP_BROKER_GET_CLASS (self)->start (self, home);
}

SpBrokerInfo *
sp_broker_lookup_market (SpBroker  *self,
                         guint      timeout_ms,
                         GError   **error)
{
  g_return_val_if_fail (SP_IS_BROKER (self), NULL);

  return SP_BROKER_GET_CLASS (self)->lookup_market (self, timeout_ms, error);
}

void
sp_broker_stop (SpBroker *self)
{
  g_return_if_fail (SP_IS_BROKER (self));

  SP_BROKER_GET_CLASS (self)->stop (self);
  _sp_broker_set_state (self, SP_BROKER_DISCONNECTED, NULL);
}

SpBrokerState
sp_broker_get_state (SpBroker *self)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);

  g_return_val_if_fail (SP_IS_BROKER (self), SP_BROKER_DISCONNECTED);

  return priv->state;
}

SpBrokerState
sp_broker_dup_status (SpBroker  *self,
                      char     **error)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);
  SpBrokerState state;

  g_return_val_if_fail (SP_IS_BROKER (self), SP_BROKER_DISCONNECTED);

  g_mutex_lock (&priv->lock);
  state = priv->state;
  if (error != NULL)
    *error = g_strdup (priv->error);
  g_mutex_unlock (&priv->lock);
  return state;
}

const char *
sp_broker_get_error (SpBroker *self)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);

  g_return_val_if_fail (SP_IS_BROKER (self), NULL);

  return priv->error;
}

void
sp_broker_set_market (SpBroker          *self,
                      const char *const *symbols,
                      gint64             step_us)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);

  g_return_if_fail (SP_IS_BROKER (self));
  g_return_if_fail (symbols != NULL && symbols[0] != NULL);
  g_return_if_fail (step_us > 0);

  g_strfreev (priv->symbols);
  priv->symbols = g_strdupv ((char **) symbols);
  priv->step_us = step_us;
}

const char *const *
_sp_broker_get_symbols (SpBroker *self)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);

  return (const char *const *) priv->symbols;
}

gint64
_sp_broker_get_step_us (SpBroker *self)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);

  return priv->step_us;
}

void
sp_broker_publish (SpBroker   *self,
                   const char *payload,
                   gsize       length,
                   gboolean    new_epoch)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);

  g_return_if_fail (SP_IS_BROKER (self));
  g_return_if_fail (payload != NULL);
  g_return_if_fail (priv->symbols != NULL);

  SP_BROKER_GET_CLASS (self)->publish (self, payload, length, new_epoch);
}

void
sp_broker_subscribe (SpBroker *self)
{
  g_return_if_fail (SP_IS_BROKER (self));

  SP_BROKER_GET_CLASS (self)->subscribe (self);
}

void
sp_broker_fetch_since (SpBroker         *self,
                       guint64           offset,
                       SpBrokerFunc      func,
                       SpBrokerDoneFunc  done,
                       gpointer          user_data)
{
  g_return_if_fail (SP_IS_BROKER (self));
  g_return_if_fail (func != NULL && done != NULL);

  SP_BROKER_GET_CLASS (self)->fetch_since (self, offset, func, done, user_data);
}

const char *
sp_broker_get_epoch (SpBroker *self)
{
  g_return_val_if_fail (SP_IS_BROKER (self), NULL);

  return SP_BROKER_GET_CLASS (self)->get_epoch (self);
}

void
sp_broker_fetch_range (SpBroker         *self,
                       guint64           after,
                       guint64           upto,
                       SpBrokerFunc      func,
                       SpBrokerDoneFunc  done,
                       gpointer          user_data)
{
  g_return_if_fail (SP_IS_BROKER (self));
  g_return_if_fail (func != NULL && done != NULL);
  g_return_if_fail (upto > after);

  SP_BROKER_GET_CLASS (self)->fetch_range (self, after, upto, func, done, user_data);
}

void
sp_broker_fetch_last (SpBroker         *self,
                      SpBrokerFunc      func,
                      SpBrokerDoneFunc  done,
                      gpointer          user_data)
{
  g_return_if_fail (SP_IS_BROKER (self));
  g_return_if_fail (func != NULL && done != NULL);

  SP_BROKER_GET_CLASS (self)->fetch_last (self, func, done, user_data);
}

void
_sp_broker_set_state (SpBroker      *self,
                      SpBrokerState  state,
                      const char    *error)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);
  gboolean error_changed, state_changed;

  g_mutex_lock (&priv->lock);
  error_changed = g_strcmp0 (priv->error, error) != 0;
  if (error_changed)
    {
      g_free (priv->error);
      priv->error = g_strdup (error);
    }
  state_changed = priv->state != state;
  priv->state = state;
  g_mutex_unlock (&priv->lock);
  if (error_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  if (state_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
_sp_broker_emit (SpBroker   *self,
                 const char *epoch,
                 guint64     offset,
                 const char *payload,
                 gsize       length)
{
  g_signal_emit (self, signals[PUBLICATION], 0, epoch, offset, payload, (guint64) length);
}

void
_sp_broker_emit_subscribed (SpBroker *self)
{
  g_signal_emit (self, signals[SUBSCRIBED], 0);
}

void
_sp_broker_emit_heartbeat (SpBroker   *self,
                           const char *epoch,
                           guint64     offset)
{
  g_signal_emit (self, signals[HEARTBEAT], 0, epoch, offset);
}

static void
sp_broker_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SpBroker *self = SP_BROKER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, sp_broker_get_state (self));
      break;
    case PROP_ERROR:
      g_value_set_string (value, sp_broker_get_error (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_broker_finalize (GObject *object)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (SP_BROKER (object));

  g_free (priv->error);
  g_strfreev (priv->symbols);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (sp_broker_parent_class)->finalize (object);
}

static void
sp_broker_class_init (SpBrokerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sp_broker_get_property;
  object_class->finalize = sp_broker_finalize;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, SP_BROKER_DISCONNECTED, SP_BROKER_CONNECTED,
                      SP_BROKER_DISCONNECTED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (epoch, offset, payload, length): payload is not NUL-terminated. */
  signals[PUBLICATION] =
    g_signal_new ("publication", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_POINTER, G_TYPE_UINT64);
  signals[SUBSCRIBED] =
    g_signal_new ("subscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* (epoch, offset): the publisher is there, and its last publication's numbers. */
  signals[HEARTBEAT] =
    g_signal_new ("heartbeat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT64);
}

static void
sp_broker_init (SpBroker *self)
{
  SpBrokerPrivate *priv = sp_broker_get_instance_private (self);

  g_mutex_init (&priv->lock);
}
