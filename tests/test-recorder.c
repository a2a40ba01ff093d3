/* The recorder: what it writes is JSON Lines that read back, frame for frame,
 * through sp-frame-io; it replaces an old file, keeps every appended frame in
 * order, and says why when it cannot write where it is asked to. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sp-frame-io.h"
#include "sp-recorder.h"
#include "sp-test-frames.h"

typedef struct
{
  char *dir;
  char *path;
} Place;

static void
place_init (Place *place)
{
  g_autoptr(GError) error = NULL;

  place->dir = g_dir_make_tmp ("stockpush-recorder-XXXXXX", &error);
  g_assert_no_error (error);
  place->path = g_build_filename (place->dir, "stream.jsonl", NULL);
}

static void
place_clear (Place *place)
{
  g_unlink (place->path);
  g_rmdir (place->dir);
  g_clear_pointer (&place->path, g_free);
  g_clear_pointer (&place->dir, g_free);
}

static GPtrArray *
load (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  GPtrArray *frames = sp_frames_load (file, 0, NULL, &error);

  g_assert_no_error (error);
  return frames;
}

/* Every kind of frame, read back the same; one JSON line each. */
static void
test_writes_json_lines (void)
{
  g_autoptr(GPtrArray) frames = sp_test_sample_frames ();
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  SpRecorder *recorder;
  Place place;

  place_init (&place);
  recorder = sp_recorder_new (place.path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < frames->len; i++)
    g_assert_true (sp_recorder_append (recorder, g_ptr_array_index (frames, i), &error));
  g_assert_cmpuint (sp_recorder_get_n_frames (recorder), ==, frames->len);
  g_assert_true (sp_recorder_close (recorder, &error));
  g_assert_no_error (error);
  g_assert_true (sp_recorder_close (recorder, &error));   /* twice is fine */
  sp_recorder_free (recorder);

  g_assert_true (g_file_get_contents (place.path, &text, NULL, NULL));
  g_assert_true (g_str_has_suffix (text, "\n"));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, frames->len + 1);
  for (guint i = 0; i < frames->len; i++)
    g_assert_true (g_str_has_prefix (lines[i], "{") && g_str_has_suffix (lines[i], "}"));

  loaded = load (place.path);
  g_assert_cmpuint (loaded->len, ==, frames->len);
  for (guint i = 0; i < frames->len; i++)
    sp_test_assert_same_frame (g_ptr_array_index (frames, i), g_ptr_array_index (loaded, i));
  place_clear (&place);
}

/* Many appended frames, in the order they came; the last ones too, when the
 * recorder is freed without a close (the app quitting). */
static void
test_appends_in_order (void)
{
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GError) error = NULL;
  SpRecorder *recorder;
  Place place;
  const guint n = 5000;

  place_init (&place);
  recorder = sp_recorder_new (place.path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("price = %u.25", i);
      g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
      g_autoptr(SpFrame) frame = sp_frame_new (SP_FRAME_IN, SP_FRAME_TEXT, payload);

      g_assert_true (sp_recorder_append (recorder, frame, &error));
    }
  g_assert_cmpuint (sp_recorder_get_n_frames (recorder), ==, n);
  sp_recorder_free (recorder);

  loaded = load (place.path);
  g_assert_cmpuint (loaded->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      const SpFrame *frame = g_ptr_array_index (loaded, i);
      g_autofree char *expected = g_strdup_printf ("price = %u.25", i);

      g_assert_cmpint (frame->kind, ==, SP_FRAME_TEXT);
      g_assert_cmpint (frame->direction, ==, SP_FRAME_IN);
      g_assert_cmpmem (g_bytes_get_data (frame->payload, NULL), g_bytes_get_size (frame->payload),
                       expected, strlen (expected));
    }
  place_clear (&place);
}

/* Recording to a file that exists replaces it: nothing of the old one is left. */
static void
test_replaces_old_file (void)
{
  g_autoptr(SpFrame) frame = sp_frame_new_close (SP_FRAME_OUT, 1000, "bye");
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpRecorder) recorder = NULL;
  Place place;

  place_init (&place);
  g_assert_true (g_file_set_contents (place.path, "not a recording\nat all\n", -1, NULL));
  recorder = sp_recorder_new (place.path, &error);
  g_assert_no_error (error);
  g_assert_true (sp_recorder_append (recorder, frame, &error));
  g_assert_true (sp_recorder_close (recorder, &error));

  loaded = load (place.path);
  g_assert_cmpuint (loaded->len, ==, 1);
  sp_test_assert_same_frame (frame, g_ptr_array_index (loaded, 0));
  place_clear (&place);
}

/* Where it cannot write: no recorder, and an error that names the file and why. */
static void
test_unwritable_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("stockpush-recorder-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "stream.jsonl", NULL);

  g_assert_null (sp_recorder_new (missing, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "No such file or directory"));
  g_clear_error (&error);

  /* A folder is not a file to record to. */
  g_assert_null (sp_recorder_new (dir, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);

  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

/* Once closed, a recorder takes no more frames, and says so. */
static void
test_append_after_close (void)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("price = 1", 9);
  g_autoptr(SpFrame) frame = sp_frame_new (SP_FRAME_IN, SP_FRAME_TEXT, payload);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SpRecorder) recorder = NULL;
  Place place;

  place_init (&place);
  recorder = sp_recorder_new (place.path, &error);
  g_assert_true (sp_recorder_append (recorder, frame, &error));
  g_assert_true (sp_recorder_close (recorder, &error));
  g_assert_false (sp_recorder_append (recorder, frame, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (sp_recorder_get_n_frames (recorder), ==, 1);

  loaded = load (place.path);
  g_assert_cmpuint (loaded->len, ==, 1);
  place_clear (&place);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/recorder/writes-json-lines", test_writes_json_lines);
  g_test_add_func ("/recorder/appends-in-order", test_appends_in_order);
  g_test_add_func ("/recorder/replaces-old-file", test_replaces_old_file);
  g_test_add_func ("/recorder/unwritable-path", test_unwritable_path);
  g_test_add_func ("/recorder/append-after-close", test_append_after_close);

  return g_test_run ();
}
