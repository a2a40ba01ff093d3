/* The Handshake page: shows the exchange as text and recomputes Sec-WebSocket-Accept. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sp-client-item.h"
#include "sp-handshake-page.h"

struct _SpHandshakePage
{
  GtkWidget       parent_instance;

  GtkDropDown    *source_dropdown;
  GtkLabel       *empty_label;
  GtkWidget      *exchange_box;
  GtkTextView    *request_view;
  GtkTextView    *response_view;
  GtkWidget      *derivation_group;
  AdwActionRow   *key_row;
  AdwActionRow   *joined_row;
  AdwActionRow   *sha1_row;
  AdwActionRow   *base64_row;
  AdwActionRow   *accept_row;
  GtkLabel       *verdict_label;

  SpStreamClient *viewer;
  GListModel     *clients;
  GtkStringList  *sources;    /* labels; position 0 is the viewer */
  GArray         *source_ids; /* guint64 client ids for positions 1… */
  char           *expected;
};

G_DEFINE_FINAL_TYPE (SpHandshakePage, sp_handshake_page, GTK_TYPE_WIDGET)

/* The value of header @name in raw HTTP text, or NULL. */
static char *
find_header (const char *text,
             const char *name)
{
  g_auto(GStrv) lines = NULL;
  gsize name_len = strlen (name);

  if (text == NULL)
    return NULL;

  lines = g_strsplit (text, "\r\n", -1);
  for (guint i = 1; lines[i] != NULL && *lines[i] != '\0'; i++)
    if (g_ascii_strncasecmp (lines[i], name, name_len) == 0 && lines[i][name_len] == ':')
      return g_strstrip (g_strdup (lines[i] + name_len + 1));

  return NULL;
}

static gboolean
is_upgrade_header (const char *line)
{
  static const char *names[] = { "Upgrade:", "Connection:", "Sec-WebSocket-" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strncasecmp (line, names[i], strlen (names[i])) == 0)
      return TRUE;

  return FALSE;
}

static void
show_text (GtkTextView *view,
           const char  *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  g_auto(GStrv) lines = g_strsplit (text ? text : "", "\r\n", -1);
  GtkTextIter end;

  gtk_text_buffer_set_text (buffer, "", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* The blank line that ends the head is implied by the frame. */
      if (*lines[i] == '\0' && (lines[i + 1] == NULL || *lines[i + 1] == '\0'))
        break;

      gtk_text_buffer_get_end_iter (buffer, &end);
      if (i > 0)
        gtk_text_buffer_insert (buffer, &end, "\n", 1);
      gtk_text_buffer_get_end_iter (buffer, &end);
      if (i == 0)
        gtk_text_buffer_insert_with_tags_by_name (buffer, &end, lines[i], -1, "start-line", NULL);
      else if (is_upgrade_header (lines[i]))
        gtk_text_buffer_insert_with_tags_by_name (buffer, &end, lines[i], -1, "upgrade", NULL);
      else
        gtk_text_buffer_insert (buffer, &end, lines[i], -1);
    }
}

static void
set_row (AdwActionRow *row,
         const char   *value)
{
  adw_action_row_set_subtitle (row, value && *value ? value : "—");
}

static void
show_exchange (SpHandshakePage *self,
               const char      *request,
               const char      *response)
{
  g_autofree char *key = find_header (request, "Sec-WebSocket-Key");
  g_autofree char *accept = find_header (response, "Sec-WebSocket-Accept");
  g_autoptr(SpAcceptDerivation) derivation = NULL;
  gboolean have = request != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), !have);
  gtk_widget_set_visible (self->exchange_box, have);
  gtk_widget_set_visible (self->derivation_group, have);
  g_clear_pointer (&self->expected, g_free);

  if (!have)
    {
      gtk_label_set_text (self->verdict_label, "");
      return;
    }

  show_text (self->request_view, request);
  show_text (self->response_view, response ? response : _("(no response)"));

  if (key != NULL)
    derivation = sp_accept_derivation_new (key);

  set_row (self->key_row, key);
  set_row (self->joined_row, derivation ? derivation->concatenated : NULL);
  set_row (self->sha1_row, derivation ? derivation->sha1_hex : NULL);
  set_row (self->base64_row, derivation ? derivation->accept : NULL);
  set_row (self->accept_row, accept);
  self->expected = derivation ? g_strdup (derivation->accept) : NULL;

  if (derivation != NULL && accept != NULL && g_str_equal (derivation->accept, accept))
    {
      gtk_label_set_text (self->verdict_label, "✓");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->verdict_label), _("The values match"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label), "success");
    }
  else
    {
      gtk_label_set_text (self->verdict_label, "✗");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->verdict_label),
                                   accept ? _("The values differ") : _("The server sent no accept value"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label), "error");
    }
}

