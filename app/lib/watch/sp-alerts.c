/* Price alerts. A level alert compares each price with the one before it, so
 * it fires when the price goes through the level, not while it stays beyond
 * it. A move alert keeps the lowest and highest price of each of up to
 * MOVE_BUCKETS slices of its window, so its memory is fixed whatever the
 * message rate; the window's start is exact to one slice (1/300 of it, or
 * 1 s). Either then stays quiet for SP_ALERT_QUIET_US. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "sp-alerts.h"

#define MOVE_BUCKETS 300

typedef struct
{
  gint64 index;   /* the slice's number since the epoch; -1: empty */
  double low;
  double high;
} Bucket;

struct _SpAlert
{
  GObject     parent_instance;

  char       *symbol;
  SpAlertKind kind;
  double      value;
  guint       window_s;
  gboolean    enabled;

  /* What the prices so far say; forgotten by sp_alerts_reset(). */
  gboolean    has_last;
  double      last;
  gint64      quiet_until;
  gint64      bucket_us;
  Bucket     *buckets;     /* MOVE: a ring of MOVE_BUCKETS slices */
  /* The low and high of the slices before the current one, within the
   * window: they change only when a new slice begins. */
  gint64      range_index; /* the slice they were summed for; -1: none */
  double      range_low;
  double      range_high;
};

enum {
  PROP_0,
  PROP_ENABLED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpAlert, sp_alert, G_TYPE_OBJECT)

static void
clear_buckets (SpAlert *self)
{
  if (self->buckets == NULL)
    return;
  for (guint i = 0; i < MOVE_BUCKETS; i++)
    self->buckets[i].index = -1;
  self->range_index = -1;
}

static void
forget (SpAlert *self)
{
  self->has_last = FALSE;
  self->quiet_until = 0;
  clear_buckets (self);
}

static void
sp_alert_finalize (GObject *object)
{
  SpAlert *self = SP_ALERT (object);

  g_free (self->symbol);
  g_free (self->buckets);

  G_OBJECT_CLASS (sp_alert_parent_class)->finalize (object);
}

