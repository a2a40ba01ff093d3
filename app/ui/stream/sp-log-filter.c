/* The log's filter. With nothing to filter it matches all, and the list model
 * then passes the rows through without testing them one by one. */
#include "config.h"

#include "sp-log-filter.h"
#include "sp-log-item.h"

struct _SpLogFilter
{
  GtkFilter  parent_instance;

  guint      direction;      /* SpLogDirection */
  guint      kind;           /* SpLogKind */
  char      *search;
  char      *needle;         /* case-folded search text */
  gboolean   regex_mode;
  GRegex    *regex;          /* in regular-expression mode; NULL: match all */
  char      *search_error;
  gboolean   hide_ping_pong;
};

enum {
  PROP_0,
  PROP_DIRECTION,
  PROP_KIND,
  PROP_SEARCH,
  PROP_REGEX,
  PROP_SEARCH_ERROR,
  PROP_HIDE_PING_PONG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SpLogFilter, sp_log_filter, GTK_TYPE_FILTER)

static gboolean
filtering (SpLogFilter *self)
{
  return (self->needle != NULL && *self->needle != '\0') ||
         self->direction != SP_LOG_DIRECTION_BOTH || self->kind != SP_LOG_KIND_ALL ||
         self->hide_ping_pong;
}

static gboolean
kind_matches (guint        kind,
              SpFrameKind  frame_kind)
{
  switch (kind)
    {
    case SP_LOG_KIND_TEXT:
      return frame_kind == SP_FRAME_TEXT;
    case SP_LOG_KIND_BINARY:
      return frame_kind == SP_FRAME_BINARY;
    case SP_LOG_KIND_PING_PONG:
      return frame_kind == SP_FRAME_PING || frame_kind == SP_FRAME_PONG;
    case SP_LOG_KIND_CLOSE:
      return frame_kind == SP_FRAME_CLOSE;
    default:
      return TRUE;
    }
}

static gboolean
sp_log_filter_match (GtkFilter *filter,
                     gpointer   item)
{
  SpLogFilter *self = SP_LOG_FILTER (filter);
  SpFrame *frame = sp_log_item_get_frame (item);

  if (self->direction == SP_LOG_DIRECTION_RECEIVED && frame->direction != SP_FRAME_IN)
    return FALSE;
  if (self->direction == SP_LOG_DIRECTION_SENT && frame->direction != SP_FRAME_OUT)
    return FALSE;
  if (self->hide_ping_pong && (frame->kind == SP_FRAME_PING || frame->kind == SP_FRAME_PONG))
    return FALSE;
  if (!kind_matches (self->kind, frame->kind))
    return FALSE;

  if (self->regex_mode)
    return sp_log_item_matches_regex (item, self->regex);
  return sp_log_item_matches (item, self->needle);
}

static GtkFilterMatch
sp_log_filter_get_strictness (GtkFilter *filter)
{
  return filtering (SP_LOG_FILTER (filter)) ? GTK_FILTER_MATCH_SOME : GTK_FILTER_MATCH_ALL;
}

static void
compile_search (SpLogFilter *self)
{
  g_autoptr(GError) error = NULL;
  gboolean had_error = self->search_error != NULL;

  g_clear_pointer (&self->needle, g_free);
  g_clear_pointer (&self->regex, g_regex_unref);
  g_clear_pointer (&self->search_error, g_free);
  self->needle = g_utf8_casefold (self->search ? self->search : "", -1);

  /* A pattern being typed is often invalid for a moment: say why, show all. */
  if (self->regex_mode && self->search != NULL && *self->search != '\0')
    {
      self->regex = g_regex_new (self->search, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &error);
      if (self->regex == NULL)
        self->search_error = g_strdup (error->message);
    }

  if (had_error || self->search_error != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_ERROR]);
  gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_DIFFERENT);
}

