/* agg-dialog.h: a page's one open dialog
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void agg_dialog_show   (GtkWindow **slot,
                        GtkWidget  *dialog);
void agg_dialog_close  (GtkWindow **slot);
void agg_dialog_forget (GtkWindow **slot);

G_END_DECLS
