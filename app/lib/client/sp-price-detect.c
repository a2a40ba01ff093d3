/* Reading a feed it was told nothing about (see sp-price-detect.h). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sp-price-detect.h"

#define MAX_LEAVES     400
#define MAX_DEPTH      12
#define MAX_POSITIONS  16    /* elements of a positional array looked at */
#define MAX_STATS      512   /* fields remembered across messages */
#define MIN_SCORE      40    /* a named price a person would trust at once */
#define LEVEL_SAMPLES  3     /* a field of no known name, seen this often near a level */

typedef struct
{
  char       *path;    /* as sp-json-path reads it: "data[].p", "[1].c[0]" */
  char       *parent;  /* the path of what holds it; "" for the root */
  const char *name;    /* its member name, or the name of the array it is in; NULL */
  int         index;   /* its position in a positional array, else -1 */
  JsonNode   *node;
  JsonObject *object;  /* the object it, or its array, is a member of */
} Leaf;

typedef struct
{
  guint  n;
  guint  negatives;
  double min;
  double max;
} Stats;

struct _SpPriceDetector
{
  GHashTable  *stats;   /* path → Stats */
  GArray      *leaves;  /* Leaf, of the message being read */
  SpPriceRule  rule;
  char        *rule_key;
};

static void
leaf_clear (gpointer data)
{
  Leaf *leaf = data;

  g_free (leaf->path);
  g_free (leaf->parent);
}

SpPriceDetector *
_sp_price_detector_new (void)
{
  SpPriceDetector *self = g_new0 (SpPriceDetector, 1);

  self->stats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->leaves = g_array_new (FALSE, TRUE, sizeof (Leaf));
  g_array_set_clear_func (self->leaves, leaf_clear);
  return self;
}

static void
rule_clear (SpPriceDetector *self)
{
  g_clear_pointer (&self->rule.price, sp_json_path_free);
  g_clear_pointer (&self->rule.symbol, sp_json_path_free);
  self->rule.symbol_from_name = FALSE;
  g_clear_pointer (&self->rule_key, g_free);
}

void
_sp_price_detector_free (SpPriceDetector *self)
{
  if (self == NULL)
    return;
  rule_clear (self);
  g_hash_table_unref (self->stats);
  g_array_unref (self->leaves);
  g_free (self);
}

/* ------------------------------------------------------------------------ */
/* Every field of a message, by where it is                                   */

static gboolean
plain_name (const char *name)
{
  return *name != '\0' && strpbrk (name, ".[]") == NULL;
}

static char *
child_path (const char *parent,
            const char *name)
{
  return *parent != '\0' ? g_strconcat (parent, ".", name, NULL) : g_strdup (name);
}

static void walk_node (SpPriceDetector *self, JsonNode *node, const char *path, const char *parent,
                       const char *name, int index, JsonObject *object, guint depth);

static void
walk_array (SpPriceDetector *self,
            JsonArray       *array,
            const char      *path,
            const char      *name,
            JsonObject      *object,
            guint            depth)
{
  guint n = json_array_get_length (array);
  gboolean records = n > 0;

  for (guint i = 0; i < n && records; i++)
    records = JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, i));

  /* Records (trades, tickers): one shape, read through "[]". */
  if (records)
    {
      g_autofree char *each = g_strconcat (path, "[]", NULL);

      walk_node (self, json_array_get_element (array, 0), each, path, NULL, -1, NULL, depth + 1);
      return;
    }

  /* Positional: [channel id, {…}, "ticker", "XBT/USD"], or ["43012.5", "0.1"].
   * Plain values count in the first positions; an object or array anywhere
   * (a tick after a long list of numbers) is read wherever it is. */
  for (guint i = 0; i < n && self->leaves->len < MAX_LEAVES; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *at = NULL;

      if (i >= MAX_POSITIONS && JSON_NODE_HOLDS_VALUE (element))
        continue;
      at = g_strdup_printf ("%s[%u]", path, i);
      walk_node (self, element, at, path, name, (int) i, object, depth + 1);
    }
}

