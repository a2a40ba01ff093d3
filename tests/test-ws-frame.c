/* The frame codec: headers of every length class read back as written, and
 * close frames as a peer reads them (masked or not, the reason kept UTF-8). */
#include "config.h"

#include <string.h>

#include "sp-ws-frame.h"

static void
test_header_round_trip (void)
{
  static const guint64 lengths[] = { 0, 125, 126, 65535, 65536, G_GUINT64_CONSTANT (1) << 40 };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      guint8 out[SP_WS_FRAME_HEADER_MAX];
      gsize size = sp_ws_frame_header (out, SP_WS_OPCODE_BINARY, lengths[i]);
      SpWsFrameHeader header;

      g_assert_cmpuint (size, ==, lengths[i] < 126 ? 2 : lengths[i] <= 65535 ? 4 : 10);
      g_assert_cmpuint (sp_ws_frame_header_size (out), ==, size);
      g_assert_true (sp_ws_frame_header_decode (out, &header));
      g_assert_true (header.fin);
      g_assert_false (header.masked);
      g_assert_cmpuint (header.opcode, ==, SP_WS_OPCODE_BINARY);
      g_assert_cmpuint (header.length, ==, lengths[i]);
    }
}

static void
test_header_refuses_top_bit (void)
{
  const guint8 data[] = { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1 };
  SpWsFrameHeader header;

  g_assert_false (sp_ws_frame_header_decode (data, &header));
}

static void
test_header_masked (void)
{
  const guint8 data[] = { 0x01, 0xfe, 0x01, 0x00, 0xa1, 0xb2, 0xc3, 0xd4 };
  SpWsFrameHeader header;

  g_assert_cmpuint (sp_ws_frame_header_size (data), ==, sizeof data);
  g_assert_true (sp_ws_frame_header_decode (data, &header));
  g_assert_false (header.fin);
  g_assert_true (header.masked);
  g_assert_cmpuint (header.opcode, ==, SP_WS_OPCODE_TEXT);
  g_assert_cmpuint (header.length, ==, 256);
  g_assert_cmpmem (header.mask, 4, data + 4, 4);
  g_assert_false (SP_WS_OPCODE_IS_CONTROL (header.opcode));
  g_assert_true (SP_WS_OPCODE_IS_CONTROL (SP_WS_OPCODE_PONG));
}

/* The payload of a close frame as its receiver sees it: unmasked. */
static gsize
close_payload (const guint8 *frame,
               gsize         size,
               guint8       *payload)
{
  SpWsFrameHeader header;
  gsize header_size = sp_ws_frame_header_size (frame);

  g_assert_true (sp_ws_frame_header_decode (frame, &header));
  g_assert_cmpuint (header.opcode, ==, SP_WS_OPCODE_CLOSE);
  g_assert_true (header.fin);
  g_assert_cmpuint (header_size + header.length, ==, size);
  for (gsize i = 0; i < header.length; i++)
    payload[i] = frame[header_size + i] ^ header.mask[i % 4];

  return (gsize) header.length;
}

static void
test_close_frame (void)
{
  for (int masked = 0; masked <= 1; masked++)
    {
      guint8 frame[SP_WS_CLOSE_FRAME_MAX];
      guint8 payload[SP_WS_CONTROL_MAX_PAYLOAD];
      gsize size = sp_ws_close_frame_encode (frame, SP_WS_CLOSE_TOO_BIG,
                                             SP_WS_CLOSE_TOO_BIG_REASON, masked);
      gsize length = close_payload (frame, size, payload);

      g_assert_cmpuint ((frame[1] & 0x80) != 0, ==, masked);
      g_assert_cmpuint (length, ==, 2 + strlen (SP_WS_CLOSE_TOO_BIG_REASON));
      g_assert_cmpuint (payload[0] << 8 | payload[1], ==, 1009);
      g_assert_cmpmem (payload + 2, length - 2, SP_WS_CLOSE_TOO_BIG_REASON,
                       strlen (SP_WS_CLOSE_TOO_BIG_REASON));
    }
}

/* A reason longer than a control frame takes is cut before a character, not in it. */
static void
test_close_reason_cut (void)
{
  g_autoptr(GString) reason = g_string_new (NULL);
  guint8 frame[SP_WS_CLOSE_FRAME_MAX];
  guint8 payload[SP_WS_CONTROL_MAX_PAYLOAD];
  gsize length;

  while (reason->len < 200)
    g_string_append (reason, "é");   /* two bytes: 123 falls inside one */
  length = close_payload (frame, sp_ws_close_frame_encode (frame, 1000, reason->str, TRUE), payload);

  g_assert_cmpuint (length, ==, 2 + 122);
  g_assert_true (g_utf8_validate ((const char *) payload + 2, (gssize) length - 2, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ws-frame/header-round-trip", test_header_round_trip);
  g_test_add_func ("/ws-frame/header-refuses-top-bit", test_header_refuses_top_bit);
  g_test_add_func ("/ws-frame/header-masked", test_header_masked);
  g_test_add_func ("/ws-frame/close-frame", test_close_frame);
  g_test_add_func ("/ws-frame/close-reason-cut", test_close_reason_cut);

  return g_test_run ();
}
