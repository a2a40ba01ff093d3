/* The viewer's remembered input in GSettings: recent lists (addresses, messages)
 * and saved connections by name. Any thread that owns the GSettings object. */
#pragma once

#include <gio/gio.h>

#include "sp-stream-client.h"

G_BEGIN_DECLS

#define SP_RECENT_MAX 12

/* Puts @value first in the string list @key, once, keeping at most SP_RECENT_MAX. */
void             sp_recent_remember          (GSettings             *settings,
                                              const char            *key,
                                              const char            *value);
/* "saved-connections" (a(ssssss): name, URL, headers, price and symbol field,
 * subprotocols): @name's entry replaced by the address, headers, fields and
 * subprotocols of @options, first in the list; its messages to send on
 * connecting in "saved-connection-extras". */
void             sp_saved_connection_store   (GSettings             *settings,
                                              const char            *name,
                                              const SpStreamOptions *options);
/* @name's saved connection as options (the rest at their defaults), or NULL. */
SpStreamOptions *sp_saved_connection_lookup  (GSettings             *settings,
                                              const char            *name);

G_END_DECLS
