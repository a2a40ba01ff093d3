/* Snapshots of server-side clients, reference counted so the UI can keep them cheaply. */
#include "sp-client-info.h"

G_DEFINE_BOXED_TYPE (SpClientInfo, sp_client_info, sp_client_info_ref, sp_client_info_unref)

static void
sp_client_info_clear (SpClientInfo *self)
{
  g_free (self->address);
  g_free (self->origin);
  g_free (self->user_agent);
  g_free (self->request_text);
  g_free (self->response_text);
  g_strfreev (self->subscriptions);
  g_free (self->close_reason);
}

SpClientInfo *
sp_client_info_new (void)
{
  SpClientInfo *self = g_rc_box_new0 (SpClientInfo);

  self->ping_rtt_us = -1;
  return self;
}

SpClientInfo *
sp_client_info_ref (SpClientInfo *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_rc_box_acquire (self);
}

void
sp_client_info_unref (SpClientInfo *self)
{
  g_return_if_fail (self != NULL);

  g_rc_box_release_full (self, (GDestroyNotify) sp_client_info_clear);
}

G_DEFINE_BOXED_TYPE (SpRefusal, sp_refusal, sp_refusal_ref, sp_refusal_unref)

static void
sp_refusal_clear (SpRefusal *self)
{
  g_free (self->address);
  g_free (self->origin);
  g_free (self->user_agent);
  g_free (self->reason);
}

SpRefusal *
sp_refusal_new (void)
{
  return g_rc_box_new0 (SpRefusal);
}

SpRefusal *
sp_refusal_ref (SpRefusal *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_rc_box_acquire (self);
}

void
sp_refusal_unref (SpRefusal *self)
{
  g_return_if_fail (self != NULL);

  g_rc_box_release_full (self, (GDestroyNotify) sp_refusal_clear);
}

char *
sp_refusal_describe_origin (const SpRefusal *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->origin == NULL)
    return NULL;
  /* Browsers send "null" for a page opened from a file (and sandboxed ones). */
  if (g_str_equal (self->origin, "null"))
    return g_strdup ("a page opened from a file (Origin null)");
  return g_strdup (self->origin);
}
