/* A quote: one symbol's state after a step of its market, as the market
 * makes it, tick sources hand it on and the protocol encodes it. Data only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The state of one symbol after the latest step, in integer cents so that
 * formatting never depends on the locale or on float printing. */
typedef struct
{
  const char *symbol;       /* owned by the market */
  gint64      price_cents;  /* always >= 1 */
  gint64      open_cents;   /* price at the session open */
  gint64      change_cents; /* price - open */
  gint64      change_bp;    /* change against the open in basis points (1/100 %) */
  guint64     volume;       /* running volume since the open */
  guint64     seq;          /* number of steps taken, 0 before the first */
} SpQuote;

G_END_DECLS
