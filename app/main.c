/* StockPush entry point: everything, the headless mode included, is the application's. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "sp-application.h"

/* The configured locale dir, where `meson install` puts the translations; a copy
 * installed under a staging root (meson install --destdir, as tests/test-install.py
 * does) is told where its own are with STOCKPUSH_LOCALEDIR. */
static const char *
locale_dir (void)
{
  const char *dir = g_getenv ("STOCKPUSH_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : LOCALEDIR;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SpApplication) app = NULL;

  /* GTK sets the locale in window mode; the headless modes speak it too. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = sp_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
