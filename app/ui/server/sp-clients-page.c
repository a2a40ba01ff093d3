/* The Clients page: a live table of the built-in server's clients, or how to connect one. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-client-item.h"
#include "sp-clients-page.h"
#include "sp-bin.h"

#define REFRESH_SECONDS 1

struct _SpClientsPage
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  AdwStatusPage *status_page;
  GtkListBox    *urls_box;
  GtkColumnView *column_view;
  GtkRevealer   *refusals_revealer;
  GtkListBox    *refusals_box;
  GtkButton     *clear_refusals_button;

  SpServer      *server;
  GListStore    *clients;   /* SpClientItem, ordered by id */
  guint          refresh_id;
  guint          queued_refresh_id;
  GPtrArray     *departed;       /* SpClientInfo of clients that left, for a minute */
  GPtrArray     *by_priority;    /* GtkColumnViewColumn, the first to keep in a narrow window first */
  GtkColumnViewColumn *squeezed; /* given less than its width to fit, or NULL */
};

#define DEPARTED_KEEP_US (60 * G_USEC_PER_SEC)
#define MAX_DEPARTED     200
/* Rows of refused connections: one per kind and origin, counting repeats. */
#define MAX_REFUSAL_ROWS 50

G_DEFINE_FINAL_TYPE (SpClientsPage, sp_clients_page, GTK_TYPE_WIDGET)

typedef char *(*CellText) (const SpClientInfo *info);

