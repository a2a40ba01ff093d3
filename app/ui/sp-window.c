/* The main window: header bar with the primary menu; pages arrive with the desktop app. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-window.h"

struct _SpWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (SpWindow, sp_window, ADW_TYPE_APPLICATION_WINDOW)

static void
sp_window_class_init (SpWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/com/example/StockPush/sp-window.ui");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
sp_window_init (SpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

SpWindow *
sp_window_new (SpApplication *application)
{
  g_return_val_if_fail (SP_IS_APPLICATION (application), NULL);

  return g_object_new (SP_TYPE_WINDOW, "application", application, NULL);
}
