/* Wire protocol: every encoded form parses back with json-glib; commands parse or fail clearly. */
#include "config.h"

#include <json-glib/json-glib.h>

#include "sp-error.h"
#include "sp-protocol.h"

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

static const char *tricky_symbols[] = {
  "ACME",
  "Ünïcødé 株",
  "quo\"te",
  "back\\slash",
  "tab\tnew\nline\r",
  "ctl\001\037",
  "</script>",
};

static void
test_tick_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (tricky_symbols); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autoptr(JsonObject) object = NULL;
      SpQuote quote = {
        .symbol = tricky_symbols[i],
        .price_cents = 29990 + i,
        .open_cents = 30000,
        .change_cents = (gint64) 29990 + i - 30000,
        .change_bp = -3,
        .volume = G_GUINT64_CONSTANT (12345678901),
        .seq = 42 + i,
      };

      sp_protocol_append_tick (out, &quote, G_GINT64_CONSTANT (1795475277034646));
      object = parse_object (out->str);

      g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "tick");
      g_assert_cmpstr (json_object_get_string_member (object, "symbol"), ==, tricky_symbols[i]);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "price"),
                                      (29990 + i) / 100.0, 1e-9);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "change"),
                                      ((int) (29990 + i) - 30000) / 100.0, 1e-9);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "change_pct"),
                                      -0.03, 1e-9);
      g_assert_cmpint (json_object_get_int_member (object, "volume"), ==,
                       G_GINT64_CONSTANT (12345678901));
      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, 42 + i);
      /* ts must stay an integer number of microseconds, not a float. */
      g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "ts")), ==,
                       G_TYPE_INT64);
      g_assert_cmpint (json_object_get_int_member (object, "ts"), ==,
                       G_GINT64_CONSTANT (1795475277034646));
    }
}

static void
test_batch_round_trip (void)
{
  g_autoptr(GPtrArray) ticks = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *array;

  for (guint i = 0; i < G_N_ELEMENTS (tricky_symbols); i++)
    {
      g_autoptr(GString) tick = g_string_new (NULL);
      SpQuote quote = { .symbol = tricky_symbols[i], .price_cents = 100 * (i + 1), .seq = 1 };

      sp_protocol_append_tick (tick, &quote, 1000 + i);
      g_ptr_array_add (ticks, g_string_free (g_steal_pointer (&tick), FALSE));
    }

  sp_protocol_append_batch (out, 999, (const char * const *) ticks->pdata, ticks->len);
  object = parse_object (out->str);

  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "ticks");
  g_assert_cmpint (json_object_get_int_member (object, "ts"), ==, 999);
  array = json_object_get_array_member (object, "ticks");
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (tricky_symbols));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *tick = json_array_get_object_element (array, i);

      g_assert_cmpstr (json_object_get_string_member (tick, "symbol"), ==, tricky_symbols[i]);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tick, "price"), i + 1.0, 1e-9);
      g_assert_cmpint (json_object_get_int_member (tick, "ts"), ==, 1000 + i);
    }

  /* An empty batch is still valid JSON. */
  g_string_truncate (out, 0);
  sp_protocol_append_batch (out, 5, NULL, 0);
  g_clear_pointer (&object, json_object_unref);
  object = parse_object (out->str);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "ticks")), ==, 0);
}

