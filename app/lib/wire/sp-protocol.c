/* The StockPush wire protocol: hand-formatted JSON on the hot path, json-glib for commands. */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "sp-json.h"
#include "sp-error.h"
#include "sp-protocol.h"

gboolean
sp_format_from_string (const char *str,
                       SpFormat   *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (g_strcmp0 (str, "json") == 0)
    *out = SP_FORMAT_JSON;
  else if (g_strcmp0 (str, "text") == 0)
    *out = SP_FORMAT_TEXT;
  else
    return FALSE;

  return TRUE;
}

const char *
sp_format_to_string (SpFormat format)
{
  return format == SP_FORMAT_TEXT ? "text" : "json";
}

gboolean
sp_on_message_from_string (const char  *str,
                           SpOnMessage *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (g_strcmp0 (str, "commands") == 0)
    *out = SP_ON_MESSAGE_COMMANDS;
  else if (g_strcmp0 (str, "close") == 0)
    *out = SP_ON_MESSAGE_CLOSE;
  else
    return FALSE;

  return TRUE;
}

const char *
sp_on_message_to_string (SpOnMessage policy)
{
  return policy == SP_ON_MESSAGE_CLOSE ? "close" : "commands";
}

void
sp_protocol_append_json_string (GString    *out,
                                const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p;

  g_return_if_fail (out != NULL);
  g_return_if_fail (str != NULL);

  g_string_append_c (out, '"');
  for (p = (const guchar *) str; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append_len (out, "\\\"", 2); break;
        case '\\': g_string_append_len (out, "\\\\", 2); break;
        case '\n': g_string_append_len (out, "\\n", 2); break;
        case '\r': g_string_append_len (out, "\\r", 2); break;
        case '\t': g_string_append_len (out, "\\t", 2); break;
        default:
          if (*p < 0x20)
            {
              g_string_append_len (out, "\\u00", 4);
              g_string_append_c (out, hex[*p >> 4]);
              g_string_append_c (out, hex[*p & 0xf]);
            }
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

void
sp_protocol_append_cents (GString *out,
                          gint64   cents)
{
  guint64 magnitude;

  g_return_if_fail (out != NULL);

  /* Integer formatting: no locale decimal comma, no float noise. */
  if (cents < 0)
    g_string_append_c (out, '-');
  magnitude = cents < 0 ? (guint64) 0 - (guint64) cents : (guint64) cents;
  g_string_append_printf (out, "%" G_GUINT64_FORMAT ".%02u",
                          magnitude / 100, (guint) (magnitude % 100));
}

void
sp_protocol_append_tick (GString       *out,
                         const SpQuote *quote,
                         gint64         ts_us)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (quote != NULL);

  g_string_append (out, "{\"type\":\"tick\",\"symbol\":");
  sp_protocol_append_json_string (out, quote->symbol);
  g_string_append (out, ",\"price\":");
  sp_protocol_append_cents (out, quote->price_cents);
  g_string_append (out, ",\"change\":");
  sp_protocol_append_cents (out, quote->change_cents);
  g_string_append (out, ",\"change_pct\":");
  sp_protocol_append_cents (out, quote->change_bp);
  g_string_append_printf (out,
                          ",\"volume\":%" G_GUINT64_FORMAT
                          ",\"seq\":%" G_GUINT64_FORMAT
                          ",\"ts\":%" G_GINT64_FORMAT "}",
                          quote->volume, quote->seq, ts_us);
}

void
sp_protocol_append_batch (GString            *out,
                          gint64              ts_us,
                          const char * const *ticks,
                          guint               n_ticks)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (ticks != NULL || n_ticks == 0);

  g_string_append_printf (out, "{\"type\":\"ticks\",\"ts\":%" G_GINT64_FORMAT ",\"ticks\":[", ts_us);
  for (guint i = 0; i < n_ticks; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, ticks[i]);
    }
  g_string_append (out, "]}");
}

void
sp_protocol_append_text_price (GString *out,
                               gint64   cents)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, "price = ");
  sp_protocol_append_cents (out, cents);
}

static void
append_id (GString    *out,
           const char *id_json)
{
  if (id_json != NULL)
    {
      g_string_append (out, ",\"id\":");
      g_string_append (out, id_json);
    }
}

