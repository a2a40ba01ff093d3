/* A row of widgets that wraps onto further lines when the width runs out, so a
 * toolbar never sets the window's minimum width (libadwaita 1.2 has no wrap box).
 * Main thread only, as any widget. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SP_TYPE_WRAP_BOX (sp_wrap_box_get_type ())

G_DECLARE_FINAL_TYPE (SpWrapBox, sp_wrap_box, SP, WRAP_BOX, GtkWidget)

GtkWidget *sp_wrap_box_new         (void);
/* Between the widgets of a line, and between lines. */
void       sp_wrap_box_set_spacing (SpWrapBox *self,
                                    int        spacing);
int        sp_wrap_box_get_spacing (SpWrapBox *self);
void       sp_wrap_box_set_line_spacing (SpWrapBox *self,
                                         int        spacing);
int        sp_wrap_box_get_line_spacing (SpWrapBox *self);
/* How many lines the last allocation took. */
guint      sp_wrap_box_get_n_lines (SpWrapBox *self);

G_END_DECLS
