/* A row of widgets that wraps onto further lines when the width runs out. Each
 * widget gets its natural width while the line has room for it, the next line
 * otherwise (a label that ellipsizes may shorten to stay); a widget alone on a line too narrow for it gets the line (never
 * less than its minimum). A line's spare width goes to its widgets that expand
 * horizontally; a line without one is placed by the widgets' own halign (the
 * last widget's: end aligns the line to the right). */
#include "config.h"

#include "sp-wrap-box.h"

struct _SpWrapBox
{
  GtkWidget parent_instance;

  int   spacing;
  int   line_spacing;
  guint n_lines;
  guint relayout_id;
  int   relayout_width;  /* the width the relayouts below were for */
  guint n_relayouts;
};

enum {
  PROP_0,
  PROP_SPACING,
  PROP_LINE_SPACING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpWrapBox, sp_wrap_box, GTK_TYPE_WIDGET)

typedef struct
{
  GtkWidget *widget;
  int        width;
  int        height;
  int        baseline;
  int        line;
} Item;

/* Lays the visible children out for @width: their widths and lines. */
static GArray *
plan (SpWrapBox *self,
      int        width,
      guint     *n_lines)
{
  GArray *items = g_array_new (FALSE, TRUE, sizeof (Item));
  int x = 0;
  int line = 0;
  gboolean empty = TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      Item item = { child, 0, 0, -1, 0 };
      int min, nat;

      if (!gtk_widget_should_layout (child))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
      /* A widget of one height that can shorten (a label that ellipsizes) takes
       * the rest of the line when that is at least its minimum. */
      if (!empty && x + self->spacing + nat > width && x + self->spacing + min <= width &&
          gtk_widget_get_request_mode (child) == GTK_SIZE_REQUEST_CONSTANT_SIZE)
        nat = width - x - self->spacing;
      if (!empty && x + self->spacing + nat > width)
        {
          line++;
          x = 0;
          empty = TRUE;
        }
      item.width = empty ? CLAMP (width, min, nat) : nat;
      item.line = line;
      x += (empty ? 0 : self->spacing) + item.width;
      empty = FALSE;
      g_array_append_val (items, item);
    }

  *n_lines = items->len > 0 ? (guint) line + 1 : 0;
  return items;
}

/* Spreads each line's spare width over its expanding widgets. */
static void
expand_lines (SpWrapBox *self,
              GArray    *items,
              int        width)
{
  for (guint begin = 0; begin < items->len;)
    {
      int line = g_array_index (items, Item, begin).line;
      guint end = begin;
      guint n_expand = 0;
      int used = 0;
      int spare;

      for (; end < items->len && g_array_index (items, Item, end).line == line; end++)
        {
          Item *item = &g_array_index (items, Item, end);

          used += (end > begin ? self->spacing : 0) + item->width;
          n_expand += gtk_widget_compute_expand (item->widget, GTK_ORIENTATION_HORIZONTAL);
        }
      spare = MAX (0, width - used);
      for (guint i = begin; i < end && n_expand > 0; i++)
        {
          Item *item = &g_array_index (items, Item, i);

          if (gtk_widget_compute_expand (item->widget, GTK_ORIENTATION_HORIZONTAL))
            {
              int share = spare / (int) n_expand;

              item->width += share;
              spare -= share;
              n_expand--;
            }
        }
      begin = end;
    }
}

/* The lines' heights for @width, each widget measured at its width. */
static int
line_heights (SpWrapBox *self,
              GArray    *items,
              guint      n_lines,
              int       *heights,
              gboolean   natural)
{
  int total = 0;

  for (guint i = 0; i < n_lines; i++)
    heights[i] = 0;
  for (guint i = 0; i < items->len; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      int min, nat;

      gtk_widget_measure (item->widget, GTK_ORIENTATION_VERTICAL, item->width, &min, &nat, NULL, NULL);
      item->height = natural ? nat : min;
      heights[item->line] = MAX (heights[item->line], item->height);
    }
  for (guint i = 0; i < n_lines; i++)
    total += heights[i] + (i > 0 ? self->line_spacing : 0);

  return total;
}

static int
height_for_width (SpWrapBox *self,
                  int        width,
                  gboolean   natural)
{
  g_autoptr(GArray) items = NULL;
  g_autofree int *heights = NULL;
  guint n_lines;

  items = plan (self, width, &n_lines);
  expand_lines (self, items, width);
  heights = g_new0 (int, MAX (n_lines, 1));
  return line_heights (self, items, n_lines, heights, natural);
}

static GtkSizeRequestMode
sp_wrap_box_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
sp_wrap_box_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  SpWrapBox *self = SP_WRAP_BOX (widget);

  *minimum = *natural = 0;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      gboolean first = TRUE;

      /* The widest widget is the least it needs; all on one line is what it would like. */
      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          int min, nat;

          if (!gtk_widget_should_layout (child))
            continue;
          gtk_widget_measure (child, orientation, -1, &min, &nat, NULL, NULL);
          *minimum = MAX (*minimum, min);
          *natural += (first ? 0 : self->spacing) + nat;
          first = FALSE;
        }
    }
  else
    {
      int min_width, nat_width;

      /* With no width given (a parent that does not ask for height-for-width,
       * as AdwFlap 1.2): the least height is the one at the least width, the
       * most lines, so what it gets is never too short. */
      if (for_size < 0)
        sp_wrap_box_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &nat_width, NULL, NULL);
      else
        min_width = nat_width = for_size;
      *minimum = height_for_width (self, min_width, FALSE);
      *natural = MAX (*minimum, height_for_width (self, nat_width, TRUE));
    }
}

/* Every widget inside is measured again: a resize a text view asked for while
 * it was allocated cleared its own size but not its parents'. */
