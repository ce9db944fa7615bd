/* agg-label-private.h: templates, layout and symbols of the label renderers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A template places fields in millimetres; a layout is the template
 * applied to one label at one resolution, in printer dots, with every
 * text resolved and every symbol's data and module size chosen.  The ZPL
 * and cairo renderers only draw a layout.
 */

#pragma once

#include "agg-label.h"

G_BEGIN_DECLS

/* GS1 General Specifications, symbol specification table for logistic
 * labels: GS1-128 X from 0.495 to 0.940 mm, at least 31.75 mm high, quiet
 * zones of 10 X; GS1 DataMatrix at 1.5 times the linear minimum X. */
#define AGG_LABEL_GS1_128_MIN_X_MM       0.495
#define AGG_LABEL_GS1_128_MAX_X_MM       0.940
#define AGG_LABEL_GS1_128_MIN_HEIGHT_MM  31.75
#define AGG_LABEL_GS1_128_QUIET_ZONE     10
#define AGG_LABEL_GS1_128_MAX_CHARS      48
#define AGG_LABEL_GS1_128_MAX_LENGTH_MM  165.10
#define AGG_LABEL_DATAMATRIX_MIN_X_MM    0.743
#define AGG_LABEL_DATAMATRIX_MAX_X_MM    1.5

typedef enum
{
  AGG_LABEL_FIELD_TEXT,               /* the field's own text */
  AGG_LABEL_FIELD_COMPANY,
  AGG_LABEL_FIELD_LINE,               /* "line · station" */
  AGG_LABEL_FIELD_STATION,
  AGG_LABEL_FIELD_DESCRIPTION,
  AGG_LABEL_FIELD_GTIN,               /* CONTENT */
  AGG_LABEL_FIELD_COUNT,
  AGG_LABEL_FIELD_BATCH,
  AGG_LABEL_FIELD_DATE,               /* EXPIRY or BEST BEFORE */
  AGG_LABEL_FIELD_SSCC,               /* the SSCC, large */
  AGG_LABEL_FIELD_KIND,               /* CASE or PALLET */
  AGG_LABEL_FIELD_REPRINT,            /* only on reprints */
  AGG_LABEL_FIELD_RULE,               /* a horizontal line */
  AGG_LABEL_FIELD_BARCODE_CONTENT,    /* GS1-128: (02) (37) */
  AGG_LABEL_FIELD_BARCODE_BATCH,      /* GS1-128: (15) or (17), (10) */
  AGG_LABEL_FIELD_BARCODE_SSCC,       /* GS1-128: (00) */
  AGG_LABEL_FIELD_DATAMATRIX,         /* GS1 DataMatrix: all of it */
} AggLabelFieldContent;

typedef enum
{
  AGG_LABEL_ALIGN_LEFT,
  AGG_LABEL_ALIGN_CENTER,
  AGG_LABEL_ALIGN_RIGHT,
} AggLabelAlign;

typedef struct
{
  char                 *name;
  AggLabelFieldContent  content;
  double                x, y, width, height;  /* mm from the design's top left */
  double                font_size;            /* mm */
  gboolean              bold;
  AggLabelAlign         align;
  char                 *text;                 /* content=text */
  char                 *title;                /* NULL: the content's own */
} AggLabelField;

typedef struct
{
  char      *name;
  char      *source;                          /* the file, or "built-in" */
  double     width, height;                   /* the design area, mm */
  double     font_size;                       /* mm */
  char      *font;                            /* cairo's font family */
  GPtrArray *fields;                          /* of AggLabelField */
} AggLabelTemplate;

void              agg_label_template_free   (AggLabelTemplate *tmpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggLabelTemplate, agg_label_template_free)

/* Parses the key file @data; errors read "@source:LINE: [group] key: why". */
AggLabelTemplate *agg_label_template_parse  (const char       *data,
                                             gsize             len,
                                             const char       *name,
                                             const char       *source,
                                             GError          **error);
/* A path (containing '/' or ending in ".label"), or a name: NAME.label in
 * @config's [labels] template-dir, else a built-in. */
AggLabelTemplate *agg_label_template_lookup (const char       *name,
                                             AggConfig        *config,
                                             GError          **error);
/* The names of the built-in templates. */
const char *const *agg_label_template_builtin_names (void);
const char       *agg_label_template_builtin_data  (const char *name);

/* One AI and its value, as a symbol carries it. */
typedef struct
{
  const char *ai;
  char       *value;
  gboolean    fixed;                           /* predefined length: no separator after it */
} AggLabelElement;

typedef enum
{
  AGG_LABEL_ITEM_TEXT,
  AGG_LABEL_ITEM_REPRINT,                      /* white text on a black box */
  AGG_LABEL_ITEM_RULE,
  AGG_LABEL_ITEM_GS1_128,
  AGG_LABEL_ITEM_DATAMATRIX,
} AggLabelItemKind;

/* One thing to draw; coordinates and sizes in printer dots. */
typedef struct
{
  AggLabelItemKind kind;
  int              x, y, width, height;        /* the field's box */
  char            *text;                       /* text, reprint; the HRI of GS1-128 */
  int              font;                       /* text height */
  gboolean         bold;
  AggLabelAlign    align;
  AggLabelElement  elements[5];                /* symbols */
  guint            n_elements;
  int              module;                     /* X */
  int              bar_height;                 /* GS1-128 */
} AggLabelItem;

typedef struct
{
  guint      dpi;
  int        width, height;                    /* the label */
  char      *font;
  GPtrArray *items;                            /* of AggLabelItem */
} AggLabelLayout;

void              agg_label_layout_free     (AggLabelLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AggLabelLayout, agg_label_layout_free)

/* The template @options choose for @label, applied. */
AggLabelLayout   *agg_label_layout          (AggLabel               *label,
                                             const AggLabelOptions  *options,
                                             GError                **error);

/* The smallest whole number of dots at @dpi that is at least @min_mm. */
int               agg_label_dots_at_least   (double                  min_mm,
                                             guint                   dpi);
int               agg_label_mm_to_dots      (double                  mm,
                                             guint                   dpi);

/* The element string of @item's elements: GS-separated when @separator
 * is NULL, else with @separator between a variable-length value and the
 * next AI; in bracketed form "[00]…[37]…" when @brackets. */
char             *agg_label_item_data       (const AggLabelItem     *item,
                                             const char             *separator,
                                             gboolean                brackets);

GBytes           *agg_label_render_zpl      (AggLabelLayout         *layout,
                                             GError                **error);
/* Draws @layout with cairo, one user unit being one dot. */
gboolean          agg_label_draw_layout     (AggLabelLayout         *layout,
                                             cairo_t                *cr,
                                             GError                **error);
GBytes           *agg_label_render_png      (AggLabelLayout         *layout,
                                             GError                **error);
GBytes           *agg_label_render_pdf      (AggLabelLayout         *layout,
                                             GError                **error);

G_END_DECLS
