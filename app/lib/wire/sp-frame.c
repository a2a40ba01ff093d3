/* Frames of the message log. */
#include <string.h>

#include "sp-frame.h"

G_DEFINE_BOXED_TYPE (SpFrame, sp_frame, sp_frame_ref, sp_frame_unref)

SpFrame *
sp_frame_new (SpFrameDirection direction,
              SpFrameKind      kind,
              GBytes          *payload)
{
  SpFrame *self = g_rc_box_new0 (SpFrame);

  self->time_us = g_get_real_time ();
  self->direction = direction;
  self->kind = kind;
  if (payload != NULL && g_bytes_get_size (payload) > 0)
    {
      self->payload = g_bytes_ref (payload);
      self->size = g_bytes_get_size (payload);
    }

  return self;
}

SpFrame *
sp_frame_new_close (SpFrameDirection direction,
                    gushort          code,
                    const char      *reason)
{
  SpFrame *self = sp_frame_new (direction, SP_FRAME_CLOSE, NULL);

  self->close_code = code;
  self->close_reason = g_strdup (reason && *reason ? reason : NULL);
  /* The payload of a close frame: two bytes of code, then the reason. */
  self->size = code != 0 ? 2 + (reason ? strlen (reason) : 0) : 0;

  return self;
}

static void
sp_frame_clear (SpFrame *self)
{
  g_clear_pointer (&self->payload, g_bytes_unref);
  g_clear_pointer (&self->close_reason, g_free);
}

SpFrame *
sp_frame_ref (SpFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_rc_box_acquire (self);
}

void
sp_frame_unref (SpFrame *self)
{
  g_return_if_fail (self != NULL);

  g_rc_box_release_full (self, (GDestroyNotify) sp_frame_clear);
}

const char *
sp_frame_kind_to_string (SpFrameKind kind)
{
  switch (kind)
    {
    case SP_FRAME_TEXT:   return "text";
    case SP_FRAME_BINARY: return "binary";
    case SP_FRAME_PING:   return "ping";
    case SP_FRAME_PONG:   return "pong";
    case SP_FRAME_CLOSE:  return "close";
    default:              return "?";
    }
}