static void
test_cents_and_text (void)
{
  static const struct { gint64 cents; const char *text; } cases[] = {
    { 29990, "299.90" }, { 5, "0.05" }, { 0, "0.00" }, { -150, "-1.50" },
    { -7, "-0.07" }, { 100000000000, "1000000000.00" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *expected = g_strconcat ("price = ", cases[i].text, NULL);

      sp_protocol_append_cents (out, cases[i].cents);
      g_assert_cmpstr (out->str, ==, cases[i].text);

      g_string_truncate (out, 0);
      sp_protocol_append_text_price (out, cases[i].cents);
      g_assert_cmpstr (out->str, ==, expected);
    }
}

static void
test_replies_round_trip (void)
{
  const char * const symbols[] = { "ACME", "quo\"te", NULL };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *array;

  sp_protocol_append_welcome (out, symbols, 250, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS, NULL,
                              "\"abc\"");
  object = parse_object (out->str);
  g_assert_false (json_object_has_member (object, "market"));
  g_string_truncate (out, 0);
  g_clear_pointer (&object, json_object_unref);
  sp_protocol_append_welcome (out, symbols, 250, SP_FORMAT_JSON, SP_ON_MESSAGE_COMMANDS, "m\"1",
                              "\"abc\"");
  object = parse_object (out->str);
  g_assert_cmpstr (json_object_get_string_member (object, "market"), ==, "m\"1");
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "welcome");
  g_assert_cmpstr (json_object_get_string_member (object, "server"), ==, "StockPush");
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (object, "interval_ms"), ==, 250);
  g_assert_cmpstr (json_object_get_string_member (object, "format"), ==, "json");
  g_assert_cmpstr (json_object_get_string_member (object, "on_message"), ==, "commands");
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "abc");
  array = json_object_get_array_member (object, "symbols");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, "quo\"te");

  g_string_truncate (out, 0);
  g_clear_pointer (&object, json_object_unref);
  sp_protocol_append_pong (out, "{\"n\":[1,2]}", 77);
  object = parse_object (out->str);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "pong");
  g_assert_cmpint (json_object_get_int_member (object, "ts"), ==, 77);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_object_get_object_member (object, "id"), "n")), ==, 2);

  g_string_truncate (out, 0);
  g_clear_pointer (&object, json_object_unref);
  sp_protocol_append_subscribed (out, symbols, NULL);
  object = parse_object (out->str);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "subscribed");
  g_assert_false (json_object_has_member (object, "id"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "symbols")), ==, 2);

  g_string_truncate (out, 0);
  g_clear_pointer (&object, json_object_unref);
  sp_protocol_append_error (out, "bad-json", "Line 1: \"oops\" \\ \n", "7");
  object = parse_object (out->str);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, "bad-json");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "Line 1: \"oops\" \\ \n");
  g_assert_cmpint (json_object_get_int_member (object, "id"), ==, 7);
}

