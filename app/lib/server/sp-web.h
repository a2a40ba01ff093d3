/* The browser client the server hands out over plain HTTP, embedded as a GResource. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Finds the web file served at @path ("/", "/stockpush.js", "/stockpush.css",
 * "/favicon.svg"). On success *@body holds a new reference to its bytes and
 * *@content_type a static MIME type with charset where it applies. */
gboolean    sp_web_lookup                  (const char  *path,
                                            GBytes     **body,
                                            const char **content_type);

/* The Content-Security-Policy header to send with every web file. */
const char *sp_web_content_security_policy (void);

G_END_DECLS
