/* Presets for the public market-data feeds people watch: the documented
 * address, the messages a feed needs right after connecting, the credentials
 * it asks for and where its price and symbol are. A constant table; any thread. */
#pragma once

#include "sp-stream-options.h"

G_BEGIN_DECLS

typedef struct
{
  const char        *id;            /* "binance", for --feed */
  const char        *name;          /* "Binance", as people call it (not translated) */
  const char        *description;   /* what it streams, in English: translate with _() */
  const char        *url;           /* the documented address; {key} where a credential goes */
  const char        *host_pattern;  /* a regular expression the whole host matches */
  const char        *path_pattern;  /* NULL, or one the path must contain to match */
  const char        *subscribed_path; /* NULL, or a path that subscribes by itself (no messages) */
  const char *const *send;          /* sent each time it connects; {key} and {secret} replaced */
  const char        *price_path;
  const char        *symbol_path;
  const char        *key_label;     /* NULL: no credential; else what to ask for */
  const char        *secret_label;  /* NULL: no second credential */
  const char        *docs;          /* the page that documents these messages */
} SpFeedPreset;

/* Every preset, NULL-terminated, in the order they are offered. */
const SpFeedPreset *const *sp_feed_preset_list   (void);
const SpFeedPreset        *sp_feed_preset_lookup (const char         *id);
/* The preset whose host (and path, where it says one) @url has, or NULL. */
const SpFeedPreset        *sp_feed_preset_match  (const char         *url);
/* Whether @preset needs a credential (its key, and maybe a secret). */
gboolean                   sp_feed_preset_needs_key (const SpFeedPreset *preset);
/* Options to watch @preset's feed: @url (NULL: the preset's own), its fields
 * and its messages with @key and @secret written in (JSON-escaped in messages,
 * URI-escaped in the address). A preset that needs a key and gets none fails
 * with an error that says what to give. */
SpStreamOptions           *sp_feed_preset_dup_options (const SpFeedPreset *preset,
                                                       const char         *url,
                                                       const char         *key,
                                                       const char         *secret,
                                                       GError            **error);

G_END_DECLS
