/* agg-decode-gen.h: camera images of GS1 DataMatrix grids with known truth
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each image is a layer of cartons seen from above: a grid of light
 * labels on a darker carton, each label with a pharma unit code (GTIN,
 * serial, expiry, lot) that zint encodes, then turned, warped, blurred
 * and made noisy as a spec says.  The truth — every code's data, slot and
 * corners — comes with it.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  guint       width, height;
  guint       rows, cols;
  double      module_px;
  double      rotation_deg;           /* every code's turn; negative: any angle */
  double      jitter_deg;             /* plus up to this much either way */
  double      blur_sigma;             /* Gaussian blur, pixels; 0: none */
  double      noise_sigma;            /* Gaussian noise, grey levels; 0: none */
  guint8      dark, light, carton;    /* modules, labels, the carton between */
  double      keystone;               /* perspective: the top edge this much narrower */
  int         damaged_slot;           /* -1: none; else a code scratched beyond repair */
  int         empty_slot;             /* -1: none; else a slot with no code */
  int         duplicate_slot;         /* -1: none; else a slot repeating slot 0's data */
  guint32     seed;
} AggGenSpec;

typedef struct
{
  char    *data;                      /* as a reader reports it: "]d2", FNC1 as GS */
  gsize    len;
  int      slot;
  gboolean readable;                  /* FALSE for the damaged code */
  double   corners[4][2];             /* image pixels, clockwise from the symbol's top-left */
} AggGenCode;

typedef struct
{
  guint8    *pixels;                  /* 8-bit grey, width bytes a row */
  guint      width, height;
  guint      rows, cols;
  double     module_px;
  GPtrArray *codes;                   /* of AggGenCode *, by slot */
  GArray    *empty_slots;             /* of int: slots no code can be read in */
} AggGenImage;

/* The standard images of the tests and the benchmark. */
const AggGenSpec *agg_gen_specs       (guint             *n_specs);
const AggGenSpec *agg_gen_spec_lookup (const char        *name);

AggGenImage      *agg_gen_image       (const AggGenSpec  *spec);
void              agg_gen_image_free  (AggGenImage       *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggGenImage, agg_gen_image_free)

/* Writes @image as PNG or JPEG (by @path's extension) with gdk-pixbuf. */
gboolean          agg_gen_image_save  (const AggGenImage *image,
                                       const char        *path,
                                       GError           **error);
/* The truth as JSON: size, layout, codes (data, slot, readable, corners)
 * and empty slots. */
char             *agg_gen_image_truth (const AggGenImage *image,
                                       const char        *name);

G_END_DECLS
