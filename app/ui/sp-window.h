/* The main window. */
#pragma once

#include <adwaita.h>

#include "sp-application.h"

G_BEGIN_DECLS

#define SP_TYPE_WINDOW (sp_window_get_type ())

G_DECLARE_FINAL_TYPE (SpWindow, sp_window, SP, WINDOW, AdwApplicationWindow)

SpWindow *sp_window_new (SpApplication *application);

G_END_DECLS
