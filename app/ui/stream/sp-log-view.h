/* The Stream page's message log: every frame sent and received, its filters, and
 * the selected message in full. Main thread only. */
#pragma once

#include <gtk/gtk.h>

#include "sp-frame.h"
#include "sp-log-filter.h"

G_BEGIN_DECLS

#define SP_TYPE_LOG_VIEW (sp_log_view_get_type ())

G_DECLARE_FINAL_TYPE (SpLogView, sp_log_view, SP, LOG_VIEW, GtkWidget)

/* Frames join the list a few times a second (once a second out of sight),
 * the oldest leave past the limit. */
void         sp_log_view_add_frame          (SpLogView   *self,
                                             SpFrame     *frame);
void         sp_log_view_set_limit          (SpLogView   *self,
                                             guint        limit);
guint        sp_log_view_get_limit          (SpLogView   *self);
void         sp_log_view_clear              (SpLogView   *self);
/* @frames (SpFrame) replace the log, which pauses. */
void         sp_log_view_replace            (SpLogView   *self,
                                             GPtrArray   *frames);
/* Every SpLogItem kept, and those the filters show. */
GListModel  *sp_log_view_get_log            (SpLogView   *self);
GListModel  *sp_log_view_get_shown          (SpLogView   *self);
SpLogFilter *sp_log_view_get_filter         (SpLogView   *self);
void         sp_log_view_set_search         (SpLogView   *self,
                                             const char  *text,
                                             gboolean     regex);
void         sp_log_view_set_paused         (SpLogView   *self,
                                             gboolean     paused);
/* Selects the received message that arrived at @time_us, showing all if the
 * filters hid it; says so in a toast when it has left the log. */
gboolean     sp_log_view_select_message     (SpLogView   *self,
                                             gint64       time_us);
SpFrame     *sp_log_view_get_selected_frame (SpLogView   *self);
/* The selected message to the clipboard, in full. */
void         sp_log_view_copy_selected      (SpLogView   *self);

G_END_DECLS
