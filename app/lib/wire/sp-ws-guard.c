/* The guard: request heads and frame headers read as they pass. */
#include "config.h"

#include <string.h>

#include "sp-ws-guard.h"

void
sp_ws_guard_init_http (SpWsGuard *self)
{
  g_return_if_fail (self != NULL);

  memset (self, 0, sizeof *self);
  self->stopped = SP_WS_GUARD_PASS;
  self->rewrite_at = -1;
}

void
sp_ws_guard_begin_frames (SpWsGuard *self,
                          guint64    limit)
{
  g_return_if_fail (self != NULL);

  self->frames = TRUE;
  self->limit = limit;
  self->header_len = 0;
  self->header_need = 2;
  self->payload_left = 0;
  self->message_len = 0;
}

guint
sp_ws_guard_get_peer_close_code (const SpWsGuard *self)
{
  return self->peer_close_code;
}

gssize
sp_ws_guard_close_rewrite_at (const SpWsGuard *self)
{
  return self->rewrite_at;
}

gboolean
sp_ws_guard_in_frames (const SpWsGuard *self)
{
  return self->frames;
}

gboolean
sp_ws_guard_at_head_start (const SpWsGuard *self)
{
  return !self->frames && self->lines == 0 && self->line_len == 0 && !self->cr;
}

static SpWsGuardVerdict
stop (SpWsGuard        *self,
      SpWsGuardVerdict  verdict,
      const char       *why)
{
  self->stopped = verdict;
  self->why = why;
  return verdict;
}

/* Whether the line is a header named @name, in any case; a space or a tab
 * before the colon still counts (libsoup may read it either way). */
static gboolean
line_names (const SpWsGuard *self,
            const char      *name)
{
  gsize kept = MIN (self->line_len, SP_WS_GUARD_LINE_KEPT);
  gsize n = strlen (name);
  gsize i = n;

  if (kept < n || g_ascii_strncasecmp (self->line, name, n) != 0)
    return FALSE;
  while (i < kept && (self->line[i] == ' ' || self->line[i] == '\t'))
    i++;

  return i == kept ? self->line_len > kept : self->line[i] == ':';
}

/* "Content-Length:" OWS 1*"0" OWS, the one length a request here may give. */
static gboolean
length_is_zero (const SpWsGuard *self)
{
  gsize n = strlen ("content-length:");
  gsize i = n, zeros = 0;

  if (self->line_len > SP_WS_GUARD_LINE_KEPT ||
      g_ascii_strncasecmp (self->line, "content-length:", n) != 0)
    return FALSE;
  while (i < self->line_len && (self->line[i] == ' ' || self->line[i] == '\t'))
    i++;
  while (i < self->line_len && self->line[i] == '0')
    i++, zeros++;
  while (i < self->line_len && (self->line[i] == ' ' || self->line[i] == '\t'))
    i++;

  return zeros > 0 && i == self->line_len;
}

/* A line of the head ended (its CR LF read). */
static SpWsGuardVerdict
line_ends (SpWsGuard *self)
{
  gboolean empty = self->line_len == 0;

  if (empty && self->lines == 0)
    return stop (self, SP_WS_GUARD_BAD_REQUEST,
                 "A request must start with its request line, not an empty line");
  if (empty)
    {
      self->lines = 0;
      return SP_WS_GUARD_HEAD_END;
    }

  if (self->lines > 0)
    {
      if (self->line[0] == ' ' || self->line[0] == '\t')
        return stop (self, SP_WS_GUARD_BAD_REQUEST,
                     "Folded header lines (starting with a space or a tab) are not accepted");
      if (line_names (self, "transfer-encoding") ||
          (line_names (self, "content-length") && !length_is_zero (self)))
        return stop (self, SP_WS_GUARD_BAD_REQUEST,
                     "A request to this server has no body (no Content-Length, no "
                     "Transfer-Encoding)");
    }
  self->lines++;
  self->line_len = 0;

  return SP_WS_GUARD_PASS;
}

static SpWsGuardVerdict
scan_http (SpWsGuard    *self,
           const guint8 *data,
           gsize         size,
           gsize        *taken)
{
  for (gsize i = 0; i < size; i++)
    {
      guint8 b = data[i];
      SpWsGuardVerdict verdict;

      if (self->cr)
        {
          self->cr = FALSE;
          if (b != '\n')
            {
              *taken = i;
              return stop (self, SP_WS_GUARD_BAD_REQUEST,
                           "A CR not followed by LF in the request");
            }
          verdict = line_ends (self);
          if (verdict != SP_WS_GUARD_PASS)
            {
              *taken = verdict == SP_WS_GUARD_HEAD_END ? i + 1 : i;
              return verdict;
            }
        }
      else if (b == '\r')
        self->cr = TRUE;
      else if (b == '\n')
        {
          *taken = i;
          return stop (self, SP_WS_GUARD_BAD_REQUEST,
                       "Request lines must end in CR LF, not in a bare LF");
        }
      else
        {
          if (self->line_len < SP_WS_GUARD_LINE_KEPT)
            self->line[self->line_len] = (char) b;
          self->line_len++;
        }
    }

  *taken = size;
  return SP_WS_GUARD_PASS;
}