static void
append_string_array (GString            *out,
                     const char * const *strv)
{
  g_string_append_c (out, '[');
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      sp_protocol_append_json_string (out, strv[i]);
    }
  g_string_append_c (out, ']');
}

void
sp_protocol_append_welcome (GString            *out,
                            const char * const *symbols,
                            guint               interval_ms,
                            SpFormat            format,
                            SpOnMessage         on_message,
                            const char         *market,
                            const char         *id_json)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, "{\"type\":\"welcome\",\"server\":\"StockPush\",\"version\":");
  sp_protocol_append_json_string (out, PACKAGE_VERSION);
  g_string_append (out, ",\"symbols\":");
  append_string_array (out, symbols);
  g_string_append_printf (out, ",\"interval_ms\":%u,\"format\":\"%s\",\"on_message\":\"%s\"",
                          interval_ms, sp_format_to_string (format),
                          sp_on_message_to_string (on_message));
  if (market != NULL)
    {
      g_string_append (out, ",\"market\":");
      sp_protocol_append_json_string (out, market);
    }
  append_id (out, id_json);
  g_string_append_c (out, '}');
}

void
sp_protocol_append_pong (GString    *out,
                         const char *id_json,
                         gint64      ts_us)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, "{\"type\":\"pong\"");
  append_id (out, id_json);
  g_string_append_printf (out, ",\"ts\":%" G_GINT64_FORMAT "}", ts_us);
}

void
sp_protocol_append_sync (GString    *out,
                         const char *state,
                         const char *reason,
                         const char *text,
                         gint64      ts_us)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (state != NULL);

  g_string_append (out, "{\"type\":\"sync\",\"state\":");
  sp_protocol_append_json_string (out, state);
  if (reason != NULL)
    {
      g_string_append (out, ",\"reason\":");
      sp_protocol_append_json_string (out, reason);
    }
  if (text != NULL)
    {
      g_string_append (out, ",\"message\":");
      sp_protocol_append_json_string (out, text);
    }
  g_string_append_printf (out, ",\"ts\":%" G_GINT64_FORMAT "}", ts_us);
}

void
sp_protocol_append_recovered (GString            *out,
                              const char * const *symbols,
                              gboolean            recovered,
                              const char         *id_json)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, "{\"type\":\"subscribed\",\"symbols\":");
  append_string_array (out, symbols);
  g_string_append (out, recovered ? ",\"recovered\":true" : ",\"recovered\":false");
  append_id (out, id_json);
  g_string_append_c (out, '}');
}

void
sp_protocol_append_subscribed (GString            *out,
                               const char * const *symbols,
                               const char         *id_json)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, "{\"type\":\"subscribed\",\"symbols\":");
  append_string_array (out, symbols);
  append_id (out, id_json);
  g_string_append_c (out, '}');
}

void
sp_protocol_append_error (GString    *out,
                          const char *code,
                          const char *message,
                          const char *id_json)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (code != NULL);
  g_return_if_fail (message != NULL);

  g_string_append (out, "{\"type\":\"error\",\"code\":");
  sp_protocol_append_json_string (out, code);
  g_string_append (out, ",\"message\":");
  sp_protocol_append_json_string (out, message);
  append_id (out, id_json);
  g_string_append_c (out, '}');
}

void
sp_command_free (SpCommand *command)
{
  if (command == NULL)
    return;

  g_strfreev (command->symbols);
  g_free (command->id_json);
  g_strfreev (command->since_symbols);
  g_free (command->since_seqs);
  g_free (command->market);
  g_free (command);
}

/* "since":{"ACME":120,…}: each symbol's last seq the client had. */
static gboolean
parse_since (JsonObject  *object,
             SpCommand   *command,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, "since");
  g_autoptr(GList) members = NULL;
  JsonObject *since;
  guint n, i = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                           "\"since\" must be an object of each symbol's last seq, "
                           "e.g. {\"ACME\":120}");
      return FALSE;
    }
  since = json_node_get_object (node);
  members = json_object_get_members (since);
  n = g_list_length (members);
  if (n > 1024)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                           "\"since\" names too many symbols");
      return FALSE;
    }
  command->since_symbols = g_new0 (char *, n + 1);
  command->since_seqs = g_new0 (guint64, MAX (n, 1));
  for (GList *l = members; l != NULL; l = l->next, i++)
    {
      JsonNode *value = json_object_get_member (since, l->data);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64 ||
          json_node_get_int (value) < 0)
        {
          g_autofree char *shown = g_utf8_substring (l->data, 0,
                                                     MIN (g_utf8_strlen (l->data, -1), 40));

          g_set_error (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                       "\"since\": the last seq of \"%s\" must be a whole number of 0 or more",
                       shown);
          return FALSE;
        }
      command->since_symbols[i] = g_strdup (l->data);
      command->since_seqs[i] = (guint64) json_node_get_int (value);
    }
  return TRUE;
}

