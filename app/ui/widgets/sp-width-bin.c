/* A bin that measures its height at the width it was last given when asked
 * with none (AdwFlap 1.2 does so). A new width is measured again on the next
 * frame, so a window made narrower is laid out right one frame later. */
#include "config.h"

#include "sp-bin.h"
#include "sp-width-bin.h"

struct _SpWidthBin
{
  GtkWidget parent_instance;

  int       width;       /* as last allocated; -1 before */
  guint     resize_id;
};

G_DEFINE_FINAL_TYPE (SpWidthBin, sp_width_bin, GTK_TYPE_WIDGET)

static void
sp_width_bin_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  SpWidthBin *self = SP_WIDTH_BIN (widget);

  if (orientation == GTK_ORIENTATION_VERTICAL && for_size < 0 && self->width > 0)
    {
      int min_width;

      sp_bin_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, natural, NULL, NULL);
      for_size = MAX (self->width, min_width);
    }
  sp_bin_measure (widget, orientation, for_size, minimum, natural, minimum_baseline, natural_baseline);
}

static gboolean
resize_later (gpointer user_data)
{
  SpWidthBin *self = user_data;

  self->resize_id = 0;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

static void
sp_width_bin_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  SpWidthBin *self = SP_WIDTH_BIN (widget);

  if (width != self->width)
    {
      self->width = width;
      /* Not from here: a resize queued while allocating may be lost. */
      if (self->resize_id == 0)
        self->resize_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, resize_later, self, NULL);
    }
  sp_bin_allocate (widget, width, height, baseline);
}

static void
sp_width_bin_dispose (GObject *object)
{
  SpWidthBin *self = SP_WIDTH_BIN (object);

  g_clear_handle_id (&self->resize_id, g_source_remove);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sp_width_bin_parent_class)->dispose (object);
}

static void
sp_width_bin_class_init (SpWidthBinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_width_bin_dispose;
  widget_class->get_request_mode = sp_bin_get_request_mode;
  widget_class->measure = sp_width_bin_measure;
  widget_class->size_allocate = sp_width_bin_size_allocate;
}

static void
sp_width_bin_init (SpWidthBin *self)
{
  self->width = -1;
}
