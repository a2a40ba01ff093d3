/* The viewer's model: symbols, price histories, gaps, rate and recording, kept
 * in step with one SpStreamClient. Main thread (its creator's context) only. */
#include "config.h"

#include "sp-recorder.h"
#include "sp-watch.h"
#include "sp-watch-private.h"

#define DEFAULT_HISTORY     1000000
#define RATE_HISTORY        (7 * 24 * 3600)   /* a week of seconds */
/* A sender's clock further than this from ours is not used for the chart's time axis. */
#define MAX_CLOCK_SKEW_US   (2 * G_USEC_PER_SEC)

struct _SpWatch
{
  GObject         parent_instance;

  GMainContext   *context;
  SpStreamClient *client;
  GPtrArray      *symbols;     /* SpWatchSymbol, in order of arrival */
  GHashTable     *series;      /* name → SpSeries, across connections to one URL */
  SpSeries       *rate;        /* messages a second, for the chart's health strip */
  char           *url;         /* the stream the series came from */
  guint           history;
  SpStreamState   last_state;

  GSource        *rate_source;
  guint64         last_count;
  gint64          last_count_time;
  double          rate_value;
  guint64         n_messages;

  SpRecorder     *recorder;    /* while recording the stream to a file */
  SpAlerts       *alerts;      /* checked with every price; may be NULL */
};

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_URL,
  PROP_HISTORY,
  PROP_RATE,
  PROP_N_MESSAGES,
  PROP_RECORDING,
  PROP_ITEM_TYPE,
  PROP_N_ITEMS,
  N_PROPS
};

enum {
  RECORDING_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GType
sp_watch_get_item_type (GListModel *model)
{
  return SP_TYPE_WATCH_SYMBOL;
}

static guint
sp_watch_get_n_items (GListModel *model)
{
  return SP_WATCH (model)->symbols->len;
}

static gpointer
sp_watch_get_item (GListModel *model,
                   guint       position)
{
  SpWatch *self = SP_WATCH (model);

  if (position >= self->symbols->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->symbols, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = sp_watch_get_item_type;
  iface->get_n_items = sp_watch_get_n_items;
  iface->get_item = sp_watch_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (SpWatch, sp_watch, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* ------------------------------------------------------------------------ */
/* Symbols and prices                                                         */

static SpSeries *
series_for (SpWatch    *self,
            const char *name)
{
  SpSeries *series = g_hash_table_lookup (self->series, name);

  if (series == NULL)
    {
      series = sp_series_new (self->history);
      g_hash_table_insert (self->series, g_strdup (name), series);
    }

  return series;
}

SpWatchSymbol *
sp_watch_lookup (SpWatch    *self,
                 const char *name)
{
  g_return_val_if_fail (SP_IS_WATCH (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  /* A stream names a handful of symbols: a scan is cheaper than a second index. */
  for (guint i = 0; i < self->symbols->len; i++)
    {
      SpWatchSymbol *symbol = g_ptr_array_index (self->symbols, i);

      if (g_str_equal (sp_watch_symbol_get_name (symbol), name))
        return symbol;
    }

  return NULL;
}

static SpWatchSymbol *
symbol_for (SpWatch    *self,
            const char *name,
            double      first_price)
{
  SpWatchSymbol *symbol = sp_watch_lookup (self, name);

  if (symbol == NULL)
    {
      symbol = _sp_watch_symbol_new (name, series_for (self, name), first_price);
      g_ptr_array_add (self->symbols, symbol);
      g_list_model_items_changed (G_LIST_MODEL (self), self->symbols->len - 1, 0, 1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }

  return symbol;
}

static void
on_prices (SpStreamClient *client,
           GArray         *points,
           SpFrame        *frame,
           gpointer        user_data)
{
  SpWatch *self = user_data;

  for (guint i = 0; i < points->len; i++)
    {
      const SpPricePoint *point = &g_array_index (points, SpPricePoint, i);
      const char *name = *point->symbol ? point->symbol : "—";
      gint64 t = frame->time_us;

      /* The sender's timestamp is more precise than our arrival time, as long as
       * its clock agrees with ours; otherwise one axis for all would not hold. */
      if (point->ts_us != 0 && ABS (point->ts_us - frame->time_us) < MAX_CLOCK_SKEW_US)
        t = point->ts_us;

      /* The point remembers its message (by arrival time) for the chart ↔ log link. */
      _sp_watch_symbol_add_price (symbol_for (self, name, point->price), t, point->price,
                                  frame->time_us, point->has_change, point->change);
      if (self->alerts != NULL)
        sp_alerts_check (self->alerts, name, point->price, t);
    }
}

/* The stream stopped: every history shows a gap from here until prices return. */
static void
mark_gaps (SpWatch *self)
{
  GHashTableIter iter;
  gpointer series;
  gint64 now = g_get_real_time ();

  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, &series))
    sp_series_mark_gap (series, now);
  for (guint i = 0; i < self->symbols->len; i++)
    _sp_watch_symbol_gaps_changed (g_ptr_array_index (self->symbols, i));
}

static void
on_state (SpStreamClient *client,
          GParamSpec     *pspec,
          gpointer        user_data)
{
  SpWatch *self = user_data;
  SpStreamState state = sp_stream_client_get_state (client);

  if (self->last_state == SP_STREAM_OPEN && state != SP_STREAM_OPEN)
    mark_gaps (self);
  self->last_state = state;
}

static void
clear_symbols (SpWatch *self)
{
  guint n = self->symbols->len;

  if (n == 0)
    return;
  g_ptr_array_set_size (self->symbols, 0);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

gboolean
sp_watch_connect (SpWatch               *self,
                  const SpStreamOptions *options,
                  GError               **error)
{
  const char *url;

  g_return_val_if_fail (SP_IS_WATCH (self), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (self->client != NULL, FALSE);

  if (!sp_stream_client_connect (self->client, options, error))
    return FALSE;

  /* The same stream again keeps its chart history; the gap shows the pause
   * (the address as the client took it: http://… is the same as ws://…). */
  url = sp_stream_client_get_options (self->client)->url;
  if (g_strcmp0 (url, self->url) != 0)
    {
      g_hash_table_remove_all (self->series);
      sp_series_clear (self->rate);
      g_free (self->url);
      self->url = g_strdup (url);
      if (self->alerts != NULL)
        sp_alerts_reset (self->alerts);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
    }
  clear_symbols (self);

  return TRUE;
}

gboolean
sp_watch_set_fields (SpWatch     *self,
                     const char  *price_path,
                     const char  *symbol_path,
                     GError     **error)
{
  g_return_val_if_fail (SP_IS_WATCH (self), FALSE);
  g_return_val_if_fail (self->client != NULL, FALSE);

  if (!sp_stream_client_set_fields (self->client, price_path, symbol_path, error))
    return FALSE;

  /* Prices read from the wrong field would stay on the chart. */
  g_hash_table_remove_all (self->series);
  clear_symbols (self);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* The message rate                                                           */

static gboolean
sample_rate (gpointer data)
{
  SpWatch *self = data;
  guint64 count = sp_stream_client_get_messages_in (self->client);
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->last_count_time) / (double) G_USEC_PER_SEC;

  if (seconds > 0 && self->last_count_time != 0)
    {
      double rate = (count - self->last_count) / seconds;

      if (sp_stream_client_get_state (self->client) != SP_STREAM_DISCONNECTED)
        sp_series_append (self->rate, g_get_real_time (), rate);
      if (rate != self->rate_value)
        {
          self->rate_value = rate;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
        }
      if (count != self->n_messages)
        {
          self->n_messages = count;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_MESSAGES]);
        }
    }
  self->last_count = count;
  self->last_count_time = now;

  return G_SOURCE_CONTINUE;
}

SpSeries *
sp_watch_get_rate_series (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), NULL);

  return self->rate;
}

double
sp_watch_get_rate (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), 0);

  return self->rate_value;
}

guint64
sp_watch_get_n_messages (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), 0);

  return self->n_messages;
}

