/* Recent lists and saved connections, kept in the application's settings. */
#include "config.h"

#include "sp-recent.h"

void
sp_recent_remember (GSettings  *settings,
                    const char *key,
                    const char *value)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) list = NULL;
  guint n = 1;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (key != NULL);

  if (value == NULL || *value == '\0')
    return;

  builder = g_strv_builder_new ();
  old = g_settings_get_strv (settings, key);
  g_strv_builder_add (builder, value);
  for (guint i = 0; old[i] != NULL && n < SP_RECENT_MAX; i++)
    if (!g_str_equal (old[i], value))
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }

  list = g_strv_builder_end (builder);
  g_settings_set_strv (settings, key, (const char * const *) list);
}

/* What the first key's fixed tuple has no room for, by name. */
static void
store_extras (GSettings             *settings,
              const char            *name,
              const SpStreamOptions *options)
{
  g_autoptr(GVariant) old = g_settings_get_value (settings, "saved-connection-extras");
  g_auto(GVariantDict) all = G_VARIANT_DICT_INIT (old);
  g_auto(GVariantDict) extras = G_VARIANT_DICT_INIT (NULL);
  const char *const empty[] = { NULL };

  g_variant_dict_insert_value (&extras, "send",
                               g_variant_new_strv (options->send_on_open ?
                                                   (const char *const *) options->send_on_open :
                                                   empty, -1));
  g_variant_dict_insert_value (&all, name, g_variant_dict_end (&extras));
  g_settings_set_value (settings, "saved-connection-extras", g_variant_dict_end (&all));
}

static void
lookup_extras (GSettings       *settings,
               const char      *name,
               SpStreamOptions *options)
{
  g_autoptr(GVariant) all = g_settings_get_value (settings, "saved-connection-extras");
  g_autoptr(GVariant) extras = g_variant_lookup_value (all, name, G_VARIANT_TYPE_VARDICT);

  if (extras != NULL)
    g_variant_lookup (extras, "send", "^as", &options->send_on_open);
}

void
sp_saved_connection_store (GSettings             *settings,
                           const char            *name,
                           const SpStreamOptions *options)
{
  g_autoptr(GVariant) old = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(ssssss)"));
  g_autofree char *headers = NULL;
  g_autofree char *protocols = NULL;
  const char *old_name;
  GVariantIter iter;
  GVariant *child;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (name != NULL);
  g_return_if_fail (options != NULL);

  headers = options->headers ? g_strjoinv ("\n", options->headers) : g_strdup ("");
  protocols = options->protocols ? g_strjoinv (", ", options->protocols) : g_strdup ("");
  g_variant_builder_add (&builder, "(ssssss)", name, options->url, headers,
                         options->price_path ? options->price_path : "",
                         options->symbol_path ? options->symbol_path : "", protocols);

  old = g_settings_get_value (settings, "saved-connections");
  g_variant_iter_init (&iter, old);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_variant_get_child (child, 0, "&s", &old_name);
      if (!g_str_equal (old_name, name))
        g_variant_builder_add_value (&builder, child);
      g_variant_unref (child);
    }

  g_settings_set_value (settings, "saved-connections", g_variant_builder_end (&builder));
  store_extras (settings, name, options);
}

SpStreamOptions *
sp_saved_connection_lookup (GSettings  *settings,
                            const char *wanted)
{
  g_autoptr(GVariant) connections = NULL;
  const char *name, *url, *headers, *price, *symbol, *protocols;
  GVariantIter iter;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (wanted != NULL, NULL);

  connections = g_settings_get_value (settings, "saved-connections");
  g_variant_iter_init (&iter, connections);
  while (g_variant_iter_next (&iter, "(&s&s&s&s&s&s)", &name, &url, &headers, &price, &symbol,
                              &protocols))
    if (g_str_equal (name, wanted))
      {
        SpStreamOptions *options = sp_stream_options_new (url);

        /* Split as sp_saved_connection_store() joined them. */
        options->headers = g_strsplit (headers, "\n", -1);
        options->protocols = g_strsplit (protocols, ", ", -1);
        options->price_path = *price ? g_strdup (price) : NULL;
        options->symbol_path = *symbol ? g_strdup (symbol) : NULL;
        lookup_extras (settings, name, options);
        return options;
      }

  return NULL;
}
