/* A sidebar that folds (see sp-sidebar.h). The children, in drawing order:
 * the content, a shield over it (folded and revealed only), the separator
 * and the sidebar. */
#include "config.h"

#include <adwaita.h>

#include "sp-sidebar.h"

#define REVEAL_MS 250

struct _SpSidebar
{
  GtkWidget     parent_instance;

  GtkWidget    *content;
  GtkWidget    *shield;
  GtkWidget    *separator;
  GtkWidget    *sidebar;
  int           fold_width;
  gboolean      folded;
  gboolean      reveal;
  double        progress;   /* 0 hidden … 1 shown */
  gboolean      allocating;
  AdwAnimation *animation;
};

enum {
  PROP_0,
  PROP_SIDEBAR,
  PROP_CONTENT,
  PROP_FOLD_WIDTH,
  PROP_FOLDED,
  PROP_REVEAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpSidebar, sp_sidebar, GTK_TYPE_WIDGET)

static gboolean
folded_at (SpSidebar *self,
           int        width)
{
  return self->fold_width > 0 && width >= 0 && width < self->fold_width;
}

/* What the children show at this progress: nothing is mapped for a sidebar
 * out of sight, so its rows stop updating. */
static void
show_progress (SpSidebar *self,
               double     progress)
{
  self->progress = progress;
  if (self->sidebar != NULL)
    gtk_widget_set_child_visible (self->sidebar, progress > 0);
  gtk_widget_set_child_visible (self->separator, !self->folded && progress > 0);
  gtk_widget_set_child_visible (self->shield, self->folded && progress > 0);
  gtk_widget_set_opacity (self->shield, progress);
}

/* The animation's step. */
static void
set_progress (double     progress,
              SpSidebar *self)
{
  show_progress (self, progress);
  if (!self->allocating)
    gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
animate_to (SpSidebar *self,
            double     to)
{
  if (self->animation == NULL)
    {
      AdwAnimationTarget *target =
        adw_callback_animation_target_new ((AdwAnimationTargetFunc) set_progress, self, NULL);

      self->animation = adw_timed_animation_new (GTK_WIDGET (self), 0, 1, REVEAL_MS, target);
      adw_timed_animation_set_easing (ADW_TIMED_ANIMATION (self->animation), ADW_EASE_OUT_CUBIC);
    }
  adw_animation_reset (self->animation);
  adw_timed_animation_set_value_from (ADW_TIMED_ANIMATION (self->animation), self->progress);
  adw_timed_animation_set_value_to (ADW_TIMED_ANIMATION (self->animation), to);
  adw_animation_play (self->animation);
}

void
sp_sidebar_set_reveal (SpSidebar *self,
                       gboolean   reveal)
{
  g_return_if_fail (SP_IS_SIDEBAR (self));

  reveal = !!reveal;
  if (reveal == self->reveal)
    return;
  self->reveal = reveal;
  animate_to (self, reveal ? 1 : 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEAL]);
}

/* Folding hides the sidebar at once, unfolding shows it, as AdwFlap does;
 * the style changes here only, never on an ordinary allocation. */
static void
set_folded (SpSidebar *self,
            gboolean   folded)
{
  if (folded == self->folded)
    return;
  self->folded = folded;
  if (self->sidebar != NULL)
    {
      if (folded)
        gtk_widget_add_css_class (self->sidebar, "sp-sidebar-over");
      else
        gtk_widget_remove_css_class (self->sidebar, "sp-sidebar-over");
    }
  self->reveal = !folded;
  if (self->animation != NULL)
    adw_animation_reset (self->animation);
  show_progress (self, self->reveal ? 1 : 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REVEAL]);
}

