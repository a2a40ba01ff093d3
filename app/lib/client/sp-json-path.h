/* Paths into JSON that a person can write: member names separated by dots,
 * array elements by index ("[1]", or the older ".1"), and "[]" for every
 * element of an array: "price", "data.price", "data[].p", "[1].c[0]".
 * Plain values; any thread. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _SpJsonPath SpJsonPath;

/* Called for each node a path reaches, with its record: the element that the
 * path's last "[]" step passed through (or the root, without one). */
typedef void (*SpJsonPathFunc) (JsonNode *node,
                                JsonNode *record,
                                gpointer  user_data);

/* NULL and an error that names the mistake for a path that cannot be read. */
SpJsonPath *sp_json_path_parse      (const char        *text,
                                     GError           **error);
void        sp_json_path_free       (SpJsonPath        *self);
char       *sp_json_path_to_string  (const SpJsonPath  *self);
/* Visits at most @max nodes; returns how many. */
guint       sp_json_path_foreach    (const SpJsonPath  *self,
                                     JsonNode          *root,
                                     guint              max,
                                     SpJsonPathFunc     func,
                                     gpointer           user_data);
/* The node @self reaches for the record @leader passed through: from
 * @record when @self begins with @leader's steps up to its last "[]", so that
 * "data[].s" is read beside "data[].p" in each trade; from @root otherwise. */
JsonNode   *sp_json_path_get_beside (const SpJsonPath  *self,
                                     const SpJsonPath  *leader,
                                     JsonNode          *root,
                                     JsonNode          *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpJsonPath, sp_json_path_free)

G_END_DECLS
