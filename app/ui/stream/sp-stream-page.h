/* The Stream page: the viewer's connection bar, price chart, message log and send bar,
 * around the viewer's model. Main thread only. */
#pragma once

#include <adwaita.h>

#include "sp-chart.h"
#include "sp-stream-client.h"
#include "sp-watch.h"

G_BEGIN_DECLS

#define SP_TYPE_STREAM_PAGE (sp_stream_page_get_type ())

G_DECLARE_FINAL_TYPE (SpStreamPage, sp_stream_page, SP, STREAM_PAGE, GtkWidget)

SpStreamPage *sp_stream_page_new           (void);
void          sp_stream_page_set_client    (SpStreamPage          *self,
                                            SpStreamClient        *client);
void          sp_stream_page_set_settings  (SpStreamPage          *self,
                                            GSettings             *settings);
/* Connects, the address (as taken) in the bar; a mistake in it or the
 * options also shows under the bar until the address changes. */
gboolean      sp_stream_page_connect       (SpStreamPage          *self,
                                            const SpStreamOptions *options,
                                            GError               **error);
void          sp_stream_page_focus_url     (SpStreamPage          *self);
GListModel   *sp_stream_page_get_log       (SpStreamPage          *self);
SpChart      *sp_stream_page_get_chart     (SpStreamPage          *self);
/* Prices go to @alerts; the chart shows the charted symbol's. */
void          sp_stream_page_set_alerts    (SpStreamPage          *self,
                                            SpAlerts              *alerts);
/* Charts @name if the stream has it; the symbol charted, or NULL. */
gboolean      sp_stream_page_show_symbol   (SpStreamPage          *self,
                                            const char            *name);
const char   *sp_stream_page_get_symbol    (SpStreamPage          *self);
/* The viewer's model the page shows. */
SpWatch      *sp_stream_page_get_watch     (SpStreamPage          *self);
/* The log as the filters show it, and the search field (text or a regular expression). */
GListModel   *sp_stream_page_get_shown_log (SpStreamPage          *self);
void          sp_stream_page_set_search    (SpStreamPage          *self,
                                            const char            *text,
                                            gboolean               regex);
gboolean      sp_stream_page_get_search_error (SpStreamPage       *self);
void          sp_stream_page_set_log_paused (SpStreamPage         *self,
                                            gboolean               paused);
/* Selects and shows the received message that arrived at @time_us (a chart point's ref). */
gboolean      sp_stream_page_select_message (SpStreamPage         *self,
                                            gint64                 time_us);
SpFrame      *sp_stream_page_get_selected_frame (SpStreamPage     *self);
/* Every frame from now on to @file as JSON Lines, for --replay later. */
gboolean      sp_stream_page_start_recording (SpStreamPage        *self,
                                            GFile                 *file,
                                            GError               **error);
guint64       sp_stream_page_stop_recording (SpStreamPage         *self,
                                            GError               **error);
/* The chart as a PNG image, and the selected symbol's prices as CSV. */
gboolean      sp_stream_page_save_chart    (SpStreamPage          *self,
                                            GFile                 *file,
                                            GError               **error);
gboolean      sp_stream_page_export_prices (SpStreamPage          *self,
                                            GFile                 *file,
                                            GError               **error);
/* The whole log (or only the messages the filters show) as JSON Lines or CSV;
 * importing JSON Lines replaces the log and pauses it. */
gboolean      sp_stream_page_export_log    (SpStreamPage          *self,
                                            GFile                 *file,
                                            gboolean               shown_only,
                                            gboolean               csv,
                                            GError               **error);
gboolean      sp_stream_page_import_log    (SpStreamPage          *self,
                                            GFile                 *file,
                                            GError               **error);

G_END_DECLS
