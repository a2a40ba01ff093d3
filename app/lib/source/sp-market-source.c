/* The simulated market as a tick source (see sp-market-source.h). */
#include "config.h"

#include "sp-market-source.h"
#include "sp-tick-source-private.h"
#include "sp-ticker.h"

struct _SpMarketSource
{
  SpTickSource  parent_instance;

  SpMarket     *market;
  guint         interval_ms;
  guint         missed;    /* grid points the pacer skipped before the one due */
  gboolean      due;       /* a batch waits for sp_tick_source_next() */
  SpQuote      *quotes;    /* SP_TICK_SOURCE_MAX_STEPS × symbols */
};

G_DEFINE_FINAL_TYPE (SpMarketSource, sp_market_source, SP_TYPE_TICK_SOURCE)

static gboolean
on_grid_point (gint64   deadline_us,
               guint    missed,
               gpointer user_data)
{
  SpMarketSource *self = user_data;

  self->missed = missed;
  self->due = TRUE;
  return _sp_tick_source_due (SP_TICK_SOURCE (self));
}

static GSource *
sp_market_source_create_pacer (SpTickSource *source)
{
  SpMarketSource *self = SP_MARKET_SOURCE (source);
  GSource *pacer = sp_ticker_source_new ((gint64) self->interval_ms * G_TIME_SPAN_MILLISECOND,
                                         on_grid_point, self, NULL);

  /* A new start (the market itself goes on): nothing is due from before. */
  self->due = FALSE;
  self->missed = 0;

  g_source_set_static_name (pacer, "[stockpush] market ticks");
  return pacer;
}

/* Every interval the market moves once, also those the receiver was too
 * busy for: their steps go out together in this batch, none lost, up to
 * SP_TICK_SOURCE_MAX_STEPS (the market moves on over older ones). */
static gboolean
sp_market_source_next (SpTickSource *source,
                       SpTickBatch  *batch)
{
  SpMarketSource *self = SP_MARKET_SOURCE (source);
  guint n = sp_market_get_n_symbols (self->market);
  guint steps = MIN (self->missed, SP_TICK_SOURCE_MAX_STEPS - 1) + 1;
  double dt = self->interval_ms / 1000.0;

  if (!self->due)
    return FALSE;
  self->due = FALSE;

  for (guint k = steps; k <= self->missed; k++)
    sp_market_step (self->market, dt);
  for (guint k = 0; k < steps; k++)
    {
      sp_market_step (self->market, dt);
      for (guint i = 0; i < n; i++)
        self->quotes[k * n + i] = *sp_market_get_quote (self->market, i);
    }

  batch->n_steps = steps;
  batch->quotes = self->quotes;
  batch->step_us = (gint64) self->interval_ms * G_TIME_SPAN_MILLISECOND;
  batch->message = NULL;
  return TRUE;
}

static void
sp_market_source_finalize (GObject *object)
{
  SpMarketSource *self = SP_MARKET_SOURCE (object);

  g_clear_pointer (&self->market, sp_market_free);
  g_clear_pointer (&self->quotes, g_free);

  G_OBJECT_CLASS (sp_market_source_parent_class)->finalize (object);
}

static void
sp_market_source_class_init (SpMarketSourceClass *klass)
{
  SpTickSourceClass *source_class = SP_TICK_SOURCE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = sp_market_source_finalize;
  source_class->create_pacer = sp_market_source_create_pacer;
  source_class->next = sp_market_source_next;
}

static void
sp_market_source_init (SpMarketSource *self)
{
}

SpTickSource *
sp_market_source_new (const char * const *symbols,
                      guint64             seed,
                      guint               interval_ms,
                      GError            **error)
{
  g_autoptr(SpMarket) market = NULL;
  SpMarketSource *self;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  guint n;

  g_return_val_if_fail (interval_ms > 0, NULL);

  market = sp_market_new (symbols, seed, error);
  if (market == NULL)
    return NULL;

  self = g_object_new (SP_TYPE_MARKET_SOURCE, NULL);
  n = sp_market_get_n_symbols (market);
  for (guint i = 0; i < n; i++)
    g_strv_builder_add (names, sp_market_get_symbol (market, i));
  _sp_tick_source_set_symbols (SP_TICK_SOURCE (self), g_strv_builder_end (names));
  self->market = g_steal_pointer (&market);
  self->interval_ms = interval_ms;
  self->quotes = g_new0 (SpQuote, (gsize) SP_TICK_SOURCE_MAX_STEPS * n);

  return SP_TICK_SOURCE (self);
}
