/* What GtkBinLayout does, as widget vfuncs: for a widget that overrides
 * size_allocate to choose its layout by the width it is given (GTK calls a
 * widget's size_allocate only when it has no layout manager). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GtkSizeRequestMode sp_bin_get_request_mode (GtkWidget      *widget);
void               sp_bin_measure          (GtkWidget      *widget,
                                            GtkOrientation  orientation,
                                            int             for_size,
                                            int            *minimum,
                                            int            *natural,
                                            int            *minimum_baseline,
                                            int            *natural_baseline);
void               sp_bin_allocate         (GtkWidget      *widget,
                                            int             width,
                                            int             height,
                                            int             baseline);

G_END_DECLS
