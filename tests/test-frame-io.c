/* Exported logs and recordings: every kind of frame survives the trip to JSON
 * Lines and back byte for byte; bad lines are refused with their number. */
#include "config.h"

#include <glib/gstdio.h>

#include "sp-error.h"
#include "sp-frame-io.h"
#include "sp-test-frames.h"

static void
test_round_trip (void)
{
  g_autoptr(GPtrArray) frames = sp_test_sample_frames ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;

  for (guint i = 0; i < frames->len; i++)
    sp_frame_append_json_line (text, g_ptr_array_index (frames, i));
  lines = g_strsplit (text->str, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, frames->len + 1);

  for (guint i = 0; i < frames->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpFrame) back = sp_frame_parse_json_line (lines[i], strlen (lines[i]), &error);

      g_test_message ("%s", lines[i]);
      g_assert_no_error (error);
      sp_test_assert_same_frame (g_ptr_array_index (frames, i), back);
    }
}

static void
test_file (void)
{
  g_autoptr(GPtrArray) frames = sp_test_sample_frames ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *dir = g_dir_make_tmp ("stockpush-frames-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "log.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) last = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < frames->len; i++)
    {
      sp_frame_append_json_line (text, g_ptr_array_index (frames, i));
      if (i == 2)
        g_string_append (text, "\n   \n");   /* blank lines are fine */
    }
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));

  loaded = sp_frames_load (file, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, frames->len);
  for (guint i = 0; i < frames->len; i++)
    sp_test_assert_same_frame (g_ptr_array_index (frames, i), g_ptr_array_index (loaded, i));

  /* A bound keeps the newest frames. */
  last = sp_frames_load (file, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (last->len, ==, 3);
  sp_test_assert_same_frame (g_ptr_array_index (frames, frames->len - 1), g_ptr_array_index (last, 2));

  /* A broken line: refused, with its number. */
  g_string_append (text, "{\"t\":1,\"dir\":\"sideways\",\"kind\":\"text\"}\n");
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = sp_frames_load (file, 0, NULL, &error);
  g_assert_null (loaded);
  g_assert_error (error, SP_ERROR, SP_ERROR_BAD_JSON);
  g_assert_nonnull (strstr (error->message, "line 11"));
  g_assert_nonnull (strstr (error->message, "sideways"));

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_bad_lines (void)
{
  const char *bad[] = {
    "not json", "[1,2]", "{\"dir\":\"in\",\"kind\":\"text\"}",
    "{\"t\":1,\"dir\":\"in\",\"kind\":\"shout\"}", "{\"t\":\"soon\",\"dir\":\"in\",\"kind\":\"text\"}",
    "{\"t\":1,\"dir\":{\"in\":1},\"kind\":[\"text\"]}",   /* members of the wrong kind: no critical */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpFrame) frame = sp_frame_parse_json_line (bad[i], strlen (bad[i]), &error);

      g_assert_null (frame);
      g_assert_error (error, SP_ERROR, SP_ERROR_BAD_JSON);
    }
}

static void
test_csv (void)
{
  g_autoptr(GPtrArray) frames = sp_test_sample_frames ();
  g_autoptr(GString) csv = g_string_new (SP_FRAME_CSV_HEADER);

  for (guint i = 0; i < frames->len; i++)
    sp_frame_append_csv_row (csv, g_ptr_array_index (frames, i));

  g_assert_true (g_str_has_prefix (csv->str, "time,direction,kind,size,code,content\n"
                                             "2026-11-24T12:00:00.000000Z,in,text,44,,\"{\"\"type\"\""));
  g_assert_nonnull (strstr (csv->str, ",in,binary,7,,base64:AAEC//4KIg==\n"));
  g_assert_nonnull (strstr (csv->str, ",in,close,"));
  g_assert_nonnull (strstr (csv->str, ",1001,\"going \"\"away\"\"\"\n"));

  /* Imported back, a CSV export is told apart, not taken for bad JSON. */
  {
    g_autofree char *dir = g_dir_make_tmp ("sp-frame-io-XXXXXX", NULL);
    g_autoptr(GFile) file = g_file_new_build_filename (dir, "log.csv", NULL);
    g_autoptr(GPtrArray) loaded = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true (g_file_replace_contents (file, csv->str, csv->len, NULL, FALSE, 0, NULL, NULL, NULL));
    loaded = sp_frames_load (file, 0, NULL, &error);
    g_assert_null (loaded);
    g_assert_error (error, SP_ERROR, SP_ERROR_BAD_JSON);
    g_assert_nonnull (strstr (error->message, "log.csv is a CSV export"));
    g_assert_nonnull (strstr (error->message, "JSON Lines"));
    g_file_delete (file, NULL, NULL);
    g_rmdir (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/frame-io/round-trip", test_round_trip);
  g_test_add_func ("/frame-io/file", test_file);
  g_test_add_func ("/frame-io/bad-lines", test_bad_lines);
  g_test_add_func ("/frame-io/csv", test_csv);

  return g_test_run ();
}
