/* agg-label-preview.h: a case's or pallet's label on screen, and on an
 * office printer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-label.h"

G_BEGIN_DECLS

#define AGG_TYPE_LABEL_PREVIEW (agg_label_preview_get_type ())
G_DECLARE_FINAL_TYPE (AggLabelPreview, agg_label_preview, AGG, LABEL_PREVIEW, AdwBin)

GtkWidget  *agg_label_preview_new       (void);
void        agg_label_preview_set_store (AggLabelPreview *self,
                                         AggStore        *store);
/* Loads the label of @code (an SSCC or any code naming one) without
 * blocking; NULL shows nothing. */
void        agg_label_preview_set_code  (AggLabelPreview *self,
                                         const char      *code);
const char *agg_label_preview_get_code  (AggLabelPreview *self);
/* The label shown, once loaded; NULL while loading or after an error. */
AggLabel   *agg_label_preview_get_label (AggLabelPreview *self);

G_END_DECLS