static void
walk_node (SpPriceDetector *self,
           JsonNode        *node,
           const char      *path,
           const char      *parent,
           const char      *name,
           int              index,
           JsonObject      *object,
           guint            depth)
{
  if (depth > MAX_DEPTH || self->leaves->len >= MAX_LEAVES)
    return;

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      Leaf leaf = { g_strdup (path), g_strdup (parent), name, index, node, object };

      g_array_append_val (self->leaves, leaf);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    walk_array (self, json_node_get_array (node), path, name, object, depth);
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *members = json_node_get_object (node);
      JsonObjectIter iter;
      const char *member;
      JsonNode *child;

      json_object_iter_init (&iter, members);
      while (json_object_iter_next (&iter, &member, &child))
        if (plain_name (member))
          {
            g_autofree char *at = child_path (path, member);

            if (JSON_NODE_HOLDS_ARRAY (child))
              walk_array (self, json_node_get_array (child), at, member, members, depth + 1);
            else
              walk_node (self, child, at, path, member, -1, members, depth + 1);
          }
    }
}

/* ------------------------------------------------------------------------ */
/* What a price looks like                                                    */

static gboolean
has_member (JsonObject *object,
            const char *name)
{
  return object != NULL && json_object_has_member (object, name);
}

static gboolean
in_list (const char         *name,
         const char * const *list)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (g_str_equal (name, list[i]))
      return TRUE;
  return FALSE;
}

/* How much a field's name says "the last price": 0 for names of changes,
 * sizes, volumes, times and ids, which are numbers too. */
static int
price_name_score (const char *name,
                  JsonObject *object)
{
  static const char * const last[] = {
    "last", "lastPrice", "last_price", "lastTradePrice", "last_trade_price", "ltp", "lp", NULL,
  };
  static const char * const price[] = { "price", "px", "trade_price", "tradePrice", NULL };
  static const char * const near[] = {
    "mark", "markPrice", "mark_price", "mid", "midPrice", "mid_price", "index_price",
    "indexPrice", NULL,
  };
  static const char * const quotes[] = {
    "bid", "ask", "best_bid", "best_ask", "bidPrice", "askPrice", "bid_price", "ask_price", NULL,
  };
  static const char * const never[] = {
    "change", "chg", "priceChange", "price_change", "changePercent", "change_pct", "pct",
    "percent", "P", "volume", "vol", "v", "qty", "quantity", "amount", "size", "s", "q", "Q",
    "B", "A", "t", "T", "E", "ts", "time", "timestamp", "id", "i", "seq", "sequence", "u", "U",
    "n", "count", "trade_id", "tradeId", "tid", "F", "L", "f", "o", "h", "l", "O", "C", "open",
    "high", "low", "x", "z", "type", NULL,
  };
  gboolean ohlc = has_member (object, "o") + has_member (object, "h") + has_member (object, "l") >= 2;

  if (in_list (name, last))
    return 100;
  if (in_list (name, price))
    return 95;
  /* Binance's 24-hour ticker: "p" is the change there ("P" its percent), "c" the last. */
  if (g_str_equal (name, "p"))
    return has_member (object, "P") ? 0 : 90;
  if (g_str_equal (name, "c"))
    return ohlc ? 92 : 70;
  if (g_str_equal (name, "close"))
    return 85;
  if (in_list (name, near))
    return 60;
  if (g_str_equal (name, "value") || g_str_equal (name, "rate"))
    return 55;
  if (in_list (name, quotes) || g_str_equal (name, "b") || g_str_equal (name, "a"))
    return 40;
  if (in_list (name, never))
    return 0;
  return 5;  /* a number of no known name: trusted only near a level */
}

static int
price_score (SpPriceDetector *self,
             const Leaf      *leaf,
             double           value)
{
  Stats *stats = g_hash_table_lookup (self->stats, leaf->path);
  int score;

  if (value <= 0)
    return 0;
  /* Whole numbers this large are times and ids, not prices. */
  if (value >= 1e9 && value == floor (value))
    return 0;
  /* ["43012.5", "0.1"]: the first of a named array is its price, the rest sizes. */
  if (leaf->index > 0 && leaf->name != NULL)
    return 0;
  score = leaf->name != NULL ? price_name_score (leaf->name, leaf->object) : 5;

  if (stats != NULL && stats->negatives > 0)
    return 0;
  /* A field that has spread over orders of magnitude is more likely a size:
   * a named price still counts, a little less than one that stays at a level. */
  if (stats != NULL && stats->n >= LEVEL_SAMPLES && stats->max > 50 * stats->min)
    score -= 10;
  if (score < MIN_SCORE &&
      !(stats != NULL && stats->n >= LEVEL_SAMPLES && stats->max > stats->min &&
        stats->max < 1.5 * stats->min))
    return 0;
  return score;
}