void
sp_log_filter_set_search (SpLogFilter *self,
                          const char  *text,
                          gboolean     regex)
{
  gboolean text_changed;
  gboolean regex_changed;

  g_return_if_fail (SP_IS_LOG_FILTER (self));

  text_changed = g_strcmp0 (text, self->search) != 0;
  regex_changed = !regex != !self->regex_mode;
  if (!text_changed && !regex_changed)
    return;

  g_free (self->search);
  self->search = g_strdup (text);
  self->regex_mode = !!regex;
  compile_search (self);
  if (text_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
  if (regex_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGEX]);
}

const char *
sp_log_filter_get_search_error (SpLogFilter *self)
{
  g_return_val_if_fail (SP_IS_LOG_FILTER (self), NULL);

  return self->search_error;
}

void
sp_log_filter_set_hide_ping_pong (SpLogFilter *self,
                                  gboolean     hide)
{
  g_return_if_fail (SP_IS_LOG_FILTER (self));

  if (self->hide_ping_pong == !!hide)
    return;
  self->hide_ping_pong = !!hide;
  gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIDE_PING_PONG]);
}

static void
set_choice (SpLogFilter *self,
            guint       *field,
            guint        value,
            GParamSpec  *pspec)
{
  if (*field == value)
    return;
  *field = value;
  gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
sp_log_filter_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SpLogFilter *self = SP_LOG_FILTER (object);

  switch (prop_id)
    {
    case PROP_DIRECTION:
      g_value_set_uint (value, self->direction);
      break;
    case PROP_KIND:
      g_value_set_uint (value, self->kind);
      break;
    case PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    case PROP_REGEX:
      g_value_set_boolean (value, self->regex_mode);
      break;
    case PROP_SEARCH_ERROR:
      g_value_set_string (value, self->search_error);
      break;
    case PROP_HIDE_PING_PONG:
      g_value_set_boolean (value, self->hide_ping_pong);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_log_filter_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SpLogFilter *self = SP_LOG_FILTER (object);

  switch (prop_id)
    {
    case PROP_DIRECTION:
      set_choice (self, &self->direction, g_value_get_uint (value), pspec);
      break;
    case PROP_KIND:
      set_choice (self, &self->kind, g_value_get_uint (value), pspec);
      break;
    case PROP_SEARCH:
      sp_log_filter_set_search (self, g_value_get_string (value), self->regex_mode);
      break;
    case PROP_REGEX:
      sp_log_filter_set_search (self, self->search, g_value_get_boolean (value));
      break;
    case PROP_HIDE_PING_PONG:
      sp_log_filter_set_hide_ping_pong (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sp_log_filter_finalize (GObject *object)
{
  SpLogFilter *self = SP_LOG_FILTER (object);

  g_clear_pointer (&self->search, g_free);
  g_clear_pointer (&self->needle, g_free);
  g_clear_pointer (&self->regex, g_regex_unref);
  g_clear_pointer (&self->search_error, g_free);

  G_OBJECT_CLASS (sp_log_filter_parent_class)->finalize (object);
}

static void
sp_log_filter_class_init (SpLogFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);

  object_class->finalize = sp_log_filter_finalize;
  object_class->get_property = sp_log_filter_get_property;
  object_class->set_property = sp_log_filter_set_property;
  filter_class->match = sp_log_filter_match;
  filter_class->get_strictness = sp_log_filter_get_strictness;

  properties[PROP_DIRECTION] =
    g_param_spec_uint ("direction", NULL, NULL, SP_LOG_DIRECTION_BOTH, SP_LOG_DIRECTION_SENT,
                       SP_LOG_DIRECTION_BOTH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_uint ("kind", NULL, NULL, SP_LOG_KIND_ALL, SP_LOG_KIND_CLOSE, SP_LOG_KIND_ALL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH] =
    g_param_spec_string ("search", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REGEX] =
    g_param_spec_boolean ("regex", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_ERROR] =
    g_param_spec_string ("search-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HIDE_PING_PONG] =
    g_param_spec_boolean ("hide-ping-pong", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sp_log_filter_init (SpLogFilter *self)
{
  self->needle = g_strdup ("");
}

SpLogFilter *
sp_log_filter_new (void)
{
  return g_object_new (SP_TYPE_LOG_FILTER, NULL);
}