static char *
text_address (const SpClientInfo *info)
{
  if (strchr (info->address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", info->address, info->port);

  return g_strdup_printf ("%s:%u", info->address, info->port);
}

static char *
text_since (const SpClientInfo *info)
{
  gint64 until = info->left_at != 0 ? info->left_at : g_get_real_time ();
  guint seconds = (guint) CLAMP ((until - info->connected_at) / G_USEC_PER_SEC, 0, G_MAXUINT);

  if (seconds < 60)
    return g_strdup_printf (ngettext ("%u second", "%u seconds", seconds), seconds);
  if (seconds < 3600)
    return g_strdup_printf (ngettext ("%u minute", "%u minutes", seconds / 60), seconds / 60);

  /* Translators: hours and minutes connected, e.g. "2 h 05 min" */
  return g_strdup_printf (_("%u h %02u min"), seconds / 3600, seconds % 3600 / 60);
}

static char *
seconds_ago (gint64 then)
{
  guint seconds = (guint) CLAMP ((g_get_real_time () - then) / G_USEC_PER_SEC, 0, G_MAXUINT);

  return g_strdup_printf (ngettext ("%u second", "%u seconds", seconds), seconds);
}

/* Keeping up, held to the latest prices, or gone (and why). */
static char *
text_health (const SpClientInfo *info)
{
  g_autofree char *pong = NULL;

  if (info->left_at != 0)
    {
      g_autofree char *ago = seconds_ago (info->left_at);

      if (info->close_code == 1006 &&
          (info->close_reason == NULL || *info->close_reason == '\0'))
        /* Translators: a client whose connection dropped without a close frame */
        return g_strdup_printf (_("Left %s ago · connection lost (1006)"), ago);
      /* Translators: a client that left: "Left 12 seconds ago · 1001 going away" */
      return g_strdup_printf (_("Left %s ago · %u%s%s"), ago, info->close_code,
                              info->close_reason && *info->close_reason ? " " : "",
                              info->close_reason ? info->close_reason : "");
    }
  if (info->last_pong_at != 0 && info->ping_rtt_us >= 0)
    {
      g_autofree char *ago = seconds_ago (info->last_pong_at);
      double ms = info->ping_rtt_us / 1000.0;

      /* Translators: appended to a client's state: "· ping 0.4 ms, pong 4 seconds ago" */
      pong = g_strdup_printf (_(" · ping %.*f ms, pong %s ago"), ms < 10 ? 1 : 0, ms, ago);
    }
  else if (info->last_pong_at != 0)
    {
      g_autofree char *ago = seconds_ago (info->last_pong_at);

      /* Translators: appended to a client's state: "· pong 4 seconds ago" */
      pong = g_strdup_printf (_(" · pong %s ago"), ago);
    }
  if (info->lagging)
    {
      g_autofree char *since = seconds_ago (info->lagging_since);

      /* Translators: a client whose socket is full, e.g. "Behind for 3 seconds: latest prices only" */
      return g_strdup_printf (_("Behind for %s: latest prices only%s"), since, pong ? pong : "");
    }

  return g_strdup_printf ("%s%s", _("Keeping up"), pong ? pong : "");
}

static char *
frames_and_size (guint64 frames,
                 guint64 bytes)
{
  g_autofree char *size = g_format_size (bytes);

  return g_strdup_printf ("%" G_GUINT64_FORMAT " · %s", frames, size);
}

static char *
text_sent (const SpClientInfo *info)
{
  return frames_and_size (info->frames_sent, info->bytes_sent);
}

static char *
text_received (const SpClientInfo *info)
{
  return frames_and_size (info->frames_received, info->bytes_received);
}

static char *
text_origin (const SpClientInfo *info)
{
  return g_strdup (info->origin ? info->origin : "—");
}

static char *
text_agent (const SpClientInfo *info)
{
  return g_strdup (info->user_agent ? info->user_agent : "—");
}

static char *
text_symbols (const SpClientInfo *info)
{
  if (info->subscriptions == NULL)
    return g_strdup (_("All"));
  if (info->subscriptions[0] == NULL)
    return g_strdup (_("None"));

  return g_strjoinv (", ", info->subscriptions);
}

static void
update_label (GtkLabel     *label,
              SpClientItem *item)
{
  CellText text = g_object_get_data (G_OBJECT (label), "cell-text");
  g_autofree char *value = text (sp_client_item_get_info (item));

  if (g_strcmp0 (gtk_label_get_text (label), value) != 0)
    gtk_label_set_text (label, value);
  /* A client that left stays a minute, greyed. */
  if (sp_client_item_get_info (item)->left_at != 0)
    gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
}

/* The whole text of a cut cell, asked for only when the pointer rests on it:
 * setting a tooltip at each bind would ask the X server where the pointer is,
 * once per cell, and a thousand clients arrive at once. */
static gboolean
on_cell_tooltip (GtkWidget  *widget,
                 int         x,
                 int         y,
                 gboolean    keyboard,
                 GtkTooltip *tooltip,
                 gpointer    user_data)
{
  const char *text = gtk_label_get_text (GTK_LABEL (widget));

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_item_info (SpClientItem *item,
              GParamSpec   *pspec,
              GtkLabel     *label)
{
  update_label (label, item);
}

static void
setup_text (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  text)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_set_has_tooltip (label, TRUE);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (on_cell_tooltip), NULL);
  g_object_set_data (G_OBJECT (label), "cell-text", text);
  gtk_list_item_set_child (list_item, label);
}

static void
bind_text (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  text)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  SpClientItem *item = gtk_list_item_get_item (list_item);

  update_label (label, item);
  g_signal_connect_object (item, "notify::info", G_CALLBACK (on_item_info), label, 0);
}

static void
unbind_text (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  text)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (list_item), on_item_info,
                                        gtk_list_item_get_child (list_item));
}

static void
on_disconnect_clicked (GtkButton     *button,
                       SpClientsPage *self)
{
  guint64 *id = g_object_get_data (G_OBJECT (button), "client-id");

  if (id != NULL && self->server != NULL)
    sp_server_kick_client (self->server, *id);
}

static void
setup_button (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("window-close-symbolic");

  gtk_widget_set_tooltip_text (button, _("Disconnect This Client"));
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  g_signal_connect (button, "clicked", G_CALLBACK (on_disconnect_clicked), user_data);
  gtk_list_item_set_child (list_item, button);
}

