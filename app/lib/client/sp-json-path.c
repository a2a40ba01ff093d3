/* JSON paths (see sp-json-path.h). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sp-error.h"
#include "sp-json-path.h"

/* Deeper than any feed, short enough that a path never costs much. */
#define MAX_STEPS 32

typedef enum
{
  STEP_MEMBER,  /* a member; on an array, all digits: an element (the older "data.0.c") */
  STEP_INDEX,   /* [n] */
  STEP_EACH,    /* [] */
} StepKind;

typedef struct
{
  StepKind kind;
  char    *name;
  guint    index;
} Step;

struct _SpJsonPath
{
  Step  *steps;
  guint  n_steps;
};

void
sp_json_path_free (SpJsonPath *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_steps; i++)
    g_free (self->steps[i].name);
  g_free (self->steps);
  g_free (self);
}

static gboolean
fail (GError    **error,
      const char *text,
      const char *why)
{
  g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a field path: %s; write e.g. price, data.price, data[].p or [1].c[0]"),
               text, why);
  return FALSE;
}

static gboolean
parse_steps (SpJsonPath  *self,
             const char  *text,
             GError     **error)
{
  GArray *steps = g_array_new (FALSE, TRUE, sizeof (Step));
  const char *p = text;
  gboolean ok = TRUE;

  while (ok && *p != '\0')
    {
      Step step = { STEP_MEMBER, NULL, 0 };

      if (steps->len >= MAX_STEPS)
        ok = fail (error, text, _("it is too deep"));
      else if (*p == '[')
        {
          const char *close = strchr (p, ']');
          guint64 index;

          if (close == NULL)
            ok = fail (error, text, _("a “[” is not closed"));
          else if (close == p + 1)
            step.kind = STEP_EACH;
          else
            {
              g_autofree char *digits = g_strndup (p + 1, close - p - 1);

              if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT, &index, NULL))
                ok = fail (error, text, _("between “[” and “]” goes a number, or nothing for every element"));
              step.kind = STEP_INDEX;
              step.index = (guint) index;
            }
          if (ok)
            p = close + 1;
        }
      else
        {
          gsize n = strcspn (p, ".[]");

          if (n == 0)
            ok = fail (error, text, _("a field name is empty"));
          else
            {
              step.name = g_strndup (p, n);
              p += n;
            }
        }
      if (!ok)
        break;
      g_array_append_val (steps, step);
      if (*p == '.')
        {
          p++;
          if (*p == '\0' || *p == '.')
            ok = fail (error, text, _("a field name is empty"));
        }
      else if (*p != '\0' && *p != '[')
        ok = fail (error, text, _("a “]” has no “[”"));
    }

  self->n_steps = steps->len;
  self->steps = (Step *) g_array_free (steps, FALSE);
  return ok;
}

SpJsonPath *
sp_json_path_parse (const char  *text,
                    GError     **error)
{
  g_autoptr(SpJsonPath) self = g_new0 (SpJsonPath, 1);

  g_return_val_if_fail (text != NULL, NULL);

  if (*text == '\0')
    {
      fail (error, text, _("it is empty"));
      return NULL;
    }
  if (!parse_steps (self, text, error))
    return NULL;

  return g_steal_pointer (&self);
}

char *
sp_json_path_to_string (const SpJsonPath *self)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->n_steps; i++)
    {
      const Step *step = &self->steps[i];

      if (step->kind == STEP_EACH)
        g_string_append (out, "[]");
      else if (step->kind == STEP_INDEX)
        g_string_append_printf (out, "[%u]", step->index);
      else
        {
          if (out->len > 0)
            g_string_append_c (out, '.');
          g_string_append (out, step->name);
        }
    }

  return g_string_free (out, FALSE);
}

static gboolean
step_equal (const Step *a,
            const Step *b)
{
  return a->kind == b->kind && a->index == b->index && g_strcmp0 (a->name, b->name) == 0;
}

/* One step from @node, for the steps that reach one node. */
static JsonNode *
step_one (const Step *step,
          JsonNode   *node)
{
  guint64 index;

  if (step->kind == STEP_MEMBER && JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_member (json_node_get_object (node), step->name);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  if (step->kind == STEP_INDEX)
    index = step->index;
  else if (step->kind != STEP_MEMBER ||
           !g_ascii_string_to_unsigned (step->name, 10, 0, G_MAXUINT, &index, NULL))
    return NULL;
  if (index >= json_array_get_length (json_node_get_array (node)))
    return NULL;
  return json_array_get_element (json_node_get_array (node), (guint) index);
}

typedef struct
{
  const SpJsonPath *path;
  guint             max;
  guint             visited;
  SpJsonPathFunc    func;
  gpointer          user_data;
} Walk;

static void
walk (Walk     *w,
      guint     i,
      JsonNode *node,
      JsonNode *record)
{
  for (; node != NULL && i < w->path->n_steps; i++)
    {
      const Step *step = &w->path->steps[i];

      if (step->kind == STEP_EACH)
        {
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (node))
            return;
          array = json_node_get_array (node);
          for (guint k = 0; k < json_array_get_length (array) && w->visited < w->max; k++)
            {
              JsonNode *element = json_array_get_element (array, k);

              walk (w, i + 1, element, element);
            }
          return;
        }
      node = step_one (step, node);
    }

  if (node != NULL && w->visited < w->max)
    {
      w->visited++;
      w->func (node, record, w->user_data);
    }
}

guint
sp_json_path_foreach (const SpJsonPath *self,
                      JsonNode         *root,
                      guint             max,
                      SpJsonPathFunc    func,
                      gpointer          user_data)
{
  Walk w = { self, max, 0, func, user_data };

  g_return_val_if_fail (self != NULL && func != NULL, 0);

  if (root != NULL)
    walk (&w, 0, root, root);
  return w.visited;
}

static void
take_first (JsonNode *node,
            JsonNode *record,
            gpointer  user_data)
{
  *(JsonNode **) user_data = node;
}

JsonNode *
sp_json_path_get_beside (const SpJsonPath *self,
                         const SpJsonPath *leader,
                         JsonNode         *root,
                         JsonNode         *record)
{
  JsonNode *found = NULL;
  guint last_each = G_MAXUINT;

  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; leader != NULL && i < leader->n_steps; i++)
    if (leader->steps[i].kind == STEP_EACH)
      last_each = i;

  if (record != NULL && last_each != G_MAXUINT && self->n_steps > last_each)
    {
      gboolean shared = TRUE;

      for (guint i = 0; shared && i <= last_each; i++)
        shared = step_equal (&self->steps[i], &leader->steps[i]);
      if (shared)
        {
          Walk w = { self, 1, 0, take_first, &found };

          walk (&w, last_each + 1, record, record);
          return found;
        }
    }

  sp_json_path_foreach (self, root, 1, take_first, &found);
  return found;
}