static void
sp_alert_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  SpAlert *self = SP_ALERT (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_alert_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  SpAlert *self = SP_ALERT (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      sp_alert_set_enabled (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_alert_class_init (SpAlertClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sp_alert_finalize;
  object_class->get_property = sp_alert_get_property;
  object_class->set_property = sp_alert_set_property;

  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_alert_init (SpAlert *self)
{
  self->enabled = TRUE;
}

SpAlert *
sp_alert_new (const char  *symbol,
              SpAlertKind  kind,
              double       value,
              guint        window_s)
{
  SpAlert *self;

  g_return_val_if_fail (sp_alerts_validate (symbol, kind, value, window_s, NULL), NULL);

  self = g_object_new (SP_TYPE_ALERT, NULL);
  self->symbol = g_strdup (symbol);
  self->kind = kind;
  self->value = value;
  if (kind == SP_ALERT_MOVE)
    {
      self->window_s = window_s;
      self->bucket_us = MAX (G_USEC_PER_SEC, (gint64) window_s * G_USEC_PER_SEC / MOVE_BUCKETS);
      self->buckets = g_new (Bucket, MOVE_BUCKETS);
    }
  forget (self);
  return self;
}

const char *
sp_alert_get_symbol (SpAlert *self)
{
  g_return_val_if_fail (SP_IS_ALERT (self), NULL);
  return self->symbol;
}

SpAlertKind
sp_alert_get_kind (SpAlert *self)
{
  g_return_val_if_fail (SP_IS_ALERT (self), SP_ALERT_ABOVE);
  return self->kind;
}

double
sp_alert_get_value (SpAlert *self)
{
  g_return_val_if_fail (SP_IS_ALERT (self), 0);
  return self->value;
}

guint
sp_alert_get_window (SpAlert *self)
{
  g_return_val_if_fail (SP_IS_ALERT (self), 0);
  return self->window_s;
}

gboolean
sp_alert_get_enabled (SpAlert *self)
{
  g_return_val_if_fail (SP_IS_ALERT (self), FALSE);
  return self->enabled;
}

void
sp_alert_set_enabled (SpAlert  *self,
                      gboolean  enabled)
{
  g_return_if_fail (SP_IS_ALERT (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  forget (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

/* A level as prices are written (cents at least); a percentage as short as it is. */
static char *
format_value (SpAlert *self)
{
  if (self->kind == SP_ALERT_MOVE)
    return g_strdup_printf ("%g", self->value);
  if (self->value == floor (self->value * 100) / 100)
    return g_strdup_printf ("%.2f", self->value);
  return g_strdup_printf ("%.10g", self->value);
}

static char *
format_window (guint window_s)
{
  if (window_s % 3600 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", window_s / 3600),
                            window_s / 3600);
  if (window_s % 60 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", window_s / 60),
                            window_s / 60);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", window_s),
                          window_s);
}

char *
sp_alert_describe (SpAlert *self)
{
  g_autofree char *level = NULL;
  g_autofree char *window = NULL;

  g_return_val_if_fail (SP_IS_ALERT (self), NULL);

  level = format_value (self);
  switch (self->kind)
    {
    case SP_ALERT_ABOVE:
      /* Translators: "ACME rises above 300.00" */
      return g_strdup_printf (_("%s rises above %s"), self->symbol, level);
    case SP_ALERT_BELOW:
      /* Translators: "ACME falls below 300.00" */
      return g_strdup_printf (_("%s falls below %s"), self->symbol, level);
    case SP_ALERT_MOVE:
    default:
      window = format_window (self->window_s);
      /* Translators: "ACME moves 2 % within 5 minutes" */
      return g_strdup_printf (_("%s moves %s %% within %s"), self->symbol, level, window);
    }
}

/* A price as the stream's own precision would show it, at least cents. */
static char *
format_price (double price,
              double other)
{
  int decimals = 2;

  while (decimals < 8 && (fabs (price * pow (10, decimals) - round (price * pow (10, decimals))) > 1e-6 ||
                          fabs (other * pow (10, decimals) - round (other * pow (10, decimals))) > 1e-6))
    decimals++;
  return g_strdup_printf ("%.*f", decimals, price);
}

char *
sp_alert_describe_event (SpAlert  *self,
                         double    price,
                         double    reference,
                         char    **body)
{
  g_autofree char *level = NULL;
  g_autofree char *now = NULL;
  g_autofree char *from = NULL;
  g_autofree char *window = NULL;
  g_autofree char *moved = NULL;

  g_return_val_if_fail (SP_IS_ALERT (self), NULL);

  level = format_value (self);
  now = format_price (price, reference);
  from = format_price (reference, price);
  switch (self->kind)
    {
    case SP_ALERT_ABOVE:
      if (body != NULL)
        /* Translators: a price alert's notification: "Now 300.12, from 299.90" */
        *body = g_strdup_printf (_("Now %s, from %s"), now, from);
      /* Translators: "ACME rose above 300.00" */
      return g_strdup_printf (_("%s rose above %s"), self->symbol, level);
    case SP_ALERT_BELOW:
      if (body != NULL)
        *body = g_strdup_printf (_("Now %s, from %s"), now, from);
      /* Translators: "ACME fell below 300.00" */
      return g_strdup_printf (_("%s fell below %s"), self->symbol, level);
    case SP_ALERT_MOVE:
    default:
      window = format_window (self->window_s);
      moved = g_strdup_printf ("%+.2f", reference > 0 ? (price / reference - 1) * 100 : 0);
      if (body != NULL)
        /* Translators: "From 293.90 to 300.12 within 5 minutes" */
        *body = g_strdup_printf (_("From %s to %s within %s"), from, now, window);
      /* Translators: "ACME moved +2.12 %" */
      return g_strdup_printf (_("%s moved %s %%"), self->symbol, moved);
    }
}

/* ------------------------------------------------------------------------ */

struct _SpAlerts
{
  GObject     parent_instance;

  GPtrArray  *rules;    /* of SpAlert */
  GHashTable *events;   /* symbol → GArray of SpAlertEvent */
  GHashTable *last;     /* symbol → its last price (a double), for rules added later */
};

/* The symbols whose last price is kept: a stream with more starts new rules
 * on the symbols beyond only from their next price. */
#define MAX_LAST 10000

enum {
  FIRED,
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GType
sp_alerts_get_item_type (GListModel *model)
{
  return SP_TYPE_ALERT;
}

static guint
sp_alerts_get_n_items (GListModel *model)
{
  return SP_ALERTS (model)->rules->len;
}

static gpointer
sp_alerts_get_item (GListModel *model,
                    guint       position)
{
  SpAlerts *self = SP_ALERTS (model);

  return position < self->rules->len ? g_object_ref (g_ptr_array_index (self->rules, position))
                                     : NULL;
}

static void
sp_alerts_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = sp_alerts_get_item_type;
  iface->get_n_items = sp_alerts_get_n_items;
  iface->get_item = sp_alerts_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (SpAlerts, sp_alerts, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, sp_alerts_list_model_init))

static void
sp_alerts_finalize (GObject *object)
{
  SpAlerts *self = SP_ALERTS (object);

  for (guint i = 0; i < self->rules->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->rules, i), self);
  g_ptr_array_unref (self->rules);
  g_hash_table_unref (self->events);
  g_hash_table_unref (self->last);

  G_OBJECT_CLASS (sp_alerts_parent_class)->finalize (object);
}

static void
sp_alerts_class_init (SpAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sp_alerts_finalize;

  /* ::fired (alert, price, reference, t_us): the rule's condition was met at
   * @price; @reference is the price it was measured from (the one before, or
   * the window's low or high for a move). */
  signals[FIRED] =
    g_signal_new ("fired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, SP_TYPE_ALERT, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_INT64);
  /* ::changed: a rule was added, replaced, removed, switched on or off (save them). */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
sp_alerts_init (SpAlerts *self)
{
  self->rules = g_ptr_array_new_with_free_func (g_object_unref);
  self->events = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_array_unref);
  self->last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SpAlerts *
sp_alerts_new (void)
{
  return g_object_new (SP_TYPE_ALERTS, NULL);
}

gboolean
sp_alerts_validate (const char  *symbol,
                    SpAlertKind  kind,
                    double       value,
                    guint        window_s,
                    GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (symbol != NULL ? symbol : ""));

  if (*stripped == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Say which symbol the alert is for"));
      return FALSE;
    }
  if (!g_utf8_validate (symbol, -1, NULL) || strlen (symbol) > 64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A symbol is at most 64 characters of text"));
      return FALSE;
    }
  switch (kind)
    {
    case SP_ALERT_ABOVE:
    case SP_ALERT_BELOW:
      if (!isfinite (value) || value <= 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("The price level must be a number above 0"));
          return FALSE;
        }
      return TRUE;
    case SP_ALERT_MOVE:
      if (!isfinite (value) || value <= 0 || value >= 100)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("The move must be a percentage above 0 and below 100"));
          return FALSE;
        }
      if (window_s < 1 || window_s > SP_ALERT_MAX_WINDOW_S)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("The time window must be from 1 second to 24 hours"));
          return FALSE;
        }
      return TRUE;
    default:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Unknown kind of alert"));
      return FALSE;
    }
}

static void move_range (SpAlert *self, double price, gint64 t_us, double *low, double *high);

/* A rule added (or switched on) while its symbol streams goes on from the
 * symbol's last price: "above 300" added at 299.50 fires at the next price
 * over 300. */
static void
seed (SpAlerts *self,
      SpAlert  *alert)
{
  const double *last = g_hash_table_lookup (self->last, alert->symbol);

  if (last == NULL || alert->has_last)
    return;
  alert->has_last = TRUE;
  alert->last = last[0];
  if (alert->kind == SP_ALERT_MOVE)
    move_range (alert, last[0], (gint64) last[1], &(double) { 0 }, &(double) { 0 });
}

static void
on_enabled (SpAlerts   *self,
            GParamSpec *pspec,
            SpAlert    *alert)
{
  seed (self, alert);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
watch_rule (SpAlerts *self,
            SpAlert  *alert)
{
  g_signal_connect_swapped (alert, "notify::enabled", G_CALLBACK (on_enabled), self);
  seed (self, alert);
}

void
sp_alerts_add (SpAlerts *self,
               SpAlert  *alert)
{
  g_return_if_fail (SP_IS_ALERTS (self));
  g_return_if_fail (SP_IS_ALERT (alert));

  g_ptr_array_add (self->rules, g_object_ref (alert));
  watch_rule (self, alert);
  g_list_model_items_changed (G_LIST_MODEL (self), self->rules->len - 1, 0, 1);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
sp_alerts_replace (SpAlerts *self,
                   guint     position,
                   SpAlert  *alert)
{
  SpAlert *old;

  g_return_if_fail (SP_IS_ALERTS (self));
  g_return_if_fail (SP_IS_ALERT (alert));
  g_return_if_fail (position < self->rules->len);

  old = g_ptr_array_index (self->rules, position);
  g_signal_handlers_disconnect_by_data (old, self);
  g_object_unref (old);
  g_ptr_array_index (self->rules, position) = g_object_ref (alert);
  watch_rule (self, alert);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
sp_alerts_remove (SpAlerts *self,
                  guint     position)
{
  g_return_if_fail (SP_IS_ALERTS (self));
  g_return_if_fail (position < self->rules->len);

  g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->rules, position), self);
  g_ptr_array_remove_index (self->rules, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_signal_emit (self, signals[CHANGED], 0);
}

SpAlert *
sp_alerts_get (SpAlerts *self,
               guint     position)
{
  g_return_val_if_fail (SP_IS_ALERTS (self), NULL);

  return position < self->rules->len ? g_ptr_array_index (self->rules, position) : NULL;
}

static const char *const kind_names[] = { "above", "below", "move" };

GVariant *
sp_alerts_serialize (SpAlerts *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (SP_IS_ALERTS (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssddb)"));
  for (guint i = 0; i < self->rules->len; i++)
    {
      SpAlert *alert = g_ptr_array_index (self->rules, i);

      g_variant_builder_add (&builder, "(ssddb)", alert->symbol, kind_names[alert->kind],
                             alert->value, (double) alert->window_s, alert->enabled);
    }
  return g_variant_builder_end (&builder);
}

void
sp_alerts_load (SpAlerts *self,
                GVariant *rules)
{
  GVariantIter iter;
  const char *symbol, *kind_name;
  double value, window;
  gboolean enabled;
  guint removed;

  g_return_if_fail (SP_IS_ALERTS (self));
  g_return_if_fail (rules != NULL && g_variant_is_of_type (rules, G_VARIANT_TYPE ("a(ssddb)")));

  removed = self->rules->len;
  for (guint i = 0; i < self->rules->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->rules, i), self);
  g_ptr_array_set_size (self->rules, 0);

  g_variant_iter_init (&iter, rules);
  while (g_variant_iter_next (&iter, "(&s&sddb)", &symbol, &kind_name, &value, &window, &enabled))
    {
      SpAlert *alert;
      guint kind;

      for (kind = 0; kind < G_N_ELEMENTS (kind_names); kind++)
        if (g_str_equal (kind_name, kind_names[kind]))
          break;
      if (!isfinite (window) || window < 0 || window > SP_ALERT_MAX_WINDOW_S ||
          !sp_alerts_validate (symbol, kind, value, (guint) window, NULL))
        continue;
      alert = sp_alert_new (symbol, kind, value, (guint) window);
      alert->enabled = enabled;
      g_ptr_array_add (self->rules, alert);
      watch_rule (self, alert);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->rules->len);
}

static void
record_event (SpAlerts   *self,
              const char *symbol,
              double      price,
              gint64      t_us)
{
  GArray *events = g_hash_table_lookup (self->events, symbol);
  SpAlertEvent event = { t_us, price };

  if (events == NULL)
    {
      events = g_array_new (FALSE, FALSE, sizeof (SpAlertEvent));
      g_hash_table_insert (self->events, g_strdup (symbol), events);
    }
  if (events->len == SP_ALERT_MAX_EVENTS)
    g_array_remove_index (events, 0);
  g_array_append_val (events, event);
}

/* A move alert's low and high over its window up to @t_us, with @price added. */
static void
move_range (SpAlert *self,
            double   price,
            gint64   t_us,
            double  *low,
            double  *high)
{
  gint64 index = t_us / self->bucket_us;
  Bucket *bucket = &self->buckets[index % MOVE_BUCKETS];

  if (bucket->index != index)
    *bucket = (Bucket) { index, price, price };
  bucket->low = MIN (bucket->low, price);
  bucket->high = MAX (bucket->high, price);

  /* Once a slice: the earlier slices that end within the window (a clock that
   * went back leaves later slices, which do not count). */
  if (self->range_index != index)
    {
      self->range_index = index;
      self->range_low = INFINITY;
      self->range_high = -INFINITY;
      for (guint i = 0; i < MOVE_BUCKETS; i++)
        {
          const Bucket *b = &self->buckets[i];

          if (b->index < 0 || b->index >= index ||
              (index - b->index) * self->bucket_us >= (gint64) self->window_s * G_USEC_PER_SEC)
            continue;
          self->range_low = MIN (self->range_low, b->low);
          self->range_high = MAX (self->range_high, b->high);
        }
    }
  *low = MIN (self->range_low, bucket->low);
  *high = MAX (self->range_high, bucket->high);
}

static gboolean
met (SpAlert *self,
     double   price,
     gint64   t_us,
     double  *reference)
{
  double low, high;

  switch (self->kind)
    {
    case SP_ALERT_ABOVE:
      *reference = self->last;
      return self->has_last && self->last < self->value && price >= self->value;
    case SP_ALERT_BELOW:
      *reference = self->last;
      return self->has_last && self->last > self->value && price <= self->value;
    case SP_ALERT_MOVE:
    default:
      move_range (self, price, t_us, &low, &high);
      if (low > 0 && price >= low * (1 + self->value / 100))
        {
          *reference = low;
          return TRUE;
        }
      if (high > 0 && price <= high * (1 - self->value / 100))
        {
          *reference = high;
          return TRUE;
        }
      return FALSE;
    }
}

void
sp_alerts_check (SpAlerts   *self,
                 const char *symbol,
                 double      price,
                 gint64      t_us)
{
  g_return_if_fail (SP_IS_ALERTS (self));
  g_return_if_fail (symbol != NULL);

  if (!isfinite (price) || price <= 0)
    return;

  {
    double *last = g_hash_table_lookup (self->last, symbol);

    if (last == NULL && g_hash_table_size (self->last) < MAX_LAST)
      {
        last = g_new (double, 2);
        g_hash_table_insert (self->last, g_strdup (symbol), last);
      }
    if (last != NULL)
      {
        last[0] = price;
        last[1] = (double) t_us;
      }
  }

  for (guint i = 0; i < self->rules->len; i++)
    {
      SpAlert *rule = g_ptr_array_index (self->rules, i);
      g_autoptr(SpAlert) alert = NULL;
      double reference = 0;
      gboolean fire;

      if (!rule->enabled || !g_str_equal (rule->symbol, symbol))
        continue;
      alert = g_object_ref (rule);   /* a ::fired handler may remove it */
      fire = met (alert, price, t_us, &reference) && t_us >= alert->quiet_until;
      alert->has_last = TRUE;
      alert->last = price;
      if (!fire)
        continue;

      alert->quiet_until = t_us + SP_ALERT_QUIET_US;
      /* A move is measured afresh from here. */
      if (alert->kind == SP_ALERT_MOVE)
        {
          clear_buckets (alert);
          move_range (alert, price, t_us, &(double) { 0 }, &(double) { 0 });
        }
      record_event (self, symbol, price, t_us);
      g_signal_emit (self, signals[FIRED], 0, alert, price, reference, t_us);
      /* A handler may have changed the rules. */
      if (i >= self->rules->len || g_ptr_array_index (self->rules, i) != alert)
        break;
    }
}

void
sp_alerts_reset (SpAlerts *self)
{
  g_return_if_fail (SP_IS_ALERTS (self));

  for (guint i = 0; i < self->rules->len; i++)
    forget (g_ptr_array_index (self->rules, i));
  g_hash_table_remove_all (self->events);
  g_hash_table_remove_all (self->last);
}

GArray *
sp_alerts_get_events (SpAlerts   *self,
                      const char *symbol)
{
  g_return_val_if_fail (SP_IS_ALERTS (self), NULL);
  g_return_val_if_fail (symbol != NULL, NULL);

  return g_hash_table_lookup (self->events, symbol);
}