/* A client that left cannot be disconnected: its button goes grey with it. */
static void
update_button (GtkWidget    *button,
               SpClientItem *item)
{
  SpClientInfo *info = sp_client_item_get_info (item);

  g_object_set_data_full (G_OBJECT (button), "client-id",
                          g_memdup2 (&info->id, sizeof info->id), g_free);
  gtk_widget_set_sensitive (button, info->left_at == 0);
}

static void
on_button_item_info (SpClientItem *item,
                     GParamSpec   *pspec,
                     GtkWidget    *button)
{
  update_button (button, item);
}

static void
bind_button (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  SpClientItem *item = gtk_list_item_get_item (list_item);

  update_button (gtk_list_item_get_child (list_item), item);
  g_signal_connect_object (item, "notify::info", G_CALLBACK (on_button_item_info),
                           gtk_list_item_get_child (list_item), 0);
}

static void
unbind_button (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (list_item), on_button_item_info,
                                        gtk_list_item_get_child (list_item));
}

static GtkColumnViewColumn *
add_column (SpClientsPage *self,
            const char    *title,
            CellText       text,
            gboolean       expand,
            int            fixed_width)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) column = NULL;

  if (text != NULL)
    {
      g_signal_connect (factory, "setup", G_CALLBACK (setup_text), text);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_text), text);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_text), text);
    }
  else
    {
      g_signal_connect (factory, "setup", G_CALLBACK (setup_button), self);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_button), self);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_button), self);
    }

  column = gtk_column_view_column_new (title, g_object_ref (factory));
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, text != NULL);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (column, fixed_width);
  gtk_column_view_append_column (self->column_view, column);
  return column;
}

/* What a column takes when it has no fixed width: the button's, and the
 * user agent's least useful width. */
#define BUTTON_COLUMN_WIDTH 56
#define AGENT_COLUMN_WIDTH  200

/* A narrow window shows the columns that fit, most useful first (the address,
 * the disconnect button, the health…), so none is cut off at the edge; the
 * first that does not fit at its width takes what is left when that is enough
 * to read (it ellipsizes); the others come back as the window widens. */
#define SQUEEZED_COLUMN_MIN 100

static void
sp_clients_page_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  SpClientsPage *self = SP_CLIENTS_PAGE (widget);
  GtkColumnViewColumn *squeezed = NULL;
  int used = 0;

  for (guint i = 0; self->by_priority != NULL && i < self->by_priority->len; i++)
    {
      GtkColumnViewColumn *column = self->by_priority->pdata[i];
      /* As the user left it, or as it was made when it is the one squeezed. */
      int fixed = column == self->squeezed
                    ? GPOINTER_TO_INT (g_object_get_data (G_OBJECT (column), "sp-fixed-width"))
                    : gtk_column_view_column_get_fixed_width (column);
      int column_width = fixed > 0 ? fixed
                       : gtk_column_view_column_get_title (column) != NULL ? AGENT_COLUMN_WIDTH
                       : BUTTON_COLUMN_WIDTH;
      gboolean fits = i == 0 || used + column_width <= width;

      if (!fits && squeezed == NULL && fixed > 0 && width - used >= SQUEEZED_COLUMN_MIN)
        {
          if (column != self->squeezed)
            g_object_set_data (G_OBJECT (column), "sp-fixed-width", GINT_TO_POINTER (fixed));
          squeezed = column;
          column_width = width - used;
          fits = TRUE;
        }
      if (fits)
        used += column_width;
      if (column == squeezed && gtk_column_view_column_get_fixed_width (column) != column_width)
        gtk_column_view_column_set_fixed_width (column, column_width);
      else if (column == self->squeezed && column != squeezed)
        gtk_column_view_column_set_fixed_width (column, fixed);
      if (gtk_column_view_column_get_visible (column) != fits)
        gtk_column_view_column_set_visible (column, fits);
    }
  self->squeezed = squeezed;

  sp_bin_allocate (widget, width, height, baseline);
}

