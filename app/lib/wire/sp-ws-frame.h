/* The RFC 6455 frame codec (5.2): opcodes, the close codes StockPush sends,
 * and frame headers encoded and decoded. Plain data, no I/O; any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* WebSocket opcodes (RFC 6455, 5.2). */
#define SP_WS_OPCODE_CONTINUATION 0x0
#define SP_WS_OPCODE_TEXT         0x1
#define SP_WS_OPCODE_BINARY       0x2
#define SP_WS_OPCODE_CLOSE        0x8
#define SP_WS_OPCODE_PING         0x9
#define SP_WS_OPCODE_PONG         0xa
/* Opcodes 0x8 and above are control frames (RFC 6455, 5.5). */
#define SP_WS_OPCODE_IS_CONTROL(opcode) (((opcode) & 0x8) != 0)

/* The longest payload a control frame may carry (RFC 6455, 5.5). */
#define SP_WS_CONTROL_MAX_PAYLOAD 125

/* The close for a frame no peer may send (RFC 6455, 7.4.1). */
#define SP_WS_CLOSE_PROTOCOL        1002

/* The close for a message over the size limit (RFC 6455, 7.4.1). */
#define SP_WS_CLOSE_TOO_BIG         1009
#define SP_WS_CLOSE_TOO_BIG_REASON  "Message too big"

/* The longest frame header: 2 bytes, a 64-bit length, a mask. */
#define SP_WS_FRAME_HEADER_MAX 14
/* The longest close frame: its header, the code, a reason of 123 bytes. */
#define SP_WS_CLOSE_FRAME_MAX (SP_WS_FRAME_HEADER_MAX + SP_WS_CONTROL_MAX_PAYLOAD)

typedef struct
{
  gboolean fin;
  guint8   opcode;
  gboolean masked;
  guint8   mask[4];   /* all zeros when not masked */
  guint64  length;    /* of the payload */
} SpWsFrameHeader;

/* Encodes a server frame header (FIN, no mask) into @out (at least 10 bytes). */
gsize    sp_ws_frame_header        (guint8          *out,
                                    guint8           opcode,
                                    guint64          length);

/* The size of a whole header, from its first two bytes. */
gsize    sp_ws_frame_header_size   (const guint8    *start);

/* Decodes a whole header (sp_ws_frame_header_size() bytes at @data). FALSE
 * when its 64-bit length has the most significant bit set, which RFC 6455
 * forbids; @header is filled in any case. */
gboolean sp_ws_frame_header_decode (const guint8    *data,
                                    SpWsFrameHeader *header);

/* A whole close frame with @code and @reason (cut to 123 bytes at a
 * character's start, so that it stays UTF-8), masked with a random key for a
 * client's connection (RFC 6455, 5.3). Returns its length in @out. */
gsize    sp_ws_close_frame_encode  (guint8           out[SP_WS_CLOSE_FRAME_MAX],
                                    guint16          code,
                                    const char      *reason,
                                    gboolean         masked);

G_END_DECLS
