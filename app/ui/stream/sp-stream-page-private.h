/* The Stream page's insides, shared between sp-stream-page.c and sp-stream-page-files.c. */
#pragma once

#include <adwaita.h>

#include "sp-chart-pane.h"
#include "sp-connection-bar.h"
#include "sp-log-view.h"
#include "sp-send-bar.h"
#include "sp-sidebar.h"
#include "sp-watchlist-view.h"
#include "sp-stream-page.h"
#include "sp-watch.h"

G_BEGIN_DECLS

struct _SpStreamPage
{
  GtkWidget        parent_instance;

  SpConnectionBar *connection_bar;
  SpChartPane     *chart_pane;
  SpLogView       *log_view;
  SpSendBar       *send_bar;
  SpSidebar       *watchlist_sidebar;
  SpWatchlistView *watchlist;

  GSettings       *settings;
  SpStreamClient  *client;
  SpWatch         *watch;
  char            *record_name;   /* the file being recorded to */
  gboolean         export_csv;    /* what the log menu's export asked for */
  gboolean         export_shown;
};

void _sp_stream_page_toast                  (SpStreamPage   *self,
                                             const char     *message);
/* Asks for a file to record to (TRUE), or stops and says how many were recorded. */
void _sp_stream_page_set_recording          (SpStreamPage   *self,
                                             gboolean        recording);
/* The actions that save and open files: exports, import, the chart's picture. */
void _sp_stream_page_class_add_file_actions (GtkWidgetClass *widget_class);

G_END_DECLS
