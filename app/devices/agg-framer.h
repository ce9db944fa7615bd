/* agg-framer.h: cutting a reader's byte stream into scans
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A framer does no I/O and reads no clock: the owner pushes the bytes it
 * read with the monotonic time it read them at, and calls
 * agg_framer_flush_timeout () when agg_framer_get_deadline () has passed.
 * Reads may split or merge frames in any way; a frame is delivered whole
 * or not at all.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  AGG_FRAMING_CR,                     /* frames end at CR */
  AGG_FRAMING_LF,                     /* frames end at LF */
  AGG_FRAMING_CRLF,                   /* frames end at CR LF; a lone CR is data */
  AGG_FRAMING_ETX,                    /* frames end at ETX; a leading STX is dropped */
  AGG_FRAMING_TIMEOUT,                /* a silence between bytes ends a frame */
} AggFraming;

/* The names in the configuration: "cr", "lf", "crlf", "etx", "timeout". */
const char *agg_framing_to_string (AggFraming framing);

#define AGG_FRAMER_DEFAULT_MAX_FRAME 4096

/* A complete frame: prefix stripped, GS substitute turned into GS.
 * @data is only valid during the call. */
typedef void (*AggFramerFrameFunc)   (const guint8 *data,
                                      gsize         len,
                                      gpointer      user_data);
/* A frame longer than the maximum was dropped; called once per frame,
 * when the frame grows past the maximum. */
typedef void (*AggFramerOversizeFunc) (gpointer     user_data);

/* What became of every byte pushed: bytes == frame_bytes + overhead_bytes
 * + discarded_bytes + pending_bytes at every moment. */
typedef struct
{
  guint64 bytes;                      /* all bytes pushed */
  guint64 frames;                     /* frames delivered */
  guint64 frame_bytes;                /* bytes in delivered frames */
  guint64 overhead_bytes;             /* suffixes, stripped prefixes and STX, empty frames' suffixes */
  guint64 discarded_bytes;            /* bytes of oversize and abandoned frames */
  guint64 pending_bytes;              /* bytes of the frame not yet ended */
  guint64 oversize;                   /* frames dropped for their size */
} AggFramerStats;

typedef struct _AggFramer AggFramer;

AggFramer  *agg_framer_new              (AggFraming              framing,
                                         gsize                   max_frame,
                                         AggFramerFrameFunc      frame_func,
                                         AggFramerOversizeFunc   oversize_func,
                                         gpointer                user_data);
void        agg_framer_free             (AggFramer              *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggFramer, agg_framer_free)

/* Frames that start with @prefix lose it; others are kept as they are.
 * NULL or empty: no prefix. */
void        agg_framer_set_prefix       (AggFramer              *self,
                                         const guint8           *prefix,
                                         gsize                   len);
/* Every @c in a frame becomes GS (0x1d); -1: none. */
void        agg_framer_set_gs_substitute (AggFramer             *self,
                                         int                     c);
/* The silence that ends a frame with AGG_FRAMING_TIMEOUT, in µs. */
void        agg_framer_set_timeout      (AggFramer              *self,
                                         gint64                  timeout_us);

/* Feeds @len bytes read at @now_us (monotonic).  Delivers every frame
 * they complete before returning. */
void        agg_framer_push             (AggFramer              *self,
                                         const guint8           *data,
                                         gsize                   len,
                                         gint64                  now_us);
/* When the pending frame ends by silence (monotonic µs), or -1 when no
 * frame is pending or the framing has a suffix. */
gint64      agg_framer_get_deadline     (AggFramer              *self);
/* Ends the pending frame if its deadline is not after @now_us. */
void        agg_framer_flush_timeout    (AggFramer              *self,
                                         gint64                  now_us);
/* Drops the frame under way, as when the connection is lost; TRUE when
 * there was one (an oversize frame already reported does not count). */
gboolean    agg_framer_abandon          (AggFramer              *self);
void        agg_framer_get_stats        (AggFramer              *self,
                                         AggFramerStats         *stats);

G_END_DECLS
