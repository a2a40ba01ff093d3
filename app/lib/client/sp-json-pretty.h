/* JSON laid out for reading with every number and string exactly as it was
 * received (297.70 stays 297.70), and where each field's value is, as a path
 * the price extractor reads. Plain functions; any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gsize  start;  /* byte offsets in the laid-out text: the member's name and value, */
  gsize  end;    /* or the element alone in an array */
  char  *path;   /* "data[].p": "[]" where the array holds records (every one of them),
                  * "[1]" where it holds positions (a pair, a price and a size) */
} SpJsonSpan;

/* The laid-out text of the JSON object or array in @text, or NULL when @text
 * is not one (or nests deeper than people write). With @spans, appends an
 * SpJsonSpan for each number and string value; free them with sp_json_spans_free(). */
char       *sp_json_pretty     (const char  *text,
                                gsize        length,
                                GArray     **spans);
void        sp_json_spans_free (GArray      *spans);
/* The span at @offset, or NULL. */
const SpJsonSpan *sp_json_spans_find (GArray *spans,
                                      gsize   offset);

G_END_DECLS
