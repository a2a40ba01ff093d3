/* Which messages the log shows: direction, kind, ping and pong, and a search
 * as text or as a regular expression. Main thread only, as every GtkFilter. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The positions of the log's Direction and Kind drop-downs. */
typedef enum
{
  SP_LOG_DIRECTION_BOTH,
  SP_LOG_DIRECTION_RECEIVED,
  SP_LOG_DIRECTION_SENT,
} SpLogDirection;

typedef enum
{
  SP_LOG_KIND_ALL,
  SP_LOG_KIND_TEXT,
  SP_LOG_KIND_BINARY,
  SP_LOG_KIND_PING_PONG,
  SP_LOG_KIND_CLOSE,
} SpLogKind;

#define SP_TYPE_LOG_FILTER (sp_log_filter_get_type ())

G_DECLARE_FINAL_TYPE (SpLogFilter, sp_log_filter, SP, LOG_FILTER, GtkFilter)

SpLogFilter *sp_log_filter_new                (void);
/* Both at once, so that a pattern is compiled once. */
void         sp_log_filter_set_search         (SpLogFilter *self,
                                               const char  *text,
                                               gboolean     regex);
/* Why the search is not a valid regular expression (everything is shown then), or NULL. */
const char  *sp_log_filter_get_search_error   (SpLogFilter *self);
void         sp_log_filter_set_hide_ping_pong (SpLogFilter *self,
                                               gboolean     hide);

G_END_DECLS