/* One complete frame header. */
static SpWsGuardVerdict
frame_begins (SpWsGuard *self)
{
  SpWsFrameHeader frame;

  if (!sp_ws_frame_header_decode (self->header, &frame))
    return stop (self, SP_WS_GUARD_PROTOCOL,
                 "A frame length with its most significant bit set");
  self->payload_left = frame.length;

  /* The first close frame's code, read as its payload passes. */
  self->in_close = frame.opcode == SP_WS_OPCODE_CLOSE && self->peer_close_code == 0 &&
                   frame.length >= 2;
  self->close_read = 0;
  self->close_masked = frame.masked;
  memcpy (self->close_mask, frame.mask, sizeof self->close_mask);

  if (SP_WS_OPCODE_IS_CONTROL (frame.opcode))
    {
      /* RFC 6455, 5.5: control frames are short and never fragmented. */
      if (frame.length > SP_WS_CONTROL_MAX_PAYLOAD)
        return stop (self, SP_WS_GUARD_PROTOCOL,
                     "A control frame longer than 125 bytes");
      if (!frame.fin)
        return stop (self, SP_WS_GUARD_PROTOCOL, "A fragmented control frame");
      return SP_WS_GUARD_PASS;
    }

  if (frame.opcode == SP_WS_OPCODE_TEXT || frame.opcode == SP_WS_OPCODE_BINARY)
    self->message_len = frame.length;
  else if (frame.opcode == SP_WS_OPCODE_CONTINUATION)
    self->message_len += frame.length;
  /* Reserved opcodes: libsoup closes with 1002 itself. */

  if (self->limit > 0 && self->message_len > self->limit)
    return stop (self, SP_WS_GUARD_TOO_BIG, "Message too big");
  if (frame.fin)
    self->message_len = 0;
  return SP_WS_GUARD_PASS;
}

static SpWsGuardVerdict
scan_frames (SpWsGuard    *self,
             const guint8 *data,
             gsize         size,
             gsize        *taken)
{
  gsize i = 0;
  gsize frame_start = 0;   /* in @data, of the header being read; 0 if it began before */

  while (i < size)
    {
      if (self->payload_left > 0 && self->in_close)
        {
          /* The code, a byte at a time: it may come split over reads. */
          guint8 b = data[i] ^ self->close_mask[self->close_read];

          if (self->close_read == 0)
            self->close_code_hi = b;
          if (self->close_read == 1)
            {
              self->peer_close_code = ((guint) self->close_code_hi << 8) | b;
              self->in_close = FALSE;
              if (self->peer_close_code >= 1012 && self->peer_close_code <= 1014 &&
                  !self->close_masked)
                self->rewrite_at = (gssize) i;
            }
          self->close_read++;
          self->payload_left--;
          i++;
          continue;
        }
      if (self->payload_left > 0)
        {
          gsize take = (gsize) MIN ((guint64) (size - i), self->payload_left);

          i += take;
          self->payload_left -= take;
          continue;
        }

      if (self->header_len == 0)
        frame_start = i;
      self->header[self->header_len++] = data[i++];
      if (self->header_len == 2)
        self->header_need = sp_ws_frame_header_size (self->header);
      if (self->header_len == self->header_need)
        {
          SpWsGuardVerdict verdict = frame_begins (self);

          self->header_len = 0;
          self->header_need = 2;
          if (verdict != SP_WS_GUARD_PASS)
            {
              /* Nothing of the frame passes. */
              *taken = frame_start;
              return verdict;
            }
        }
    }

  *taken = size;
  return SP_WS_GUARD_PASS;
}

SpWsGuardVerdict
sp_ws_guard_scan (SpWsGuard     *self,
                  const guint8  *data,
                  gsize          size,
                  gsize         *taken,
                  const char   **why)
{
  SpWsGuardVerdict verdict;
  gsize n = 0;

  g_return_val_if_fail (self != NULL, SP_WS_GUARD_PROTOCOL);
  g_return_val_if_fail (data != NULL || size == 0, SP_WS_GUARD_PROTOCOL);

  self->rewrite_at = -1;
  if (self->stopped != SP_WS_GUARD_PASS)
    verdict = self->stopped;
  else if (self->frames)
    verdict = scan_frames (self, data, size, &n);
  else
    verdict = scan_http (self, data, size, &n);

  if (taken != NULL)
    *taken = n;
  if (why != NULL)
    *why = verdict == SP_WS_GUARD_PASS || verdict == SP_WS_GUARD_HEAD_END ? NULL : self->why;

  return verdict;
}
