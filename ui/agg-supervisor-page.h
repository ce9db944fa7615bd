/* agg-supervisor-page.h: find any unit, case or pallet; see its tree and
 * history; correct it under signature
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-line.h"

G_BEGIN_DECLS

#define AGG_TYPE_SUPERVISOR_PAGE (agg_supervisor_page_get_type ())
G_DECLARE_FINAL_TYPE (AggSupervisorPage, agg_supervisor_page, AGG, SUPERVISOR_PAGE, AdwBin)

void agg_supervisor_page_set_line (AggSupervisorPage *self,
                                   AggLine           *line);
/* A code scanned while the page is shown: look it up. */
void agg_supervisor_page_scan     (AggSupervisorPage *self,
                                   const char        *data,
                                   gsize              len);

G_END_DECLS