static void
remember (SpPriceDetector *self,
          const Leaf      *leaf,
          double           value)
{
  Stats *stats = g_hash_table_lookup (self->stats, leaf->path);

  if (stats == NULL)
    {
      if (g_hash_table_size (self->stats) >= MAX_STATS)
        return;
      stats = g_new0 (Stats, 1);
      stats->min = stats->max = value;
      g_hash_table_insert (self->stats, g_strdup (leaf->path), stats);
    }
  stats->n++;
  if (value < 0)
    stats->negatives++;
  stats->min = MIN (stats->min, value);
  stats->max = MAX (stats->max, value);
}

/* ------------------------------------------------------------------------ */
/* What a symbol looks like                                                   */

static gboolean
is_word (const char *text)
{
  static const char * const words[] = {
    "live", "trades", "trade", "ticker", "tickers", "book", "orderbook", "order", "orders",
    "kline", "candle", "candles", "depth", "detail", "market", "bookTicker", "aggTrade",
    "miniTicker", "quote", "quotes", "level2", "l2", "heartbeat", "channel", "spot", "public",
    "private", "data", "update", "snapshot", "matches", "full", "v1", "v2", "stream", NULL,
  };

  return in_list (text, words);
}

/* A pair or a ticker: "XBT/USD", "BTC-USD", "BINANCE:BTCUSDT", "AAPL". */
static gboolean
looks_like_pair (const char *text)
{
  gsize n = strlen (text);
  gboolean letter = FALSE, lower = FALSE;

  if (n < 2 || n > 40 || g_ascii_isdigit (text[0]))
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("/-:_.", *p) == NULL)
        return FALSE;
      letter |= g_ascii_isalpha (*p);
      lower |= g_ascii_islower (*p);
    }
  return letter && (!lower || strpbrk (text, "/-:") != NULL);
}

