/* Finds prices in the messages of any stream: StockPush JSON, the original demo's text,
 * bare numbers, text with one number, or any JSON object by path or by common names. */
#include "sp-json.h"
#include "sp-price-extractor.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define MAX_SYMBOLS      4096
#define MAX_SYMBOL_BYTES 64
#define MAX_JSON_BYTES   (4 * 1024 * 1024)
#define MAX_JSON_DEPTH   64
#define OTHER_SYMBOL     "(other)"

static const char * const price_names[] = {
  "price", "p", "last", "lastPrice", "last_price", "c", "close", "value", "rate", "mid", "bid",
};

static const char * const symbol_names[] = {
  "symbol", "s", "ticker", "sym", "instrument", "instrument_name", "pair", "product_id", "code",
  "name",
};

struct _SpPriceExtractor
{
  char      **price_path;   /* NULL: detect */
  char      **symbol_path;  /* NULL: detect */
  GHashTable *symbols;      /* pool: owned string → itself */
  JsonParser *parser;
};

static char **
split_path (const char *path)
{
  if (path == NULL || *path == '\0')
    return NULL;

  return g_strsplit (path, ".", -1);
}

SpPriceExtractor *
sp_price_extractor_new (const char *price_path,
                        const char *symbol_path)
{
  SpPriceExtractor *self = g_new0 (SpPriceExtractor, 1);

  self->price_path = split_path (price_path);
  self->symbol_path = split_path (symbol_path);
  self->symbols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->parser = json_parser_new_immutable ();

  return self;
}

void
sp_price_extractor_free (SpPriceExtractor *self)
{
  if (self == NULL)
    return;

  g_strfreev (self->price_path);
  g_strfreev (self->symbol_path);
  g_hash_table_unref (self->symbols);
  g_clear_object (&self->parser);
  g_free (self);
}

/* Pooled so points stay valid and a hostile stream cannot grow memory without bound. */
static const char *
pool_symbol (SpPriceExtractor *self,
             const char       *symbol)
{
  char truncated[MAX_SYMBOL_BYTES + 1];
  const char *pooled;

  if (symbol == NULL || *symbol == '\0')
    return "";

  if (strlen (symbol) > MAX_SYMBOL_BYTES)
    {
      gsize cut = MAX_SYMBOL_BYTES;

      /* Back up to the start of a character so the cut stays valid UTF-8. */
      while (cut > 0 && ((guchar) symbol[cut] & 0xc0) == 0x80)
        cut--;
      memcpy (truncated, symbol, cut);
      truncated[cut] = '\0';
      symbol = truncated;
    }

  pooled = g_hash_table_lookup (self->symbols, symbol);
  if (pooled != NULL)
    return pooled;

  if (g_hash_table_size (self->symbols) >= MAX_SYMBOLS)
    symbol = OTHER_SYMBOL;

  pooled = g_hash_table_lookup (self->symbols, symbol);
  if (pooled == NULL)
    {
      char *copy = g_strdup (symbol);

      g_hash_table_insert (self->symbols, copy, copy);
      pooled = copy;
    }

  return pooled;
}

/* Parses a complete number (sign, digits, fraction, exponent) at @p; returns the end or NULL. */
static const char *
scan_number (const char *p,
             const char *end,
             double     *value)
{
  const char *start = p;
  char buffer[64];
  gboolean digits = FALSE;

  if (p < end && (*p == '-' || *p == '+'))
    p++;
  while (p < end && g_ascii_isdigit (*p))
    p++, digits = TRUE;
  if (p < end && *p == '.')
    {
      p++;
      while (p < end && g_ascii_isdigit (*p))
        p++, digits = TRUE;
    }
  if (!digits)
    return NULL;
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      const char *exponent = p + 1;

      if (exponent < end && (*exponent == '-' || *exponent == '+'))
        exponent++;
      if (exponent < end && g_ascii_isdigit (*exponent))
        {
          p = exponent;
          while (p < end && g_ascii_isdigit (*p))
            p++;
        }
    }

  if ((gsize) (p - start) >= sizeof buffer)
    return NULL;
  memcpy (buffer, start, p - start);
  buffer[p - start] = '\0';
  *value = g_ascii_strtod (buffer, NULL);

  return isfinite (*value) ? p : NULL;
}