static void
rebuild_urls (SpClientsPage *self)
{
  GtkWidget *child;
  g_auto(GStrv) urls = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->urls_box))) != NULL)
    gtk_list_box_remove (self->urls_box, child);

  if (self->server == NULL || !sp_server_get_running (self->server))
    {
      adw_status_page_set_description (self->status_page,
                                       _("Turn on the built-in server with the switch in the "
                                         "header bar, then connect a WebSocket client to it."));
      gtk_widget_set_visible (GTK_WIDGET (self->urls_box), FALSE);
      return;
    }

  adw_status_page_set_description (self->status_page,
                                   _("Point a WebSocket client at one of these addresses, or open "
                                     "the same address with http:// in a browser for the "
                                     "built-in web client."));
  urls = sp_server_dup_urls (self->server);
  for (guint i = 0; urls[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), urls[i]);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_add_css_class (row, "monospace");
      gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (copy, "flat");
      gtk_widget_set_tooltip_text (copy, _("Copy Address"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), "win.copy");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (copy), "s", urls[i]);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), copy);
      gtk_list_box_append (self->urls_box, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->urls_box), TRUE);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  guint64 x = (*(SpClientInfo * const *) a)->id;
  guint64 y = (*(SpClientInfo * const *) b)->id;

  return (x > y) - (x < y);
}

/* Clients that left in the last minute join the list, greyed, with how they left. */
static void
add_departed (SpClientsPage *self,
              GPtrArray     *infos)
{
  gint64 now = g_get_real_time ();
  guint i = 0;

  while (i < self->departed->len)
    {
      SpClientInfo *info = g_ptr_array_index (self->departed, i);

      if (now - info->left_at > DEPARTED_KEEP_US)
        g_ptr_array_remove_index (self->departed, i);
      else
        {
          g_ptr_array_add (infos, sp_client_info_ref (info));
          i++;
        }
    }
  g_ptr_array_sort (infos, compare_ids);
}

static void
on_client_disconnected (SpServer      *server,
                        SpClientInfo  *info,
                        SpClientsPage *self)
{
  g_ptr_array_add (self->departed, sp_client_info_ref (info));
  /* Bounded: a burst of departures keeps only the newest. */
  if (self->departed->len > MAX_DEPARTED)
    g_ptr_array_remove_range (self->departed, 0, self->departed->len - MAX_DEPARTED);
}

/* Merges fresh snapshots into the stable items, so rows and selection stay put. */
static void
refresh (SpClientsPage *self)
{
  g_autoptr(GPtrArray) infos = NULL;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->clients));
  guint i = 0;
  guint j = 0;

  infos = self->server != NULL ? sp_server_list_clients (self->server)
                               : g_ptr_array_new_with_free_func ((GDestroyNotify) sp_client_info_unref);
  add_departed (self, infos);

  /* Both lists are ordered by id: one merge pass. */
  while (i < g_list_model_get_n_items (G_LIST_MODEL (self->clients)) || j < infos->len)
    {
      g_autoptr(SpClientItem) item = g_list_model_get_item (G_LIST_MODEL (self->clients), i);
      SpClientInfo *info = j < infos->len ? g_ptr_array_index (infos, j) : NULL;
      guint64 item_id = item ? sp_client_item_get_info (item)->id : G_MAXUINT64;
      guint64 info_id = info ? info->id : G_MAXUINT64;

      if (item_id == info_id)
        {
          /* The same snapshot still reads differently a second later ("left
           * 3 seconds ago"): its cells are told to look again. */
          if (sp_client_item_get_info (item) == info)
            g_object_notify (G_OBJECT (item), "info");
          else
            sp_client_item_set_info (item, info);
          i++, j++;
        }
      else if (item_id < info_id)
        {
          /* Every client gone from here on, in one splice. */
          guint n = 1;

          while (i + n < g_list_model_get_n_items (G_LIST_MODEL (self->clients)))
            {
              g_autoptr(SpClientItem) next = g_list_model_get_item (G_LIST_MODEL (self->clients), i + n);

              if (sp_client_item_get_info (next)->id >= info_id)
                break;
              n++;
            }
          g_list_store_splice (self->clients, i, n, NULL, 0);
        }
      else
        {
          /* Every newcomer before the next known client, in one splice: a
           * thousand clients arriving at once are one change, not a thousand. */
          g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

          while (j < infos->len && ((SpClientInfo *) g_ptr_array_index (infos, j))->id < item_id)
            g_ptr_array_add (fresh, sp_client_item_new (g_ptr_array_index (infos, j++)));
          g_list_store_splice (self->clients, i, 0, fresh->pdata, fresh->len);
          i += fresh->len;
        }
    }

  if ((n_items == 0) != (infos->len == 0) || infos->len == 0)
    gtk_stack_set_visible_child_name (self->stack, infos->len > 0 ? "list" : "empty");
}

