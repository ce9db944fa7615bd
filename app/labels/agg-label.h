/* agg-label.h: the GS1 logistic label of a case or pallet — content and rendering
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A label follows the GS1 Logistic Label guideline: a free-text header
 * (company, line, station), a block of human-readable data with titles,
 * and GS1-128 symbols at the bottom, the SSCC (AI 00) last.  Its layout
 * comes from a template (see docs/labels.md): the built-in "case" and
 * "pallet", or a key file of the site's own.  Rendering gives ZPL II for
 * Zebra-class printers, or PNG and PDF drawn with cairo and zint.
 */

#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "agg-config.h"
#include "agg-store.h"

G_BEGIN_DECLS

#define AGG_LABEL_ERROR (agg_label_error_quark ())

typedef enum
{
  AGG_LABEL_ERROR_NOT_FOUND,          /* no such case or pallet */
  AGG_LABEL_ERROR_INVALID,            /* a code, a value or an option that makes no label */
  AGG_LABEL_ERROR_TEMPLATE,           /* a template that cannot be read or is wrong */
  AGG_LABEL_ERROR_DOES_NOT_FIT,       /* a symbol wider than its field at the minimum X */
  AGG_LABEL_ERROR_RENDER,             /* the barcode or graphics library failed */
} AggLabelError;

GQuark agg_label_error_quark (void);

typedef enum
{
  AGG_LABEL_FORMAT_ZPL,
  AGG_LABEL_FORMAT_PNG,
  AGG_LABEL_FORMAT_PDF,
} AggLabelFormat;

typedef enum
{
  AGG_LABEL_SIZE_A6,                  /* 105 × 148 mm */
  AGG_LABEL_SIZE_4X6,                 /* 4 × 6 in */
} AggLabelSize;

typedef struct
{
  guint         dpi;                  /* 203, 300 or 600 */
  AggLabelSize  size;
  const char   *template_name;        /* NULL: the product's, else the default for the container's kind */
  gboolean      reprint;              /* prints a visible "REPRINT" mark */
  /* Optional: the header's company and line from [station], and where
   * the site's templates are ([labels] template-dir).  NULL: the header
   * from the database, built-in templates only. */
  AggConfig    *config;
} AggLabelOptions;

/* The fields of a label made from explicit values (tests, benchmarks,
 * previews of master data).  Strings are copied. */
typedef struct
{
  const char *sscc;                   /* 18 digits with a valid check digit */
  gboolean    is_pallet;
  const char *description;            /* NULL: mixed content */
  const char *gtin;                   /* of the contained trade items, AI (02); NULL: mixed */
  guint64     count;                  /* AI (37): how many; with @gtin only */
  const char *lot;                    /* AI (10); NULL: none or mixed */
  const char *date;                   /* YYMMDD; NULL: none or mixed */
  gboolean    best_before;            /* @date is a best-before date, AI (15), not an expiry, AI (17) */
  const char *company;                /* header lines; each may be NULL */
  const char *line_name;
  const char *station_name;
  const char *template_name;          /* the product's template; NULL: the default */
} AggLabelContent;

typedef struct _AggLabel AggLabel;

#define AGG_TYPE_LABEL (agg_label_get_type ())

GType       agg_label_get_type        (void) G_GNUC_CONST;

AggLabel   *agg_label_new             (const AggLabelContent  *content,
                                       GError                **error);
AggLabel   *agg_label_ref             (AggLabel               *label);
void        agg_label_unref           (AggLabel               *label);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggLabel, agg_label_unref)

/* The label data of a case or pallet (by SSCC or any code agg_code_parse()
 * takes).  Runs a read job on the store's owner thread; blocking — call
 * from a worker or the CLI. */
AggLabel   *agg_label_load            (AggStore               *store,
                                       const char             *code,
                                       GError                **error);
/* For the UI: the same, async. */
void        agg_label_load_async      (AggStore               *store,
                                       const char             *code,
                                       GCancellable           *cancellable,
                                       GAsyncReadyCallback     callback,
                                       gpointer                user_data);
AggLabel   *agg_label_load_finish     (AggStore               *store,
                                       GAsyncResult           *result,
                                       GError                **error);

const char *agg_label_get_sscc        (AggLabel               *label);
gboolean    agg_label_is_pallet       (AggLabel               *label);
/* NULL when the content is mixed. */
const char *agg_label_get_gtin        (AggLabel               *label);
guint64     agg_label_get_count       (AggLabel               *label);
const char *agg_label_get_lot         (AggLabel               *label);
const char *agg_label_get_date        (AggLabel               *label);
gboolean    agg_label_get_best_before (AggLabel               *label);
/* All the label's data as one GS1 element string, GS-separated, without
 * a leading FNC1: (00), then (02), (15) or (17), (37) and (10) as far as
 * they apply.  This is what the optional DataMatrix carries. */
char       *agg_label_get_element_string (AggLabel            *label);

/* The rendered label: ZPL II text, PNG bytes, or a one-page PDF. */
GBytes     *agg_label_render          (AggLabel               *label,
                                       AggLabelFormat          format,
                                       const AggLabelOptions  *options,
                                       GError                **error);
/* Draws the label into @cr scaled to @width_pt × @height_pt (for a
 * preview widget and GtkPrintOperation). */
gboolean    agg_label_draw            (AggLabel               *label,
                                       cairo_t                *cr,
                                       double                  width_pt,
                                       double                  height_pt,
                                       const AggLabelOptions  *options,
                                       GError                **error);

/* The size in millimetres. */
void        agg_label_size_get_mm     (AggLabelSize            size,
                                       double                 *width_mm,
                                       double                 *height_mm);
gboolean    agg_label_size_from_string (const char            *name,
                                        AggLabelSize          *size);
gboolean    agg_label_format_from_string (const char          *name,
                                          AggLabelFormat      *format);

G_END_DECLS