/* Text holding exactly one number: "price = 299.9", "ACME 12.50", "42". */
static gboolean
text_single_number (const char *text,
                    gsize       length,
                    double     *price)
{
  const char *p = text;
  const char *end = text + length;
  guint found = 0;

  while (p < end)
    {
      double value;
      const char *after;

      /* A number starts at a digit, or a sign or dot right before one, not inside a word. */
      if ((g_ascii_isdigit (*p) || ((*p == '-' || *p == '+' || *p == '.') && p + 1 < end &&
                                    (g_ascii_isdigit (p[1]) || p[1] == '.'))) &&
          (p == text || !g_ascii_isalnum (p[-1])))
        {
          after = scan_number (p, end, &value);
          if (after != NULL)
            {
              if (++found > 1)
                return FALSE;
              *price = value;
              p = after;
              continue;
            }
        }
      else if (g_ascii_isdigit (*p))
        {
          /* Digits glued to letters (e.g. "H2O", "v3") are part of a word. */
          while (p < end && g_ascii_isalnum (*p))
            p++;
          continue;
        }
      p++;
    }

  return found == 1;
}

static gboolean
node_number (JsonNode *node,
             double   *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *value = (double) json_node_get_int (node);
      return TRUE;

    case G_TYPE_DOUBLE:
      *value = json_node_get_double (node);
      return isfinite (*value);

    case G_TYPE_STRING:
      {
        const char *text = json_node_get_string (node);
        const char *end = scan_number (text, text + strlen (text), value);

        return end != NULL && *end == '\0';
      }

    default:
      return FALSE;
    }
}

static const char *
node_text (JsonNode *node,
           char     *buffer,
           gsize     size)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      g_snprintf (buffer, size, "%" G_GINT64_FORMAT, json_node_get_int (node));
      return buffer;
    }

  return NULL;
}

static JsonNode *
follow_path (JsonNode *node,
             char    **path)
{
  for (guint i = 0; path[i] != NULL && node != NULL; i++)
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), path[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint64 index;

          if (!g_ascii_string_to_unsigned (path[i], 10, 0, G_MAXUINT, &index, NULL) ||
              index >= json_array_get_length (array))
            return NULL;
          node = json_array_get_element (array, index);
        }
      else
        return NULL;
    }

  return node;
}

