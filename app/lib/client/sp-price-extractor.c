/* Finds prices in the messages of any stream: StockPush JSON, the original demo's text,
 * bare numbers, text with one number, or any JSON object by path or by common names. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sp-error.h"
#include "sp-json.h"
#include "sp-price-detect.h"
#include "sp-price-extractor.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define MAX_SYMBOLS      4096
#define MAX_SYMBOL_BYTES 64
#define MAX_JSON_BYTES   (4 * 1024 * 1024)
#define MAX_JSON_DEPTH   64
#define OTHER_SYMBOL     "(other)"

/* Prices at most from one message: a batch of trades is a few hundred. */
#define MAX_POINTS 4096

struct _SpPriceExtractor
{
  SpJsonPath      *price_path;   /* NULL: detect */
  SpJsonPath      *symbol_path;  /* NULL: detect */
  GRegex          *symbol_pattern; /* "channel~live_trades_(.+)": the symbol inside that field */
  SpPriceDetector *detector;
  char            *described;    /* how the last prices were read, for a person */
  GHashTable      *symbols;      /* pool: owned string → itself */
  JsonParser      *parser;
};

/* "channel~live_trades_(.+)" → the path "channel" and the pattern. */
static gboolean
parse_symbol_path (const char  *text,
                   SpJsonPath **path,
                   GRegex     **pattern,
                   GError     **error)
{
  const char *tilde = strchr (text, '~');
  g_autofree char *field = tilde != NULL ? g_strndup (text, tilde - text) : g_strdup (text);
  g_autoptr(GError) local_error = NULL;

  *path = sp_json_path_parse (field, error);
  if (*path == NULL)
    return FALSE;
  if (tilde == NULL)
    return TRUE;
  *pattern = g_regex_new (tilde + 1, G_REGEX_OPTIMIZE, 0, &local_error);
  if (*pattern == NULL)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_INVALID_ARGUMENT,
                   _("“%s”: the pattern after “~” cannot be read (%s); write e.g. "
                     "channel~live_trades_(.+)"), text, local_error->message);
      g_clear_pointer (path, sp_json_path_free);
      return FALSE;
    }
  return TRUE;
}

SpPriceExtractor *
sp_price_extractor_new (const char *price_path,
                        const char *symbol_path)
{
  SpPriceExtractor *self = g_new0 (SpPriceExtractor, 1);

  /* A path that cannot be read is detected instead (check them first with
   * sp_price_extractor_check_paths()). */
  if (price_path != NULL && *price_path != '\0')
    self->price_path = sp_json_path_parse (price_path, NULL);
  if (symbol_path != NULL && *symbol_path != '\0')
    parse_symbol_path (symbol_path, &self->symbol_path, &self->symbol_pattern, NULL);
  self->detector = _sp_price_detector_new ();
  self->symbols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->parser = json_parser_new_immutable ();

  return self;
}

gboolean
sp_price_extractor_check_paths (const char  *price_path,
                                const char  *symbol_path,
                                GError     **error)
{
  g_autoptr(SpJsonPath) price = NULL;
  g_autoptr(SpJsonPath) symbol = NULL;
  g_autoptr(GRegex) pattern = NULL;

  if (price_path != NULL && *price_path != '\0' &&
      (price = sp_json_path_parse (price_path, error)) == NULL)
    return FALSE;
  if (symbol_path != NULL && *symbol_path != '\0' &&
      !parse_symbol_path (symbol_path, &symbol, &pattern, error))
    return FALSE;
  return TRUE;
}

const char *
sp_price_extractor_get_description (SpPriceExtractor *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->described;
}

/* In words, for a person: where the prices come from. */
static void
describe (SpPriceExtractor *self,
          const char       *how)
{
  if (g_strcmp0 (how, self->described) != 0)
    {
      g_free (self->described);
      self->described = g_strdup (how);
    }
}

static void
describe_paths (SpPriceExtractor *self,
                const SpJsonPath *price,
                const SpJsonPath *symbol,
                gboolean          from_name)
{
  g_autofree char *price_text = sp_json_path_to_string (price);
  g_autofree char *symbol_text = symbol != NULL ? sp_json_path_to_string (symbol) : NULL;
  g_autofree char *how = NULL;

  if (symbol_text == NULL)
    how = g_strdup_printf (_("price from %s, no symbol"), price_text);
  else if (from_name || self->symbol_pattern != NULL)
    how = g_strdup_printf (_("price from %s, symbol inside %s"), price_text, symbol_text);
  else
    how = g_strdup_printf (_("price from %s, symbol from %s"), price_text, symbol_text);
  describe (self, how);
}

void
sp_price_extractor_free (SpPriceExtractor *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->price_path, sp_json_path_free);
  g_clear_pointer (&self->symbol_path, sp_json_path_free);
  g_clear_pointer (&self->symbol_pattern, g_regex_unref);
  g_clear_pointer (&self->described, g_free);
  g_clear_pointer (&self->detector, _sp_price_detector_free);
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

