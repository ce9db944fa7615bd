/* agg-label.c: what goes on a case's or pallet's label, and its layout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "agg-label-private.h"
#include "agg-line-job.h"

G_DEFINE_QUARK (agg-label-error-quark, agg_label_error)

struct _AggLabel
{
  gatomicrefcount ref_count;
  char      sscc[19];
  gboolean  is_pallet;
  char     *description;
  char     *gtin;
  guint64   count;
  char     *lot;
  char     *date;
  gboolean  best_before;
  char     *company;
  char     *line_name;
  char     *station_name;
  char     *template_name;
};

G_DEFINE_BOXED_TYPE (AggLabel, agg_label, agg_label_ref, agg_label_unref)

/* GS1's character set 82, which batch numbers are written in. */
static gboolean
is_cset82 (const char *text)
{
  static const char cset82[] = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                               "abcdefghijklmnopqrstuvwxyz";

  return strspn (text, cset82) == strlen (text);
}

static gboolean
is_digits (const char *text,
           gsize       len)
{
  return strlen (text) == len && strspn (text, "0123456789") == len;
}

/* YYMMDD with a real month and a day of that month, or day 00 (the end
 * of the month in GS1 dates). */
static gboolean
is_gs1_date (const char *date)
{
  int month, day;

  if (!is_digits (date, 6))
    return FALSE;
  month = (date[2] - '0') * 10 + (date[3] - '0');
  day = (date[4] - '0') * 10 + (date[5] - '0');
  return month >= 1 && month <= 12 && day <= 31;
}

AggLabel *
agg_label_new (const AggLabelContent  *content,
               GError                **error)
{
  g_autoptr(AggLabel) label = NULL;

  g_return_val_if_fail (content != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (content->sscc == NULL || !is_digits (content->sscc, 18) ||
      !agg_gs1_check_digit_is_valid (content->sscc, 18))
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("“%s” is no SSCC: 18 digits with a valid check digit"),
                   content->sscc != NULL ? content->sscc : "");
      return NULL;
    }
  if (content->gtin != NULL &&
      (!is_digits (content->gtin, 14) || !agg_gs1_check_digit_is_valid (content->gtin, 14)))
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("“%s” is no GTIN-14 with a valid check digit"), content->gtin);
      return NULL;
    }
  if (content->gtin != NULL && (content->count == 0 || content->count > 99999999))
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("A count of contained items is 1 to 99999999, not %" G_GUINT64_FORMAT),
                   content->count);
      return NULL;
    }
  if (content->lot != NULL &&
      (*content->lot == '\0' || strlen (content->lot) > 20 || !is_cset82 (content->lot)))
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("“%s” is no batch number: 1 to 20 characters of GS1's set 82"),
                   content->lot);
      return NULL;
    }
  if (content->date != NULL && !is_gs1_date (content->date))
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("“%s” is no date in the form YYMMDD"), content->date);
      return NULL;
    }

  label = g_new0 (AggLabel, 1);
  g_atomic_ref_count_init (&label->ref_count);
  memcpy (label->sscc, content->sscc, 18);
  label->is_pallet = content->is_pallet;
  label->description = g_strdup (content->description);
  label->gtin = g_strdup (content->gtin);
  label->count = content->gtin != NULL ? content->count : 0;
  label->lot = g_strdup (content->lot);
  label->date = g_strdup (content->date);
  label->best_before = content->best_before;
  label->company = g_strdup (content->company);
  label->line_name = g_strdup (content->line_name);
  label->station_name = g_strdup (content->station_name);
  label->template_name = g_strdup (content->template_name);
  return g_steal_pointer (&label);
}

AggLabel *
agg_label_ref (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, NULL);

  g_atomic_ref_count_inc (&label->ref_count);
  return label;
}

void
agg_label_unref (AggLabel *label)
{
  g_return_if_fail (label != NULL);

  if (!g_atomic_ref_count_dec (&label->ref_count))
    return;
  g_free (label->description);
  g_free (label->gtin);
  g_free (label->lot);
  g_free (label->date);
  g_free (label->company);
  g_free (label->line_name);
  g_free (label->station_name);
  g_free (label->template_name);
  g_free (label);
}

const char *
agg_label_get_sscc (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, NULL);
  return label->sscc;
}

gboolean
agg_label_is_pallet (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, FALSE);
  return label->is_pallet;
}

const char *
agg_label_get_gtin (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, NULL);
  return label->gtin;
}

guint64
agg_label_get_count (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, 0);
  return label->count;
}

