/* JSON laid out from its own text, not from a parsed tree: a tree keeps
 * numbers as doubles and writes 297.70 back as 297.69999999999999. */
#include "config.h"

#include <json-glib/json-glib.h>

#include <string.h>

#include "sp-json-pretty.h"

#define MAX_DEPTH 256

typedef struct
{
  const char *p;
  const char *end;
  GString    *out;
  GArray     *spans;
  guint       depth;
} Layout;

static gboolean lay_out_value (Layout *self, const char *path, guint indent, gssize member_start);

static void
skip_space (Layout *self)
{
  while (self->p < self->end && (*self->p == ' ' || *self->p == '\t' ||
                                 *self->p == '\n' || *self->p == '\r'))
    self->p++;
}

static void
new_line (Layout *self,
          guint   indent)
{
  g_string_append_c (self->out, '\n');
  for (guint i = 0; i < indent; i++)
    g_string_append (self->out, "  ");
}

/* Copies a string with its quotes and escapes as they are. */
static gboolean
copy_string (Layout *self)
{
  const char *start = self->p++;

  while (self->p < self->end && *self->p != '"')
    self->p += *self->p == '\\' ? 2 : 1;
  if (self->p >= self->end)
    return FALSE;
  self->p++;
  g_string_append_len (self->out, start, self->p - start);
  return TRUE;
}

static gboolean
copy_scalar (Layout *self)
{
  const char *start = self->p;

  while (self->p < self->end && strchr (",]} \t\r\n", *self->p) == NULL)
    self->p++;
  g_string_append_len (self->out, start, self->p - start);
  return self->p > start;
}

static void
add_span (Layout     *self,
          const char *path,
          gsize       start)
{
  SpJsonSpan span = { start, self->out->len, NULL };

  if (self->spans == NULL || path == NULL)
    return;
  span.path = g_strdup (path);
  g_array_append_val (self->spans, span);
}

/* A path step for a member name the path syntax can say, else NULL. */
static char *
member_path (const char *parent,
             const char *name,
             gsize       length)
{
  if (parent == NULL || length == 0 || memchr (name, '\\', length) != NULL)
    return NULL;
  for (gsize i = 0; i < length; i++)
    if (strchr (".[]~", name[i]) != NULL)
      return NULL;
  if (*parent == '\0')
    return g_strndup (name, length);
  return g_strdup_printf ("%s.%.*s", parent, (int) length, name);
}

static gboolean
lay_out_object (Layout     *self,
                const char *path,
                guint       indent)
{
  self->p++;
  skip_space (self);
  if (self->p < self->end && *self->p == '}')
    {
      self->p++;
      g_string_append (self->out, "{}");
      return TRUE;
    }

  g_string_append_c (self->out, '{');
  for (;;)
    {
      gsize member_start;
      const char *name;
      g_autofree char *child = NULL;

      new_line (self, indent + 1);
      skip_space (self);
      member_start = self->out->len;
      name = self->p + 1;
      if (self->p >= self->end || *self->p != '"' || !copy_string (self))
        return FALSE;
      child = member_path (path, name, self->p - 1 - name);
      skip_space (self);
      if (self->p >= self->end || *self->p++ != ':')
        return FALSE;
      g_string_append (self->out, ": ");
      if (!lay_out_value (self, child, indent + 1, member_start))
        return FALSE;
      skip_space (self);
      if (self->p < self->end && *self->p == ',')
        {
          self->p++;
          g_string_append_c (self->out, ',');
          continue;
        }
      if (self->p >= self->end || *self->p++ != '}')
        return FALSE;
      new_line (self, indent);
      g_string_append_c (self->out, '}');
      return TRUE;
    }
}

static gboolean
lay_out_array (Layout     *self,
               const char *path,
               guint       indent)
{
  gboolean records;

  self->p++;
  skip_space (self);
  if (self->p < self->end && *self->p == ']')
    {
      self->p++;
      g_string_append (self->out, "[]");
      return TRUE;
    }

  /* Records (events, trades) are read all alike; other elements by position. */
  records = *self->p == '{';
  g_string_append_c (self->out, '[');
  for (guint i = 0;; i++)
    {
      g_autofree char *child = NULL;

      if (path != NULL)
        child = records ? g_strconcat (path, "[]", NULL) : g_strdup_printf ("%s[%u]", path, i);
      new_line (self, indent + 1);
      if (!lay_out_value (self, child, indent + 1, -1))
        return FALSE;
      skip_space (self);
      if (self->p < self->end && *self->p == ',')
        {
          self->p++;
          g_string_append_c (self->out, ',');
          continue;
        }
      if (self->p >= self->end || *self->p++ != ']')
        return FALSE;
      new_line (self, indent);
      g_string_append_c (self->out, ']');
      return TRUE;
    }
}

static gboolean
lay_out_value (Layout     *self,
               const char *path,
               guint       indent,
               gssize      member_start)
{
  gsize start;
  gboolean ok;

  skip_space (self);
  if (self->p >= self->end || ++self->depth > MAX_DEPTH)
    return FALSE;

  start = member_start >= 0 ? (gsize) member_start : self->out->len;
  if (*self->p == '{')
    ok = lay_out_object (self, path, indent);
  else if (*self->p == '[')
    ok = lay_out_array (self, path, indent);
  else
    {
      gboolean is_text = *self->p == '"';
      gboolean is_number = *self->p == '-' || g_ascii_isdigit (*self->p);

      ok = is_text ? copy_string (self) : copy_scalar (self);
      if (ok && (is_text || is_number))
        add_span (self, path, start);
    }

  self->depth--;
  return ok;
}

char *
sp_json_pretty (const char  *text,
                gsize        length,
                GArray     **spans)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GArray) found = NULL;
  Layout layout = { text, text + length, NULL, NULL, 0 };

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  /* json-glib says whether it is JSON; the layout only follows the text. */
  skip_space (&layout);
  if (layout.p >= layout.end || (*layout.p != '{' && *layout.p != '[') ||
      !json_parser_load_from_data (parser, text, length, NULL))
    return NULL;

  if (spans != NULL)
    {
      found = g_array_new (FALSE, FALSE, sizeof (SpJsonSpan));
      layout.spans = found;
    }
  layout.out = g_string_new (NULL);
  if (!lay_out_value (&layout, "", 0, -1))
    {
      g_string_free (layout.out, TRUE);
      if (found != NULL)
        sp_json_spans_free (g_steal_pointer (&found));
      return NULL;
    }

  if (spans != NULL)
    *spans = g_steal_pointer (&found);
  return g_string_free (layout.out, FALSE);
}

void
sp_json_spans_free (GArray *spans)
{
  if (spans == NULL)
    return;
  for (guint i = 0; i < spans->len; i++)
    g_free (g_array_index (spans, SpJsonSpan, i).path);
  g_array_unref (spans);
}

const SpJsonSpan *
sp_json_spans_find (GArray *spans,
                    gsize   offset)
{
  g_return_val_if_fail (spans != NULL, NULL);

  for (guint i = 0; i < spans->len; i++)
    {
      const SpJsonSpan *span = &g_array_index (spans, SpJsonSpan, i);

      if (offset >= span->start && offset < span->end)
        return span;
    }
  return NULL;
}
