/* A sidebar beside the content, which folds away under a width and then
 * slides over the content when revealed (a shield over the content closes it,
 * as Escape does). What AdwFlap does for the watchlist, without its cost in
 * libadwaita 1.2: AdwFlap sets its shadow's CSS classes on every allocation,
 * so every label or list that changes inside it costs the window a second
 * frame (the style checked again) after its own. This one changes style only
 * when it folds or unfolds. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SP_TYPE_SIDEBAR (sp_sidebar_get_type ())
G_DECLARE_FINAL_TYPE (SpSidebar, sp_sidebar, SP, SIDEBAR, GtkWidget)

GtkWidget *sp_sidebar_new            (void);
void       sp_sidebar_set_sidebar    (SpSidebar *self,
                                      GtkWidget *sidebar);
GtkWidget *sp_sidebar_get_sidebar    (SpSidebar *self);
void       sp_sidebar_set_content    (SpSidebar *self,
                                      GtkWidget *content);
GtkWidget *sp_sidebar_get_content    (SpSidebar *self);
/* Under this width (px) it folds; 0: never. */
void       sp_sidebar_set_fold_width (SpSidebar *self,
                                      int        width);
gboolean   sp_sidebar_get_folded     (SpSidebar *self);
/* Shown (beside, or over when folded). Folding hides it, unfolding shows it. */
void       sp_sidebar_set_reveal     (SpSidebar *self,
                                      gboolean   reveal);
gboolean   sp_sidebar_get_reveal     (SpSidebar *self);

G_END_DECLS