/* ------------------------------------------------------------------------ */
/* Recording the stream                                                       */

static void
on_frame (SpStreamClient *client,
          SpFrame        *frame,
          gpointer        user_data)
{
  SpWatch *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->recorder == NULL || sp_recorder_append (self->recorder, frame, &error))
    return;

  sp_watch_stop_recording (self, NULL);
  g_signal_emit (self, signals[RECORDING_FAILED], 0, error);
}

gboolean
sp_watch_start_recording (SpWatch    *self,
                          const char *path,
                          GError    **error)
{
  gboolean was_recording;

  g_return_val_if_fail (SP_IS_WATCH (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  was_recording = self->recorder != NULL;
  g_clear_pointer (&self->recorder, sp_recorder_free);
  self->recorder = sp_recorder_new (path, error);
  if (was_recording != (self->recorder != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);

  return self->recorder != NULL;
}

guint64
sp_watch_stop_recording (SpWatch *self,
                         GError **error)
{
  guint64 n;
  gboolean ok;

  g_return_val_if_fail (SP_IS_WATCH (self), 0);

  if (self->recorder == NULL)
    return 0;

  n = sp_recorder_get_n_frames (self->recorder);
  ok = sp_recorder_close (self->recorder, error);
  g_clear_pointer (&self->recorder, sp_recorder_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);

  return ok ? n : 0;
}

gboolean
sp_watch_get_recording (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), FALSE);

  return self->recorder != NULL;
}

guint64
sp_watch_get_n_recorded (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), 0);

  return self->recorder != NULL ? sp_recorder_get_n_frames (self->recorder) : 0;
}

