/* agg-status-page.h: the station's health, and the work order's
 * reconciliation and close
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-line.h"
#include "agg-station.h"

G_BEGIN_DECLS

#define AGG_TYPE_STATUS_PAGE (agg_status_page_get_type ())
G_DECLARE_FINAL_TYPE (AggStatusPage, agg_status_page, AGG, STATUS_PAGE, AdwBin)

void agg_status_page_set_line (AggStatusPage *self,
                               AggLine       *line);
/* Reads everything again (the window calls it when the page is shown). */
void agg_status_page_refresh  (AggStatusPage *self);

/* The devices and faults of the running station, as they change. */
void agg_status_page_set_station (AggStatusPage *self,
                                  AggStation    *station);

G_END_DECLS
