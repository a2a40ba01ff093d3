/* A stream recorded to JSON Lines. */
#include "config.h"

#include "sp-frame-io.h"
#include "sp-recorder.h"

#define FLUSH_US (G_USEC_PER_SEC)   /* a recording cut short loses at most a second */

struct _SpRecorder
{
  GOutputStream *out;
  GString       *line;
  guint64        n_frames;
  gint64         last_flush;
  gboolean       failed;
};

SpRecorder *
sp_recorder_new (const char  *path,
                 GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  SpRecorder *self;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_commandline_arg (path);
  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  if (stream == NULL)
    return NULL;

  self = g_new0 (SpRecorder, 1);
  self->out = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (stream), 64 * 1024);
  self->line = g_string_sized_new (1024);
  self->last_flush = g_get_monotonic_time ();

  return self;
}

gboolean
sp_recorder_append (SpRecorder *self,
                    SpFrame    *frame,
                    GError    **error)
{
  gint64 now;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);

  if (self->failed)
    return FALSE;

  g_string_truncate (self->line, 0);
  sp_frame_append_json_line (self->line, frame);
  if (!g_output_stream_write_all (self->out, self->line->str, self->line->len, NULL, NULL, error))
    {
      self->failed = TRUE;
      return FALSE;
    }
  self->n_frames++;

  now = g_get_monotonic_time ();
  if (now - self->last_flush >= FLUSH_US)
    {
      self->last_flush = now;
      if (!g_output_stream_flush (self->out, NULL, error))
        {
          self->failed = TRUE;
          return FALSE;
        }
    }

  return TRUE;
}

guint64
sp_recorder_get_n_frames (SpRecorder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_frames;
}

gboolean
sp_recorder_close (SpRecorder  *self,
                   GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (g_output_stream_is_closed (self->out))
    return TRUE;
  return g_output_stream_close (self->out, NULL, error);
}

void
sp_recorder_free (SpRecorder *self)
{
  if (self == NULL)
    return;

  if (!g_output_stream_is_closed (self->out))
    g_output_stream_close (self->out, NULL, NULL);
  g_object_unref (self->out);
  g_string_free (self->line, TRUE);
  g_free (self);
}