static int
sidebar_width (SpSidebar *self,
               int        width)
{
  int min, nat;

  if (self->sidebar == NULL || !gtk_widget_get_visible (self->sidebar))
    return 0;
  gtk_widget_measure (self->sidebar, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  return self->folded ? MAX (MIN (nat, width), MIN (min, width)) : nat;
}

static int
separator_width (SpSidebar *self)
{
  int min;

  gtk_widget_measure (self->separator, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  return min;
}

static GtkSizeRequestMode
sp_sidebar_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
measure_child (GtkWidget     *child,
               GtkOrientation orientation,
               int            for_size,
               int           *minimum,
               int           *natural)
{
  int min = 0, nat = 0;

  if (child != NULL && gtk_widget_get_visible (child))
    gtk_widget_measure (child, orientation, for_size, &min, &nat, NULL, NULL);
  *minimum = min;
  *natural = nat;
}

static void
sp_sidebar_measure (GtkWidget      *widget,
                    GtkOrientation  orientation,
                    int             for_size,
                    int            *minimum,
                    int            *natural,
                    int            *minimum_baseline,
                    int            *natural_baseline)
{
  SpSidebar *self = SP_SIDEBAR (widget);
  int content_min, content_nat, side_min, side_nat;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* As narrow as the content alone (folded), as wide as both side by side. */
      measure_child (self->content, orientation, -1, &content_min, &content_nat);
      measure_child (self->sidebar, orientation, -1, &side_min, &side_nat);
      *minimum = self->fold_width > 0 ? content_min : content_min + side_min + separator_width (self);
      *natural = content_nat + (self->reveal ? side_nat + separator_width (self) : 0);
    }
  else
    {
      int content_for = for_size;

      if (for_size >= 0 && !folded_at (self, for_size) && self->reveal)
        content_for = MAX (0, for_size - sidebar_width (self, for_size) - separator_width (self));
      measure_child (self->content, orientation, content_for, &content_min, &content_nat);
      measure_child (self->sidebar, orientation, -1, &side_min, &side_nat);
      *minimum = MAX (content_min, side_min);
      *natural = MAX (content_nat, side_nat);
    }
  *minimum_baseline = *natural_baseline = -1;
}

static void
place (GtkWidget *child,
       int        x,
       int        width,
       int        height)
{
  if (child != NULL && gtk_widget_should_layout (child))
    gtk_widget_allocate (child, width, height, -1,
                         gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (x, 0)));
}

static void
sp_sidebar_size_allocate (GtkWidget *widget,
                          int        width,
                          int        height,
                          int        baseline)
{
  SpSidebar *self = SP_SIDEBAR (widget);
  int side, sep, shown;

  self->allocating = TRUE;
  set_folded (self, folded_at (self, width));
  self->allocating = FALSE;
  side = sidebar_width (self, width);
  sep = separator_width (self);

  if (self->folded)
    {
      shown = (int) round (self->progress * side);
      place (self->content, 0, width, height);
      place (self->shield, 0, width, height);
      place (self->sidebar, shown - side, side, height);
    }
  else
    {
      int content_min, content_nat;

      shown = (int) round (self->progress * (side + sep));
      measure_child (self->content, GTK_ORIENTATION_HORIZONTAL, -1, &content_min, &content_nat);
      place (self->content, shown, MAX (width - shown, content_min), height);
      place (self->sidebar, shown - side - sep, side, height);
      place (self->separator, shown - sep, sep, height);
    }
}

static void
on_shield_pressed (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   SpSidebar       *self)
{
  sp_sidebar_set_reveal (self, FALSE);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static gboolean
on_escape (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  SpSidebar *self = SP_SIDEBAR (widget);

  if (!self->folded || !self->reveal)
    return FALSE;
  sp_sidebar_set_reveal (self, FALSE);
  return TRUE;
}

static void
set_child (SpSidebar  *self,
           GtkWidget **slot,
           GtkWidget  *child,
           GtkWidget  *after)
{
  if (*slot == child)
    return;
  g_clear_pointer (slot, gtk_widget_unparent);
  if (child == NULL)
    return;
  *slot = child;
  gtk_widget_insert_after (child, GTK_WIDGET (self), after);
}

void
sp_sidebar_set_sidebar (SpSidebar *self,
                        GtkWidget *sidebar)
{
  g_return_if_fail (SP_IS_SIDEBAR (self));
  g_return_if_fail (sidebar == NULL || GTK_IS_WIDGET (sidebar));

  if (sidebar == self->sidebar)
    return;
  /* Last: drawn over the rest. */
  set_child (self, &self->sidebar, sidebar, gtk_widget_get_last_child (GTK_WIDGET (self)));
  if (sidebar != NULL)
    {
      gtk_widget_set_child_visible (sidebar, self->progress > 0);
      if (self->folded)
        gtk_widget_add_css_class (sidebar, "sp-sidebar-over");
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDEBAR]);
}

