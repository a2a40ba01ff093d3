/* The price-push server (sp-server.h): the public object on its owner's
 * thread, and the events (clients in and out, refusals) queued by the
 * engine's threads and delivered, coalesced, on the owner's context. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "sp-error.h"
#include "sp-server-private.h"

G_DEFINE_FINAL_TYPE (SpServer, sp_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_N_CLIENTS,
  PROP_PORT,
  N_PROPS
};

enum {
  CLIENT_CONNECTED,
  CLIENT_DISCONNECTED,
  CLIENT_REFUSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------ */
/* Snapshots and events (any thread → owner thread)                          */

static void
event_clear (gpointer data)
{
  Event *event = data;

  g_clear_pointer (&event->info, sp_client_info_unref);
  g_clear_pointer (&event->refusal, sp_refusal_unref);
}


char **
_sp_server_mask_to_strv (SpEngine *engine,
                         guint64   mask)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; engine->symbols[i] != NULL; i++)
    if (mask & (G_GUINT64_CONSTANT (1) << i))
      g_strv_builder_add (builder, engine->symbols[i]);

  return g_strv_builder_end (builder);
}

/* Call with the server lock held (or from the server thread). */
SpClientInfo *
_sp_server_snapshot (SpConn *c)
{
  SpClientInfo *info = sp_client_info_new ();

  info->id = c->info->id;
  info->address = g_strdup (c->info->address);
  info->port = c->info->port;
  info->connected_at = c->info->connected_at;
  info->origin = g_strdup (c->info->origin);
  info->user_agent = g_strdup (c->info->user_agent);
  info->request_text = g_strdup (c->info->request_text);
  info->response_text = g_strdup (c->info->response_text);
  info->subscriptions = c->implicit_all ? NULL : _sp_server_mask_to_strv (c->engine, c->mask);
  info->frames_sent = atomic_load_explicit (&c->frames_sent, memory_order_relaxed);
  info->bytes_sent = atomic_load_explicit (&c->bytes_sent, memory_order_relaxed);
  info->frames_received = atomic_load_explicit (&c->frames_received, memory_order_relaxed);
  info->bytes_received = atomic_load_explicit (&c->bytes_received, memory_order_relaxed);
  info->last_pong_at = c->last_pong;
  info->ping_rtt_us = c->rtt_us;
  info->lagging = c->lagging;
  if (c->lagging)
    info->lagging_since = g_get_real_time () - (g_get_monotonic_time () - c->lag_since);

  return info;
}

