/* The list of price alerts, to add, edit, switch off and delete them. Main thread only. */
#pragma once

#include <adwaita.h>

#include "sp-alerts.h"

G_BEGIN_DECLS

#define SP_TYPE_ALERTS_WINDOW (sp_alerts_window_get_type ())
G_DECLARE_FINAL_TYPE (SpAlertsWindow, sp_alerts_window, SP, ALERTS_WINDOW, AdwWindow)

/* @symbol (may be NULL) starts the form: the symbol the chart shows. */
SpAlertsWindow *sp_alerts_window_new (GtkWindow  *parent,
                                      SpAlerts   *alerts,
                                      const char *symbol);

G_END_DECLS
