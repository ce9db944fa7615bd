/* agg-gs1.h: GS1 Application Identifier data, parsed and checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AGG_GS1_ERROR (agg_gs1_error_quark ())

/* Every way a GS1 input can be refused.  The GError message names the AI
 * and the offset; AggGs1Data carries both for callers that need them. */
typedef enum
{
  AGG_GS1_ERROR_NOT_GS1,            /* plain data, or a non-GS1 symbology */
  AGG_GS1_ERROR_EMPTY,              /* nothing after the symbology identifier */
  AGG_GS1_ERROR_UNKNOWN_AI,
  AGG_GS1_ERROR_TOO_SHORT,
  AGG_GS1_ERROR_TOO_LONG,
  AGG_GS1_ERROR_BAD_CHARACTER,      /* outside the AI's character set */
  AGG_GS1_ERROR_BAD_CHECK_DIGIT,
  AGG_GS1_ERROR_BAD_DATE,           /* also times */
  AGG_GS1_ERROR_BAD_VALUE,          /* any other linter: country, currency, … */
  AGG_GS1_ERROR_MISSING_REQUISITE,
  AGG_GS1_ERROR_FORBIDDEN_PAIR,
  AGG_GS1_ERROR_DUPLICATE_AI,       /* same AI twice with different values */
  AGG_GS1_ERROR_BAD_SEPARATOR,      /* trailing, doubled or misplaced GS */
  AGG_GS1_ERROR_BAD_SYNTAX,         /* bracketed form or element string structure */
  AGG_GS1_ERROR_BAD_DIGITAL_LINK,   /* URI structure, key, qualifiers, query */
  AGG_GS1_ERROR_TOO_MANY_AIS,
} AggGs1Error;

/* How the input was written. */
typedef enum
{
  AGG_GS1_FORM_NONE,
  AGG_GS1_FORM_SCAN_DATA,           /* ]d2, ]Q3, ]C1, ]e0, ]J1, ]E0, ]E4 … */
  AGG_GS1_FORM_ELEMENT_STRING,      /* GS separated, optional leading GS */
  AGG_GS1_FORM_BRACKETED,           /* (01)09506000134352(21)ABC */
  AGG_GS1_FORM_DIGITAL_LINK,        /* https://id.gs1.org/01/…/21/…?17=… */
} AggGs1Form;

#define AGG_GS1_GS '\x1d'

/* Limits: the largest GS1 carrier (QR) holds 7089 digits; no AI value is
 * longer than 90 characters. */
#define AGG_GS1_MAX_INPUT   8192
#define AGG_GS1_MAX_AIS     64
#define AGG_GS1_MAX_VALUE   90

/* One entry of the Application Identifier table. */
typedef struct _AggGs1AiInfo AggGs1AiInfo;

typedef struct
{
  const AggGs1AiInfo *info;
  char     ai[5];                   /* NUL-terminated, 2 to 4 digits */
  guint8   ai_len;
  guint16  value_len;
  guint16  value_pos;               /* index into AggGs1Data.buf */
  guint32  offset;                  /* byte offset of the value in the input */
} AggGs1Element;

/* The result of a parse.  Meant to live on the stack: parsing allocates
 * nothing on success.  Values are NUL-terminated inside @buf; use
 * agg_gs1_data_get_value().  Only the counters are initialised by a parse,
 * so copy it with memcpy(), not by member. */
typedef struct
{
  AggGs1Form form;
  char       symbology[3];          /* "d2", "Q3", … or "" */
  guint      n_elements;
  AggGs1Element elements[AGG_GS1_MAX_AIS];

  /* Set when a parse fails: the AI concerned ("" when none) and the byte
   * offset of the offending character in the input (-1 when the whole input
   * is concerned). */
  char       error_ai[5];
  gssize     error_offset;

  gsize      buf_len;
  char       buf[AGG_GS1_MAX_INPUT + AGG_GS1_MAX_AIS];
} AggGs1Data;

GQuark               agg_gs1_error_quark               (void);

/* The table. */
const AggGs1AiInfo  *agg_gs1_lookup_ai                 (const char          *ai,
                                                        gssize               len);
const char          *agg_gs1_ai_info_get_ai            (const AggGs1AiInfo  *info);
const char          *agg_gs1_ai_info_get_title         (const AggGs1AiInfo  *info);
gboolean             agg_gs1_ai_info_is_predefined_length (const AggGs1AiInfo *info);
gboolean             agg_gs1_ai_info_is_dl_attribute   (const AggGs1AiInfo  *info);
gboolean             agg_gs1_ai_info_is_dl_primary_key (const AggGs1AiInfo  *info);
guint                agg_gs1_ai_table_get_n_entries    (void);
const AggGs1AiInfo  *agg_gs1_ai_table_get_entry        (guint                i);

/* Parsing: the form is detected from the input.  @len may be -1 for a
 * NUL-terminated string.  On failure @data holds the AIs read before the
 * error, and error_ai / error_offset. */
gboolean             agg_gs1_parse                     (const char          *input,
                                                        gssize               len,
                                                        AggGs1Data          *data,
                                                        GError             **error);

const char          *agg_gs1_data_get_value            (const AggGs1Data    *data,
                                                        guint                i);
const char          *agg_gs1_data_lookup              (const AggGs1Data    *data,
                                                        const char          *ai);

/* Outputs, all newly allocated. */
char                *agg_gs1_data_to_element_string    (const AggGs1Data    *data);
char                *agg_gs1_data_to_bracketed         (const AggGs1Data    *data);
char               **agg_gs1_data_to_hri               (const AggGs1Data    *data);
char                *agg_gs1_data_to_digital_link      (const AggGs1Data    *data,
                                                        const char          *stem,
                                                        GError             **error);

/* Check digits (GS1 mod 10) over the first @len - 1 digits. */
int                  agg_gs1_check_digit               (const char          *digits,
                                                        gsize                len);
gboolean             agg_gs1_check_digit_is_valid      (const char          *digits,
                                                        gsize                len);

/* SSCC: extension digit + company prefix + serial reference + check digit. */
char                *agg_gs1_sscc_make                 (const char          *company_prefix,
                                                        guint                extension,
                                                        guint64              serial_reference,
                                                        GError             **error);
gboolean             agg_gs1_sscc_check                (const char          *sscc,
                                                        GError             **error);
gboolean             agg_gs1_gtin_check                (const char          *gtin,
                                                        GError             **error);

G_END_DECLS
