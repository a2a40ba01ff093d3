/* Frames as JSON Lines: the format of exported logs and of recordings.
 *
 *   {"t":1795521600250000,"dir":"in","kind":"text","size":12,"text":"price = 299.9"}
 *   {"t":…,"dir":"in","kind":"binary","size":3,"base64":"AQID"}
 *   {"t":…,"dir":"in","kind":"close","size":2,"code":1000,"reason":"bye"}
 *
 * "t" is µs since the epoch. Text that is not valid UTF-8 is kept exactly,
 * in "base64". Reading accepts any member order and ignores unknown members. */
#pragma once

#include <gio/gio.h>

#include "sp-frame.h"

G_BEGIN_DECLS

void     sp_frame_append_json_line (GString     *out,
                                    const SpFrame *frame);
/* Parses one line; a clear error names what is wrong with it. */
SpFrame *sp_frame_parse_json_line  (const char  *line,
                                    gsize        length,
                                    GError     **error);

/* One row of a CSV export: time (ISO 8601 UTC), direction, kind, size, close code, content. */
void     sp_frame_append_csv_row   (GString     *out,
                                    const SpFrame *frame);
#define SP_FRAME_CSV_HEADER "time,direction,kind,size,code,content\n"

/* Reads a whole JSON Lines file into an array of SpFrame (blank lines skipped).
 * Fails on the first bad line, saying which, and on a CSV export, saying so.
 * At most @max_frames are kept (the last ones). */
GPtrArray *sp_frames_load          (GFile       *file,
                                    guint        max_frames,
                                    GCancellable *cancellable,
                                    GError     **error);

G_END_DECLS
