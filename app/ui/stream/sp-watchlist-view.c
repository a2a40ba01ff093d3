/* The watchlist: a list view over the viewer's model (SpWatch), one
 * SpWatchlistRow per symbol. Its memory is the model's: the price extractor
 * keeps at most 4,096 symbols a stream (more are counted as "(other)") and a
 * row's sparkline is a fixed 60 points (sp-sparkline.h); only the rows on
 * screen exist as widgets. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-watchlist-row.h"
#include "sp-watchlist-view.h"

struct _SpWatchlistView
{
  GtkWidget           parent_instance;

  GtkLabel           *title_label;
  GtkStack           *stack;
  GtkListView        *list_view;
  GtkSingleSelection *selection;

  SpWatch            *watch;
  char               *symbol;    /* the charted one, to select again when it comes back */
  gboolean            syncing;   /* the selection follows the chart, not the user */
  guint               select_id;
};

enum {
  SYMBOL_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SpWatchlistView, sp_watchlist_view, GTK_TYPE_WIDGET)

static void
on_selected (SpWatchlistView *self)
{
  SpWatchSymbol *symbol = gtk_single_selection_get_selected_item (self->selection);

  if (self->syncing || symbol == NULL)
    return;
  g_free (self->symbol);
  self->symbol = g_strdup (sp_watch_symbol_get_name (symbol));
  g_signal_emit (self, signals[SYMBOL_CHOSEN], 0, self->symbol);
}

static void
select_symbol (SpWatchlistView *self)
{
  guint n = self->watch != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->watch)) : 0;
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; self->symbol != NULL && i < n && position == GTK_INVALID_LIST_POSITION; i++)
    {
      g_autoptr(SpWatchSymbol) symbol = g_list_model_get_item (G_LIST_MODEL (self->watch), i);

      if (g_str_equal (sp_watch_symbol_get_name (symbol), self->symbol))
        position = i;
    }
  self->syncing = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->syncing = FALSE;
}

static void
on_items_changed (SpWatchlistView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->watch));
  g_autofree char *title = NULL;

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  /* Translators: the watchlist's heading, with its number of symbols */
  title = n > 0 ? g_strdup_printf (ngettext ("Watchlist · %u symbol", "Watchlist · %u symbols", n), n)
                : g_strdup (_("Watchlist"));
  gtk_label_set_text (self->title_label, title);
  if (gtk_single_selection_get_selected (self->selection) == GTK_INVALID_LIST_POSITION)
    select_symbol (self);
}

void
sp_watchlist_view_set_watch (SpWatchlistView *self,
                             SpWatch         *watch)
{
  g_return_if_fail (SP_IS_WATCHLIST_VIEW (self));
  g_return_if_fail (SP_IS_WATCH (watch));
  g_return_if_fail (self->watch == NULL);

  self->watch = g_object_ref (watch);
  self->syncing = TRUE;
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (watch));
  self->syncing = FALSE;
  g_signal_connect_object (watch, "items-changed", G_CALLBACK (on_items_changed), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  on_items_changed (self);
}

static gboolean
select_later (gpointer user_data)
{
  SpWatchlistView *self = user_data;

  self->select_id = 0;
  select_symbol (self);
  return G_SOURCE_REMOVE;
}

void
sp_watchlist_view_set_symbol (SpWatchlistView *self,
                              const char      *name)
{
  g_return_if_fail (SP_IS_WATCHLIST_VIEW (self));

  if (g_strcmp0 (name, self->symbol) != 0)
    {
      g_free (self->symbol);
      self->symbol = g_strdup (name);
    }
  /* The chart may change while the model is still telling its views about
   * new symbols (the symbol menu picks one at once): select when it is done. */
  if (self->select_id == 0)
    /* Before the next frame: a live chart's frames would starve a low idle. */
    self->select_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, select_later, self, NULL);
}

static void
sp_watchlist_view_dispose (GObject *object)
{
  SpWatchlistView *self = SP_WATCHLIST_VIEW (object);

  g_clear_handle_id (&self->select_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SP_TYPE_WATCHLIST_VIEW);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->watch);
  g_clear_pointer (&self->symbol, g_free);

  G_OBJECT_CLASS (sp_watchlist_view_parent_class)->dispose (object);
}

static void
sp_watchlist_view_class_init (SpWatchlistViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sp_watchlist_view_dispose;

  /* The symbol's name, chosen by the user. */
  signals[SYMBOL_CHOSEN] =
    g_signal_new ("symbol-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (SP_TYPE_WATCHLIST_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/com/example/StockPush/sp-watchlist-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistView, title_label);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistView, stack);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SpWatchlistView, selection);
  gtk_widget_class_bind_template_callback (widget_class, on_selected);
}

static void
sp_watchlist_view_init (SpWatchlistView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
