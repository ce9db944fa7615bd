/* agg-dialog.c: a page's one open dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A page asks one question at a time, and leaves none behind for the
 * window to tear down with it: @slot holds the dialog open, if any, and
 * empties itself when the dialog goes.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "agg-dialog.h"

/* The dialog answered, and is closing by itself. */
void
agg_dialog_forget (GtkWindow **slot)
{
  if (*slot == NULL)
    return;

  g_object_remove_weak_pointer (G_OBJECT (*slot), (gpointer *) slot);
  *slot = NULL;
}

void
agg_dialog_close (GtkWindow **slot)
{
  GtkWindow *dialog = *slot;

  agg_dialog_forget (slot);
  if (dialog != NULL)
    gtk_window_destroy (dialog);
}

/* Closes the one open before. */
void
agg_dialog_show (GtkWindow **slot,
                 GtkWidget  *dialog)
{
  agg_dialog_close (slot);
  *slot = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) slot);
  gtk_window_present (*slot);
}

GtkWidget *
agg_dialog_new_reasons (GtkWindow         *parent,
                        const char        *heading,
                        const char        *body,
                        const char *const *reasons,
                        guint              n_reasons)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  for (guint i = 0; i < n_reasons; i++)
    {
      g_autofree char *id = g_strdup_printf ("%u", i);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), id, _(reasons[i]));
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_widget_add_css_class (dialog, "touch-dialog");
  return dialog;
}