static void
queue_resize_all (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    queue_resize_all (child);
  gtk_widget_queue_resize (widget);
}

static gboolean
relayout (gpointer user_data)
{
  SpWrapBox *self = user_data;

  self->relayout_id = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    queue_resize_all (child);
  return G_SOURCE_REMOVE;
}

static void
sp_wrap_box_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  SpWrapBox *self = SP_WRAP_BOX (widget);
  g_autoptr(GArray) items = NULL;
  g_autofree int *heights = NULL;
  guint n_lines;
  int y = 0;

  items = plan (self, width, &n_lines);
  expand_lines (self, items, width);
  heights = g_new0 (int, MAX (n_lines, 1));
  line_heights (self, items, n_lines, heights, TRUE);
  self->n_lines = n_lines;

  for (guint begin = 0, line = 0; begin < items->len; line++)
    {
      guint end = begin;
      int used = 0;
      int x;
      GtkAlign align;

      for (; end < items->len && g_array_index (items, Item, end).line == (int) line; end++)
        used += (end > begin ? self->spacing : 0) + g_array_index (items, Item, end).width;
      align = gtk_widget_get_halign (g_array_index (items, Item, end - 1).widget);
      x = align == GTK_ALIGN_END ? MAX (0, width - used)
        : align == GTK_ALIGN_CENTER ? MAX (0, width - used) / 2
        : 0;
      if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
        x = width - x;

      for (guint i = begin; i < end; i++)
        {
          Item *item = &g_array_index (items, Item, i);
          int item_x = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL ? x - item->width : x;

          /* Each widget is as tall as its line, and places itself by its valign. */
          gtk_widget_size_allocate (item->widget,
                                    &(GtkAllocation) { item_x, y, item->width, heights[line] }, -1);
          if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
            x -= item->width + self->spacing;
          else
            x += item->width + self->spacing;
        }
      y += heights[line] + self->line_spacing;
      begin = end;
    }

  /* A widget that needs more height once laid out at its new width (a text
   * view wraps its lines while being allocated, and the resize it asks for
   * then is lost) is measured again on the next frame: once after each new
   * width, and again while one still needs more, a few times at most. */
  if (width != self->relayout_width)
    {
      self->relayout_width = width;
      self->n_relayouts = 1;
      if (self->relayout_id == 0)
        self->relayout_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, relayout, self, NULL);
    }
  for (guint i = 0; i < items->len && self->relayout_id == 0 && self->n_relayouts < 3; i++)
    {
      Item *item = &g_array_index (items, Item, i);
      int min;

      gtk_widget_measure (item->widget, GTK_ORIENTATION_VERTICAL, item->width, &min, NULL, NULL, NULL);
      if (min > heights[item->line])
        {
          self->n_relayouts++;
          self->relayout_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, relayout, self, NULL);
        }
    }
}

static void
sp_wrap_box_dispose (GObject *object)
{
  g_clear_handle_id (&SP_WRAP_BOX (object)->relayout_id, g_source_remove);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sp_wrap_box_parent_class)->dispose (object);
}

static void
sp_wrap_box_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SpWrapBox *self = SP_WRAP_BOX (object);

  switch (prop_id)
    {
    case PROP_SPACING:
      g_value_set_int (value, self->spacing);
      break;
    case PROP_LINE_SPACING:
      g_value_set_int (value, self->line_spacing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_wrap_box_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SpWrapBox *self = SP_WRAP_BOX (object);

  switch (prop_id)
    {
    case PROP_SPACING:
      sp_wrap_box_set_spacing (self, g_value_get_int (value));
      break;
    case PROP_LINE_SPACING:
      sp_wrap_box_set_line_spacing (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_wrap_box_class_init (SpWrapBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_wrap_box_dispose;
  object_class->get_property = sp_wrap_box_get_property;
  object_class->set_property = sp_wrap_box_set_property;
  widget_class->get_request_mode = sp_wrap_box_get_request_mode;
  widget_class->measure = sp_wrap_box_measure;
  widget_class->size_allocate = sp_wrap_box_size_allocate;

  properties[PROP_SPACING] =
    g_param_spec_int ("spacing", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LINE_SPACING] =
    g_param_spec_int ("line-spacing", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "wrapbox");
}

static void
sp_wrap_box_init (SpWrapBox *self)
{
}

GtkWidget *
sp_wrap_box_new (void)
{
  return g_object_new (SP_TYPE_WRAP_BOX, NULL);
}

void
sp_wrap_box_set_spacing (SpWrapBox *self,
                         int        spacing)
{
  g_return_if_fail (SP_IS_WRAP_BOX (self));
  g_return_if_fail (spacing >= 0);

  if (spacing == self->spacing)
    return;
  self->spacing = spacing;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPACING]);
}

int
sp_wrap_box_get_spacing (SpWrapBox *self)
{
  g_return_val_if_fail (SP_IS_WRAP_BOX (self), 0);

  return self->spacing;
}

void
sp_wrap_box_set_line_spacing (SpWrapBox *self,
                              int        spacing)
{
  g_return_if_fail (SP_IS_WRAP_BOX (self));
  g_return_if_fail (spacing >= 0);

  if (spacing == self->line_spacing)
    return;
  self->line_spacing = spacing;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINE_SPACING]);
}

int
sp_wrap_box_get_line_spacing (SpWrapBox *self)
{
  g_return_val_if_fail (SP_IS_WRAP_BOX (self), 0);

  return self->line_spacing;
}

guint
sp_wrap_box_get_n_lines (SpWrapBox *self)
{
  g_return_val_if_fail (SP_IS_WRAP_BOX (self), 0);

  return self->n_lines;
}
