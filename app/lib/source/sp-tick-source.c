/* The abstract tick source (see sp-tick-source.h). */
#include "config.h"

#include <string.h>

#include "sp-tick-source-private.h"

typedef struct
{
  char          **symbols;
  guint           n_symbols;
  GSource        *pacer;
  SpTickDueFunc   func;
  gpointer        user_data;
} SpTickSourcePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SpTickSource, sp_tick_source, G_TYPE_OBJECT)

static void
sp_tick_source_finalize (GObject *object)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (SP_TICK_SOURCE (object));

  if (priv->pacer != NULL)
    g_source_destroy (priv->pacer);
  g_clear_pointer (&priv->pacer, g_source_unref);
  g_clear_pointer (&priv->symbols, g_strfreev);

  G_OBJECT_CLASS (sp_tick_source_parent_class)->finalize (object);
}

static void
sp_tick_source_class_init (SpTickSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sp_tick_source_finalize;
}

static void
sp_tick_source_init (SpTickSource *self)
{
}

void
_sp_tick_source_set_symbols (SpTickSource *self,
                             char        **names)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (self);

  g_assert (priv->symbols == NULL);
  priv->symbols = names;
  priv->n_symbols = g_strv_length (names);
}

const char * const *
sp_tick_source_get_symbols (SpTickSource *self)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (self);

  g_return_val_if_fail (SP_IS_TICK_SOURCE (self), NULL);

  return (const char * const *) priv->symbols;
}

guint
sp_tick_source_get_n_symbols (SpTickSource *self)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (self);

  g_return_val_if_fail (SP_IS_TICK_SOURCE (self), 0);

  return priv->n_symbols;
}

int
sp_tick_source_find_symbol (SpTickSource *self,
                            const char   *name)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (self);

  g_return_val_if_fail (SP_IS_TICK_SOURCE (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < priv->n_symbols; i++)
    if (g_str_equal (priv->symbols[i], name))
      return (int) i;

  return -1;
}

void
sp_tick_source_start (SpTickSource  *self,
                      GMainContext  *context,
                      SpTickDueFunc  func,
                      gpointer       user_data)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (self);

  g_return_if_fail (SP_IS_TICK_SOURCE (self));
  g_return_if_fail (priv->pacer == NULL || g_source_is_destroyed (priv->pacer));
  g_return_if_fail (func != NULL);

  /* Started again after a stop: the market goes on from where it was. */
  g_clear_pointer (&priv->pacer, g_source_unref);
  priv->func = func;
  priv->user_data = user_data;
  priv->pacer = SP_TICK_SOURCE_GET_CLASS (self)->create_pacer (self);
  g_source_attach (priv->pacer, context);
  if (SP_TICK_SOURCE_GET_CLASS (self)->started != NULL)
    SP_TICK_SOURCE_GET_CLASS (self)->started (self, context);
}

void
sp_tick_source_stop (SpTickSource *self)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (self);

  g_return_if_fail (SP_IS_TICK_SOURCE (self));

  /* g_source_destroy() is thread-safe; the pacer stays until finalize. */
  if (priv->pacer != NULL)
    g_source_destroy (priv->pacer);
}

gboolean
_sp_tick_source_due (SpTickSource *self)
{
  SpTickSourcePrivate *priv = sp_tick_source_get_instance_private (self);

  return priv->func (self, priv->user_data);
}

gboolean
sp_tick_source_next (SpTickSource *self,
                     SpTickBatch  *batch)
{
  g_return_val_if_fail (SP_IS_TICK_SOURCE (self), FALSE);
  g_return_val_if_fail (batch != NULL, FALSE);

  memset (batch, 0, sizeof *batch);
  return SP_TICK_SOURCE_GET_CLASS (self)->next (self, batch);
}

void
sp_tick_source_taken (SpTickSource *self,
                      guint         receivers,
                      guint         clients)
{
  SpTickSourceClass *klass;

  g_return_if_fail (SP_IS_TICK_SOURCE (self));

  klass = SP_TICK_SOURCE_GET_CLASS (self);
  if (klass->taken != NULL)
    klass->taken (self, receivers, clients);
}
