/* agg-window.h: the station's one window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "agg-application.h"

G_BEGIN_DECLS

#define AGG_TYPE_WINDOW (agg_window_get_type ())
G_DECLARE_FINAL_TYPE (AggWindow, agg_window, AGG, WINDOW, AdwApplicationWindow)

AggWindow *agg_window_new      (AggApplication *application);

/* Called once the database is open (or could not be: @error). */
void       agg_window_set_line (AggWindow      *self,
                                AggLine        *line,
                                const GError   *error);

/* As agg_window_set_line (), with the station's devices around the line. */
void       agg_window_set_station (AggWindow    *self,
                                   AggStation   *station,
                                   const GError *error);

/* What a scanner read, wherever it came from (keyboard wedge, tests). */
void       agg_window_scan     (AggWindow      *self,
                                const char     *data,
                                gsize           len);

G_END_DECLS
