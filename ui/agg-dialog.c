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

typedef struct
{
  GtkWindow         **slot;
  char               *action_name;
  const char *const  *reasons;
  guint               n_reasons;
} Choosing;

static void
choosing_free (gpointer data)
{
  Choosing *choosing = data;

  g_free (choosing->action_name);
  g_free (choosing);
}

static void
reason_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    GtkWidget        *widget)
{
  Choosing *choosing = g_object_get_data (G_OBJECT (dialog), "agg-choosing");
  guint64 i;

  /* Answered: it is closing already. */
  agg_dialog_forget (choosing->slot);
  if (g_ascii_string_to_unsigned (response, 10, 0, choosing->n_reasons - 1, &i, NULL))
    gtk_widget_activate_action (widget, choosing->action_name, "s", _(choosing->reasons[i]));
}

GtkWidget *
agg_dialog_choose_reason (GtkWindow         **slot,
                          GtkWidget          *widget,
                          const char         *action_name,
                          const char         *heading,
                          const char         *body,
                          const char *const  *reasons,
                          guint               n_reasons)
{
  GtkRoot *root;
  GtkWidget *dialog;
  Choosing *choosing;

  g_return_val_if_fail (slot != NULL, NULL);
  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  g_return_val_if_fail (action_name != NULL, NULL);
  g_return_val_if_fail (n_reasons > 0, NULL);

  root = gtk_widget_get_root (widget);
  dialog = agg_dialog_new_reasons (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   heading, body, reasons, n_reasons);
  /* @reasons are static, as N_() arrays are; @slot lives in @widget, which
   * closes its dialog before it goes. */
  choosing = g_new0 (Choosing, 1);
  choosing->slot = slot;
  choosing->action_name = g_strdup (action_name);
  choosing->reasons = reasons;
  choosing->n_reasons = n_reasons;
  g_object_set_data_full (G_OBJECT (dialog), "agg-choosing", choosing, choosing_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (reason_response_cb), widget, 0);
  agg_dialog_show (slot, dialog);
  return dialog;
}
