/* A log row: time, direction, kind, size, content, drawn with Pango directly.
 * GtkListView keeps up to two hundred rows; with five labels each, every
 * refresh of a fast stream measured and shaped them all (40 ms at 20,000
 * messages a second). This row's height comes from the font's metrics, and
 * its text is laid out only when it is drawn. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-log-row.h"

#define GAP        10
#define TIME_CHARS 12
#define KIND_CHARS 6
#define SIZE_CHARS 9

struct _SpLogRow
{
  GtkWidget  parent_instance;

  SpLogItem *item;
  char      *time;
  char      *size;
};

G_DEFINE_FINAL_TYPE (SpLogRow, sp_log_row, GTK_TYPE_WIDGET)

static int
char_width (GtkWidget *widget)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);
  PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);
  int width = pango_font_metrics_get_approximate_digit_width (metrics);

  pango_font_metrics_unref (metrics);
  return PANGO_PIXELS_CEIL (width);
}

static void
sp_log_row_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_VERTICAL)
    {
      PangoContext *context = gtk_widget_get_pango_context (widget);
      PangoFontMetrics *metrics = pango_context_get_metrics (context, NULL, NULL);
      int height = PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics));

      pango_font_metrics_unref (metrics);
      *minimum = *natural = height + 4;
    }
  else
    {
      int unit = char_width (widget);

      /* A few characters of content at least: a 360 px window still has its columns. */
      *minimum = unit * (TIME_CHARS + 2 + KIND_CHARS + SIZE_CHARS + 3) + 4 * GAP;
      *natural = *minimum + unit * 60;
    }
}

static void
draw_text (GtkWidget     *widget,
           GtkSnapshot   *snapshot,
           PangoLayout   *layout,
           const char    *text,
           double         x,
           double         width,
           gboolean       right,
           const GdkRGBA *color)
{
  int text_width, text_height;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, width > 0 ? (int) (width * PANGO_SCALE) : -1);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (right ? x + width - text_width : x,
                                                          (gtk_widget_get_height (widget) - text_height) / 2.0));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
sp_log_row_snapshot (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  SpLogRow *self = SP_LOG_ROW (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  g_autoptr(PangoLayout) layout = NULL;
  PangoAttrList *bold;
  PangoAttrList *mono;
  SpFrame *frame;
  GdkRGBA fg, dim, accent, warning;
  int unit = char_width (widget);
  double x = 12;
  double width = gtk_widget_get_width (widget);

  if (self->item == NULL)
    return;
  frame = sp_log_item_get_frame (self->item);

  gtk_style_context_get_color (style, &fg);
  dim = fg;
  dim.alpha *= 0.55f;
  accent = fg;
  warning = fg;
  gtk_style_context_lookup_color (style, "accent_color", &accent);
  gtk_style_context_lookup_color (style, "warning_color", &warning);

  layout = gtk_widget_create_pango_layout (widget, NULL);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (layout, TRUE);

  draw_text (widget, snapshot, layout, self->time, x, -1, FALSE, &dim);
  x += unit * TIME_CHARS + GAP;
  draw_text (widget, snapshot, layout, frame->direction == SP_FRAME_IN ? "↓" : "↑", x, -1, FALSE,
             frame->direction == SP_FRAME_OUT ? &accent : &fg);
  x += unit * 2 + GAP;

  bold = pango_attr_list_new ();
  pango_attr_list_insert (bold, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_attr_list_insert (bold, pango_attr_scale_new (0.85));
  pango_layout_set_attributes (layout, bold);
  pango_attr_list_unref (bold);
  draw_text (widget, snapshot, layout, sp_frame_kind_to_string (frame->kind), x, unit * KIND_CHARS,
             FALSE, frame->kind == SP_FRAME_CLOSE ? &warning : &fg);
  x += unit * KIND_CHARS + GAP;

  pango_layout_set_attributes (layout, NULL);
  draw_text (widget, snapshot, layout, self->size, x, unit * SIZE_CHARS, TRUE, &dim);
  x += unit * SIZE_CHARS + GAP;

  mono = pango_attr_list_new ();
  pango_attr_list_insert (mono, pango_attr_family_new ("Monospace"));
  pango_layout_set_attributes (layout, mono);
  pango_attr_list_unref (mono);
  if (width - x - 12 > unit)
    draw_text (widget, snapshot, layout, sp_log_item_get_summary (self->item), x, width - x - 12,
               FALSE, &fg);
}

static void
sp_log_row_finalize (GObject *object)
{
  SpLogRow *self = SP_LOG_ROW (object);

  g_clear_object (&self->item);
  g_clear_pointer (&self->time, g_free);
  g_clear_pointer (&self->size, g_free);

  G_OBJECT_CLASS (sp_log_row_parent_class)->finalize (object);
}

static void
sp_log_row_class_init (SpLogRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = sp_log_row_finalize;
  widget_class->measure = sp_log_row_measure;
  widget_class->snapshot = sp_log_row_snapshot;
  gtk_widget_class_set_css_name (widget_class, "logrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_ROW);
}

static void
sp_log_row_init (SpLogRow *self)
{
}

GtkWidget *
sp_log_row_new (void)
{
  return g_object_new (SP_TYPE_LOG_ROW, NULL);
}

void
sp_log_row_set_item (SpLogRow  *self,
                     SpLogItem *item)
{
  SpFrame *frame;
  g_autofree char *label = NULL;

  g_return_if_fail (SP_IS_LOG_ROW (self));

  if (!g_set_object (&self->item, item))
    return;

  g_clear_pointer (&self->time, g_free);
  g_clear_pointer (&self->size, g_free);
  if (item != NULL)
    {
      frame = sp_log_item_get_frame (item);
      self->time = sp_log_item_dup_time (item);
      self->size = g_format_size_full (frame->size, G_FORMAT_SIZE_DEFAULT);
      /* Translators: how a screen reader says a log row: "Received text, 120 bytes: {…}" */
      label = g_strdup_printf (_("%s %s, %s: %s"),
                               frame->direction == SP_FRAME_IN ? _("Received") : _("Sent"),
                               sp_frame_kind_to_string (frame->kind), self->size,
                               sp_log_item_get_summary (item));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }

  /* The height never changes: only a redraw. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