/* "market":"…", beside "since": the identity the welcome gave. */
static gboolean
parse_market (JsonObject  *object,
              SpCommand   *command,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, "market");
  const char *market;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      strlen (market = json_node_get_string (node)) > SP_PROTOCOL_MAX_MARKET)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                   "\"market\" must be the market's identity as the welcome said it "
                   "(a string of at most %d bytes)", SP_PROTOCOL_MAX_MARKET);
      return FALSE;
    }
  command->market = g_strdup (market);
  return TRUE;
}

static char **
parse_symbols (JsonObject  *object,
               const char  *type,
               GError     **error)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonNode *node;
  JsonArray *array;
  guint n;

  node = json_object_get_member (object, "symbols");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                   "\"%s\" needs \"symbols\": an array of symbol names, e.g. [\"ACME\"]", type);
      return NULL;
    }

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0)
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                   "\"%s\" needs at least one symbol in \"symbols\"", type);
      return NULL;
    }

  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_set_error (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                       "\"symbols\" must hold only strings (entry %u does not)", i);
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (element));
    }

  return g_strv_builder_end (builder);
}

/* The raw text of JSON the parser already took as valid: spans, not values,
 * so that an "id" goes back exactly as it came (1e400 stays 1e400, a number
 * of 30 digits keeps them, "\u0000" stays escaped). NULL where the text is
 * not the plain JSON this expects: the caller then refuses the id. */
