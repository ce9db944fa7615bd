/* agg-signature-dialog.h: an electronic signature — who signs, their PIN,
 * and what signing means
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-line.h"

G_BEGIN_DECLS

#define AGG_TYPE_SIGNATURE_DIALOG (agg_signature_dialog_get_type ())
G_DECLARE_FINAL_TYPE (AggSignatureDialog, agg_signature_dialog, AGG, SIGNATURE_DIALOG,
                      AdwMessageDialog)

/* Shows @meaning, as the engine put it, and offers the users who may sign
 * as @role or above.  @problem: why the last try failed, if it did.  It
 * answers "sign" or "cancel" through AdwMessageDialog::response; the
 * signer and PIN can be read while it does. */
GtkWidget  *agg_signature_dialog_new        (GtkWindow          *parent,
                                             AggLine            *line,
                                             const char         *meaning,
                                             AggRole             role,
                                             const char         *problem);
const char *agg_signature_dialog_get_signer (AggSignatureDialog *self);
const char *agg_signature_dialog_get_pin    (AggSignatureDialog *self);

G_END_DECLS