static gboolean
on_queued_refresh (gpointer data)
{
  SpClientsPage *self = data;

  self->queued_refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

/* Clients come and go in bursts: the list follows at most five times a second. */
static void
queue_refresh (SpClientsPage *self)
{
  if (self->queued_refresh_id == 0)
    self->queued_refresh_id = g_timeout_add (200, on_queued_refresh, self);
}

static gboolean
refresh_tick (gpointer data)
{
  refresh (data);

  return G_SOURCE_CONTINUE;
}

static void
on_server_changed (SpClientsPage *self)
{
  /* A new run numbers its clients from 1 again: those of the last run go. */
  if (self->server != NULL && sp_server_get_running (self->server))
    g_ptr_array_set_size (self->departed, 0);
  rebuild_urls (self);
  refresh (self);
}

static void on_client_refused (SpServer *server, SpRefusal *refusal, SpClientsPage *self);

void
sp_clients_page_set_server (SpClientsPage *self,
                            SpServer      *server)
{
  g_return_if_fail (SP_IS_CLIENTS_PAGE (self));
  g_return_if_fail (SP_IS_SERVER (server));

  g_set_object (&self->server, server);
  g_signal_connect_object (server, "notify::running", G_CALLBACK (on_server_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (server, "notify::n-clients", G_CALLBACK (queue_refresh), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (server, "client-disconnected", G_CALLBACK (on_client_disconnected),
                           self, 0);
  g_signal_connect_object (server, "client-refused", G_CALLBACK (on_client_refused), self, 0);
  on_server_changed (self);
}

/* ------------------------------------------------------------------------ */
/* Refused connections                                                        */

static char *
refusal_title (const SpRefusal *refusal)
{
  switch (refusal->kind)
    {
    case SP_REFUSAL_ORIGIN:
      if (refusal->origin != NULL && g_str_equal (refusal->origin, "null"))
        return g_strdup (_("A page opened from a file (Origin null)"));
      /* Translators: a browser page refused for its origin, e.g. "A page from https://example.com" */
      return g_strdup_printf (_("A page from %s"), refusal->origin ? refusal->origin : "?");
    case SP_REFUSAL_TOKEN:
      return g_strdup (_("A client without the access token"));
    case SP_REFUSAL_FULL:
      return g_strdup (_("A client while the server was full"));
    case SP_REFUSAL_HEADERS:
      return g_strdup (_("A request with too many or too large headers"));
    case SP_REFUSAL_VERSION:
      return g_strdup (_("A client of another WebSocket version"));
    case SP_REFUSAL_BAD_REQUEST:
    default:
      return g_strdup (_("A request the server cannot read safely"));
    }
}

static char *
refusal_key (const SpRefusal *refusal)
{
  return g_strdup_printf ("%d %s", refusal->kind, refusal->origin ? refusal->origin : "");
}

static void
update_refusal_row (AdwActionRow    *row,
                    const SpRefusal *refusal,
                    guint64          count)
{
  g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (refusal->at / G_USEC_PER_SEC);
  g_autofree char *time = at != NULL ? g_date_time_format (at, "%X") : g_strdup ("?");
  g_autofree char *address = strchr (refusal->address ? refusal->address : "", ':') != NULL
                               ? g_strdup_printf ("[%s]:%u", refusal->address, refusal->port)
                               : g_strdup_printf ("%s:%u", refusal->address ? refusal->address : "?",
                                                  refusal->port);
  guint n = (guint) MIN (count, G_MAXUINT);
  g_autofree char *times = n > 1
                             /* Translators: how often the same refusal happened */
                             ? g_strdup_printf (ngettext (" · %u time", " · %u times", n), n)
                             : g_strdup ("");
  /* Translators: "12:03:04 · 127.0.0.1:5555 · 403 pages from null may not use … · 3 times" */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s · %u %s%s"), time, address,
                                               refusal->status,
                                               refusal->reason ? refusal->reason : "", times);

  adw_action_row_set_subtitle (row, subtitle);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row), subtitle);
}

static void
on_allow_clicked (GtkButton *button,
                  gpointer   user_data)
{
  gtk_button_set_label (button, _("Allowed"));
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
}

static void
on_client_refused (SpServer      *server,
                   SpRefusal     *refusal,
                   SpClientsPage *self)
{
  g_autofree char *key = refusal_key (refusal);
  g_autofree char *title = NULL;
  GtkWidget *row;
  guint64 count;

  for (row = gtk_widget_get_first_child (GTK_WIDGET (self->refusals_box)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "sp-key"), key) == 0)
      break;

  if (row != NULL)
    {
      /* The latest first, its count grown. */
      count = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "sp-count")) + 1 + refusal->more;
      g_object_ref (row);
      gtk_list_box_remove (self->refusals_box, row);
      gtk_list_box_prepend (self->refusals_box, row);
      g_object_unref (row);
    }
  else
    {
      GtkWidget *last;
      guint n = 0;

      count = 1 + refusal->more;
      title = refusal_title (refusal);
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
      g_object_set_data_full (G_OBJECT (row), "sp-key", g_steal_pointer (&key), g_free);
      if (refusal->kind == SP_REFUSAL_ORIGIN && refusal->origin != NULL)
        {
          GtkWidget *allow = gtk_button_new_with_mnemonic (_("_Allow This Origin"));

          gtk_widget_set_valign (allow, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (allow, _("Let pages from this origin connect, from the "
                                                "next connection on (Preferences → Security)"));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (allow), "win.allow-origin");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (allow), "s", refusal->origin);
          g_signal_connect (allow, "clicked", G_CALLBACK (on_allow_clicked), NULL);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), allow);
        }
      gtk_list_box_prepend (self->refusals_box, row);

      for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->refusals_box));
           child != NULL; child = gtk_widget_get_next_sibling (child))
        n++;
      if (n > MAX_REFUSAL_ROWS && (last = gtk_widget_get_last_child (GTK_WIDGET (self->refusals_box))))
        gtk_list_box_remove (self->refusals_box, last);
    }

  g_object_set_data (G_OBJECT (row), "sp-count", GSIZE_TO_POINTER ((gsize) count));
  update_refusal_row (ADW_ACTION_ROW (row), refusal, count);
  gtk_revealer_set_reveal_child (self->refusals_revealer, TRUE);
}

