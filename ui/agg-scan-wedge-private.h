/* agg-scan-wedge-private.h: the wedge's decisions, without a keyboard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "agg-scan-wedge.h"

G_BEGIN_DECLS

/* The longest pause between two keys of one scan.  Readers type a key
 * every few milliseconds; the fastest people need about 80. */
#define AGG_SCAN_WEDGE_MAX_GAP_MS 30

/* Shorter "scans" ending in Enter or Tab are keys typed by hand. */
#define AGG_SCAN_WEDGE_MIN_LENGTH 3

/* One key press without modifiers, at @time_ms (the event's clock), as
 * the key controller sees it.  TRUE when the wedge took the key. */
gboolean agg_scan_wedge_feed_key (AggScanWedge *self,
                                  guint         keyval,
                                  guint32       time_ms);
/* What the timer does: the keys held back were typed by hand. */
void     agg_scan_wedge_flush    (AggScanWedge *self);

G_END_DECLS