const char *
agg_label_get_lot (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, NULL);
  return label->lot;
}

const char *
agg_label_get_date (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, NULL);
  return label->date;
}

gboolean
agg_label_get_best_before (AggLabel *label)
{
  g_return_val_if_fail (label != NULL, FALSE);
  return label->best_before;
}

/* Loading from the store */

typedef struct
{
  char    *description;
  gint64   n_units;
  gint64   n_gtins;
  char    *gtin;
  gint64   n_lots;
  char    *lot;
  gint64   n_dates;
  char    *date;
} Contents;

static void
contents_clear (Contents *contents)
{
  g_free (contents->description);
  g_free (contents->gtin);
  g_free (contents->lot);
  g_free (contents->date);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Contents, contents_clear)

/* What the units in @container_id, or in the cases on it, have in common.
 * A NULL lot or date counts as a value of its own, so that a unit without
 * one makes the content mixed rather than quietly taking its neighbours'. */
static gboolean
read_contents (AggStore   *store,
               gint64      container_id,
               gboolean    is_pallet,
               Contents   *contents,
               GError    **error)
{
  sqlite3_stmt *stmt;
  gboolean found;

  stmt = agg_store_prepare (store, is_pallet ?
                            "SELECT count (*), count (DISTINCT gtin), min (gtin),"
                            "       count (DISTINCT coalesce (lot, '')), min (lot),"
                            "       count (DISTINCT coalesce (expiry, '')), min (expiry)"
                            "  FROM units WHERE status = 'aggregated' AND parent_id IN"
                            "       (SELECT id FROM containers WHERE parent_id = ?)" :
                            "SELECT count (*), count (DISTINCT gtin), min (gtin),"
                            "       count (DISTINCT coalesce (lot, '')), min (lot),"
                            "       count (DISTINCT coalesce (expiry, '')), min (expiry)"
                            "  FROM units WHERE status = 'aggregated' AND parent_id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, container_id);
  if (!agg_store_step_row (store, stmt, &found, error))
    return FALSE;

  contents->n_units = sqlite3_column_int64 (stmt, 0);
  contents->n_gtins = sqlite3_column_int64 (stmt, 1);
  contents->gtin = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  contents->n_lots = sqlite3_column_int64 (stmt, 3);
  contents->lot = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  contents->n_dates = sqlite3_column_int64 (stmt, 5);
  contents->date = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  sqlite3_reset (stmt);
  return TRUE;
}

static gpointer
load_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  const char *text = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggContainer) container = NULL;
  g_auto(Contents) contents = { NULL, };
  g_autofree char *station_name = NULL;
  g_autofree char *template_name = NULL;
  AggLabelContent content = { NULL, };
  sqlite3_stmt *stmt;
  gboolean best_before = FALSE;
  gboolean found;
  AggCode code;

  if (!agg_code_parse (text, strlen (text), &code, &local_error))
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("Not a case or pallet code: %s"), local_error->message);
      return NULL;
    }
  if (code.kind != AGG_CODE_CONTAINER)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("“%s” names no case or pallet: labels are for SSCCs"), text);
      return NULL;
    }

  container = agg_container_load_sscc (store, code.sscc, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (container == NULL)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_NOT_FOUND,
                   _("%s is not in this station's records"), code.sscc);
      return NULL;
    }
  /* A label for an SSCC that no longer stands for goods would put a
   * dead code back into the supply chain. */
  if (strcmp (container->status, "open") != 0 && strcmp (container->status, "closed") != 0)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("%s is %s: it gets no label"), code.sscc, container->status);
      return NULL;
    }

  if (!read_contents (store, container->id, container->is_pallet, &contents, error))
    return NULL;

  stmt = agg_store_prepare (store,
                            "SELECT p.description, p.best_before,"
                            "       CASE WHEN ? THEN p.pallet_template ELSE p.case_template END"
                            "  FROM work_orders o JOIN products p ON p.gtin = o.gtin"
                            " WHERE o.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, container->is_pallet);
  sqlite3_bind_text (stmt, 2, container->order_id, -1, SQLITE_TRANSIENT);
  if (!agg_store_step_row (store, stmt, &found, error))
    return NULL;
  if (found)
    {
      contents.description = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      best_before = sqlite3_column_int (stmt, 1) != 0;
      template_name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);

  station_name = agg_settings_get (store, "station_name", &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  content.sscc = code.sscc;
  content.is_pallet = container->is_pallet;
  content.station_name = station_name;
  content.template_name = template_name;
  /* The units' own data as recorded.  A pallet of identical cases names
   * the units' GTIN with the number of units: the products table knows
   * no GTIN of the case level. */
  if (contents.n_units > 0 && contents.n_gtins == 1)
    {
      content.gtin = contents.gtin;
      content.count = contents.n_units;
      content.description = contents.description;
    }
  else
    content.description = _("Mixed content");
  if (contents.n_units > 0 && contents.n_lots == 1)
    content.lot = contents.lot;
  if (contents.n_units > 0 && contents.n_dates == 1)
    {
      content.date = contents.date;
      content.best_before = best_before;
    }

  return agg_label_new (&content, error);
}

AggLabel *
agg_label_load (AggStore    *store,
                const char  *code,
                GError     **error)
{
  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return agg_store_run_sync_full (store, AGG_STORE_READ, load_job, (gpointer) code,
                                  (GDestroyNotify) agg_label_unref, error);
}

void
agg_label_load_async (AggStore            *store,
                      const char          *code,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (AGG_IS_STORE (store));
  g_return_if_fail (code != NULL);

  agg_store_run_async (store, AGG_STORE_READ, load_job, g_strdup (code), g_free,
                       (GDestroyNotify) agg_label_unref, cancellable, callback, user_data);
}

AggLabel *
agg_label_load_finish (AggStore      *store,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (AGG_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return agg_store_run_finish (store, result, error);
}

/* Elements */

/* The elements a symbol field carries, in the order that needs the
 * fewest separators: predefined lengths first. */
static guint
field_elements (AggLabel              *label,
                AggLabelFieldContent   content,
                AggLabelElement       *elements)
{
  guint n = 0;

#define ADD(a, v, f) G_STMT_START { \
    elements[n].ai = (a); elements[n].value = (v); elements[n].fixed = (f); n++; \
  } G_STMT_END

  if (content == AGG_LABEL_FIELD_BARCODE_SSCC || content == AGG_LABEL_FIELD_DATAMATRIX)
    ADD ("00", g_strdup (label->sscc), TRUE);
  if ((content == AGG_LABEL_FIELD_BARCODE_CONTENT || content == AGG_LABEL_FIELD_DATAMATRIX) &&
      label->gtin != NULL)
    ADD ("02", g_strdup (label->gtin), TRUE);
  if ((content == AGG_LABEL_FIELD_BARCODE_BATCH || content == AGG_LABEL_FIELD_DATAMATRIX) &&
      label->date != NULL)
    ADD (label->best_before ? "15" : "17", g_strdup (label->date), TRUE);
  if ((content == AGG_LABEL_FIELD_BARCODE_CONTENT || content == AGG_LABEL_FIELD_DATAMATRIX) &&
      label->gtin != NULL)
    ADD ("37", g_strdup_printf ("%" G_GUINT64_FORMAT, label->count), FALSE);
  if ((content == AGG_LABEL_FIELD_BARCODE_BATCH || content == AGG_LABEL_FIELD_DATAMATRIX) &&
      label->lot != NULL)
    ADD ("10", g_strdup (label->lot), FALSE);

#undef ADD
  return n;
}

char *
agg_label_item_data (const AggLabelItem *item,
                     const char         *separator,
                     gboolean            brackets)
{
  GString *data = g_string_new (NULL);

  for (guint i = 0; i < item->n_elements; i++)
    {
      const AggLabelElement *element = &item->elements[i];

      if (brackets)
        g_string_append_printf (data, "[%s]%s", element->ai, element->value);
      else
        g_string_append_printf (data, "%s%s", element->ai, element->value);
      if (!brackets && !element->fixed && i + 1 < item->n_elements)
        g_string_append (data, separator != NULL ? separator : "\x1d");
    }
  return g_string_free (data, FALSE);
}

char *
agg_label_get_element_string (AggLabel *label)
{
  AggLabelItem item = { AGG_LABEL_ITEM_DATAMATRIX, };
  char *data;

  g_return_val_if_fail (label != NULL, NULL);

  item.n_elements = field_elements (label, AGG_LABEL_FIELD_DATAMATRIX, item.elements);
  data = agg_label_item_data (&item, NULL, FALSE);
  for (guint i = 0; i < item.n_elements; i++)
    g_free (item.elements[i].value);
  return data;
}

/* "(02) 09506000134352 (37) 12": the human-readable interpretation. */
static char *
item_hri (const AggLabelItem *item)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < item->n_elements; i++)
    g_string_append_printf (text, "%s(%s) %s", i > 0 ? " " : "",
                            item->elements[i].ai, item->elements[i].value);
  return g_string_free (text, FALSE);
}