static void
on_clear_refusals (SpClientsPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->refusals_box))) != NULL)
    gtk_list_box_remove (self->refusals_box, child);
  gtk_revealer_set_reveal_child (self->refusals_revealer, FALSE);
}

guint
sp_clients_page_get_n_refusals (SpClientsPage *self)
{
  guint n = 0;

  g_return_val_if_fail (SP_IS_CLIENTS_PAGE (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->refusals_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    n += GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (child), "sp-count"));
  return n;
}

GListModel *
sp_clients_page_get_clients (SpClientsPage *self)
{
  g_return_val_if_fail (SP_IS_CLIENTS_PAGE (self), NULL);

  return G_LIST_MODEL (self->clients);
}

static void
sp_clients_page_map (GtkWidget *widget)
{
  SpClientsPage *self = SP_CLIENTS_PAGE (widget);

  GTK_WIDGET_CLASS (sp_clients_page_parent_class)->map (widget);

  /* Counters and "connected since" move only while someone looks. */
  refresh (self);
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_tick, self);
}

static void
sp_clients_page_unmap (GtkWidget *widget)
{
  SpClientsPage *self = SP_CLIENTS_PAGE (widget);

  g_clear_handle_id (&self->refresh_id, g_source_remove);

  GTK_WIDGET_CLASS (sp_clients_page_parent_class)->unmap (widget);
}

