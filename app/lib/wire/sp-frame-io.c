/* Frames as JSON Lines (exports, recordings) and as CSV rows. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <json-glib/json-glib.h>
#include <string.h>

#include "sp-json.h"
#include "sp-error.h"
#include "sp-frame-io.h"

static const char * const kind_names[] = { "text", "binary", "ping", "pong", "close" };

static void
append_json_string (GString    *out,
                    const char *text,
                    gssize      length)
{
  const char *end = text + (length < 0 ? (gssize) strlen (text) : length);

  g_string_append_c (out, '"');
  for (const char *p = text; p < end; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

void
sp_frame_append_json_line (GString       *out,
                           const SpFrame *frame)
{
  gsize size = 0;
  const char *data = frame->payload != NULL ? g_bytes_get_data (frame->payload, &size) : NULL;

  g_return_if_fail (out != NULL && frame != NULL);

  g_string_append_printf (out, "{\"t\":%" G_GINT64_FORMAT ",\"dir\":\"%s\",\"kind\":\"%s\",\"size\":%"
                          G_GSIZE_FORMAT, frame->time_us,
                          frame->direction == SP_FRAME_IN ? "in" : "out",
                          kind_names[frame->kind], frame->size);

  if (frame->kind == SP_FRAME_CLOSE)
    {
      g_string_append_printf (out, ",\"code\":%u", frame->close_code);
      if (frame->close_reason != NULL)
        {
          g_string_append (out, ",\"reason\":");
          append_json_string (out, frame->close_reason, -1);
        }
    }
  else if (data != NULL && size > 0)
    {
      if (frame->kind != SP_FRAME_BINARY && g_utf8_validate (data, size, NULL) &&
          memchr (data, '\0', size) == NULL)
        {
          g_string_append (out, ",\"text\":");
          append_json_string (out, data, size);
        }
      else
        {
          g_autofree char *encoded = g_base64_encode ((const guchar *) data, size);

          g_string_append_printf (out, ",\"base64\":\"%s\"", encoded);
        }
    }

  g_string_append (out, "}\n");
}

SpFrame *
sp_frame_parse_json_line (const char *line,
                          gsize       length,
                          GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) payload = NULL;
  JsonObject *object;
  const char *dir, *kind;
  SpFrameDirection direction;
  int kind_index = -1;
  SpFrame *frame;

  if (!json_parser_load_from_data (parser, line, length, &local_error))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_JSON, _("not JSON: %s"), local_error->message);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_JSON, _("not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));

  dir = sp_json_member_string (object, "dir", "");
  kind = sp_json_member_string (object, "kind", "");
  if (g_str_equal (dir, "in"))
    direction = SP_FRAME_IN;
  else if (g_str_equal (dir, "out"))
    direction = SP_FRAME_OUT;
  else
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_JSON, _("“dir” is “%s”, not in or out"), dir);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (kind, kind_names[i]))
      kind_index = (int) i;
  if (kind_index < 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_JSON,
                   _("“kind” is “%s”, not text, binary, ping, pong or close"), kind);
      return NULL;
    }
  if (!json_object_has_member (object, "t") ||
      json_node_get_value_type (json_object_get_member (object, "t")) != G_TYPE_INT64)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_JSON, _("“t” (µs since the epoch) is missing"));
      return NULL;
    }

  if (kind_index == SP_FRAME_CLOSE)
    {
      gint64 code = sp_json_member_int (object, "code", 0);

      frame = sp_frame_new_close (direction, (gushort) CLAMP (code, 0, 65535),
                                  sp_json_member_string (object, "reason", NULL));
    }
  else
    {
      if (json_object_has_member (object, "text"))
        {
          const char *text = sp_json_member_string (object, "text", "");

          payload = g_bytes_new (text, strlen (text));
        }
      else if (json_object_has_member (object, "base64"))
        {
          gsize size = 0;
          guchar *data = g_base64_decode (sp_json_member_string (object, "base64", ""),
                                          &size);

          payload = g_bytes_new_take (data, size);
        }
      frame = sp_frame_new (direction, kind_index, payload);
    }

  frame->time_us = json_object_get_int_member (object, "t");
  return frame;
}

static void
append_csv_field (GString    *out,
                  const char *field,
                  gssize      length)
{
  const char *end = field + (length < 0 ? (gssize) strlen (field) : length);

  g_string_append_c (out, '"');
  for (const char *p = field; p < end; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
sp_frame_append_csv_row (GString       *out,
                         const SpFrame *frame)
{
  gint64 seconds = frame->time_us / G_USEC_PER_SEC;
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (seconds);
  g_autofree char *stamp = time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%S") : g_strdup ("");
  gsize size = 0;
  const char *data = frame->payload != NULL ? g_bytes_get_data (frame->payload, &size) : NULL;

  g_string_append_printf (out, "%s.%06dZ,%s,%s,%" G_GSIZE_FORMAT ",", stamp,
                          (int) (frame->time_us % G_USEC_PER_SEC),
                          frame->direction == SP_FRAME_IN ? "in" : "out",
                          kind_names[frame->kind], frame->size);
  if (frame->kind == SP_FRAME_CLOSE)
    {
      g_string_append_printf (out, "%u,", frame->close_code);
      append_csv_field (out, frame->close_reason != NULL ? frame->close_reason : "", -1);
    }
  else if (data != NULL && frame->kind != SP_FRAME_BINARY && g_utf8_validate (data, size, NULL))
    {
      g_string_append_c (out, ',');
      append_csv_field (out, data, size);
    }
  else if (data != NULL)
    {
      g_autofree char *encoded = g_base64_encode ((const guchar *) data, size);

      g_string_append (out, ",base64:");
      g_string_append (out, encoded);
    }
  else
    {
      g_string_append_c (out, ',');
    }
  g_string_append_c (out, '\n');
}

GPtrArray *
sp_frames_load (GFile        *file,
                guint         max_frames,
                GCancellable *cancellable,
                GError      **error)
{
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  g_autoptr(GError) local_error = NULL;
  guint number = 0;

  input = g_file_read (file, cancellable, error);
  if (input == NULL)
    return NULL;

  lines = g_data_input_stream_new (G_INPUT_STREAM (input));
  g_data_input_stream_set_newline_type (lines, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  for (;;)
    {
      gsize length = 0;
      g_autofree char *line = g_data_input_stream_read_line (lines, &length, cancellable, &local_error);
      SpFrame *frame;

      if (line == NULL)
        break;
      number++;
      if (length == 0 || g_strstrip (line)[0] == '\0')
        continue;

      /* The CSV export reads well in a spreadsheet but leaves out what a frame needs again. */
      if (number == 1 && strlen (line) == strlen (SP_FRAME_CSV_HEADER) - 1 &&
          g_str_has_prefix (SP_FRAME_CSV_HEADER, line))
        {
          g_autofree char *name = g_file_get_basename (file);

          g_set_error (error, SP_ERROR, SP_ERROR_BAD_JSON,
                       _("%s is a CSV export, which cannot be imported: import a log exported "
                         "as JSON Lines (.jsonl)"), name);
          return NULL;
        }

      frame = sp_frame_parse_json_line (line, strlen (line), &local_error);
      if (frame == NULL)
        {
          g_autofree char *name = g_file_get_basename (file);

          g_set_error (error, SP_ERROR, SP_ERROR_BAD_JSON, _("%s, line %u: %s"), name, number,
                       local_error->message);
          return NULL;
        }
      g_ptr_array_add (frames, frame);
      if (max_frames > 0 && frames->len > max_frames * 2)
        g_ptr_array_remove_range (frames, 0, frames->len - max_frames);
    }

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (max_frames > 0 && frames->len > max_frames)
    g_ptr_array_remove_range (frames, 0, frames->len - max_frames);

  return g_steal_pointer (&frames);
}
