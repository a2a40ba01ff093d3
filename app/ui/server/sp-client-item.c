/* Client list items: "info" changes when a fresher snapshot arrives. */
#include "sp-client-item.h"

struct _SpClientItem
{
  GObject       parent_instance;

  SpClientInfo *info;
};

G_DEFINE_FINAL_TYPE (SpClientItem, sp_client_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INFO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sp_client_item_finalize (GObject *object)
{
  SpClientItem *self = SP_CLIENT_ITEM (object);

  g_clear_pointer (&self->info, sp_client_info_unref);

  G_OBJECT_CLASS (sp_client_item_parent_class)->finalize (object);
}

static void
sp_client_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SpClientItem *self = SP_CLIENT_ITEM (object);

  switch (prop_id)
    {
    case PROP_INFO:
      g_value_set_boxed (value, self->info);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_client_item_class_init (SpClientItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sp_client_item_finalize;
  object_class->get_property = sp_client_item_get_property;

  properties[PROP_INFO] =
    g_param_spec_boxed ("info", NULL, NULL, SP_TYPE_CLIENT_INFO,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_client_item_init (SpClientItem *self)
{
}

SpClientItem *
sp_client_item_new (SpClientInfo *info)
{
  SpClientItem *self;

  g_return_val_if_fail (info != NULL, NULL);

  self = g_object_new (SP_TYPE_CLIENT_ITEM, NULL);
  self->info = sp_client_info_ref (info);

  return self;
}

SpClientInfo *
sp_client_item_get_info (SpClientItem *self)
{
  g_return_val_if_fail (SP_IS_CLIENT_ITEM (self), NULL);

  return self->info;
}

void
sp_client_item_set_info (SpClientItem *self,
                         SpClientInfo *info)
{
  g_return_if_fail (SP_IS_CLIENT_ITEM (self));
  g_return_if_fail (info != NULL);

  if (self->info == info)
    return;

  g_clear_pointer (&self->info, sp_client_info_unref);
  self->info = sp_client_info_ref (info);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INFO]);
}