char *
_sp_price_symbol_from_name (const char *name)
{
  g_auto(GStrv) parts = NULL;

  if (name == NULL || strlen (name) > 80)
    return NULL;
  parts = g_strsplit_set (name, "._@:/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char **words = g_strsplit (parts[i], "_", -1);
      char *found = NULL;

      for (guint k = 0; words[k] != NULL && found == NULL; k++)
        if (strlen (words[k]) >= 3 && !is_word (words[k]) && !g_ascii_isdigit (words[k][0]))
          found = g_strdup (words[k]);
      g_strfreev (words);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static int
symbol_name_score (const char *name)
{
  static const char * const best[] = { "symbol", "sym", "s", "S", "ticker", NULL };
  static const char * const good[] = {
    "instId", "inst_id", "instrument", "instrument_name", "instrumentName", "pair",
    "product_id", "productId", "currency_pair", "market", "code", NULL,
  };

  if (in_list (name, best))
    return 90;
  if (in_list (name, good))
    return 85;
  if (g_str_equal (name, "name"))
    return 40;
  return 0;
}

static gboolean
is_channel_name (const char *name)
{
  return g_str_equal (name, "channel") || g_str_equal (name, "topic") ||
         g_str_equal (name, "stream") || g_str_equal (name, "chan") || g_str_equal (name, "subject");
}

/* Steps of @parent not shared with @near: how far a symbol is from its price. */
static int
distance (const char *parent,
          const char *near)
{
  gsize common = 0;
  int steps = 0;

  while (parent[common] != '\0' && parent[common] == near[common])
    common++;
  for (const char *p = parent + common; *p != '\0'; p++)
    steps += *p == '.' || *p == '[';
  for (const char *p = near + common; *p != '\0'; p++)
    steps += *p == '.' || *p == '[';
  return steps + (parent[common] != '\0' || near[common] != '\0');
}

static int
symbol_score (const Leaf *leaf,
              const char *price_parent,
              gboolean   *from_name)
{
  const char *text;
  int score = 0;

  *from_name = FALSE;
  if (json_node_get_value_type (leaf->node) != G_TYPE_STRING)
    return 0;
  text = json_node_get_string (leaf->node);
  if (*text == '\0' || g_ascii_isdigit (*text) || (*text == '-' && g_ascii_isdigit (text[1])))
    return 0;

  if (leaf->name != NULL && leaf->index < 0)
    {
      score = symbol_name_score (leaf->name);
      if (score == 0 && is_channel_name (leaf->name))
        {
          g_autofree char *inside = _sp_price_symbol_from_name (text);

          if (inside != NULL)
            {
              *from_name = TRUE;
              score = 30;
            }
        }
    }
  else if (leaf->index >= 0 && looks_like_pair (text) && !is_word (text))
    score = 50;

  if (score == 0)
    return 0;
  return MAX (1, score - 5 * distance (leaf->parent, price_parent));
}

/* ------------------------------------------------------------------------ */
/* The rule                                                                   */

static const SpPriceRule *
set_rule (SpPriceDetector *self,
          const char      *price,
          const char      *symbol,
          gboolean         from_name)
{
  g_autofree char *key = g_strdup_printf ("%s\n%s\n%d", price, symbol ? symbol : "", from_name);

  if (g_strcmp0 (key, self->rule_key) == 0)
    return &self->rule;

  rule_clear (self);
  self->rule.price = sp_json_path_parse (price, NULL);
  self->rule.symbol = symbol != NULL ? sp_json_path_parse (symbol, NULL) : NULL;
  self->rule.symbol_from_name = from_name;
  if (self->rule.price == NULL)
    {
      rule_clear (self);
      return NULL;
    }
  self->rule_key = g_steal_pointer (&key);
  return &self->rule;
}

static const Leaf *
best_symbol (SpPriceDetector *self,
             const char      *price_parent,
             gboolean        *from_name)
{
  const Leaf *best = NULL;
  int best_score = 0;

  for (guint i = 0; i < self->leaves->len; i++)
    {
      const Leaf *leaf = &g_array_index (self->leaves, Leaf, i);
      gboolean named;
      int score = symbol_score (leaf, price_parent, &named);

      if (score > best_score)
        {
          best = leaf;
          best_score = score;
          *from_name = named;
        }
    }
  return best;
}

static void
read_leaves (SpPriceDetector *self,
             JsonNode        *root)
{
  g_array_set_size (self->leaves, 0);
  walk_node (self, root, "", "", NULL, -1, NULL, 0);
}

const SpPriceRule *
_sp_price_detector_observe (SpPriceDetector *self,
                            JsonNode        *root)
{
  const Leaf *price = NULL;
  const Leaf *symbol;
  int best = 0;
  gboolean from_name = FALSE;

  g_return_val_if_fail (self != NULL && root != NULL, NULL);

  read_leaves (self, root);
  for (guint i = 0; i < self->leaves->len; i++)
    {
      const Leaf *leaf = &g_array_index (self->leaves, Leaf, i);
      double value;
      int score;

      if (!_sp_price_node_number (leaf->node, &value))
        continue;
      score = price_score (self, leaf, value);
      remember (self, leaf, value);
      if (score > best)
        {
          best = score;
          price = leaf;
        }
    }
  if (price == NULL)
    return NULL;

  symbol = best_symbol (self, price->parent, &from_name);
  return set_rule (self, price->path, symbol ? symbol->path : NULL, from_name);
}

const SpPriceRule *
_sp_price_detector_symbol_for (SpPriceDetector  *self,
                               JsonNode         *root,
                               const SpJsonPath *price)
{
  g_autofree char *price_path = sp_json_path_to_string (price);
  g_autofree char *parent = g_strdup (price_path);
  char *cut = MAX (strrchr (parent, '.'), strrchr (parent, '['));
  const Leaf *symbol;
  gboolean from_name = FALSE;

  /* "data[].p" → "data[]"; "[1].c[0]" → "[1].c"; "p" → "". */
  if (cut != NULL && *cut == '[' && cut[1] == ']')
    cut[2] = '\0';
  else if (cut != NULL)
    *cut = '\0';
  else
    *parent = '\0';

  read_leaves (self, root);
  symbol = best_symbol (self, parent, &from_name);
  return set_rule (self, price_path, symbol ? symbol->path : NULL, from_name);
}
