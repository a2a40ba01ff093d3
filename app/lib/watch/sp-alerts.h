/* Price alerts: "tell me when ACME rises above 300" or "moves 2 % within 5
 * minutes", for any stream the viewer watches. SpAlerts is a GListModel of
 * SpAlert rules, kept in settings as a GVariant (a(ssddb)); SpWatch feeds it
 * every price point and it emits ::fired when a rule's condition is met. Main
 * thread only, as SpWatch. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SP_ALERT_ABOVE,   /* the price rises through the level */
  SP_ALERT_BELOW,   /* the price falls through the level */
  SP_ALERT_MOVE,    /* the price moves by the percentage (either way) within the window */
} SpAlertKind;

/* A fired alert, for the chart's marks. */
typedef struct
{
  gint64 t_us;
  double price;
} SpAlertEvent;

/* A rule that has fired stays quiet this long before it fires again. */
#define SP_ALERT_QUIET_US (60 * G_USEC_PER_SEC)
/* The marks kept per symbol. */
#define SP_ALERT_MAX_EVENTS 100
/* The longest window a move alert watches. */
#define SP_ALERT_MAX_WINDOW_S (24 * 3600)

#define SP_TYPE_ALERT (sp_alert_get_type ())
G_DECLARE_FINAL_TYPE (SpAlert, sp_alert, SP, ALERT, GObject)

/* @value is the level for ABOVE and BELOW, the percentage for MOVE;
 * @window_s is the window of a MOVE (1 s to a day), ignored otherwise. */
SpAlert     *sp_alert_new         (const char  *symbol,
                                   SpAlertKind  kind,
                                   double       value,
                                   guint        window_s);
const char  *sp_alert_get_symbol  (SpAlert     *self);
SpAlertKind  sp_alert_get_kind    (SpAlert     *self);
double       sp_alert_get_value   (SpAlert     *self);
guint        sp_alert_get_window  (SpAlert     *self);
gboolean     sp_alert_get_enabled (SpAlert     *self);
void         sp_alert_set_enabled (SpAlert     *self,
                                   gboolean     enabled);
/* What the rule says, in words: "ACME rises above 300.00". */
char        *sp_alert_describe    (SpAlert     *self);
/* What happened when it fired (as ::fired gives it), as a notification says
 * it: "ACME rose above 300.00" with @body "Now 300.12, from 299.90". */
char        *sp_alert_describe_event (SpAlert  *self,
                                   double       price,
                                   double       reference,
                                   char       **body);

#define SP_TYPE_ALERTS (sp_alerts_get_type ())
G_DECLARE_FINAL_TYPE (SpAlerts, sp_alerts, SP, ALERTS, GObject)

SpAlerts    *sp_alerts_new        (void);
/* Checks what a rule would be: a symbol, a level above 0, a percentage above
 * 0 and below 100, a window of 1 s to a day; FALSE with @error saying which. */
gboolean     sp_alerts_validate   (const char  *symbol,
                                   SpAlertKind  kind,
                                   double       value,
                                   guint        window_s,
                                   GError     **error);
void         sp_alerts_add        (SpAlerts    *self,
                                   SpAlert     *alert);
void         sp_alerts_replace    (SpAlerts    *self,
                                   guint        position,
                                   SpAlert     *alert);
void         sp_alerts_remove     (SpAlerts    *self,
                                   guint        position);
SpAlert     *sp_alerts_get        (SpAlerts    *self,
                                   guint        position);
/* The rules as kept in settings, a(ssddb): symbol, "above"/"below"/"move",
 * value, window seconds, enabled. Loading replaces every rule; entries that
 * make no sense are dropped. */
GVariant    *sp_alerts_serialize  (SpAlerts    *self);
void         sp_alerts_load       (SpAlerts    *self,
                                   GVariant    *rules);

/* A price of @symbol at @t_us (µs since the epoch): may emit ::fired. */
void         sp_alerts_check      (SpAlerts    *self,
                                   const char  *symbol,
                                   double       price,
                                   gint64       t_us);
/* Another stream: prices before this are not compared with the next ones. */
void         sp_alerts_reset      (SpAlerts    *self);
/* Where alerts on @symbol fired, oldest first (at most SP_ALERT_MAX_EVENTS);
 * NULL when none did. */
GArray      *sp_alerts_get_events (SpAlerts    *self,
                                   const char  *symbol);

G_END_DECLS
