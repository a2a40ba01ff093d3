/* The StockPush error domain. */
#include "sp-error.h"

G_DEFINE_QUARK (sp-error-quark, sp_error)
