/* The RFC 6455 frame codec: frame headers and close frames, encoded and decoded. */
#include "config.h"

#include <string.h>

#include "sp-ws-frame.h"

gsize
sp_ws_frame_header (guint8  *out,
                    guint8   opcode,
                    guint64  length)
{
  out[0] = 0x80 | (opcode & 0x0f);  /* FIN: never fragmented */
  if (length < 126)
    {
      out[1] = (guint8) length;
      return 2;
    }
  if (length <= G_MAXUINT16)
    {
      out[1] = 126;
      out[2] = (guint8) (length >> 8);
      out[3] = (guint8) length;
      return 4;
    }
  out[1] = 127;
  for (int i = 0; i < 8; i++)
    out[2 + i] = (guint8) (length >> (56 - 8 * i));
  return 10;
}

gsize
sp_ws_frame_header_size (const guint8 *header)
{
  gsize size = 2 + ((header[1] & 0x80) ? 4 : 0);

  if ((header[1] & 0x7f) == 126)
    size += 2;
  else if ((header[1] & 0x7f) == 127)
    size += 8;
  return size;
}

gboolean
sp_ws_frame_header_decode (const guint8    *data,
                           SpWsFrameHeader *header)
{
  guint64 length;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (header != NULL, FALSE);

  length = data[1] & 0x7f;

  header->fin = (data[0] & 0x80) != 0;
  header->opcode = data[0] & 0x0f;
  header->masked = (data[1] & 0x80) != 0;
  memset (header->mask, 0, sizeof header->mask);
  if (header->masked)
    memcpy (header->mask, data + sp_ws_frame_header_size (data) - 4, 4);

  if (length == 126)
    length = ((guint64) data[2] << 8) | data[3];
  else if (length == 127)
    {
      length = 0;
      for (int i = 0; i < 8; i++)
        length = (length << 8) | data[2 + i];
    }
  header->length = length;

  return (length >> 63) == 0;
}

gsize
sp_ws_close_frame_encode (guint8      out[SP_WS_CLOSE_FRAME_MAX],
                          guint16     code,
                          const char *reason,
                          gboolean    masked)
{
  gsize reason_len;
  gsize header_len;
  guint8 *payload;

  g_return_val_if_fail (out != NULL, 0);

  if (reason == NULL)
    reason = "";
  reason_len = MIN (strlen (reason), SP_WS_CONTROL_MAX_PAYLOAD - 2);
  /* Cut at a character's start: the reason must stay valid UTF-8. */
  while (reason_len > 0 && reason_len < strlen (reason) && (reason[reason_len] & 0xc0) == 0x80)
    reason_len--;

  header_len = sp_ws_frame_header (out, SP_WS_OPCODE_CLOSE, 2 + reason_len);
  if (masked)
    {
      guint32 key = g_random_int ();

      out[1] |= 0x80;
      memcpy (out + header_len, &key, 4);
      header_len += 4;
    }
  payload = out + header_len;
  payload[0] = (guint8) (code >> 8);
  payload[1] = (guint8) code;
  memcpy (payload + 2, reason, reason_len);
  if (masked)
    for (gsize i = 0; i < 2 + reason_len; i++)
      payload[i] ^= out[header_len - 4 + i % 4];

  return header_len + 2 + reason_len;
}
