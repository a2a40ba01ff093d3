/* The browser client's files, looked up by URL path in the embedded GResource. */
#include "config.h"

#include <gio/gio.h>

#include "sp-web.h"
#include "sp-web-resources.h"

#define SP_WEB_RESOURCE_PREFIX "/com/example/StockPush/web/"

/* Same-origin scripts and styles only, no inline code; the page may open
 * WebSockets to any host, as its address field allows. */
#define SP_WEB_CSP \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
  "connect-src ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const struct
{
  const char *path;
  const char *file;
  const char *content_type;
} web_files[] = {
  { "/",               "index.html",     "text/html; charset=utf-8" },
  { "/stockpush.js",   "stockpush.js",   "text/javascript; charset=utf-8" },
  { "/stockpush.css",  "stockpush.css",  "text/css; charset=utf-8" },
  { "/favicon.svg",    "favicon.svg",    "image/svg+xml" },
};

gboolean
sp_web_lookup (const char  *path,
               GBytes     **body,
               const char **content_type)
{
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (content_type != NULL, FALSE);

  if (path == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (web_files); i++)
    {
      g_autofree char *name = NULL;

      if (!g_str_equal (path, web_files[i].path))
        continue;

      /* Through sp_web_get_resource(), not the global registry: the reference
       * keeps the resource's object file in the static library's link. */
      name = g_strconcat (SP_WEB_RESOURCE_PREFIX, web_files[i].file, NULL);
      *body = g_resource_lookup_data (sp_web_get_resource (), name,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (*body != NULL);
      *content_type = web_files[i].content_type;
      return TRUE;
    }

  return FALSE;
}

const char *
sp_web_content_security_policy (void)
{
  return SP_WEB_CSP;
}
