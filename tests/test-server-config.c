/* Server configuration: defaults, and values typed by a person accepted or refused with a clear message. */
#include "config.h"

#include "sp-error.h"
#include "sp-server-config.h"

static void
test_defaults (void)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(SpServerConfig) copy = NULL;

  g_assert_cmpstr (config->bind_address, ==, "127.0.0.1");
  g_assert_cmpuint (config->port, ==, 8765);
  g_assert_cmpuint (config->interval_ms, ==, 250);
  g_assert_null (config->symbols);
  g_assert_cmpint (config->format, ==, SP_FORMAT_JSON);
  g_assert_cmpint (config->on_message, ==, SP_ON_MESSAGE_COMMANDS);
  g_assert_false (config->have_seed);
  g_assert_false (config->deflate);

  g_assert_true (sp_server_config_set_symbols (config, "A,B=2", NULL));
  copy = sp_server_config_copy (config);
  g_assert_true (copy->symbols != config->symbols);
  g_assert_cmpstrv (copy->symbols, config->symbols);
}

static void
test_good_values (void)
{
  g_autoptr(SpServerConfig) config = sp_server_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (sp_server_config_set_port (config, "0", &error));
  g_assert_cmpuint (config->port, ==, 0);
  g_assert_true (sp_server_config_set_port (config, " 65535 ", &error));
  g_assert_cmpuint (config->port, ==, 65535);
  g_assert_true (sp_server_config_set_bind (config, "::1", &error));
  g_assert_cmpstr (config->bind_address, ==, "::1");
  g_assert_true (sp_server_config_set_bind (config, "0.0.0.0", &error));
  g_assert_true (sp_server_config_set_interval (config, "1", &error));
  g_assert_cmpuint (config->interval_ms, ==, 1);
  g_assert_true (sp_server_config_set_interval (config, "3600000", &error));
  g_assert_cmpuint (config->interval_ms, ==, 3600000);
  g_assert_true (sp_server_config_set_symbols (config, " ACME , FOO=12.50", &error));
  g_assert_cmpuint (g_strv_length (config->symbols), ==, 2);
  g_assert_true (sp_server_config_set_format (config, "text", &error));
  g_assert_cmpint (config->format, ==, SP_FORMAT_TEXT);
  g_assert_true (sp_server_config_set_on_message (config, "close", &error));
  g_assert_cmpint (config->on_message, ==, SP_ON_MESSAGE_CLOSE);
  g_assert_true (sp_server_config_set_seed (config, "18446744073709551615", &error));
  g_assert_true (config->have_seed);
  g_assert_cmpuint (config->seed, ==, G_MAXUINT64);
  g_assert_no_error (error);
}

typedef gboolean (*Setter) (SpServerConfig *, const char *, GError **);

static void
test_bad_values (void)
{
  static const struct { Setter setter; const char *value; const char *mention; } cases[] = {
    { sp_server_config_set_port, "70000", "--port" },
    { sp_server_config_set_port, "-1", "--port" },
    { sp_server_config_set_port, "abc", "--port" },
    { sp_server_config_set_port, "", "--port" },
    { sp_server_config_set_port, "80x", "--port" },
    { sp_server_config_set_bind, "localhost", "--bind" },
    { sp_server_config_set_bind, "300.1.1.1", "--bind" },
    { sp_server_config_set_interval, "0", "--interval-ms" },
    { sp_server_config_set_interval, "3600001", "--interval-ms" },
    { sp_server_config_set_interval, "1.5", "--interval-ms" },
    { sp_server_config_set_symbols, "", "--symbols" },
    { sp_server_config_set_symbols, "A,A", "--symbols" },
    { sp_server_config_set_symbols, "A=-3", "--symbols" },
    { sp_server_config_set_format, "xml", "--format" },
    { sp_server_config_set_on_message, "ignore", "--on-message" },
    { sp_server_config_set_seed, "-5", "--seed" },
    { sp_server_config_set_seed, "18446744073709551616", "--seed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SpServerConfig) config = sp_server_config_new ();
      g_autoptr(SpServerConfig) before = sp_server_config_copy (config);
      g_autoptr(GError) error = NULL;

      g_assert_false (cases[i].setter (config, cases[i].value, &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == SP_ERROR);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, cases[i].mention));
      /* A refused value leaves the configuration as it was. */
      g_assert_cmpuint (config->port, ==, before->port);
      g_assert_cmpstr (config->bind_address, ==, before->bind_address);
      g_assert_cmpuint (config->interval_ms, ==, before->interval_ms);
      g_assert_null (config->symbols);
      g_assert_cmpint (config->format, ==, before->format);
      g_assert_false (config->have_seed);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server-config/defaults", test_defaults);
  g_test_add_func ("/server-config/good-values", test_good_values);
  g_test_add_func ("/server-config/bad-values", test_bad_values);

  return g_test_run ();
}
