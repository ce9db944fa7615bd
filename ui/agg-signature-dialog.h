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
/* A copy of @request, signed by the signer and PIN chosen. */
AggRequest *agg_signature_dialog_sign       (AggSignatureDialog *self,
                                             const AggRequest   *request);

/* What a refusal for want of a signature asks for, kept while the
 * signature is asked (and asked again after a mistyped PIN). */
typedef struct
{
  AggRequest *request;                /* the refused request, to send again signed; NULL: none */
  char       *meaning;                /* what signing means, as the engine put it; NULL: no need */
  AggRole     role;                   /* the least role that may sign */
} AggSignatureNeed;

/* Replaces what @need held by what @result, a refusal with
 * AGG_OUTCOME_SIGNATURE_REQUIRED, asks for, and a copy of @request
 * (NULL: the page keeps the request itself). */
void        agg_signature_need_set          (AggSignatureNeed   *need,
                                             const AggRequest   *request,
                                             const AggResult    *result);
void        agg_signature_need_clear        (AggSignatureNeed   *need);

/* agg_signature_dialog_new () for @need, which must have a meaning. */
GtkWidget  *agg_signature_dialog_new_for_need (GtkWindow              *parent,
                                               AggLine                *line,
                                               const AggSignatureNeed *need,
                                               const char             *problem);

G_END_DECLS