/* Layout */

int
agg_label_mm_to_dots (double mm,
                      guint  dpi)
{
  return (int) lround (mm * dpi / 25.4);
}

int
agg_label_dots_at_least (double min_mm,
                         guint  dpi)
{
  /* The small tolerance keeps a figure that is exact in dots (4 × 6 in)
   * from growing by a dot through rounding. */
  return (int) ceil (min_mm * dpi / 25.4 - 1e-9);
}

void
agg_label_size_get_mm (AggLabelSize  size,
                       double       *width_mm,
                       double       *height_mm)
{
  switch (size)
    {
    case AGG_LABEL_SIZE_4X6:
      *width_mm = 4 * 25.4;
      *height_mm = 6 * 25.4;
      break;
    case AGG_LABEL_SIZE_A6:
    default:
      *width_mm = 105;
      *height_mm = 148;
      break;
    }
}

gboolean
agg_label_size_from_string (const char   *name,
                            AggLabelSize *size)
{
  if (g_ascii_strcasecmp (name, "a6") == 0)
    *size = AGG_LABEL_SIZE_A6;
  else if (g_ascii_strcasecmp (name, "4x6") == 0)
    *size = AGG_LABEL_SIZE_4X6;
  else
    return FALSE;
  return TRUE;
}

gboolean
agg_label_format_from_string (const char     *name,
                              AggLabelFormat *format)
{
  if (g_ascii_strcasecmp (name, "zpl") == 0)
    *format = AGG_LABEL_FORMAT_ZPL;
  else if (g_ascii_strcasecmp (name, "png") == 0)
    *format = AGG_LABEL_FORMAT_PNG;
  else if (g_ascii_strcasecmp (name, "pdf") == 0)
    *format = AGG_LABEL_FORMAT_PDF;
  else
    return FALSE;
  return TRUE;
}

