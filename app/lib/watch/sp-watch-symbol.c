/* One symbol of the viewer's model; created and fed only by SpWatch, on its thread. */
#include "config.h"

#include "sp-watch-private.h"

struct _SpWatchSymbol
{
  GObject   parent_instance;

  char     *name;
  SpSeries *series;
  double    first_price;
  double    last_price;
  gboolean  has_change;  /* the stream said its change since the session open */
  double    change;
  guint     n_gaps;      /* as last notified */
  SpSparkline sparkline;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_SERIES,
  PROP_FIRST_PRICE,
  PROP_LAST_PRICE,
  PROP_N_GAPS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpWatchSymbol, sp_watch_symbol, G_TYPE_OBJECT)

static void
sp_watch_symbol_finalize (GObject *object)
{
  SpWatchSymbol *self = SP_WATCH_SYMBOL (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->series, sp_series_unref);

  G_OBJECT_CLASS (sp_watch_symbol_parent_class)->finalize (object);
}

static void
sp_watch_symbol_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SpWatchSymbol *self = SP_WATCH_SYMBOL (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SERIES:
      g_value_set_boxed (value, self->series);
      break;
    case PROP_FIRST_PRICE:
      g_value_set_double (value, self->first_price);
      break;
    case PROP_LAST_PRICE:
      g_value_set_double (value, self->last_price);
      break;
    case PROP_N_GAPS:
      g_value_set_uint (value, sp_watch_symbol_get_n_gaps (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_watch_symbol_class_init (SpWatchSymbolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sp_watch_symbol_finalize;
  object_class->get_property = sp_watch_symbol_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERIES] =
    g_param_spec_boxed ("series", NULL, NULL, SP_TYPE_SERIES,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIRST_PRICE] =
    g_param_spec_double ("first-price", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_PRICE] =
    g_param_spec_double ("last-price", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_GAPS] =
    g_param_spec_uint ("n-gaps", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_watch_symbol_init (SpWatchSymbol *self)
{
}

SpWatchSymbol *
_sp_watch_symbol_new (const char *name,
                      SpSeries   *series,
                      double      first_price)
{
  SpWatchSymbol *self;

  g_assert (name != NULL);
  g_assert (series != NULL);

  self = g_object_new (SP_TYPE_WATCH_SYMBOL, NULL);
  self->name = g_strdup (name);
  self->series = sp_series_ref (series);
  self->first_price = first_price;
  self->last_price = first_price;
  self->n_gaps = sp_series_get_n_gaps (series);
  sp_sparkline_init (&self->sparkline);

  return self;
}

void
_sp_watch_symbol_add_price (SpWatchSymbol *self,
                            gint64         t_us,
                            double         price,
                            gint64         ref,
                            gboolean       has_change,
                            double         change)
{
  gboolean changed;

  g_assert (SP_IS_WATCH_SYMBOL (self));

  sp_series_append_full (self->series, t_us, price, ref);
  sp_sparkline_add (&self->sparkline, t_us, price);
  changed = price != self->last_price || has_change != self->has_change ||
            (has_change && change != self->change);
  self->last_price = price;
  self->has_change = has_change;
  self->change = has_change ? change : 0;
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_PRICE]);
}

void
_sp_watch_symbol_gaps_changed (SpWatchSymbol *self)
{
  guint n_gaps = sp_series_get_n_gaps (self->series);

  g_assert (SP_IS_WATCH_SYMBOL (self));

  if (n_gaps != self->n_gaps)
    {
      self->n_gaps = n_gaps;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_GAPS]);
    }
}

const char *
sp_watch_symbol_get_name (SpWatchSymbol *self)
{
  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), NULL);

  return self->name;
}

SpSeries *
sp_watch_symbol_get_series (SpWatchSymbol *self)
{
  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), NULL);

  return self->series;
}

double
sp_watch_symbol_get_first_price (SpWatchSymbol *self)
{
  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), 0);

  return self->first_price;
}

double
sp_watch_symbol_get_last_price (SpWatchSymbol *self)
{
  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), 0);

  return self->last_price;
}

gboolean
sp_watch_symbol_get_session_change (SpWatchSymbol *self,
                                    double        *change)
{
  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), FALSE);
  g_return_val_if_fail (change != NULL, FALSE);

  *change = self->change;
  return self->has_change;
}

guint
sp_watch_symbol_get_n_gaps (SpWatchSymbol *self)
{
  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), 0);

  return sp_series_get_n_gaps (self->series);
}

gboolean
sp_watch_symbol_get_change (SpWatchSymbol *self,
                            double        *change,
                            double        *percent)
{
  double base;

  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), FALSE);
  g_return_val_if_fail (change != NULL && percent != NULL, FALSE);

  if (self->has_change)
    {
      *change = self->change;
      base = self->last_price - self->change;
    }
  else
    {
      base = self->first_price;
      *change = self->last_price - base;
    }
  *percent = base != 0 ? *change / base * 100.0 : 0.0;

  return self->has_change;
}

const SpSparkline *
sp_watch_symbol_get_sparkline (SpWatchSymbol *self)
{
  g_return_val_if_fail (SP_IS_WATCH_SYMBOL (self), NULL);

  return &self->sparkline;
}