static gboolean
dispatch_events (gpointer user_data)
{
  SpServer *self = user_data;
  g_autoptr(GArray) events = NULL;

  g_mutex_lock (&self->lock);
  events = g_steal_pointer (&self->events);
  self->events = g_array_new (FALSE, FALSE, sizeof (Event));
  g_array_set_clear_func (self->events, event_clear);
  self->pending_refusals = 0;
  g_clear_pointer (&self->event_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  g_object_ref (self);
  for (guint i = 0; i < events->len; i++)
    {
      const Event *event = &g_array_index (events, Event, i);

      if (event->kind == EVENT_REFUSED)
        g_signal_emit (self, signals[CLIENT_REFUSED], 0, event->refusal);
      else
        g_signal_emit (self,
                       signals[event->kind == EVENT_CONNECTED ? CLIENT_CONNECTED
                                                              : CLIENT_DISCONNECTED],
                       0, event->info);
    }
  if (events->len > 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CLIENTS]);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_events_locked (SpServer *self)
{

  if (self->event_source == NULL)
    {
      self->event_source = g_timeout_source_new (EVENT_COALESCE_MS);
      g_source_set_priority (self->event_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->event_source, dispatch_events,
                             g_object_ref (self), g_object_unref);
      g_source_set_static_name (self->event_source, "[stockpush] server events");
      g_source_attach (self->event_source, self->owner_context);
    }
}

/* Queues an event; one short timeout on the owner context drains the queue,
 * so a thousand connects cost a few wake-ups of the UI (at most ~30 a
 * second), not a thousand. */
void
_sp_server_push_event_locked (SpServer     *self,
                              EventKind     kind,
                              SpClientInfo *info)
{
  Event event = { kind, info, NULL };

  g_array_append_val (self->events, event);
  schedule_events_locked (self);
}

/* Queues a refusal (taking it), or counts it on the last one queued. */
void
_sp_server_push_refusal (SpServer  *self,
                         SpRefusal *refusal)
{
  g_mutex_lock (&self->lock);
  if (self->pending_refusals >= MAX_PENDING_REFUSALS)
    {
      for (guint i = self->events->len; i > 0; i--)
        {
          Event *last = &g_array_index (self->events, Event, i - 1);

          if (last->kind == EVENT_REFUSED)
            {
              last->refusal->more++;
              break;
            }
        }
      sp_refusal_unref (refusal);
    }
  else
    {
      Event event = { EVENT_REFUSED, NULL, refusal };

      g_array_append_val (self->events, event);
      self->pending_refusals++;
      schedule_events_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

/* ------------------------------------------------------------------------ */
/* The market across runs                                                     */

/* Switching the server off and on keeps the market going: the prices go on
 * from where they were and the session's open stays. */
static void
keep_market (SpServer *self,
             SpEngine *engine)
{
  /* An edge's ticks are the publisher's: nothing of its own to keep. */
  if (engine->config->replay_file != NULL || engine->config->role == SP_ROLE_EDGE)
    return;
  g_clear_object (&self->kept_source);
  g_clear_pointer (&self->kept_config, sp_server_config_free);
  self->kept_source = g_steal_pointer (&engine->source);
  self->kept_config = sp_server_config_copy (engine->config);
}

/* The kept market when @config asks for the same one (symbols, interval and,
 * if it names one, seed); NULL otherwise. */
static SpTickSource *
market_for (SpServer             *self,
            const SpServerConfig *config)
{
  const SpServerConfig *kept = self->kept_config;
  const char *defaults[] = { NULL };

  if (self->kept_source == NULL || config->replay_file != NULL || config->role == SP_ROLE_EDGE ||
      config->interval_ms != kept->interval_ms ||
      (config->have_seed && config->seed != kept->seed) ||
      !g_strv_equal ((const char * const *) (config->symbols ? config->symbols : (char **) defaults),
                     (const char * const *) (kept->symbols ? kept->symbols : (char **) defaults)))
    return NULL;

  return self->kept_source;
}

/* ------------------------------------------------------------------------ */
/* Public API (owner thread)                                                  */

SpServer *
sp_server_new (void)
{
  return g_object_new (SP_TYPE_SERVER, NULL);
}

gboolean
sp_server_start (SpServer             *self,
                 const SpServerConfig *config,
                 GError              **error)
{
  SpTickSource *market;
  SpEngine *engine;

  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->engine != NULL || self->stopping)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_FAILED,
                           self->stopping ? _("The server is still stopping")
                                          : _("The server is already running"));
      return FALSE;
    }

  market = market_for (self, config);
  engine = _sp_engine_new (self, config, market, market ? self->kept_config->seed : 0, error);
  if (engine == NULL)
    return FALSE;
  /* The engine has it now; it comes back when the engine stops. */
  g_clear_object (&self->kept_source);
  g_clear_pointer (&self->kept_config, sp_server_config_free);

  self->thread = g_thread_try_new ("sp-server", _sp_engine_thread, engine, error);
  if (self->thread == NULL)
    {
      keep_market (self, engine);
      _sp_engine_free (engine);
      return FALSE;
    }

  g_mutex_lock (&engine->start_lock);
  while (!engine->start_done)
    g_cond_wait (&engine->start_cond, &engine->start_lock);
  g_mutex_unlock (&engine->start_lock);

  if (engine->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&engine->start_error));
      g_thread_join (g_steal_pointer (&self->thread));
      /* A taken port does not cost the market. */
      keep_market (self, engine);
      _sp_engine_free (engine);
      return FALSE;
    }

  self->engine = engine;
  self->port = engine->port;
  g_free (self->bind_address);
  self->bind_address = g_strdup (engine->config->bind_address);
  g_free (self->token);
  self->token = g_strdup (engine->config->token);
  self->tls = engine->config->tls_cert_file != NULL;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  return TRUE;
}

