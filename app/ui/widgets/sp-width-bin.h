/* A bin that answers "how tall, with no width given" with its height at the
 * width it was last given. AdwFlap 1.2 measures its children without the
 * width they will get; inside one, wrapped toolbars would otherwise count as
 * one line (too short) or as their narrowest (too tall). Main thread only. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SP_TYPE_WIDTH_BIN (sp_width_bin_get_type ())

G_DECLARE_FINAL_TYPE (SpWidthBin, sp_width_bin, SP, WIDTH_BIN, GtkWidget)

G_END_DECLS
