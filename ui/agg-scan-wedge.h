/* agg-scan-wedge.h: barcode readers that type like a keyboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define AGG_TYPE_SCAN_WEDGE (agg_scan_wedge_get_type ())
G_DECLARE_FINAL_TYPE (AggScanWedge, agg_scan_wedge, AGG, SCAN_WEDGE, GObject)

/* Watches the keys that reach @widget (usually the window): a fast burst
 * ending in Enter or Tab is a scan, emitted as "scanned" (data, length),
 * with @gs_substitute (0: none) turned into the GS byte.  Slower typing
 * goes on to the focused widget as usual. */
AggScanWedge *agg_scan_wedge_new               (GtkWidget    *widget);
void          agg_scan_wedge_set_gs_substitute (AggScanWedge *self,
                                                gunichar      substitute);

G_END_DECLS
