/* Reading members of JSON objects that anyone may have written: a member of
 * the wrong kind gives the fallback, never a json-glib critical. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

static inline const char *
sp_json_member_string (JsonObject *object,
                       const char *name,
                       const char *fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (node);
}

/* Whole numbers, and other numbers cut to whole ones. */
static inline gint64
sp_json_member_int (JsonObject *object,
                    const char *name,
                    gint64      fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double value = json_node_get_double (node);

      return value >= -9.2e18 && value <= 9.2e18 ? (gint64) value : fallback;
    }
  return fallback;
}

G_END_DECLS
