/* agg-dialog.h: a page's one open dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void agg_dialog_show   (GtkWindow **slot,
                        GtkWidget  *dialog);
void agg_dialog_close  (GtkWindow **slot);
void agg_dialog_forget (GtkWindow **slot);

/* Asks why, with one big button per reason (@reasons are N_() marked):
 * the response is the reason's index as text, or "cancel". */
GtkWidget *agg_dialog_new_reasons (GtkWindow         *parent,
                                   const char        *heading,
                                   const char        *body,
                                   const char *const *reasons,
                                   guint              n_reasons);

/* Asks why with agg_dialog_new_reasons (), shown in @slot, and activates
 * @action_name on @widget with the reason chosen, translated, as its
 * string parameter; nothing when cancelled.  Returns the dialog, for a
 * page that wants to hear the answer too. */
GtkWidget *agg_dialog_choose_reason (GtkWindow         **slot,
                                     GtkWidget          *widget,
                                     const char         *action_name,
                                     const char         *heading,
                                     const char         *body,
                                     const char *const  *reasons,
                                     guint               n_reasons);

G_END_DECLS
