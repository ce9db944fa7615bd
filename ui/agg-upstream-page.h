/* agg-upstream-page.h: the EPCIS repository as a supervisor sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-line.h"

G_BEGIN_DECLS

#define AGG_TYPE_UPSTREAM_PAGE (agg_upstream_page_get_type ())
G_DECLARE_FINAL_TYPE (AggUpstreamPage, agg_upstream_page, AGG, UPSTREAM_PAGE, AdwBin)

void agg_upstream_page_set_line (AggUpstreamPage *self,
                                 AggLine         *line);
/* Reads everything again (the window calls it when the page is shown). */
void agg_upstream_page_refresh  (AggUpstreamPage *self);

G_END_DECLS