static const char *
skip_space (const char *p,
            const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

static const char *
skip_string (const char *p,
             const char *end)
{
  if (p >= end || *p != '"')
    return NULL;
  for (p++; p < end; p++)
    {
      if (*p == '\\')
        p++;
      else if (*p == '"')
        return p + 1;
    }
  return NULL;
}

static const char *
skip_value (const char *p,
            const char *end)
{
  int depth = 0;

  if (p >= end)
    return NULL;
  do
    {
      if (*p == '"')
        p = skip_string (p, end);
      else if (*p == '{' || *p == '[')
        depth++, p++;
      else if (*p == '}' || *p == ']')
        {
          if (--depth < 0)
            return NULL;
          p++;
        }
      else if (depth == 0)
        {
          const char *start = p;

          while (p < end && strchr (",}] \t\n\r", *p) == NULL)
            p++;
          return p > start ? p : NULL;
        }
      else
        p++;
    }
  while (p != NULL && p < end && depth > 0);

  return depth == 0 ? p : NULL;
}

/* Whether the key spanning [@key, @key_end) (quotes included) names @name. */
static gboolean
key_is (const char *key,
        const char *key_end,
        const char *name)
{
  g_autofree char *raw = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (memchr (key, '\\', (gsize) (key_end - key)) == NULL)
    return (gsize) (key_end - key) == strlen (name) + 2 &&
           strncmp (key + 1, name, strlen (name)) == 0;
  raw = g_strndup (key, (gsize) (key_end - key));
  node = json_from_string (raw, NULL);
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         g_strcmp0 (json_node_get_string (node), name) == 0;
}

/* The text of the top-level object's last member @name, as received, or
 * NULL (with *@readable FALSE when the text could not be followed). */
static char *
raw_member (const char *text,
            gsize       length,
            const char *name,
            gboolean   *readable)
{
  const char *end = text + length;
  const char *p = skip_space (text, end);
  const char *found = NULL, *found_end = NULL;

  *readable = FALSE;
  if (p >= end || *p != '{')
    return NULL;
  p = skip_space (p + 1, end);
  if (p < end && *p == '}')
    {
      *readable = TRUE;
      return NULL;
    }
  while (p < end)
    {
      const char *key = p, *key_end = skip_string (p, end), *value, *value_end;

      if (key_end == NULL)
        return NULL;
      p = skip_space (key_end, end);
      if (p >= end || *p != ':')
        return NULL;
      value = skip_space (p + 1, end);
      value_end = skip_value (value, end);
      if (value_end == NULL)
        return NULL;
      if (key_is (key, key_end, name))
        found = value, found_end = value_end;
      p = skip_space (value_end, end);
      if (p < end && *p == ',')
        p = skip_space (p + 1, end);
      else if (p < end && *p == '}')
        {
          *readable = TRUE;
          return found != NULL ? g_strndup (found, (gsize) (found_end - found)) : NULL;
        }
      else
        return NULL;
    }

  return NULL;
}

SpCommand *
sp_command_parse (const char  *text,
                  gsize        length,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(SpCommand) command = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonNode *root;
  const char *type;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_JSON,
                           "The message is not valid UTF-8");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      g_set_error (error, SP_ERROR, SP_ERROR_BAD_JSON,
                   "The message is not valid JSON (%s); send e.g. {\"type\":\"ping\"}",
                   local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_JSON,
                           "The message is empty; send a JSON command, e.g. {\"type\":\"ping\"}");
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                           "A command must be a JSON object with a \"type\", e.g. {\"type\":\"ping\"}");
      return NULL;
    }

  object = json_node_get_object (root);
  type = sp_json_member_string (object, "type", NULL);
  if (type == NULL)
    {
      g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                           "A command needs a string member \"type\" "
                           "(hello, ping, subscribe or unsubscribe)");
      return NULL;
    }

  command = g_new0 (SpCommand, 1);

  /* The id goes back as its own text: re-encoded, numbers past a double's
   * range or precision and some escapes would come back changed. */
  if (json_object_has_member (object, "id"))
    {
      gboolean readable;

      command->id_json = raw_member (text, length, "id", &readable);
      if (command->id_json == NULL)
        {
          g_set_error_literal (error, SP_ERROR, SP_ERROR_BAD_MESSAGE,
                               "The \"id\" member could not be read back as it was sent; "
                               "use a string or a plain number");
          return NULL;
        }
    }

  if (g_str_equal (type, "hello"))
    command->type = SP_COMMAND_HELLO;
  else if (g_str_equal (type, "ping"))
    command->type = SP_COMMAND_PING;
  else if (g_str_equal (type, "subscribe") || g_str_equal (type, "unsubscribe"))
    {
      command->type = g_str_equal (type, "subscribe") ? SP_COMMAND_SUBSCRIBE
                                                      : SP_COMMAND_UNSUBSCRIBE;
      command->symbols = parse_symbols (object, type, error);
      if (command->symbols == NULL)
        return NULL;
      if (command->type == SP_COMMAND_SUBSCRIBE && json_object_has_member (object, "since") &&
          !parse_since (object, command, error))
        return NULL;
      if (command->since_symbols != NULL && json_object_has_member (object, "market") &&
          !parse_market (object, command, error))
        return NULL;
    }
  else
    {
      g_autofree char *shown = g_utf8_substring (type, 0, MIN (g_utf8_strlen (type, -1), 40));

      g_set_error (error, SP_ERROR, SP_ERROR_UNKNOWN_COMMAND,
                   "Unknown command \"%s\"; known: hello, ping, subscribe, unsubscribe", shown);
      return NULL;
    }

  return g_steal_pointer (&command);
}

const char *
sp_protocol_error_code (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == SP_ERROR)
    {
      switch ((SpError) error->code)
        {
        case SP_ERROR_UNKNOWN_COMMAND:
          return "unknown-command";
        case SP_ERROR_UNKNOWN_SYMBOL:
          return "unknown-symbol";
        case SP_ERROR_BAD_JSON:
          return "bad-json";
        case SP_ERROR_BAD_MESSAGE:
          return "bad-command";
        case SP_ERROR_FAILED:
        case SP_ERROR_INVALID_ARGUMENT:
        case SP_ERROR_ADDRESS_IN_USE:
        case SP_ERROR_PERMISSION_DENIED:
        case SP_ERROR_BAD_ADDRESS:
        case SP_ERROR_HANDSHAKE:
        default:
          break;
        }
    }

  return "error";
}
