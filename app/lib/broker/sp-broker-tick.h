/* A market step as it travels through a broker between a publisher and its
 * edges: every symbol's quote in the publisher's order, the time the
 * publisher's own clients were told it and the interval of the steps. Text,
 * so that redis-cli shows it; plain functions, any thread. */
#pragma once

#include <glib.h>

#include "sp-quote.h"

G_BEGIN_DECLS

/* "1 TS STEP_US P:O:C:BP:V:SEQ P:O:C:BP:V:SEQ …", one quote per symbol. */
void     sp_broker_tick_encode (GString        *out,
                                const SpQuote  *quotes,
                                guint           n_quotes,
                                gint64          ts_us,
                                gint64          step_us);
/* Reads @n_quotes quotes (symbols left NULL) into @quotes; FALSE with an
 * error that says what is wrong for anything else. */
gboolean sp_broker_tick_decode (const char     *payload,
                                gsize           length,
                                SpQuote        *quotes,
                                guint           n_quotes,
                                gint64         *ts_us,
                                gint64         *step_us,
                                GError        **error);
/* A message on the broker's channel: "EPOCH OFFSET PAYLOAD". @epoch and
 * @payload point into @message; FALSE when it is not one. */
gboolean sp_broker_message_parse (const char   *message,
                                  gsize         length,
                                  const char  **epoch,
                                  gsize        *epoch_length,
                                  guint64      *offset,
                                  const char  **payload,
                                  gsize        *payload_length);

G_END_DECLS
