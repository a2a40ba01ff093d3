/* Test helpers shared by the tests of frames as files (frame-io, recorder):
 * sample frames of every kind, and the check that two frames are the same. */
#pragma once

#include "sp-frame.h"

/* Same time, direction, kind, size, close code and reason, and payload
 * (an empty payload and none are the same). */
static inline void
sp_test_assert_same_frame (const SpFrame *a,
                           const SpFrame *b)
{
  g_assert_cmpint (a->time_us, ==, b->time_us);
  g_assert_cmpint (a->direction, ==, b->direction);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpuint (a->size, ==, b->size);
  g_assert_cmpuint (a->close_code, ==, b->close_code);
  g_assert_cmpstr (a->close_reason, ==, b->close_reason);
  g_assert_true ((a->payload == NULL) == (b->payload == NULL) ||
                 (a->payload != NULL && g_bytes_get_size (a->payload) == 0) ||
                 (b->payload != NULL && g_bytes_get_size (b->payload) == 0));
  if (a->payload != NULL && b->payload != NULL)
    g_assert_true (g_bytes_equal (a->payload, b->payload));
}

/* One frame of every kind, with awkward payloads, at fixed times. */
static inline GPtrArray *
sp_test_sample_frames (void)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_frame_unref);
  static const guchar binary[] = { 0, 1, 2, 0xff, 0xfe, '\n', '"' };
  static const char bad_utf8[] = "price \xff\xfe = 1";
  SpFrame *frame;

  g_ptr_array_add (frames, sp_frame_new (SP_FRAME_IN, SP_FRAME_TEXT,
                                         g_bytes_new_static ("{\"type\":\"tick\",\"symbol\":\"A\\\"B\",\"price\":299.9}", 44)));
  g_ptr_array_add (frames, sp_frame_new (SP_FRAME_OUT, SP_FRAME_TEXT,
                                         g_bytes_new_static ("line one\nline two\t“quoted” 价格", 38)));
  g_ptr_array_add (frames, sp_frame_new (SP_FRAME_IN, SP_FRAME_BINARY,
                                         g_bytes_new_static (binary, sizeof binary)));
  g_ptr_array_add (frames, sp_frame_new (SP_FRAME_IN, SP_FRAME_TEXT,
                                         g_bytes_new_static (bad_utf8, sizeof bad_utf8 - 1)));
  g_ptr_array_add (frames, sp_frame_new (SP_FRAME_OUT, SP_FRAME_PING, g_bytes_new_static ("abc", 3)));
  g_ptr_array_add (frames, sp_frame_new (SP_FRAME_IN, SP_FRAME_PONG, NULL));
  g_ptr_array_add (frames, sp_frame_new_close (SP_FRAME_IN, 1001, "going \"away\""));
  g_ptr_array_add (frames, sp_frame_new_close (SP_FRAME_OUT, 0, NULL));
  for (guint i = 0; i < frames->len; i++)
    {
      frame = g_ptr_array_index (frames, i);
      frame->time_us = G_GINT64_CONSTANT (1795521600000000) + i * 1234567;
    }

  return frames;
}
