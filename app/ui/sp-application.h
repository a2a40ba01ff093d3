/* The StockPush application: command line, actions, windows. */
#pragma once

#include <adwaita.h>

#include "sp-alerts.h"
#include "sp-server-overrides.h"

G_BEGIN_DECLS

#define SP_TYPE_APPLICATION (sp_application_get_type ())

G_DECLARE_FINAL_TYPE (SpApplication, sp_application, SP, APPLICATION, AdwApplication)

SpApplication           *sp_application_new                  (void);
const SpServerOverrides *sp_application_get_server_overrides (SpApplication *self);
/* The price alerts, kept in settings; every window's viewer checks its prices with them. */
SpAlerts                *sp_application_get_alerts           (SpApplication *self);

G_END_DECLS