static JsonNode *
find_member (JsonObject         *object,
             const char * const *names,
             guint               n_names)
{
  for (guint i = 0; i < n_names; i++)
    {
      JsonNode *node = json_object_get_member (object, names[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
        return node;
    }

  return NULL;
}

static void
add_point (SpPriceExtractor *self,
           GArray           *points,
           const char       *symbol,
           double            price,
           gint64            ts_us)
{
  SpPricePoint point = { pool_symbol (self, symbol), price, ts_us };

  g_array_append_val (points, point);
}

/* StockPush's own tick objects: exact field names, ts in µs. */
static gboolean
extract_stockpush (SpPriceExtractor *self,
                   JsonObject       *object,
                   GArray           *points)
{
  const char *type = sp_json_member_string (object, "type", NULL);

  if (g_strcmp0 (type, "tick") == 0)
    {
      double price;

      if (!node_number (json_object_get_member (object, "price"), &price))
        return TRUE;
      add_point (self, points, sp_json_member_string (object, "symbol", ""),
                 price, sp_json_member_int (object, "ts", 0));
      return TRUE;
    }

  if (g_strcmp0 (type, "ticks") == 0)
    {
      JsonNode *ticks = json_object_get_member (object, "ticks");
      gint64 batch_ts = sp_json_member_int (object, "ts", 0);

      if (ticks == NULL || !JSON_NODE_HOLDS_ARRAY (ticks))
        return TRUE;

      for (guint i = 0; i < json_array_get_length (json_node_get_array (ticks)); i++)
        {
          JsonNode *element = json_array_get_element (json_node_get_array (ticks), i);
          JsonObject *tick;
          double price;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          tick = json_node_get_object (element);
          if (!node_number (json_object_get_member (tick, "price"), &price))
            continue;
          add_point (self, points,
                     sp_json_member_string (tick, "symbol", ""), price,
                     sp_json_member_int (tick, "ts", batch_ts));
        }
      return TRUE;
    }

  /* welcome, pong, subscribed, error: ours, and priceless. */
  return g_strcmp0 (type, "welcome") == 0 || g_strcmp0 (type, "pong") == 0 ||
         g_strcmp0 (type, "subscribed") == 0 || g_strcmp0 (type, "error") == 0;
}

static void
extract_object (SpPriceExtractor *self,
                JsonNode         *node,
                GArray           *points)
{
  JsonObject *object = json_node_get_object (node);
  JsonObject *where = object;
  JsonNode *price_node = NULL;
  JsonNode *symbol_node = NULL;
  char buffer[32];
  double price;

  if (self->price_path == NULL && self->symbol_path == NULL &&
      extract_stockpush (self, object, points))
    return;

  if (self->price_path != NULL)
    price_node = follow_path (node, self->price_path);
  else
    {
      price_node = find_member (object, price_names, G_N_ELEMENTS (price_names));

      /* One level down, as in {"stream":…,"data":{"s":…,"c":…}}. */
      if (price_node == NULL)
        {
          JsonObjectIter iter;
          JsonNode *member;

          json_object_iter_init (&iter, object);
          while (price_node == NULL && json_object_iter_next (&iter, NULL, &member))
            if (JSON_NODE_HOLDS_OBJECT (member))
              {
                price_node = find_member (json_node_get_object (member), price_names,
                                          G_N_ELEMENTS (price_names));
                if (price_node != NULL)
                  where = json_node_get_object (member);
              }
        }
    }

  if (!node_number (price_node, &price))
    return;

  if (self->symbol_path != NULL)
    symbol_node = follow_path (node, self->symbol_path);
  else
    {
      symbol_node = find_member (where, symbol_names, G_N_ELEMENTS (symbol_names));
      if (symbol_node == NULL && where != object)
        symbol_node = find_member (object, symbol_names, G_N_ELEMENTS (symbol_names));
    }

  add_point (self, points, node_text (symbol_node, buffer, sizeof buffer), price, 0);
}

/* Brackets nested deeper than any feed needs are refused before parsing. */
static gboolean
depth_ok (const char *text,
          gsize       length)
{
  int depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        depth--;
    }

  return TRUE;
}

/* StockPush's own ticks, as sp_protocol_append_tick() writes them, are read
 * without a JSON parser: the common case of a fast stream costs a few string
 * comparisons. Anything unexpected (an escape, another member order, a
 * configured path) returns FALSE and the general parser decides. */
static gboolean
fast_tick (SpPriceExtractor *self,
           const char       *p,
           const char       *end,
           const char      **after,
           GArray           *points)
{
  static const char head[] = "{\"type\":\"tick\",\"symbol\":\"";
  static const char price_key[] = "\",\"price\":";
  const char *symbol, *symbol_end, *ts;
  char *number_end;
  char symbol_buffer[64];
  double price;
  gint64 ts_us;

  if ((gsize) (end - p) < sizeof head || memcmp (p, head, sizeof head - 1) != 0)
    return FALSE;
  symbol = p + sizeof head - 1;
  symbol_end = memchr (symbol, '"', end - symbol);
  if (symbol_end == NULL || memchr (symbol, '\\', symbol_end - symbol) != NULL ||
      (gsize) (symbol_end - symbol) >= sizeof symbol_buffer ||
      (gsize) (end - symbol_end) < sizeof price_key ||
      memcmp (symbol_end, price_key, sizeof price_key - 1) != 0)
    return FALSE;

  price = g_ascii_strtod (symbol_end + sizeof price_key - 1, &number_end);
  if (number_end == symbol_end + sizeof price_key - 1 || number_end >= end || !isfinite (price))
    return FALSE;

  /* The last member is "ts", then this object closes (its other members are
   * numbers, so the first '}' is its end; if not, the parser decides). */
  {
    const char *close = memchr (number_end, '}', end - number_end);

    if (close == NULL)
      return FALSE;
    ts = g_strstr_len (number_end, close - number_end, ",\"ts\":");
    if (ts == NULL)
      return FALSE;
    ts_us = g_ascii_strtoll (ts + 6, &number_end, 10);
    if (number_end != close)
      return FALSE;
  }

  memcpy (symbol_buffer, symbol, symbol_end - symbol);
  symbol_buffer[symbol_end - symbol] = '\0';
  {
    SpPricePoint point = { pool_symbol (self, symbol_buffer), price, ts_us };

    g_array_append_val (points, point);
  }
  *after = number_end + 1;
  return TRUE;
}

/* A tick, or a batch of them: {"type":"ticks","ts":…,"ticks":[tick,…]}. */
static gboolean
fast_extract (SpPriceExtractor *self,
              const char       *text,
              gsize             length,
              GArray           *points)
{
  static const char batch[] = "{\"type\":\"ticks\",\"ts\":";
  const char *end = text + length;
  const char *p;
  guint before = points->len;

  if (self->price_path != NULL || self->symbol_path != NULL)
    return FALSE;

  if (fast_tick (self, text, end, &p, points))
    {
      if (p == end)
        return TRUE;
      g_array_set_size (points, before);
      return FALSE;
    }

  if (length < sizeof batch || memcmp (text, batch, sizeof batch - 1) != 0)
    return FALSE;
  p = g_strstr_len (text, length, ",\"ticks\":[");
  if (p == NULL)
    return FALSE;
  p += 10;
  while (p < end && *p != ']')
    {
      if (!fast_tick (self, p, end, &p, points))
        {
          g_array_set_size (points, before);
          return FALSE;
        }
      if (p < end && *p == ',')
        p++;
    }
  if (end - p != 2 || memcmp (p, "]}", 2) != 0)
    {
      g_array_set_size (points, before);
      return FALSE;
    }

  return TRUE;
}

guint
sp_price_extractor_extract (SpPriceExtractor *self,
                            const char       *text,
                            gsize             length,
                            GArray           *points)
{
  guint before;
  gsize start = 0;
  double price;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (points != NULL, 0);

  if (text == NULL || length == 0 || !g_utf8_validate_len (text, length, NULL))
    return 0;

  before = points->len;

  if (fast_extract (self, text, length, points))
    return points->len - before;

  while (start < length && g_ascii_isspace (text[start]))
    start++;

  if (start < length && (text[start] == '{' || text[start] == '[') &&
      length <= MAX_JSON_BYTES && depth_ok (text, length))
    {
      JsonNode *root;

      if (!json_parser_load_from_data (self->parser, text, length, NULL))
        return 0;

      root = json_parser_get_root (self->parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        extract_object (self, root, points);
      else if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
        {
          JsonArray *array = json_node_get_array (root);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *element = json_array_get_element (array, i);

              if (JSON_NODE_HOLDS_OBJECT (element))
                extract_object (self, element, points);
            }
        }

      return points->len - before;
    }

  if (self->price_path == NULL && text_single_number (text, length, &price))
    add_point (self, points, NULL, price, 0);

  return points->len - before;
}
