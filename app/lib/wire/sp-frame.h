/* One WebSocket frame as the message log shows it: immutable, reference counted. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  SP_FRAME_IN,
  SP_FRAME_OUT,
} SpFrameDirection;

typedef enum
{
  SP_FRAME_TEXT,
  SP_FRAME_BINARY,
  SP_FRAME_PING,
  SP_FRAME_PONG,
  SP_FRAME_CLOSE,
} SpFrameKind;

typedef struct
{
  gint64           time_us;      /* g_get_real_time() when sent or received */
  SpFrameDirection direction;
  SpFrameKind      kind;
  gsize            size;         /* payload bytes */
  GBytes          *payload;      /* NULL when empty */
  gushort          close_code;   /* SP_FRAME_CLOSE only; 0 when none was given */
  char            *close_reason; /* SP_FRAME_CLOSE only; may be NULL */
} SpFrame;

#define SP_TYPE_FRAME (sp_frame_get_type ())

GType       sp_frame_get_type       (void) G_GNUC_CONST;
SpFrame    *sp_frame_new            (SpFrameDirection direction,
                                     SpFrameKind      kind,
                                     GBytes          *payload);
SpFrame    *sp_frame_new_close      (SpFrameDirection direction,
                                     gushort          code,
                                     const char      *reason);
SpFrame    *sp_frame_ref            (SpFrame         *self);
void        sp_frame_unref          (SpFrame         *self);
const char *sp_frame_kind_to_string (SpFrameKind      kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpFrame, sp_frame_unref)

G_END_DECLS
