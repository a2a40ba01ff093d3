/* The Stream page's files: the log exported and imported, the stream recorded,
 * the chart saved as a picture or its prices as CSV, each after a file chooser. */
#include "config.h"

#include <glib/gi18n.h>

#include "sp-frame-io.h"
#include "sp-log-item.h"
#include "sp-stream-page-private.h"

typedef gboolean (*SaveFunc) (SpStreamPage *self, GFile *file, GError **error);

static void
on_save_dialog_response (GtkNativeDialog *dialog,
                         int              response,
                         SpStreamPage    *self)
{
  SaveFunc save = g_object_get_data (G_OBJECT (dialog), "save-func");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;
      g_autofree char *message = NULL;

      if (save (self, file, &error))
        {
          g_autofree char *name = g_file_get_basename (file);

          /* Translators: a toast, e.g. "Saved ACME.png" */
          message = g_object_get_data (G_OBJECT (dialog), "opening") != NULL
                    ? g_strdup_printf (_("Opened %s"), name)
                    : g_strdup_printf (_("Saved %s"), name);
        }
      else
        {
          message = g_strdup (error->message);
        }
      _sp_stream_page_toast (self, message);
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
ask_where_to_save (SpStreamPage        *self,
                   const char          *title,
                   const char          *name,
                   GtkFileChooserAction action,
                   SaveFunc             save)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean opening = action == GTK_FILE_CHOOSER_ACTION_OPEN;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        action, opening ? _("_Open") : _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (opening)
    g_object_set_data (G_OBJECT (dialog), "opening", GINT_TO_POINTER (TRUE));
  else
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_object_set_data (G_OBJECT (dialog), "save-func", save);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_dialog_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ------------------------------------------------------------------------ */
/* Recording the stream                                                       */

gboolean
sp_stream_page_start_recording (SpStreamPage *self,
                                GFile        *file,
                                GError      **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  sp_stream_page_stop_recording (self, NULL);
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Recordings go to local files"));
      return FALSE;
    }
  if (!sp_watch_start_recording (self->watch, path, error))
    return FALSE;
  self->record_name = g_file_get_basename (file);
  return TRUE;
}

/* Returns the number of frames recorded, or 0 when not recording. */
guint64
sp_stream_page_stop_recording (SpStreamPage *self,
                               GError      **error)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), 0);

  g_clear_pointer (&self->record_name, g_free);
  return sp_watch_stop_recording (self->watch, error);
}

void
_sp_stream_page_set_recording (SpStreamPage *self,
                               gboolean      recording)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *count = NULL;
  g_autofree char *message = NULL;
  guint64 n;

  if (recording == sp_watch_get_recording (self->watch))
    return;

  if (recording)
    {
      ask_where_to_save (self, _("Record the Stream"), "stockpush-recording.jsonl",
                         GTK_FILE_CHOOSER_ACTION_SAVE, sp_stream_page_start_recording);
      return;
    }

  name = g_strdup (self->record_name);
  n = sp_stream_page_stop_recording (self, &error);
  count = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  message = error != NULL
    ? g_strdup (error->message)
    /* Translators: a toast, e.g. "Recorded 1200 messages to stream.jsonl" */
    : g_strdup_printf (_("Recorded %s messages to %s"), count, name);
  _sp_stream_page_toast (self, message);
}

/* ------------------------------------------------------------------------ */
/* Export and import of the log                                               */

gboolean
sp_stream_page_export_log (SpStreamPage *self,
                           GFile        *file,
                           gboolean      shown_only,
                           gboolean      csv,
                           GError      **error)
{
  GListModel *model;
  g_autoptr(GString) out = NULL;
  guint n;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  model = shown_only ? sp_log_view_get_shown (self->log_view) : sp_log_view_get_log (self->log_view);
  n = g_list_model_get_n_items (model);
  out = g_string_sized_new (256 * (gsize) n + 64);
  if (csv)
    g_string_append (out, SP_FRAME_CSV_HEADER);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SpLogItem) item = g_list_model_get_item (model, i);

      if (csv)
        sp_frame_append_csv_row (out, sp_log_item_get_frame (item));
      else
        sp_frame_append_json_line (out, sp_log_item_get_frame (item));
    }

  return g_file_replace_contents (file, out->str, out->len, NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

gboolean
sp_stream_page_import_log (SpStreamPage *self,
                           GFile        *file,
                           GError      **error)
{
  g_autoptr(GPtrArray) frames = NULL;

  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  frames = sp_frames_load (file, sp_log_view_get_limit (self->log_view), NULL, error);
  if (frames == NULL)
    return FALSE;

  sp_log_view_replace (self->log_view, frames);
  return TRUE;
}

/* The export the log menu asked for, once its file is chosen. */
static gboolean
export_as_chosen (SpStreamPage *self,
                  GFile        *file,
                  GError      **error)
{
  return sp_stream_page_export_log (self, file, self->export_shown, self->export_csv, error);
}

static void
export_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  const char *what = g_variant_get_string (parameter, NULL);

  self->export_csv = g_str_has_suffix (what, "csv");
  self->export_shown = g_str_has_prefix (what, "shown");
  ask_where_to_save (self, _("Export the Log"),
                     self->export_csv ? "stockpush-log.csv" : "stockpush-log.jsonl",
                     GTK_FILE_CHOOSER_ACTION_SAVE, export_as_chosen);
}

static void
import_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ask_where_to_save (SP_STREAM_PAGE (widget), _("Import a Log"), NULL,
                     GTK_FILE_CHOOSER_ACTION_OPEN, sp_stream_page_import_log);
}

/* ------------------------------------------------------------------------ */
/* The chart's picture and prices                                             */

gboolean
sp_stream_page_save_chart (SpStreamPage *self,
                           GFile        *file,
                           GError      **error)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);

  return sp_chart_pane_save_chart (self->chart_pane, file, error);
}

gboolean
sp_stream_page_export_prices (SpStreamPage *self,
                              GFile        *file,
                              GError      **error)
{
  g_return_val_if_fail (SP_IS_STREAM_PAGE (self), FALSE);

  return sp_chart_pane_export_prices (self->chart_pane, file, error);
}

static void
save_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  g_autofree char *name = sp_chart_pane_dup_file_name (self->chart_pane, "png");

  ask_where_to_save (self, _("Save Chart as Image"), name, GTK_FILE_CHOOSER_ACTION_SAVE,
                     sp_stream_page_save_chart);
}

static void
export_prices_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SpStreamPage *self = SP_STREAM_PAGE (widget);
  g_autofree char *name = sp_chart_pane_dup_file_name (self->chart_pane, "csv");

  ask_where_to_save (self, _("Export Prices"), name, GTK_FILE_CHOOSER_ACTION_SAVE,
                     sp_stream_page_export_prices);
}

void
_sp_stream_page_class_add_file_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "stream.export-log", "s", export_log_action);
  gtk_widget_class_install_action (widget_class, "stream.import-log", NULL, import_log_action);
  gtk_widget_class_install_action (widget_class, "chart.save-image", NULL, save_image_action);
  gtk_widget_class_install_action (widget_class, "chart.export-prices", NULL, export_prices_action);
}