static void
sp_clients_page_dispose (GObject *object)
{
  SpClientsPage *self = SP_CLIENTS_PAGE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->queued_refresh_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_CLIENTS_PAGE);
  /* Children the template does not name are ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->server);
  g_clear_object (&self->clients);
  g_clear_pointer (&self->departed, g_ptr_array_unref);
  g_clear_pointer (&self->by_priority, g_ptr_array_unref);

  G_OBJECT_CLASS (sp_clients_page_parent_class)->dispose (object);
}

static void
sp_clients_page_class_init (SpClientsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_clients_page_dispose;
  widget_class->map = sp_clients_page_map;
  widget_class->unmap = sp_clients_page_unmap;
  widget_class->get_request_mode = sp_bin_get_request_mode;
  widget_class->measure = sp_bin_measure;
  widget_class->size_allocate = sp_clients_page_size_allocate;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-clients-page.ui");
  /* No layout manager: its size_allocate chooses the layout (sp-bin.h). */
  gtk_widget_class_bind_template_child (widget_class, SpClientsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SpClientsPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, SpClientsPage, urls_box);
  gtk_widget_class_bind_template_child (widget_class, SpClientsPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, SpClientsPage, refusals_revealer);
  gtk_widget_class_bind_template_child (widget_class, SpClientsPage, refusals_box);
  gtk_widget_class_bind_template_child (widget_class, SpClientsPage, clear_refusals_button);
}

static void
sp_clients_page_init (SpClientsPage *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->clients = g_list_store_new (SP_TYPE_CLIENT_ITEM);
  self->departed = g_ptr_array_new_with_free_func ((GDestroyNotify) sp_client_info_unref);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->clients)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));

  {
    GtkColumnViewColumn *address = add_column (self, _("Address"), text_address, FALSE, 150);
    GtkColumnViewColumn *since = add_column (self, _("Connected"), text_since, FALSE, 110);
    GtkColumnViewColumn *sent = add_column (self, _("Sent (frames · size)"), text_sent, FALSE, 160);
    GtkColumnViewColumn *received = add_column (self, _("Received (frames · size)"), text_received, FALSE, 170);
    GtkColumnViewColumn *symbols = add_column (self, _("Symbols"), text_symbols, FALSE, 110);
    GtkColumnViewColumn *origin = add_column (self, _("Origin"), text_origin, FALSE, 120);
    GtkColumnViewColumn *health = add_column (self, _("Health"), text_health, FALSE, 210);
    GtkColumnViewColumn *agent = add_column (self, _("User Agent"), text_agent, TRUE, -1);
    GtkColumnViewColumn *button = add_column (self, NULL, NULL, FALSE, -1);
    GtkColumnViewColumn *by_priority[] = { address, button, health, since, sent, received,
                                           symbols, origin, agent };

    self->by_priority = g_ptr_array_new_with_free_func (g_object_unref);
    for (guint i = 0; i < G_N_ELEMENTS (by_priority); i++)
      g_ptr_array_add (self->by_priority, g_object_ref (by_priority[i]));
  }

  g_signal_connect_swapped (self->clear_refusals_button, "clicked",
                            G_CALLBACK (on_clear_refusals), self);
  rebuild_urls (self);
}