static void
item_free (gpointer data)
{
  AggLabelItem *item = data;

  g_free (item->text);
  for (guint i = 0; i < item->n_elements; i++)
    g_free (item->elements[i].value);
  g_free (item);
}

void
agg_label_layout_free (AggLabelLayout *layout)
{
  g_free (layout->font);
  g_ptr_array_unref (layout->items);
  g_free (layout);
}

/* "31.12.2028", or "12.2028" for the end of a month (day 00).  The
 * century follows GS1's rule: within 49 years back and 50 ahead. */
static char *
format_date (const char *yymmdd)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  int this_year = g_date_time_get_year (now);
  int yy = (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
  int year = this_year - this_year % 100 + yy;

  if (year - this_year >= 51)
    year -= 100;
  else if (this_year - year >= 50)
    year += 100;

  if (yymmdd[4] == '0' && yymmdd[5] == '0')
    return g_strdup_printf ("%.2s.%04d", yymmdd + 2, year);
  return g_strdup_printf ("%.2s.%.2s.%04d", yymmdd + 4, yymmdd + 2, year);
}

static char *
with_title (const AggLabelField *field,
            const char          *title,
            const char          *value)
{
  if (value == NULL || *value == '\0')
    return NULL;
  if (field->title != NULL)
    title = field->title;
  if (title == NULL || *title == '\0')
    return g_strdup (value);
  return g_strdup_printf ("%s  %s", title, value);
}

typedef struct
{
  const char *company;
  const char *line_name;
  const char *station_name;
} Header;

