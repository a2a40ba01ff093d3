/* Records a stream to a file, frame by frame, as JSON Lines (sp-frame-io.h):
 * what the built-in server can replay later as its ticker. */
#pragma once

#include <gio/gio.h>

#include "sp-frame.h"

G_BEGIN_DECLS

typedef struct _SpRecorder SpRecorder;

/* Creates (or replaces) @path; the error says why not. */
SpRecorder *sp_recorder_new    (const char  *path,
                                GError     **error);
/* Buffered; FALSE once writing failed (the disk is full…), with the reason. */
gboolean    sp_recorder_append (SpRecorder  *self,
                                SpFrame     *frame,
                                GError     **error);
guint64     sp_recorder_get_n_frames (SpRecorder *self);
/* Writes what is buffered and closes the file. */
gboolean    sp_recorder_close  (SpRecorder  *self,
                                GError     **error);
void        sp_recorder_free   (SpRecorder  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpRecorder, sp_recorder_free)

G_END_DECLS
