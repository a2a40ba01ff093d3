/* The Handshake page: shows the handshake record the core made and verified
 * (sp-handshake-record.h): both heads, the accept derivation and the verdict.
 * On the main thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-client-item.h"
#include "sp-handshake-page-private.h"
#include "sp-wrap-box.h"

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

/* One head: its start line, then its headers as parsed, the upgrade's marked. */
static void
show_head (GtkTextView        *view,
           const char         *start_line,
           SoupMessageHeaders *headers)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;
  GtkTextIter end;

  gtk_text_buffer_set_text (buffer, "", 0);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert_with_tags_by_name (buffer, &end, start_line, -1, "start-line", NULL);
  if (headers == NULL)
    return;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *line = g_strdup_printf ("%s: %s", name, value);

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, "\n", 1);
      gtk_text_buffer_get_end_iter (buffer, &end);
      if (sp_handshake_is_upgrade_header (name))
        gtk_text_buffer_insert_with_tags_by_name (buffer, &end, line, -1, "upgrade", NULL);
      else
        gtk_text_buffer_insert (buffer, &end, line, -1);
    }
}

static void
set_row (AdwActionRow *row,
         const char   *value)
{
  /* What a peer sent is text, not markup (a row's subtitle would parse it). */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (row, value && *value ? value : "—");
}

static void
show_verdict (SpHandshakePage         *self,
              const SpHandshakeRecord *record)
{
  GtkWidget *label = GTK_WIDGET (self->verdict_label);
  const SpAcceptDerivation *derivation = record->derivation;
  const char *why;

  if (record->verified)
    {
      gtk_label_set_text (self->verdict_label, "✓");
      gtk_widget_set_tooltip_text (label, _("The values match"));
      gtk_widget_remove_css_class (label, "error");
      gtk_widget_add_css_class (label, "success");
      return;
    }

  if (record->received_accept == NULL)
    why = _("The server sent no accept value");
  else if (derivation == NULL || !g_str_equal (derivation->accept, record->received_accept))
    why = _("The values differ");
  else
    why = record->verify_error;   /* the values match, but the answer is wrong otherwise */
  gtk_label_set_text (self->verdict_label, "✗");
  gtk_widget_set_tooltip_text (label, why);
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_add_css_class (label, "error");
}

/* Shows what the core recorded and verified (sp-handshake-record.h); NULL: nothing yet. */
static void
show_record (SpHandshakePage         *self,
             const SpHandshakeRecord *record)
{
  const SpAcceptDerivation *derivation = record ? record->derivation : NULL;
  gboolean have = record != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), !have);
  gtk_widget_set_visible (self->exchange_box, have);
  gtk_widget_set_visible (self->derivation_group, have);
  g_clear_pointer (&self->expected, g_free);

  if (!have)
    {
      gtk_label_set_text (self->verdict_label, "");
      return;
    }

  show_head (self->request_view, record->request_line, record->request_headers);
  if (record->response_line != NULL)
    show_head (self->response_view, record->response_line, record->response_headers);
  else
    show_head (self->response_view, _("(no response)"), NULL);

  set_row (self->key_row, derivation ? derivation->key : NULL);
  set_row (self->joined_row, derivation ? derivation->concatenated : NULL);
  set_row (self->sha1_row, derivation ? derivation->sha1_hex : NULL);
  set_row (self->base64_row, derivation ? derivation->accept : NULL);
  set_row (self->accept_row, record->received_accept);
  self->expected = derivation ? g_strdup (derivation->accept) : NULL;
  show_verdict (self, record);
}

static void
update (SpHandshakePage *self)
{
  guint selected = gtk_drop_down_get_selected (self->source_dropdown);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    {
      show_record (self, self->viewer ? sp_stream_client_get_handshake (self->viewer) : NULL);
      return;
    }

  for (guint i = 0; self->clients && i < g_list_model_get_n_items (self->clients); i++)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (self->clients, i);
      SpClientInfo *info = sp_client_item_get_info (item);

      if (info->id == g_array_index (self->source_ids, guint64, selected - 1))
        {
          /* The server keeps its clients' heads as text (SpClientInfo). */
          g_autoptr(SpHandshakeRecord) record =
            info->request_text != NULL
              ? sp_handshake_record_new_from_text (info->request_text, info->response_text)
              : NULL;

          show_record (self, record);
          return;
        }
    }

  show_record (self, NULL);
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

  g_type_ensure (SP_TYPE_WRAP_BOX);
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
  show_record (self, NULL);
}