/* The text a text field shows; NULL: nothing to show. */
static char *
field_text (AggLabel               *label,
            const AggLabelField    *field,
            const Header           *header,
            const AggLabelOptions  *options)
{
  g_autofree char *value = NULL;

  switch (field->content)
    {
    case AGG_LABEL_FIELD_TEXT:
      return g_strdup (field->text);
    case AGG_LABEL_FIELD_COMPANY:
      return with_title (field, NULL, header->company);
    case AGG_LABEL_FIELD_LINE:
      if (header->line_name != NULL && header->station_name != NULL)
        value = g_strdup_printf ("%s · %s", header->line_name, header->station_name);
      else
        value = g_strdup (header->line_name != NULL ? header->line_name : header->station_name);
      return with_title (field, NULL, value);
    case AGG_LABEL_FIELD_STATION:
      return with_title (field, NULL, header->station_name);
    case AGG_LABEL_FIELD_DESCRIPTION:
      return with_title (field, NULL, label->description);
    case AGG_LABEL_FIELD_GTIN:
      /* Translators: a data title of GS1 logistic labels, before the GTIN
       * of the contained trade items. */
      return with_title (field, _("CONTENT"), label->gtin);
    case AGG_LABEL_FIELD_COUNT:
      if (label->gtin != NULL)
        value = g_strdup_printf ("%" G_GUINT64_FORMAT, label->count);
      /* Translators: a data title of GS1 logistic labels. */
      return with_title (field, _("COUNT"), value);
    case AGG_LABEL_FIELD_BATCH:
      /* Translators: a data title of GS1 logistic labels. */
      return with_title (field, _("BATCH/LOT"), label->lot);
    case AGG_LABEL_FIELD_DATE:
      if (label->date != NULL)
        value = format_date (label->date);
      /* Translators: data titles of GS1 logistic labels. */
      return with_title (field, label->best_before ? _("BEST BEFORE") : _("EXPIRY"), value);
    case AGG_LABEL_FIELD_SSCC:
      return with_title (field, "SSCC", label->sscc);
    case AGG_LABEL_FIELD_KIND:
      /* Translators: what a label is on, printed on it. */
      return with_title (field, NULL, label->is_pallet ? _("PALLET") : _("CASE"));
    case AGG_LABEL_FIELD_REPRINT:
      /* Translators: the mark on a label printed again. */
      return options->reprint ? g_strdup (field->text != NULL ? field->text : _("REPRINT")) : NULL;
    case AGG_LABEL_FIELD_RULE:
    case AGG_LABEL_FIELD_BARCODE_CONTENT:
    case AGG_LABEL_FIELD_BARCODE_BATCH:
    case AGG_LABEL_FIELD_BARCODE_SSCC:
    case AGG_LABEL_FIELD_DATAMATRIX:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
check_options (const AggLabelOptions  *options,
               GError                **error)
{
  if (options->dpi != 203 && options->dpi != 300 && options->dpi != 600)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("Labels print at 203, 300 or 600 dpi, not %u"), options->dpi);
      return FALSE;
    }
  if (options->size != AGG_LABEL_SIZE_A6 && options->size != AGG_LABEL_SIZE_4X6)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("Labels are A6 or 4×6 in"));
      return FALSE;
    }
  return TRUE;
}