GtkWidget *
sp_sidebar_get_sidebar (SpSidebar *self)
{
  g_return_val_if_fail (SP_IS_SIDEBAR (self), NULL);

  return self->sidebar;
}

void
sp_sidebar_set_content (SpSidebar *self,
                        GtkWidget *content)
{
  g_return_if_fail (SP_IS_SIDEBAR (self));
  g_return_if_fail (content == NULL || GTK_IS_WIDGET (content));

  if (content == self->content)
    return;
  /* First: drawn under the rest. */
  set_child (self, &self->content, content, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

GtkWidget *
sp_sidebar_get_content (SpSidebar *self)
{
  g_return_val_if_fail (SP_IS_SIDEBAR (self), NULL);

  return self->content;
}

void
sp_sidebar_set_fold_width (SpSidebar *self,
                           int        width)
{
  g_return_if_fail (SP_IS_SIDEBAR (self));

  if (width == self->fold_width)
    return;
  self->fold_width = MAX (width, 0);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLD_WIDTH]);
}

gboolean
sp_sidebar_get_folded (SpSidebar *self)
{
  g_return_val_if_fail (SP_IS_SIDEBAR (self), FALSE);

  return self->folded;
}

gboolean
sp_sidebar_get_reveal (SpSidebar *self)
{
  g_return_val_if_fail (SP_IS_SIDEBAR (self), FALSE);

  return self->reveal;
}

static void
sp_sidebar_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SpSidebar *self = SP_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SIDEBAR:
      g_value_set_object (value, self->sidebar);
      break;
    case PROP_CONTENT:
      g_value_set_object (value, self->content);
      break;
    case PROP_FOLD_WIDTH:
      g_value_set_int (value, self->fold_width);
      break;
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    case PROP_REVEAL:
      g_value_set_boolean (value, self->reveal);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_sidebar_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SpSidebar *self = SP_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SIDEBAR:
      sp_sidebar_set_sidebar (self, g_value_get_object (value));
      break;
    case PROP_CONTENT:
      sp_sidebar_set_content (self, g_value_get_object (value));
      break;
    case PROP_FOLD_WIDTH:
      sp_sidebar_set_fold_width (self, g_value_get_int (value));
      break;
    case PROP_REVEAL:
      sp_sidebar_set_reveal (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_sidebar_dispose (GObject *object)
{
  SpSidebar *self = SP_SIDEBAR (object);

  g_clear_object (&self->animation);
  self->content = self->shield = self->separator = self->sidebar = NULL;
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (sp_sidebar_parent_class)->dispose (object);
}

static void
sp_sidebar_class_init (SpSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_sidebar_dispose;
  object_class->get_property = sp_sidebar_get_property;
  object_class->set_property = sp_sidebar_set_property;
  widget_class->get_request_mode = sp_sidebar_get_request_mode;
  widget_class->measure = sp_sidebar_measure;
  widget_class->size_allocate = sp_sidebar_size_allocate;

  properties[PROP_SIDEBAR] =
    g_param_spec_object ("sidebar", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTENT] =
    g_param_spec_object ("content", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLD_WIDTH] =
    g_param_spec_int ("fold-width", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REVEAL] =
    g_param_spec_boolean ("reveal", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, on_escape, NULL);
  gtk_widget_class_set_css_name (widget_class, "sp-sidebar");
}

static void
sp_sidebar_init (SpSidebar *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  self->reveal = TRUE;
  self->progress = 1;

  self->shield = adw_bin_new ();
  gtk_widget_add_css_class (self->shield, "sp-sidebar-shield");
  gtk_widget_set_child_visible (self->shield, FALSE);
  g_signal_connect (click, "pressed", G_CALLBACK (on_shield_pressed), self);
  gtk_widget_add_controller (self->shield, GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_parent (self->shield, GTK_WIDGET (self));

  self->separator = gtk_separator_new (GTK_ORIENTATION_VERTICAL);
  gtk_widget_insert_after (self->separator, GTK_WIDGET (self), self->shield);
}

GtkWidget *
sp_sidebar_new (void)
{
  return g_object_new (SP_TYPE_SIDEBAR, NULL);
}