static void
finish_stop (SpServer *self,
             SpEngine *engine)
{
  keep_market (self, engine);
  _sp_engine_free (engine);
  self->stopping = FALSE;

  /* Deliver the last disconnects now, before "running" turns false. */
  if (self->event_source != NULL)
    {
      g_source_destroy (self->event_source);
      dispatch_events (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
sp_server_stop (SpServer *self)
{
  SpEngine *engine;

  g_return_if_fail (SP_IS_SERVER (self));

  if (self->engine == NULL)
    return;

  engine = g_steal_pointer (&self->engine);
  self->stopping = TRUE;
  g_main_context_invoke (engine->context, _sp_engine_begin_stop, engine);
  g_thread_join (g_steal_pointer (&self->thread));
  finish_stop (self, engine);
}

static void
join_engine_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_thread_join (task_data);
  g_task_return_boolean (task, TRUE);
}

static void
on_engine_joined (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SpServer *self = SP_SERVER (source);

  finish_stop (self, g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
}

void
sp_server_stop_async (SpServer            *self,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) join = NULL;
  GTask *task;
  SpEngine *engine;

  g_return_if_fail (SP_IS_SERVER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sp_server_stop_async);

  if (self->engine == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  /* The owner's loop keeps running while the clients answer our close
   * frames, so a viewer on this same thread can answer too. */
  engine = g_steal_pointer (&self->engine);
  g_task_set_task_data (task, engine, NULL);
  self->stopping = TRUE;
  g_main_context_invoke (engine->context, _sp_engine_begin_stop, engine);

  join = g_task_new (self, NULL, on_engine_joined, task);
  g_task_set_task_data (join, g_steal_pointer (&self->thread), NULL);
  g_task_run_in_thread (join, join_engine_thread);
}

gboolean
sp_server_stop_finish (SpServer      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sp_server_get_stopping (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);

  return self->stopping;
}

gboolean
sp_server_get_running (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);

  return self->engine != NULL;
}

guint
sp_server_get_port (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), 0);

  return self->port;
}

