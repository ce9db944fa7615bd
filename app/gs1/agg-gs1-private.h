/* agg-gs1-private.h: the AI table, linters and parser internals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "agg-gs1.h"

G_BEGIN_DECLS

/* Character sets of the GS1 General Specifications. */
typedef enum
{
  AGG_GS1_CSET_N,                   /* digits */
  AGG_GS1_CSET_X,                   /* CSET 82 */
  AGG_GS1_CSET_Y,                   /* CSET 39 */
  AGG_GS1_CSET_Z,                   /* CSET 64, base64url */
} AggGs1Cset;

/* Content checks named by the Barcode Syntax Dictionary. */
typedef enum
{
  AGG_GS1_LINT_NONE = 0,
  AGG_GS1_LINT_CSUM,
  AGG_GS1_LINT_CSUMALPHA,
  AGG_GS1_LINT_GCPPOS1,
  AGG_GS1_LINT_GCPPOS2,
  AGG_GS1_LINT_YYMMD0,
  AGG_GS1_LINT_YYMMDD,
  AGG_GS1_LINT_YYYYMMDD,
  AGG_GS1_LINT_HHMI,
  AGG_GS1_LINT_HH,
  AGG_GS1_LINT_MI,
  AGG_GS1_LINT_SS,
  AGG_GS1_LINT_ISO3166,
  AGG_GS1_LINT_ISO3166ALPHA2,
  AGG_GS1_LINT_ISO3166999,
  AGG_GS1_LINT_ISO4217,
  AGG_GS1_LINT_ISO5218,
  AGG_GS1_LINT_PCENC,
  AGG_GS1_LINT_HYPHEN,
  AGG_GS1_LINT_YESNO,
  AGG_GS1_LINT_LATITUDE,
  AGG_GS1_LINT_LONGITUDE,
  AGG_GS1_LINT_IMPORTERIDX,
  AGG_GS1_LINT_PACKAGETYPE,
  AGG_GS1_LINT_MEDIATYPE,
  AGG_GS1_LINT_NONZERO,
  AGG_GS1_LINT_WINDING,
  AGG_GS1_LINT_ZERO,
  AGG_GS1_LINT_PIECEOFTOTAL,
  AGG_GS1_LINT_IBAN,
  AGG_GS1_LINT_NOZEROPREFIX,
  AGG_GS1_LINT_HASNONDIGIT,
  AGG_GS1_LINT_COUPONCODE,
  AGG_GS1_LINT_COUPONPOSOFFER,
  AGG_GS1_LINT_POSINSEQSLASH,
  AGG_GS1_N_LINTS
} AggGs1Lint;

#define AGG_GS1_MAX_COMPONENTS 5
#define AGG_GS1_MAX_LINTS      3

typedef struct
{
  guint8 cset;                      /* AggGs1Cset */
  guint8 min;
  guint8 max;
  guint8 optional;
  guint8 lints[AGG_GS1_MAX_LINTS];  /* AggGs1Lint, 0 terminated when short */
} AggGs1Component;

struct _AggGs1AiInfo
{
  char        ai[5];
  guint8      ai_len;
  guint8      predefined_length;    /* needs no GS after it ("*" flag) */
  guint8      dl_attribute;         /* allowed in a Digital Link query ("?") */
  guint8      n_components;
  AggGs1Component components[AGG_GS1_MAX_COMPONENTS];
  guint8      min_len;              /* sum over the components */
  guint8      max_len;
  /* Requisite AIs: groups separated by spaces, each group a comma separated
   * list of alternatives, each alternative AIs or patterns joined by "+"
   * ("31nn", "310n": n stands for any digit).  NULL when none. */
  const char *req;
  /* Mutually exclusive AIs or patterns, comma separated, or NULL. */
  const char *ex;
  /* Digital Link primary key: NULL when the AI is not one; "" when it takes
   * no qualifiers; else qualifier sequences "22,10,21|235". */
  const char *dlpkey;
  const char *title;
};

/* The table, sorted by AI. */
extern const AggGs1AiInfo agg_gs1_ai_table[];
extern const guint agg_gs1_ai_table_n_entries;

/* The outcome of one check on one component. */
typedef struct
{
  AggGs1Error  code;                /* which error class the failure belongs to */
  const char  *message;             /* N_() marked, untranslated */
  gsize        pos;                 /* offset of the fault in the component */
  gsize        len;                 /* length of the faulty part */
} AggGs1LintFailure;

gboolean agg_gs1_lint_cset (AggGs1Cset          cset,
                            const char         *value,
                            gsize               len,
                            AggGs1LintFailure  *failure);
gboolean agg_gs1_lint      (AggGs1Lint          lint,
                            const char         *value,
                            gsize               len,
                            AggGs1LintFailure  *failure);
const char *agg_gs1_lint_get_name (AggGs1Lint lint);

/* Parser internals shared with the Digital Link code. */
void     agg_gs1_data_reset              (AggGs1Data          *data,
                                          AggGs1Form           form);
gboolean agg_gs1_data_append             (AggGs1Data          *data,
                                          const AggGs1AiInfo  *info,
                                          const char          *value,
                                          gsize                len,
                                          gsize                offset,
                                          GError             **error);
gboolean agg_gs1_data_check_associations (AggGs1Data          *data,
                                          GError             **error);
gboolean agg_gs1_data_fail               (AggGs1Data          *data,
                                          GError             **error,
                                          AggGs1Error          code,
                                          const char          *ai,
                                          gssize               offset,
                                          const char          *format,
                                          ...) G_GNUC_PRINTF (6, 7);

gboolean agg_gs1_parse_digital_link      (const char          *input,
                                          gsize                len,
                                          gsize                base_offset,
                                          AggGs1Data          *data,
                                          GError             **error);
gboolean agg_gs1_looks_like_digital_link (const char          *input,
                                          gsize                len);

G_END_DECLS
