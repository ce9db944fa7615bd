/* agg-decode.h: every GS1 DataMatrix in one camera image
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decoding finds candidate regions first (local contrast on a coarse grid,
 * closed and split into connected components), then runs libdmtx on each
 * region on every core, each under a time limit and all under one
 * deadline.  Whatever is read by the deadline is returned.  These
 * functions run in the calling process; AggDecoder (agg-decoder.h) runs
 * them in a supervised helper process, which is what the station uses.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AGG_DECODE_ERROR (agg_decode_error_quark ())

typedef enum
{
  AGG_DECODE_ERROR_INVALID,           /* bad arguments: empty image, stride too small */
  AGG_DECODE_ERROR_UNREADABLE,        /* the file is not an image, or is damaged */
  AGG_DECODE_ERROR_TOO_LARGE,         /* more pixels than a camera delivers */
} AggDecodeError;

GQuark agg_decode_error_quark (void);

/* The largest image decoded, in pixels: four times a 12-megapixel camera. */
#define AGG_DECODE_MAX_PIXELS (48u * 1000u * 1000u)

typedef struct
{
  guint expect;                       /* codes expected (0: unknown): stop early when all are read */
  guint deadline_ms;                  /* hard deadline per image, default 500 */
  guint rows, cols;                   /* layout for slot mapping; 0 × 0: none */
  guint module_min_px, module_max_px; /* expected module size, 0: auto */
  guint threads;                      /* 0: one per core */
} AggDecodeOptions;

/* Unknown count, 500 ms, no layout, automatic module size, every core. */
void agg_decode_options_init (AggDecodeOptions *options);

typedef struct
{
  char     *data;                     /* the decoded bytes, NUL-terminated; FNC1 → GS (0x1d),
                                       * with "]d2" prefixed when FNC1 comes first */
  gsize     len;                      /* without the terminating NUL */
  double    corners[4][2];            /* image pixels (x, y), clockwise from the symbol's top-left */
  int       slot;                     /* row * cols + col, or -1: no layout, or outside the grid */
  gboolean  duplicate;                /* same data as an earlier code in this image */
} AggDecodedCode;

typedef struct
{
  GPtrArray *codes;                   /* of AggDecodedCode *, in slot order then reading order */
  guint      width, height;
  double     elapsed_ms;
  gboolean   deadline_hit;            /* some regions were not finished in time */
  guint      n_regions;               /* candidate regions found before decoding */
  GArray    *empty_slots;             /* of int: slots with no code (when a layout is given) */
} AggDecodeResult;

void agg_decode_result_free (AggDecodeResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggDecodeResult, agg_decode_result_free)

/* Decodes an 8-bit grayscale image, @stride bytes a row. */
AggDecodeResult *agg_decode_gray (const guint8            *pixels,
                                  guint                    width,
                                  guint                    height,
                                  gsize                    stride,
                                  const AggDecodeOptions  *options,
                                  GError                 **error);

/* Decodes an image file: PNG, JPEG, BMP, TIFF, PGM, or whatever else
 * gdk-pixbuf reads.  Colour images are reduced to their luminance. */
AggDecodeResult *agg_decode_file (const char              *path,
                                  const AggDecodeOptions  *options,
                                  GError                 **error);

G_END_DECLS
