/* agg-demo.h: the codes a simulated line reads, for the demo station
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a draw stands for, as returned in @kind by agg_demo_feed_next(). */
#define AGG_DEMO_GOOD         "good"          /* a new unit of the demo order */
#define AGG_DEMO_DUPLICATE    "duplicate"     /* the last good unit, read again */
#define AGG_DEMO_WRONG_LOT    "wrong-lot"     /* a new unit of lot DEMO02 */
#define AGG_DEMO_UNREADABLE   "unreadable"    /* a damaged code: bad check digit, cut short */
#define AGG_DEMO_EARLIER_CASE "earlier-case"  /* a good unit at least a full case back */

/* The demo order WO-DEMO-1, as agg_import_demo() sets it up. */
#define AGG_DEMO_GTIN         "09506000134352"
#define AGG_DEMO_LOT          "DEMO01"
#define AGG_DEMO_OTHER_LOT    "DEMO02"
#define AGG_DEMO_EXPIRY       "281231"
#define AGG_DEMO_UNITS_PER_CASE 12

typedef struct _AggDemoFeed AggDemoFeed;

/* The same @seed gives the same codes. */
AggDemoFeed *agg_demo_feed_new  (guint32      seed);
/* The next code as a scanner sends it (GS as 0x1d, NUL-terminated), with
 * its length in @len and what it is in @kind (static, may be NULL).
 * About 87 % good, 4 % duplicate, 4 % wrong lot, 3 % unreadable and 2 %
 * from an earlier case; a draw that needs earlier units and has none
 * gives a good one. */
char        *agg_demo_feed_next (AggDemoFeed *feed,
                                 gsize       *len,
                                 const char **kind);
void         agg_demo_feed_free (AggDemoFeed *feed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggDemoFeed, agg_demo_feed_free)

G_END_DECLS