static void
test_commands (void)
{
  g_autoptr(SpCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;

  text = "{\"type\":\"hello\"}";
  command = sp_command_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpint (command->type, ==, SP_COMMAND_HELLO);
  g_assert_null (command->id_json);
  g_clear_pointer (&command, sp_command_free);

  text = "{\"type\":\"ping\",\"id\":42}";
  command = sp_command_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpint (command->type, ==, SP_COMMAND_PING);
  g_assert_cmpstr (command->id_json, ==, "42");
  g_clear_pointer (&command, sp_command_free);

  text = "  {\"symbols\":[\"ACME\",\"*\"],\"type\":\"subscribe\",\"id\":\"x\"} ";
  command = sp_command_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpint (command->type, ==, SP_COMMAND_SUBSCRIBE);
  g_assert_cmpuint (g_strv_length (command->symbols), ==, 2);
  g_assert_cmpstr (command->symbols[0], ==, "ACME");
  g_assert_cmpstr (command->symbols[1], ==, "*");
  g_assert_cmpstr (command->id_json, ==, "\"x\"");
  g_clear_pointer (&command, sp_command_free);

  /* The id goes back as it came, whatever a double or a re-encoding would make of it. */
  {
    static const struct { const char *text; const char *id; } ids[] = {
      { "{\"type\":\"ping\",\"id\":1e400}", "1e400" },
      { "{\"type\":\"ping\",\"id\":123456789012345678901234567890}", "123456789012345678901234567890" },
      { "{\"type\":\"ping\",\"id\":-0.0}", "-0.0" },
      { "{\"type\":\"ping\",\"id\":\"\\u0000\"}", "\"\\u0000\"" },
      { "{\"type\":\"ping\",\"id\":\"a\\\"}\"}", "\"a\\\"}\"" },
      { "{ \"type\" : \"ping\" , \"id\" : { \"a\" : [1, \"]\"] } }", "{ \"a\" : [1, \"]\"] }" },
      { "{\"id\":1,\"type\":\"ping\",\"id\":2}", "2" },
      { "{\"type\":\"ping\",\"\\u0069d\":true}", "true" },
      { "{\"type\":\"ping\",\"idx\":1,\"id\":null}", "null" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
      {
        g_clear_pointer (&command, sp_command_free);
        command = sp_command_parse (ids[i].text, strlen (ids[i].text), &error);
        g_assert_no_error (error);
        g_assert_cmpstr (command->id_json, ==, ids[i].id);
      }
    g_clear_pointer (&command, sp_command_free);
  }

  /* What a reconnecting client last had. */
  text = "{\"type\":\"subscribe\",\"symbols\":[\"*\"],\"since\":{\"ACME\":120,\"HOOLI\":0}}";
  command = sp_command_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (command->since_symbols), ==, 2);
  g_assert_cmpstr (command->since_symbols[0], ==, "ACME");
  g_assert_cmpuint (command->since_seqs[0], ==, 120);
  g_assert_cmpstr (command->since_symbols[1], ==, "HOOLI");
  g_assert_cmpuint (command->since_seqs[1], ==, 0);
  g_assert_null (command->market);
  g_clear_pointer (&command, sp_command_free);

  /* …and of which market, as its welcome said. */
  text = "{\"type\":\"subscribe\",\"symbols\":[\"*\"],\"since\":{\"ACME\":7},\"market\":\"e1\"}";
  command = sp_command_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (command->market, ==, "e1");
  g_clear_pointer (&command, sp_command_free);

  text = "{\"type\":\"unsubscribe\",\"symbols\":[\"GLOBEX\"]}";
  command = sp_command_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpint (command->type, ==, SP_COMMAND_UNSUBSCRIBE);
  g_assert_cmpstr (command->symbols[0], ==, "GLOBEX");
}

static void
test_bad_commands (void)
{
  static const struct { const char *text; const char *code; const char *mention; } cases[] = {
    { "price = 299.9", "bad-json", "not valid JSON" },
    { "{\"type\":", "bad-json", "not valid JSON" },
    { "", "bad-json", "empty" },
    { "[1,2]", "bad-command", "JSON object" },
    { "\"ping\"", "bad-command", "JSON object" },
    { "{\"id\":1}", "bad-command", "\"type\"" },
    { "{\"type\":5}", "bad-command", "\"type\"" },
    { "{\"type\":\"sell\"}", "unknown-command", "sell" },
    { "{\"type\":\"subscribe\"}", "bad-command", "symbols" },
    { "{\"type\":\"subscribe\",\"symbols\":\"ACME\"}", "bad-command", "symbols" },
    { "{\"type\":\"subscribe\",\"symbols\":[]}", "bad-command", "at least one" },
    { "{\"type\":\"unsubscribe\",\"symbols\":[1]}", "bad-command", "only strings" },
    { "\xff\xfe{}", "bad-json", "UTF-8" },
    { "{\"type\":\"subscribe\",\"symbols\":[\"*\"],\"since\":5}", "bad-command", "since" },
    { "{\"type\":\"subscribe\",\"symbols\":[\"*\"],\"since\":{\"ACME\":-1}}", "bad-command",
      "whole number" },
    { "{\"type\":\"subscribe\",\"symbols\":[\"*\"],\"since\":{\"ACME\":1.5}}", "bad-command",
      "ACME" },
    { "{\"type\":\"subscribe\",\"symbols\":[\"*\"],\"since\":{\"ACME\":1},\"market\":5}",
      "bad-command", "market" },
    { "{\"type\":\"subscribe\",\"symbols\":[\"*\"],\"since\":{\"ACME\":1},\"market\":"
      "\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
      "bad-command", "market" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SpCommand) command = sp_command_parse (cases[i].text, strlen (cases[i].text),
                                                       &error);

      g_test_message ("case %u", i);
      g_assert_null (command);
      g_assert_nonnull (error);
      g_assert_cmpstr (sp_protocol_error_code (error), ==, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].mention));
    }
}

static void
test_enums (void)
{
  SpFormat format;
  SpOnMessage policy;

  g_assert_true (sp_format_from_string ("text", &format));
  g_assert_cmpint (format, ==, SP_FORMAT_TEXT);
  g_assert_cmpstr (sp_format_to_string (format), ==, "text");
  g_assert_true (sp_format_from_string ("json", &format));
  g_assert_cmpstr (sp_format_to_string (format), ==, "json");
  g_assert_false (sp_format_from_string ("xml", &format));
  g_assert_false (sp_format_from_string (NULL, &format));

  g_assert_true (sp_on_message_from_string ("close", &policy));
  g_assert_cmpstr (sp_on_message_to_string (policy), ==, "close");
  g_assert_true (sp_on_message_from_string ("commands", &policy));
  g_assert_cmpstr (sp_on_message_to_string (policy), ==, "commands");
  g_assert_false (sp_on_message_from_string ("ignore", &policy));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/tick", test_tick_round_trip);
  g_test_add_func ("/protocol/batch", test_batch_round_trip);
  g_test_add_func ("/protocol/cents-and-text", test_cents_and_text);
  g_test_add_func ("/protocol/replies", test_replies_round_trip);
  g_test_add_func ("/protocol/commands", test_commands);
  g_test_add_func ("/protocol/bad-commands", test_bad_commands);
  g_test_add_func ("/protocol/enums", test_enums);

  return g_test_run ();
}
