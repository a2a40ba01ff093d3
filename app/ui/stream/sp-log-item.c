/* Rows of the message log. Display text is made on first use, not per message. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include "sp-json-pretty.h"
#include "sp-log-item.h"

#define SUMMARY_CHARS 160

struct _SpLogItem
{
  GObject  parent_instance;

  SpFrame *frame;
  char    *summary;
  char    *folded;   /* summary, case-folded, for searching */
};

G_DEFINE_FINAL_TYPE (SpLogItem, sp_log_item, G_TYPE_OBJECT)

static void
sp_log_item_finalize (GObject *object)
{
  SpLogItem *self = SP_LOG_ITEM (object);

  g_clear_pointer (&self->frame, sp_frame_unref);
  g_clear_pointer (&self->summary, g_free);
  g_clear_pointer (&self->folded, g_free);

  G_OBJECT_CLASS (sp_log_item_parent_class)->finalize (object);
}

static void
sp_log_item_class_init (SpLogItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sp_log_item_finalize;
}

static void
sp_log_item_init (SpLogItem *self)
{
}

SpLogItem *
sp_log_item_new (SpFrame *frame)
{
  SpLogItem *self;

  g_return_val_if_fail (frame != NULL, NULL);

  self = g_object_new (SP_TYPE_LOG_ITEM, NULL);
  self->frame = sp_frame_ref (frame);

  return self;
}

SpFrame *
sp_log_item_get_frame (SpLogItem *self)
{
  g_return_val_if_fail (SP_IS_LOG_ITEM (self), NULL);

  return self->frame;
}

static void
append_hex (GString      *out,
            const guchar *data,
            gsize         size,
            gsize         limit)
{
  for (gsize i = 0; i < MIN (size, limit); i++)
    g_string_append_printf (out, "%s%02x", i ? " " : "", data[i]);
  if (size > limit)
    g_string_append (out, " …");
}

const char *
sp_log_item_get_summary (SpLogItem *self)
{
  SpFrame *frame;

  g_return_val_if_fail (SP_IS_LOG_ITEM (self), NULL);

  if (self->summary != NULL)
    return self->summary;

  frame = self->frame;
  if (frame->kind == SP_FRAME_CLOSE)
    self->summary = frame->close_reason
      ? g_strdup_printf ("%u %s", frame->close_code, frame->close_reason)
      : g_strdup_printf ("%u", frame->close_code);
  else if (frame->payload == NULL)
    self->summary = g_strdup ("");
  else if (frame->kind == SP_FRAME_TEXT)
    {
      gsize size;
      const char *data = g_bytes_get_data (frame->payload, &size);
      const char *end = data;
      GString *line = g_string_new (NULL);
      guint n = 0;

      /* One line: control characters become spaces, long text is cut. */
      while (end < data + size && n < SUMMARY_CHARS)
        {
          gunichar c = g_utf8_get_char_validated (end, data + size - end);

          if (c == (gunichar) -1 || c == (gunichar) -2)
            break;
          g_string_append_unichar (line, g_unichar_iscntrl (c) ? ' ' : c);
          end = g_utf8_next_char (end);
          n++;
        }
      if (end < data + size)
        g_string_append (line, "…");
      self->summary = g_string_free (line, FALSE);
    }
  else
    {
      gsize size;
      const guchar *data = g_bytes_get_data (frame->payload, &size);
      GString *line = g_string_new (NULL);

      append_hex (line, data, size, 48);
      self->summary = g_string_free (line, FALSE);
    }

  return self->summary;
}

static char *
hex_dump (const guchar *data,
          gsize         size)
{
  GString *out = g_string_new (NULL);

  for (gsize row = 0; row < size; row += 16)
    {
      g_string_append_printf (out, "%08" G_GSIZE_MODIFIER "x  ", row);
      for (gsize i = row; i < row + 16; i++)
        {
          if (i < size)
            g_string_append_printf (out, "%02x ", data[i]);
          else
            g_string_append (out, "   ");
          if (i == row + 7)
            g_string_append_c (out, ' ');
        }
      g_string_append (out, " |");
      for (gsize i = row; i < MIN (row + 16, size); i++)
        g_string_append_c (out, g_ascii_isprint (data[i]) ? (char) data[i] : '.');
      g_string_append (out, "|\n");
    }

  return g_string_free (out, FALSE);
}

char *
sp_log_item_dup_details (SpLogItem  *self,
                         GArray    **spans)
{
  SpFrame *frame;
  gsize size = 0;
  const char *data = NULL;

  g_return_val_if_fail (SP_IS_LOG_ITEM (self), NULL);

  if (spans != NULL)
    *spans = NULL;

  frame = self->frame;
  if (frame->kind == SP_FRAME_CLOSE)
    return g_strdup_printf ("Close code %u%s%s", frame->close_code,
                            frame->close_reason ? "\n" : "",
                            frame->close_reason ? frame->close_reason : "");

  if (frame->payload != NULL)
    data = g_bytes_get_data (frame->payload, &size);
  if (data == NULL)
    return g_strdup ("");

  if (frame->kind == SP_FRAME_TEXT)
    {
      char *pretty = sp_json_pretty (data, size, spans);

      return pretty != NULL ? pretty : g_strndup (data, size);
    }

  {
    g_autofree char *hex = hex_dump ((const guchar *) data, size);
    g_autofree char *base64 = g_base64_encode ((const guchar *) data, size);

    return g_strdup_printf ("%s\n\nbase64:\n%s", hex, base64);
  }
}

gboolean
sp_log_item_matches_regex (SpLogItem    *self,
                           const GRegex *regex)
{
  SpFrame *frame;
  gsize size = 0;
  const char *data;

  g_return_val_if_fail (SP_IS_LOG_ITEM (self), FALSE);

  if (regex == NULL)
    return TRUE;

  /* Text frames are searched whole; the others by their summary. */
  frame = self->frame;
  data = frame->payload != NULL && frame->kind == SP_FRAME_TEXT ? g_bytes_get_data (frame->payload, &size) : NULL;
  if (data != NULL && g_utf8_validate (data, size, NULL))
    return g_regex_match_full (regex, data, size, 0, 0, NULL, NULL);

  return g_regex_match (regex, sp_log_item_get_summary (self), 0, NULL);
}

char *
sp_log_item_dup_time (SpLogItem *self)
{
  gint64 seconds = self->frame->time_us / G_USEC_PER_SEC;
  struct tm local;
  time_t t = (time_t) seconds;

  g_return_val_if_fail (SP_IS_LOG_ITEM (self), NULL);

  /* localtime_r, not GDateTime: GLib looks the time zone up anew each time,
   * and a fast stream shows hundreds of rows a second. */
  if (localtime_r (&t, &local) == NULL)
    return g_strdup ("");

  return g_strdup_printf ("%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min, local.tm_sec,
                          (int) (self->frame->time_us % G_USEC_PER_SEC / 1000));
}

gboolean
sp_log_item_matches (SpLogItem  *self,
                     const char *needle_casefolded)
{
  g_return_val_if_fail (SP_IS_LOG_ITEM (self), FALSE);

  if (needle_casefolded == NULL || *needle_casefolded == '\0')
    return TRUE;

  if (self->folded == NULL)
    self->folded = g_utf8_casefold (sp_log_item_get_summary (self), -1);

  return strstr (self->folded, needle_casefolded) != NULL;
}
