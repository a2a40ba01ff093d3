/* The embedded browser client: paths, content types, self-only assets and the CSP. */
#include "config.h"

#include <string.h>

#include "sp-web.h"

static const struct
{
  const char *path;
  const char *content_type;
  const char *marker;   /* something each file must contain */
} served[] = {
  { "/",              "text/html; charset=utf-8",       "<html lang=\"en\">" },
  { "/stockpush.js",  "text/javascript; charset=utf-8", "WebSocket" },
  { "/stockpush.css", "text/css; charset=utf-8",        "prefers-color-scheme" },
  { "/favicon.svg",   "image/svg+xml",                  "<svg" },
};

static char *
body_text (GBytes *body)
{
  gsize size;
  const char *data = g_bytes_get_data (body, &size);

  return g_strndup (data, size);
}

static void
test_paths (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (served); i++)
    {
      g_autoptr(GBytes) body = NULL;
      g_autofree char *text = NULL;
      const char *content_type = NULL;

      g_test_message ("%s", served[i].path);
      g_assert_true (sp_web_lookup (served[i].path, &body, &content_type));
      g_assert_nonnull (body);
      g_assert_cmpuint (g_bytes_get_size (body), >, 0);
      g_assert_cmpstr (content_type, ==, served[i].content_type);

      text = body_text (body);
      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_assert_nonnull (strstr (text, served[i].marker));
    }
}

static void
test_unknown (void)
{
  static const char *const unknown[] = {
    "", "/index.html", "/stockpush.js/", "//stockpush.js", "/favicon.ico", "/web/stockpush.css",
    "/../stockpush.js", "/STOCKPUSH.JS", "/stockpush-web.gresource.xml", "stockpush.js", "/?x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      GBytes *body = NULL;
      const char *content_type = NULL;

      g_assert_false (sp_web_lookup (unknown[i], &body, &content_type));
      g_assert_null (body);
      g_assert_null (content_type);
    }

  {
    GBytes *body = NULL;
    const char *content_type = NULL;

    g_assert_false (sp_web_lookup (NULL, &body, &content_type));
  }
}

/* Every src= and href= of the page names one of the served files, and there
 * is no inline script, inline style or event-handler attribute. */
static void
test_index_self_only (void)
{
  g_autoptr(GBytes) body = NULL;
  g_autofree char *html = NULL;
  g_autoptr(GRegex) ref = NULL;
  g_autoptr(GRegex) handler = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  const char *content_type;
  guint n_refs = 0;

  g_assert_true (sp_web_lookup ("/", &body, &content_type));
  html = body_text (body);

  ref = g_regex_new ("\\b(?:src|href|action|poster|data)\\s*=\\s*[\"']?([^\"'\\s>]*)",
                     G_REGEX_CASELESS, 0, NULL);
  g_assert_nonnull (ref);
  g_regex_match (ref, html, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *url = g_match_info_fetch (match, 1);
      const char *file = url[0] == '/' ? url + 1 : url;
      g_autofree char *path = g_strconcat ("/", file, NULL);
      g_autoptr(GBytes) asset = NULL;
      const char *asset_type;

      g_test_message ("reference: %s", url);
      g_assert_null (strstr (url, ":"));
      g_assert_false (g_str_has_prefix (url, "//"));
      g_assert_cmpstr (file, !=, "");
      g_assert_true (sp_web_lookup (path, &asset, &asset_type));
      n_refs++;
      g_match_info_next (match, NULL);
    }
  g_assert_cmpuint (n_refs, >=, 3);
  g_assert_nonnull (strstr (html, "stockpush.js"));
  g_assert_nonnull (strstr (html, "stockpush.css"));

  /* Inline code the CSP would refuse (and log as an error in the console). */
  g_assert_null (strstr (html, "<style"));
  g_assert_null (strstr (html, " style="));
  g_assert_null (strstr (html, "javascript:"));
  g_assert_true (g_regex_match_simple ("<script\\s+src=\"[^\"]+\"[^>]*>\\s*</script>", html, 0, 0));
  g_assert_false (g_regex_match_simple ("<script(?![^>]*\\bsrc=)[^>]*>", html, G_REGEX_CASELESS, 0));
  handler = g_regex_new ("\\son[a-z]+\\s*=", G_REGEX_CASELESS, 0, NULL);
  g_assert_false (g_regex_match (handler, html, 0, NULL));
}

static void
test_csp (void)
{
  const char *csp = sp_web_content_security_policy ();
  g_auto(GStrv) directives = NULL;
  gboolean has_script_src = FALSE;

  g_assert_nonnull (csp);
  g_assert_null (strstr (csp, "unsafe-inline"));
  g_assert_null (strstr (csp, "unsafe-eval"));
  g_assert_nonnull (strstr (csp, "default-src 'none'"));
  g_assert_nonnull (strstr (csp, "frame-ancestors 'none'"));

  directives = g_strsplit (csp, ";", -1);
  for (guint i = 0; directives[i] != NULL; i++)
    {
      g_autofree char *d = g_strstrip (g_strdup (directives[i]));

      if (g_str_has_prefix (d, "script-src "))
        {
          g_assert_cmpstr (d, ==, "script-src 'self'");
          has_script_src = TRUE;
        }
      else if (g_str_has_prefix (d, "style-src "))
        g_assert_cmpstr (d, ==, "style-src 'self'");
      else if (g_str_has_prefix (d, "connect-src "))
        g_assert_cmpstr (d, ==, "connect-src ws: wss:");
    }
  g_assert_true (has_script_src);

  g_assert_cmpstr (csp, ==,
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "connect-src ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/web/paths", test_paths);
  g_test_add_func ("/web/unknown", test_unknown);
  g_test_add_func ("/web/index-self-only", test_index_self_only);
  g_test_add_func ("/web/csp", test_csp);

  return g_test_run ();
}
