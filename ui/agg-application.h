/* agg-application.h: the station application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-line.h"

G_BEGIN_DECLS

#define AGG_TYPE_APPLICATION (agg_application_get_type ())
G_DECLARE_FINAL_TYPE (AggApplication, agg_application, AGG, APPLICATION, AdwApplication)

AggApplication *agg_application_new      (void);

/* The line once the database is open, else NULL. */
AggLine        *agg_application_get_line (AggApplication *self);
gboolean        agg_application_is_demo  (AggApplication *self);

G_END_DECLS