guint
sp_server_get_n_clients (SpServer *self)
{
  guint n;

  g_return_val_if_fail (SP_IS_SERVER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->conns->len;
  g_mutex_unlock (&self->lock);

  return n;
}

SpServerBrokerState
sp_server_get_broker_state (SpServer  *self,
                            char     **reason)
{
  g_return_val_if_fail (SP_IS_SERVER (self), SP_SERVER_BROKER_NONE);

  if (reason != NULL)
    *reason = NULL;
  if (self->engine == NULL)
    return SP_SERVER_BROKER_NONE;
  return _sp_engine_broker_state (self->engine, reason);
}

static char *
with_token (SpServer *self,
            char     *url)
{
  char *full;

  if (self->token == NULL)
    return url;

  full = g_strconcat (url, "?token=", self->token, NULL);
  g_free (url);
  return full;
}

static char *
dup_url (SpServer   *self,
         const char *scheme)
{
  g_autoptr(GInetAddress) address = NULL;
  const char *host;

  if (self->engine == NULL)
    return NULL;

  /* A wildcard address is not something a client can connect to. */
  address = g_inet_address_new_from_string (self->bind_address);
  if (address != NULL && g_inet_address_get_is_any (address))
    host = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 ? "[::1]" : "127.0.0.1";
  else if (address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return with_token (self, g_strdup_printf ("%s://[%s]:%u/", scheme, self->bind_address, self->port));
  else
    host = self->bind_address;

  return with_token (self, g_strdup_printf ("%s://%s:%u/", scheme, host, self->port));
}

char *
sp_server_dup_ws_url (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  return dup_url (self, self->tls ? "wss" : "ws");
}

char *
sp_server_dup_http_url (SpServer *self)
{
  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  return dup_url (self, self->tls ? "https" : "http");
}

char **
sp_server_dup_urls (SpServer *self)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GInetAddress) bound = NULL;
  struct ifaddrs *addresses = NULL;
  const char *scheme;

  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  builder = g_strv_builder_new ();
  if (self->engine == NULL)
    return g_strv_builder_end (builder);

  scheme = self->tls ? "wss" : "ws";
  bound = g_inet_address_new_from_string (self->bind_address);
  if (bound == NULL || !g_inet_address_get_is_any (bound) || getifaddrs (&addresses) != 0)
    {
      g_autofree char *url = sp_server_dup_ws_url (self);

      g_strv_builder_add (builder, url);
      return g_strv_builder_end (builder);
    }

  /* Listening on every interface: each address of this machine works. */
  for (struct ifaddrs *ifa = addresses; ifa != NULL; ifa = ifa->ifa_next)
    {
      g_autoptr(GSocketAddress) address = NULL;
      GInetAddress *inet;
      g_autofree char *text = NULL;
      g_autofree char *url = NULL;
      GSocketFamily family;

      if (ifa->ifa_addr == NULL ||
          (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
        continue;

      address = g_socket_address_new_from_native (ifa->ifa_addr,
                                                  ifa->ifa_addr->sa_family == AF_INET
                                                    ? sizeof (struct sockaddr_in)
                                                    : sizeof (struct sockaddr_in6));
      if (address == NULL)
        continue;
      inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      family = g_inet_address_get_family (inet);
      if (g_inet_address_get_is_link_local (inet) ||
          (family == G_SOCKET_FAMILY_IPV6 && g_inet_address_get_family (bound) != G_SOCKET_FAMILY_IPV6))
        continue;

      text = g_inet_address_to_string (inet);
      url = with_token (self, family == G_SOCKET_FAMILY_IPV6
                                ? g_strdup_printf ("%s://[%s]:%u/", scheme, text, self->port)
                                : g_strdup_printf ("%s://%s:%u/", scheme, text, self->port));
      g_strv_builder_add (builder, url);
    }
  freeifaddrs (addresses);

  return g_strv_builder_end (builder);
}

GPtrArray *
sp_server_list_clients (SpServer *self)
{
  GPtrArray *clients;

  g_return_val_if_fail (SP_IS_SERVER (self), NULL);

  g_mutex_lock (&self->lock);
  clients = g_ptr_array_new_full (self->conns->len, (GDestroyNotify) sp_client_info_unref);
  for (guint i = 0; i < self->conns->len; i++)
    g_ptr_array_add (clients, _sp_server_snapshot (g_ptr_array_index (self->conns, i)));
  g_mutex_unlock (&self->lock);

  return clients;
}

typedef struct
{
  SpEngine *engine;
  guint64   id;
} KickData;

static gboolean
engine_kick (gpointer data)
{
  KickData *kick = data;
  GPtrArray *conns = kick->engine->server->conns;

  for (guint i = 0; i < conns->len; i++)
    {
      SpConn *c = g_ptr_array_index (conns, i);

      if (c->info->id == kick->id)
        {
          _sp_conn_close (c, SOUP_WEBSOCKET_CLOSE_NORMAL, CLOSE_REASON_KICK);
          break;
        }
    }

  return G_SOURCE_REMOVE;
}

gboolean
sp_server_kick_client (SpServer *self,
                       guint64   id)
{
  KickData *kick;
  gboolean found = FALSE;

  g_return_val_if_fail (SP_IS_SERVER (self), FALSE);

  if (self->engine == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->conns->len && !found; i++)
    found = ((SpConn *) g_ptr_array_index (self->conns, i))->info->id == id;
  g_mutex_unlock (&self->lock);

  if (!found)
    return FALSE;

  kick = g_new (KickData, 1);
  kick->engine = self->engine;
  kick->id = id;
  g_main_context_invoke_full (self->engine->context, G_PRIORITY_DEFAULT,
                              engine_kick, kick, g_free);

  return TRUE;
}

typedef struct
{
  SpEngine *engine;
  char    **origins;
} OriginsData;

static void
origins_data_free (gpointer data)
{
  OriginsData *update = data;

  g_strfreev (update->origins);
  g_free (update);
}

/* On the server thread, which alone reads the list (in on_early). */
static gboolean
engine_set_origins (gpointer data)
{
  OriginsData *update = data;

  g_strfreev (update->engine->config->allowed_origins);
  update->engine->config->allowed_origins = g_steal_pointer (&update->origins);

  return G_SOURCE_REMOVE;
}

void
sp_server_set_allowed_origins (SpServer           *self,
                               const char * const *origins)
{
  OriginsData *update;

  g_return_if_fail (SP_IS_SERVER (self));

  if (self->engine == NULL)
    return;
  update = g_new (OriginsData, 1);
  update->engine = self->engine;
  update->origins = origins != NULL && origins[0] != NULL ? g_strdupv ((char **) origins) : NULL;
  g_main_context_invoke_full (self->engine->context, G_PRIORITY_DEFAULT,
                              engine_set_origins, update, origins_data_free);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                    */

static void
sp_server_dispose (GObject *object)
{
  SpServer *self = SP_SERVER (object);

  sp_server_stop (self);

  G_OBJECT_CLASS (sp_server_parent_class)->dispose (object);
}

static void
sp_server_finalize (GObject *object)
{
  SpServer *self = SP_SERVER (object);

  g_assert (self->engine == NULL);

  if (self->event_source != NULL)
    g_source_destroy (self->event_source);
  g_clear_pointer (&self->event_source, g_source_unref);
  g_clear_pointer (&self->events, g_array_unref);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_pointer (&self->owner_context, g_main_context_unref);
  g_clear_pointer (&self->bind_address, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_object (&self->kept_source);
  g_clear_pointer (&self->kept_config, sp_server_config_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (sp_server_parent_class)->finalize (object);
}

static void
sp_server_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SpServer *self = SP_SERVER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, sp_server_get_running (self));
      break;

    case PROP_N_CLIENTS:
      g_value_set_uint (value, sp_server_get_n_clients (self));
      break;

    case PROP_PORT:
      g_value_set_uint (value, sp_server_get_port (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_server_class_init (SpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sp_server_dispose;
  object_class->finalize = sp_server_finalize;
  object_class->get_property = sp_server_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_CLIENTS] =
    g_param_spec_uint ("n-clients", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SpServer::client-connected:
   * @info: (transfer none): a snapshot of the new client
   */
  signals[CLIENT_CONNECTED] =
    g_signal_new ("client-connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SP_TYPE_CLIENT_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SpServer::client-disconnected:
   * @info: (transfer none): the client's last snapshot, with close code and reason
   */
  signals[CLIENT_DISCONNECTED] =
    g_signal_new ("client-disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SP_TYPE_CLIENT_INFO | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SpServer::client-refused:
   * @refusal: (transfer none): who was refused, and why
   *
   * Coalesced like the others; in a flood, one refusal stands for more.
   */
  signals[CLIENT_REFUSED] =
    g_signal_new ("client-refused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  SP_TYPE_REFUSAL | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sp_server_init (SpServer *self)
{
  g_mutex_init (&self->lock);
  self->owner_context = g_main_context_ref_thread_default ();
  self->conns = g_ptr_array_new ();
  self->events = g_array_new (FALSE, FALSE, sizeof (Event));
  g_array_set_clear_func (self->events, event_clear);
}

