/* A row of the message log: one frame, with the text the log shows for it. */
#pragma once

#include <glib-object.h>

#include "sp-frame.h"

G_BEGIN_DECLS

#define SP_TYPE_LOG_ITEM (sp_log_item_get_type ())

G_DECLARE_FINAL_TYPE (SpLogItem, sp_log_item, SP, LOG_ITEM, GObject)

SpLogItem  *sp_log_item_new          (SpFrame   *frame);
SpFrame    *sp_log_item_get_frame    (SpLogItem *self);
/* One line, bounded, for the list. */
const char *sp_log_item_get_summary  (SpLogItem *self);
/* The whole message for the detail view and for copying: JSON pretty-printed,
 * binary as a hex dump, a close as its code and reason. */
/* What the detail view shows; for JSON laid out, with where each value is
 * (SpJsonSpan, see sp-json-pretty.h) in *@spans if given, else NULL there. */
char       *sp_log_item_dup_details  (SpLogItem  *self,
                                      GArray    **spans);
char       *sp_log_item_dup_time     (SpLogItem *self);
gboolean    sp_log_item_matches      (SpLogItem *self,
                                      const char *needle_casefolded);

gboolean    sp_log_item_matches_regex (SpLogItem    *self,
                                       const GRegex *regex);

G_END_DECLS
