/* The StockPush error domain: every failure a person may see carries one of these codes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SP_ERROR (sp_error_quark ())

typedef enum
{
  SP_ERROR_FAILED,
  SP_ERROR_INVALID_ARGUMENT,
  SP_ERROR_ADDRESS_IN_USE,
  SP_ERROR_PERMISSION_DENIED,
  SP_ERROR_BAD_ADDRESS,
  SP_ERROR_HANDSHAKE,
  SP_ERROR_BAD_JSON,
  SP_ERROR_BAD_MESSAGE,
  SP_ERROR_UNKNOWN_COMMAND,
  SP_ERROR_UNKNOWN_SYMBOL,
} SpError;

GQuark sp_error_quark (void);

G_END_DECLS