AggLabelLayout *
agg_label_layout (AggLabel               *label,
                  const AggLabelOptions  *options,
                  GError                **error)
{
  g_autoptr(AggLabelTemplate) tmpl = NULL;
  g_autoptr(AggLabelLayout) layout = NULL;
  AggStationConfig station = { NULL, };
  Header header = { label->company, label->line_name, label->station_name };
  const char *name;
  double width_mm, height_mm, offset_x, offset_y;
  gboolean ok = FALSE;

  if (!check_options (options, error))
    return NULL;

  name = options->template_name;
  if (name == NULL)
    name = label->template_name;
  if (name == NULL)
    name = label->is_pallet ? "pallet" : "case";
  tmpl = agg_label_template_lookup (name, options->config, error);
  if (tmpl == NULL)
    return NULL;

  /* The station's own file wins over the database for the header. */
  if (options->config != NULL && !agg_config_get_station (options->config, &station, error))
    return NULL;
  if (station.company != NULL)
    header.company = station.company;
  if (station.line_name != NULL)
    header.line_name = station.line_name;
  if (station.name != NULL)
    header.station_name = station.name;

  agg_label_size_get_mm (options->size, &width_mm, &height_mm);
  if (tmpl->width > width_mm + 0.05 || tmpl->height > height_mm + 0.05)
    {
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_DOES_NOT_FIT,
                   _("The template “%s” (%g × %g mm) is larger than the label (%g × %g mm)"),
                   tmpl->name, tmpl->width, tmpl->height, width_mm, height_mm);
      goto out;
    }
  /* The design sits in the middle of a label larger than it. */
  offset_x = (width_mm - tmpl->width) / 2;
  offset_y = (height_mm - tmpl->height) / 2;

  layout = g_new0 (AggLabelLayout, 1);
  layout->dpi = options->dpi;
  layout->width = agg_label_mm_to_dots (width_mm, options->dpi);
  layout->height = agg_label_mm_to_dots (height_mm, options->dpi);
  layout->font = g_strdup (tmpl->font);
  layout->items = g_ptr_array_new_with_free_func (item_free);

  for (guint i = 0; i < tmpl->fields->len; i++)
    {
      const AggLabelField *field = g_ptr_array_index (tmpl->fields, i);
      g_autofree AggLabelItem *item = g_new0 (AggLabelItem, 1);

      item->x = agg_label_mm_to_dots (offset_x + field->x, options->dpi);
      item->y = agg_label_mm_to_dots (offset_y + field->y, options->dpi);
      item->width = agg_label_mm_to_dots (field->width, options->dpi);
      item->height = MAX (1, agg_label_mm_to_dots (field->height, options->dpi));
      item->font = MAX (1, agg_label_mm_to_dots (field->font_size, options->dpi));
      item->bold = field->bold;
      item->align = field->align;

      if (field->content == AGG_LABEL_FIELD_RULE)
        item->kind = AGG_LABEL_ITEM_RULE;
      else if (field->content == AGG_LABEL_FIELD_BARCODE_CONTENT ||
               field->content == AGG_LABEL_FIELD_BARCODE_BATCH ||
               field->content == AGG_LABEL_FIELD_BARCODE_SSCC)
        {
          item->kind = AGG_LABEL_ITEM_GS1_128;
          item->n_elements = field_elements (label, field->content, item->elements);
          if (item->n_elements == 0)
            continue;
          item->module = agg_label_dots_at_least (AGG_LABEL_GS1_128_MIN_X_MM, options->dpi);
          item->bar_height = MAX (agg_label_dots_at_least (field->height, options->dpi),
                                  agg_label_dots_at_least (AGG_LABEL_GS1_128_MIN_HEIGHT_MM,
                                                           options->dpi));
          item->text = item_hri (item);
        }
      else if (field->content == AGG_LABEL_FIELD_DATAMATRIX)
        {
          item->kind = AGG_LABEL_ITEM_DATAMATRIX;
          item->n_elements = field_elements (label, field->content, item->elements);
          item->module = agg_label_dots_at_least (AGG_LABEL_DATAMATRIX_MIN_X_MM, options->dpi);
        }
      else
        {
          item->kind = field->content == AGG_LABEL_FIELD_REPRINT ? AGG_LABEL_ITEM_REPRINT
                                                                 : AGG_LABEL_ITEM_TEXT;
          item->text = field_text (label, field, &header, options);
          if (item->text == NULL)
            continue;
        }

      if (item->kind == AGG_LABEL_ITEM_GS1_128)
        {
          g_autofree char *data = agg_label_item_data (item, "\x1d", FALSE);

          /* The FNC1 in first position is not counted; separators are. */
          if (strlen (data) > AGG_LABEL_GS1_128_MAX_CHARS)
            {
              g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_DOES_NOT_FIT,
                           _("The field “%s” holds %u characters; a GS1-128 symbol holds at most %u"),
                           field->name, (guint) strlen (data), AGG_LABEL_GS1_128_MAX_CHARS);
              goto out;
            }
        }
      g_ptr_array_add (layout->items, g_steal_pointer (&item));
    }
  ok = TRUE;

out:
  agg_station_config_clear (&station);
  return ok ? g_steal_pointer (&layout) : NULL;
}

/* Rendering */

GBytes *
agg_label_render (AggLabel               *label,
                  AggLabelFormat          format,
                  const AggLabelOptions  *options,
                  GError                **error)
{
  g_autoptr(AggLabelLayout) layout = NULL;

  g_return_val_if_fail (label != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  layout = agg_label_layout (label, options, error);
  if (layout == NULL)
    return NULL;

  switch (format)
    {
    case AGG_LABEL_FORMAT_ZPL:
      return agg_label_render_zpl (layout, error);
    case AGG_LABEL_FORMAT_PNG:
      return agg_label_render_png (layout, error);
    case AGG_LABEL_FORMAT_PDF:
      return agg_label_render_pdf (layout, error);
    default:
      g_set_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID,
                   _("Labels are rendered as ZPL, PNG or PDF"));
      return NULL;
    }
}

gboolean
agg_label_draw (AggLabel               *label,
                cairo_t                *cr,
                double                  width_pt,
                double                  height_pt,
                const AggLabelOptions  *options,
                GError                **error)
{
  g_autoptr(AggLabelLayout) layout = NULL;
  gboolean ok;

  g_return_val_if_fail (label != NULL, FALSE);
  g_return_val_if_fail (cr != NULL, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  layout = agg_label_layout (label, options, error);
  if (layout == NULL)
    return FALSE;

  cairo_save (cr);
  cairo_scale (cr, width_pt / layout->width, height_pt / layout->height);
  ok = agg_label_draw_layout (layout, cr, error);
  cairo_restore (cr);
  return ok;
}
