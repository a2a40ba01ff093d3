/* The broker's tick text (see sp-broker-tick.h): written by one publisher,
 * read by edges that must trust nothing in it. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <stdlib.h>
#include <string.h>

#include "sp-broker-tick.h"
#include "sp-error.h"

#define FORMAT_VERSION "1"

void
sp_broker_tick_encode (GString       *out,
                       const SpQuote *quotes,
                       guint          n_quotes,
                       gint64         ts_us,
                       gint64         step_us)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (quotes != NULL || n_quotes == 0);

  g_string_append_printf (out, FORMAT_VERSION " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                          ts_us, step_us);
  for (guint i = 0; i < n_quotes; i++)
    {
      const SpQuote *q = &quotes[i];

      g_string_append_printf (out, " %" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT
                              ":%" G_GINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                              q->price_cents, q->open_cents, q->change_cents, q->change_bp,
                              q->volume, q->seq);
    }
}

/* One decimal integer ending at @end or at @stop; advances *@p past it. */
static gboolean
read_int (const char **p,
          const char  *end,
          char         stop,
          gint64      *value)
{
  const char *start = *p;
  gboolean negative = FALSE;
  guint64 magnitude = 0;

  if (*p < end && **p == '-')
    {
      negative = TRUE;
      (*p)++;
    }
  if (*p >= end || !g_ascii_isdigit (**p))
    return FALSE;
  while (*p < end && g_ascii_isdigit (**p))
    {
      if (magnitude > (G_MAXINT64 - 9) / 10)
        return FALSE;
      magnitude = magnitude * 10 + (guint64) (**p - '0');
      (*p)++;
    }
  if (*p < end && **p != stop)
    return FALSE;
  *value = negative ? -(gint64) magnitude : (gint64) magnitude;
  return *p > start;
}

/* "P:O:C:BP:V:SEQ", up to the space after it or the end. */
static gboolean
read_quote (const char **p,
            const char  *end,
            SpQuote     *q)
{
  gint64 fields[6];

  for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
    {
      gboolean last = f + 1 == G_N_ELEMENTS (fields);

      if (!read_int (p, end, last ? ' ' : ':', &fields[f]))
        return FALSE;
      if (!last)
        {
          if (*p >= end)
            return FALSE;
          (*p)++;
        }
    }
  if (fields[0] < 1 || fields[1] < 1 || fields[4] < 0 || fields[5] < 0)
    return FALSE;
  q->symbol = NULL;
  q->price_cents = fields[0];
  q->open_cents = fields[1];
  q->change_cents = fields[2];
  q->change_bp = fields[3];
  q->volume = (guint64) fields[4];
  q->seq = (guint64) fields[5];
  return TRUE;
}

gboolean
sp_broker_tick_decode (const char  *payload,
                       gsize        length,
                       SpQuote     *quotes,
                       guint        n_quotes,
                       gint64      *ts_us,
                       gint64      *step_us,
                       GError     **error)
{
  const char *p = payload;
  const char *end = payload + length;
  gint64 ts, step;

  g_return_val_if_fail (payload != NULL || length == 0, FALSE);

  if (length < 2 || strncmp (payload, FORMAT_VERSION " ", 2) != 0)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                           _("The broker holds ticks of another format (another StockPush version?)"));
      return FALSE;
    }
  p += 2;
  if (!read_int (&p, end, ' ', &ts) || p >= end)
    goto bad;
  p++;
  if (!read_int (&p, end, ' ', &step) || ts < 0 || step < 1)
    goto bad;
  for (guint i = 0; i < n_quotes; i++)
    {
      if (p >= end || *p != ' ')
        goto bad;
      p++;
      if (!read_quote (&p, end, &quotes[i]))
        goto bad;
    }
  if (p != end)
    goto bad;

  *ts_us = ts;
  *step_us = step;
  return TRUE;

bad:
  g_set_error (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
               _("A tick on the broker cannot be read (expected %u quotes): %.*s"), n_quotes,
               (int) MIN (length, 120), payload);
  return FALSE;
}

gboolean
sp_broker_message_parse (const char  *message,
                         gsize        length,
                         const char **epoch,
                         gsize       *epoch_length,
                         guint64     *offset,
                         const char **payload,
                         gsize       *payload_length)
{
  const char *end = message + length;
  const char *space = memchr (message, ' ', length);
  const char *p;
  gint64 value;

  if (space == NULL || space == message)
    return FALSE;
  p = space + 1;
  if (!read_int (&p, end, ' ', &value) || value < 1 || p >= end)
    return FALSE;

  *epoch = message;
  *epoch_length = (gsize) (space - message);
  *offset = (guint64) value;
  *payload = p + 1;
  *payload_length = (gsize) (end - (p + 1));
  return TRUE;
}
