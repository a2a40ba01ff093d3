/* An update of what a widget shows (a label's text, new rows of a list) made
 * in the next frame that the window draws anyway, so that it costs no frame
 * of its own: at most every min_interval_ms, after max_wait_ms when no frame
 * comes sooner, and not at all while the widget cannot be seen
 * (sp-on-screen.h), but at once when it can again. Main thread only, as GTK. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _SpFrameUpdate SpFrameUpdate;

typedef void (*SpFrameUpdateFunc) (gpointer user_data);

/* Where in the frame the update runs. Measured with GTK 4.8 on the Stream
 * page, each of these costs no frame of its own: a label's text set in
 * ::before-paint, a list's new rows in the update phase (a tick callback).
 * The other way round, or a label set in the same tick as the rows, makes
 * the list scroll to its rows only in a second frame. */
typedef enum
{
  SP_FRAME_UPDATE_BEFORE_PAINT,
  SP_FRAME_UPDATE_TICK,
} SpFrameUpdatePhase;

/* For @widget (not a reference) until sp_frame_update_free(), which its
 * dispose calls. */
SpFrameUpdate *sp_frame_update_new   (GtkWidget         *widget,
                                      SpFrameUpdatePhase phase,
                                      guint              min_interval_ms,
                                      guint              max_wait_ms,
                                      SpFrameUpdateFunc  apply,
                                      gpointer           user_data);
/* Something changed: @apply runs as above. */
void           sp_frame_update_queue (SpFrameUpdate     *self);
/* Whether the widget can be seen now. */
gboolean       sp_frame_update_is_on_screen (SpFrameUpdate *self);
void           sp_frame_update_free  (SpFrameUpdate     *self);

G_END_DECLS