static void
update (SpHandshakePage *self)
{
  guint selected = gtk_drop_down_get_selected (self->source_dropdown);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    {
      const SpHandshakeRecord *record = self->viewer ? sp_stream_client_get_handshake (self->viewer)
                                                     : NULL;

      show_exchange (self, record ? record->request_text : NULL,
                     record ? record->response_text : NULL);
      return;
    }

  for (guint i = 0; self->clients && i < g_list_model_get_n_items (self->clients); i++)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (self->clients, i);
      SpClientInfo *info = sp_client_item_get_info (item);

      if (info->id == g_array_index (self->source_ids, guint64, selected - 1))
        {
          show_exchange (self, info->request_text, info->response_text);
          return;
        }
    }

  show_exchange (self, NULL, NULL);
}

static void
rebuild_sources (SpHandshakePage *self)
{
  guint selected = gtk_drop_down_get_selected (self->source_dropdown);
  guint64 selected_id = selected > 0 && selected != GTK_INVALID_LIST_POSITION &&
                        selected - 1 < self->source_ids->len
                          ? g_array_index (self->source_ids, guint64, selected - 1) : 0;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  guint new_selected = 0;

  g_ptr_array_add (labels, g_strdup (_("This viewer’s connection")));
  g_array_set_size (self->source_ids, 0);
  for (guint i = 0; self->clients && i < g_list_model_get_n_items (self->clients); i++)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (self->clients, i);
      SpClientInfo *info = sp_client_item_get_info (item);

      g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, info->id);

      /* Translators: a server-side client, e.g. "Server client #3 · 127.0.0.1:51234" */
      g_ptr_array_add (labels, g_strdup_printf (_("Server client #%s · %s:%u"),
                                                id, info->address, info->port));
      g_array_append_val (self->source_ids, info->id);
      if (info->id == selected_id)
        new_selected = self->source_ids->len;
    }
  g_ptr_array_add (labels, NULL);

  g_signal_handlers_block_by_func (self->source_dropdown, update, self);
  gtk_string_list_splice (self->sources, 0, g_list_model_get_n_items (G_LIST_MODEL (self->sources)),
                          (const char * const *) labels->pdata);
  gtk_drop_down_set_selected (self->source_dropdown, new_selected);
  g_signal_handlers_unblock_by_func (self->source_dropdown, update, self);
  update (self);
}

void
sp_handshake_page_set_sources (SpHandshakePage *self,
                               SpStreamClient  *viewer,
                               GListModel      *clients)
{
  g_return_if_fail (SP_IS_HANDSHAKE_PAGE (self));

  g_set_object (&self->viewer, viewer);
  g_set_object (&self->clients, clients);
  if (viewer != NULL)
    g_signal_connect_object (viewer, "notify::handshake", G_CALLBACK (update), self,
                             G_CONNECT_SWAPPED);
  if (clients != NULL)
    g_signal_connect_object (clients, "items-changed", G_CALLBACK (rebuild_sources), self,
                             G_CONNECT_SWAPPED);
  rebuild_sources (self);
}

const char *
sp_handshake_page_get_verdict (SpHandshakePage *self)
{
  g_return_val_if_fail (SP_IS_HANDSHAKE_PAGE (self), NULL);

  return gtk_label_get_text (self->verdict_label);
}

const char *
sp_handshake_page_get_expected_accept (SpHandshakePage *self)
{
  g_return_val_if_fail (SP_IS_HANDSHAKE_PAGE (self), NULL);

  return self->expected;
}

static void
setup_tags (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);

  gtk_text_buffer_create_tag (buffer, "start-line", "weight", PANGO_WEIGHT_BOLD, NULL);
  /* Accent-ish blue that reads on light and dark backgrounds alike. */
  gtk_text_buffer_create_tag (buffer, "upgrade", "weight", PANGO_WEIGHT_BOLD,
                              "foreground", "#3584e4", NULL);
}

static void
sp_handshake_page_dispose (GObject *object)
{
  SpHandshakePage *self = SP_HANDSHAKE_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_HANDSHAKE_PAGE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->viewer);
  g_clear_object (&self->clients);
  g_clear_pointer (&self->source_ids, g_array_unref);
  g_clear_pointer (&self->expected, g_free);

  G_OBJECT_CLASS (sp_handshake_page_parent_class)->dispose (object);
}

static void
sp_handshake_page_class_init (SpHandshakePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_handshake_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-handshake-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, source_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, empty_label);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, exchange_box);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, request_view);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, response_view);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, derivation_group);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, key_row);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, joined_row);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, sha1_row);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, base64_row);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, accept_row);
  gtk_widget_class_bind_template_child (widget_class, SpHandshakePage, verdict_label);
}

static void
sp_handshake_page_init (SpHandshakePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  setup_tags (self->request_view);
  setup_tags (self->response_view);
  self->source_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->sources = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->source_dropdown, G_LIST_MODEL (self->sources));
  g_object_unref (self->sources);
  g_signal_connect_swapped (self->source_dropdown, "notify::selected", G_CALLBACK (update), self);
  show_exchange (self, NULL, NULL);
}
