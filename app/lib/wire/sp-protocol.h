/* The StockPush wire protocol: server frames are hand-formatted JSON (or the
 * original demo's "price = 299.90" text); client commands are parsed with json-glib. */
#pragma once

#include <glib.h>

#include "sp-quote.h"

G_BEGIN_DECLS

typedef enum
{
  SP_FORMAT_JSON,
  SP_FORMAT_TEXT,
} SpFormat;

typedef enum
{
  SP_ON_MESSAGE_COMMANDS,
  SP_ON_MESSAGE_CLOSE,
} SpOnMessage;

typedef enum
{
  SP_COMMAND_HELLO,
  SP_COMMAND_PING,
  SP_COMMAND_SUBSCRIBE,
  SP_COMMAND_UNSUBSCRIBE,
} SpCommandType;

typedef struct
{
  SpCommandType type;
  char        **symbols; /* subscribe/unsubscribe; "*" means every symbol */
  char         *id_json; /* the client's "id" member re-serialised, echoed in replies; may be NULL */
  /* subscribe: what the client last had, to recover what it missed
   * ("since":{"ACME":120,…}): @since_symbols and @since_seqs side by side,
   * NULL when not asked. */
  char        **since_symbols;
  guint64      *since_seqs;
  /* …and the market they are of, as its welcome said ("market"); NULL:
   * not said (a client from before markets were named). */
  char         *market;
} SpCommand;

/* The longest market identity a client may send back. */
#define SP_PROTOCOL_MAX_MARKET 64

gboolean    sp_format_from_string     (const char *str,
                                       SpFormat   *out);
const char *sp_format_to_string       (SpFormat    format);
gboolean    sp_on_message_from_string (const char  *str,
                                       SpOnMessage *out);
const char *sp_on_message_to_string   (SpOnMessage  policy);

/* Encoding (server → client). Everything appends to @out. */
void sp_protocol_append_json_string (GString       *out,
                                     const char    *str);
void sp_protocol_append_cents       (GString       *out,
                                     gint64         cents);
void sp_protocol_append_tick        (GString       *out,
                                     const SpQuote *quote,
                                     gint64         ts_us);
/* @ticks: already-encoded tick objects, as sp_protocol_append_tick() wrote them. */
void sp_protocol_append_batch       (GString           *out,
                                     gint64             ts_us,
                                     const char * const *ticks,
                                     guint              n_ticks);
void sp_protocol_append_text_price  (GString       *out,
                                     gint64         cents);
/* @market: the market's identity ("market"), which a client sends back
 * with "since" so that another market's seqs are not taken for this one's;
 * NULL: not known yet (omitted). */
void sp_protocol_append_welcome     (GString            *out,
                                     const char * const *symbols,
                                     guint               interval_ms,
                                     SpFormat            format,
                                     SpOnMessage         on_message,
                                     const char         *market,
                                     const char         *id_json);
void sp_protocol_append_pong        (GString       *out,
                                     const char    *id_json,
                                     gint64         ts_us);
/* An edge's word on its feed: {"type":"sync","state":"lost"|"resync"|"ok",
 * "reason":CODE,"message":TEXT,"ts":…}; @reason and @text may be NULL. */
void sp_protocol_append_sync        (GString       *out,
                                     const char    *state,
                                     const char    *reason,
                                     const char    *text,
                                     gint64         ts_us);
void sp_protocol_append_subscribed  (GString            *out,
                                     const char * const *symbols,
                                     const char         *id_json);
/* The same, answering a subscribe with "since": whether what was missed follows. */
void sp_protocol_append_recovered   (GString            *out,
                                     const char * const *symbols,
                                     gboolean            recovered,
                                     const char         *id_json);
void sp_protocol_append_error       (GString       *out,
                                     const char    *code,
                                     const char    *message,
                                     const char    *id_json);

/* Decoding (client → server). Errors are SP_ERROR_BAD_MESSAGE or
 * SP_ERROR_UNKNOWN_COMMAND with a message meant for the client. */
SpCommand  *sp_command_parse          (const char  *text,
                                       gsize        length,
                                       GError     **error);
void        sp_command_free           (SpCommand   *command);
const char *sp_protocol_error_code    (const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpCommand, sp_command_free)

G_END_DECLS