/* ------------------------------------------------------------------------ */

void
sp_watch_set_client (SpWatch        *self,
                     SpStreamClient *client)
{
  g_return_if_fail (SP_IS_WATCH (self));
  g_return_if_fail (client == NULL || SP_IS_STREAM_CLIENT (client));

  if (self->client == client)
    return;

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  if (client != NULL)
    {
      g_signal_connect_object (client, "frame", G_CALLBACK (on_frame), self, 0);
      g_signal_connect_object (client, "prices", G_CALLBACK (on_prices), self, 0);
      g_signal_connect_object (client, "notify::state", G_CALLBACK (on_state), self, 0);
      self->last_state = sp_stream_client_get_state (client);
      self->last_count = sp_stream_client_get_messages_in (client);
      self->last_count_time = 0;
    }

  if (client != NULL && self->rate_source == NULL)
    {
      self->rate_source = g_timeout_source_new_seconds (1);
      g_source_set_callback (self->rate_source, sample_rate, self, NULL);
      g_source_attach (self->rate_source, self->context);
    }
  else if (client == NULL && self->rate_source != NULL)
    {
      g_source_destroy (self->rate_source);
      g_clear_pointer (&self->rate_source, g_source_unref);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

SpStreamClient *
sp_watch_get_client (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), NULL);

  return self->client;
}

const char *
sp_watch_get_url (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), NULL);

  return self->url;
}

void
sp_watch_set_history (SpWatch *self,
                      guint    history)
{
  GHashTableIter iter;
  gpointer series;

  g_return_if_fail (SP_IS_WATCH (self));
  g_return_if_fail (history > 0);

  if (self->history == history)
    return;

  self->history = history;
  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, &series))
    sp_series_set_capacity (series, history);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
}

guint
sp_watch_get_history (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), 0);

  return self->history;
}

static void
sp_watch_dispose (GObject *object)
{
  SpWatch *self = SP_WATCH (object);

  sp_watch_stop_recording (self, NULL);
  sp_watch_set_client (self, NULL);
  g_clear_object (&self->alerts);

  G_OBJECT_CLASS (sp_watch_parent_class)->dispose (object);
}

void
sp_watch_set_alerts (SpWatch  *self,
                     SpAlerts *alerts)
{
  g_return_if_fail (SP_IS_WATCH (self));
  g_return_if_fail (alerts == NULL || SP_IS_ALERTS (alerts));

  g_set_object (&self->alerts, alerts);
}

SpAlerts *
sp_watch_get_alerts (SpWatch *self)
{
  g_return_val_if_fail (SP_IS_WATCH (self), NULL);

  return self->alerts;
}

static void
sp_watch_finalize (GObject *object)
{
  SpWatch *self = SP_WATCH (object);

  g_clear_pointer (&self->symbols, g_ptr_array_unref);
  g_clear_pointer (&self->series, g_hash_table_unref);
  g_clear_pointer (&self->rate, sp_series_unref);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sp_watch_parent_class)->finalize (object);
}

static void
sp_watch_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  SpWatch *self = SP_WATCH (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_HISTORY:
      g_value_set_uint (value, self->history);
      break;
    case PROP_RATE:
      g_value_set_double (value, self->rate_value);
      break;
    case PROP_N_MESSAGES:
      g_value_set_uint64 (value, self->n_messages);
      break;
    case PROP_RECORDING:
      g_value_set_boolean (value, self->recorder != NULL);
      break;
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, SP_TYPE_WATCH_SYMBOL);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->symbols->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_watch_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  SpWatch *self = SP_WATCH (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      sp_watch_set_client (self, g_value_get_object (value));
      break;
    case PROP_HISTORY:
      sp_watch_set_history (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_watch_class_init (SpWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sp_watch_dispose;
  object_class->finalize = sp_watch_finalize;
  object_class->get_property = sp_watch_get_property;
  object_class->set_property = sp_watch_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SP_TYPE_STREAM_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HISTORY] =
    g_param_spec_uint ("history", NULL, NULL, 1, G_MAXUINT, DEFAULT_HISTORY,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_MESSAGES] =
    g_param_spec_uint64 ("n-messages", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORDING] =
    g_param_spec_boolean ("recording", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, G_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SpWatch::recording-failed:
   * @error: why the file could not be written; the recording has stopped
   */
  signals[RECORDING_FAILED] =
    g_signal_new ("recording-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sp_watch_init (SpWatch *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->symbols = g_ptr_array_new_with_free_func (g_object_unref);
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) sp_series_unref);
  self->rate = sp_series_new (RATE_HISTORY);
  self->history = DEFAULT_HISTORY;
  self->last_state = SP_STREAM_DISCONNECTED;
}

SpWatch *
sp_watch_new (void)
{
  return g_object_new (SP_TYPE_WATCH, NULL);
}