gboolean
_sp_price_node_number (JsonNode *node,
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

static void
add_point (SpPriceExtractor *self,
           GArray           *points,
           const char       *symbol,
           double            price,
           gint64            ts_us)
{
  SpPricePoint point = { pool_symbol (self, symbol), price, ts_us, FALSE, 0 };

  g_array_append_val (points, point);
}

/* A StockPush tick's own change against the session open, on the point just added. */
static void
add_change (GArray     *points,
            JsonObject *tick)
{
  SpPricePoint *point = &g_array_index (points, SpPricePoint, points->len - 1);

  point->has_change = _sp_price_node_number (json_object_get_member (tick, "change"), &point->change);
  if (!point->has_change)
    point->change = 0;
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

      if (!_sp_price_node_number (json_object_get_member (object, "price"), &price))
        return TRUE;
      add_point (self, points, sp_json_member_string (object, "symbol", ""),
                 price, sp_json_member_int (object, "ts", 0));
      add_change (points, object);
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
          if (!_sp_price_node_number (json_object_get_member (tick, "price"), &price))
            continue;
          add_point (self, points,
                     sp_json_member_string (tick, "symbol", ""), price,
                     sp_json_member_int (tick, "ts", batch_ts));
          add_change (points, tick);
        }
      return TRUE;
    }

  /* welcome, pong, subscribed, error: ours, and priceless. */
  return g_strcmp0 (type, "welcome") == 0 || g_strcmp0 (type, "pong") == 0 ||
         g_strcmp0 (type, "subscribed") == 0 || g_strcmp0 (type, "error") == 0;
}

typedef struct
{
  SpPriceExtractor *self;
  JsonNode         *root;
  const SpJsonPath *price;
  const SpJsonPath *symbol;
  gboolean          symbol_from_name;
  GArray           *points;
} Reading;

static void
read_price (JsonNode *node,
            JsonNode *record,
            gpointer  user_data)
{
  Reading *r = user_data;
  JsonNode *symbol_node = NULL;
  g_autofree char *inside = NULL;
  const char *symbol;
  char buffer[32];
  double price;

  if (!_sp_price_node_number (node, &price))
    return;
  if (r->symbol != NULL)
    symbol_node = sp_json_path_get_beside (r->symbol, r->price, r->root, record);
  symbol = node_text (symbol_node, buffer, sizeof buffer);
  if (r->symbol_from_name && symbol != NULL)
    symbol = inside = _sp_price_symbol_from_name (symbol);
  else if (r->self->symbol_pattern != NULL && r->symbol == r->self->symbol_path && symbol != NULL)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (g_regex_match (r->self->symbol_pattern, symbol, 0, &match))
        symbol = inside = g_match_info_fetch (match, g_match_info_get_match_count (match) > 1);
      else
        symbol = NULL;
    }
  add_point (r->self, r->points, symbol, price, 0);
}

/* Every price @price reaches, each with the symbol beside it. */
static void
read_rule (SpPriceExtractor *self,
           JsonNode         *root,
           const SpJsonPath *price,
           const SpJsonPath *symbol,
           gboolean          symbol_from_name,
           GArray           *points)
{
  Reading r = { self, root, price, symbol, symbol_from_name, points };

  if (sp_json_path_foreach (price, root, MAX_POINTS, read_price, &r) > 0)
    describe_paths (self, price, symbol, symbol_from_name);
}

static void
extract_json (SpPriceExtractor *self,
              JsonNode         *root,
              GArray           *points)
{
  const SpPriceRule *rule;
  guint before = points->len;

  if (self->price_path != NULL)
    {
      if (self->symbol_path != NULL)
        read_rule (self, root, self->price_path, self->symbol_path, FALSE, points);
      else
        {
          rule = _sp_price_detector_symbol_for (self->detector, root, self->price_path);
          read_rule (self, root, self->price_path, rule ? rule->symbol : NULL,
                     rule ? rule->symbol_from_name : FALSE, points);
        }
      return;
    }

  if (self->symbol_path == NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      extract_stockpush (self, json_node_get_object (root), points))
    {
      /* welcome, pong…: StockPush's, but no prices to say where they come from. */
      if (points->len > before)
        describe (self, _("StockPush ticks"));
      return;
    }

  rule = _sp_price_detector_observe (self->detector, root);
  if (rule == NULL)
    return;
  if (self->symbol_path != NULL)
    read_rule (self, root, rule->price, self->symbol_path, FALSE, points);
  else
    read_rule (self, root, rule->price, rule->symbol, rule->symbol_from_name, points);
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
  static const char change_key[] = ",\"change\":";
  const char *symbol, *symbol_end, *ts;
  char *number_end;
  char symbol_buffer[64];
  double price;
  double change = 0;
  gboolean has_change = FALSE;
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
  /* The change against the session open follows the price, when it is there. */
  if ((gsize) (end - number_end) > sizeof change_key &&
      memcmp (number_end, change_key, sizeof change_key - 1) == 0)
    {
      const char *start = number_end + sizeof change_key - 1;

      change = g_ascii_strtod (start, &number_end);
      if (number_end == start || number_end >= end || !isfinite (change))
        return FALSE;
      has_change = TRUE;
    }

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
    SpPricePoint point = { pool_symbol (self, symbol_buffer), price, ts_us, has_change, change };

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
    {
      describe (self, _("StockPush ticks"));
      return points->len - before;
    }

  while (start < length && g_ascii_isspace (text[start]))
    start++;

  if (start < length && (text[start] == '{' || text[start] == '[') &&
      length <= MAX_JSON_BYTES && depth_ok (text, length))
    {
      JsonNode *root;

      if (!json_parser_load_from_data (self->parser, text, length, NULL))
        return 0;

      root = json_parser_get_root (self->parser);
      if (root != NULL)
        extract_json (self, root, points);

      return points->len - before;
    }

  if (self->price_path == NULL && text_single_number (text, length, &price))
    {
      add_point (self, points, NULL, price, 0);
      describe (self, _("the number in each text message"));
    }

  return points->len - before;
}
