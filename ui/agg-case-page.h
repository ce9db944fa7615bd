/* agg-case-page.h: the case station, the operator's main screen
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-camera.h"
#include "agg-camera-view.h"
#include "agg-line.h"
#include "agg-station.h"

G_BEGIN_DECLS

#define AGG_TYPE_CASE_PAGE (agg_case_page_get_type ())
G_DECLARE_FINAL_TYPE (AggCasePage, agg_case_page, AGG, CASE_PAGE, AdwBin)

void agg_case_page_set_line (AggCasePage *self,
                             AggLine     *line);
/* A unit or case code read by a scanner. */
/* Shows what the station's readers and cameras bring, beside the page's
 * own scans. */
void agg_case_page_set_station (AggCasePage *self,
                                AggStation  *station);
void agg_case_page_scan     (AggCasePage *self,
                             const char  *data,
                             gsize        len);
/* The camera above the case: its view shows beside the case, and each
 * image it decodes goes to the engine as a layer read.  NULL: none. */
void agg_case_page_set_camera (AggCasePage *self,
                               AggCamera   *camera);
AggCameraView *agg_case_page_get_camera_view (AggCasePage *self);

G_END_DECLS
