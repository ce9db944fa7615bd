/* agg-import.c: master data from JSON or CSV, and the demo line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An import runs inside the caller's transaction and stops at the first
 * fault, so that either all of a file gets in or none of it does.  Every
 * message names where the fault is: "work_orders[2].lot: …" in JSON
 * (items counted from 0), "Line 7, column “lot”: …" in CSV.
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <stdarg.h>
#include <string.h>

#include "agg-gs1-private.h"
#include "agg-line-private.h"

#define MAX_LOT_LEN         20
#define MAX_SERIAL_LEN      20
#define MAX_ORDER_ID_LEN    64
#define MAX_DESCRIPTION_LEN 200

typedef struct
{
  const char *gtin;
  const char *description;
  gint64      units_per_case;
  gint64      cases_per_pallet;
  gboolean    allow_mixed_lots;
  gboolean    require_future_expiry;
  gboolean    require_serial_list;
  const char *case_code;
  /* Labels: templates by name (NULL: the default), scan-back after
   * printing, and whether the order's date is a best-before date. */
  const char *case_template;
  const char *pallet_template;
  gboolean    print_verify;
  gboolean    best_before;
  gint64      layer_rows;           /* the camera's layer layout; 0: none */
  gint64      layer_cols;
} Product;

typedef struct
{
  const char *id;
  const char *gtin;
  const char *lot;
  const char *expiry;
  gint64      planned;
  GPtrArray  *serials;              /* of const char *, or NULL */
} Order;

typedef struct
{
  const char *company_prefix;
  gint64      extension;
  gint64      first;
  gint64      last;
  gint64      warn_below;
} Range;

/* The defaults are those of the schema. */
#define PRODUCT_INIT { NULL, NULL, 0, 0, FALSE, TRUE, FALSE, "allocate", NULL, NULL, FALSE, FALSE, 0, 0 }
#define RANGE_INIT { NULL, 0, 0, -1, 1000 }

typedef struct
{
  AggStore       *store;
  const AggActor *actor;
  GHashTable     *products;         /* GTINs imported so far */
  GHashTable     *orders;           /* order ids imported so far */
  guint           n_imported;

  /* Where the current item is: a JSON section and index, or a CSV line
   * when section is NULL. */
  const char     *section;
  guint           index;
  guint           line;
} Import;

static gboolean fail (Import      *import,
                      GError     **error,
                      AggLineError code,
                      const char  *field,
                      const char  *format,
                      ...) G_GNUC_PRINTF (5, 6);

static gboolean
fail (Import      *import,
      GError     **error,
      AggLineError code,
      const char  *field,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (import->section == NULL && field != NULL)
    /* Translators: a line of a CSV file, its column's name and what is
     * wrong there. */
    g_set_error (error, AGG_LINE_ERROR, code, _("Line %u, column “%s”: %s"),
                 import->line, field, message);
  else if (import->section == NULL)
    g_set_error (error, AGG_LINE_ERROR, code, _("Line %u: %s"), import->line, message);
  else if (field != NULL)
    g_set_error (error, AGG_LINE_ERROR, code, "%s[%u].%s: %s",
                 import->section, import->index, field, message);
  else
    g_set_error (error, AGG_LINE_ERROR, code, "%s[%u]: %s",
                 import->section, import->index, message);

  return FALSE;
}

static char *
node_to_string (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

/* Checks shared by both formats */

static gboolean
check_gtin (Import      *import,
            const char  *gtin,
            GError     **error)
{
  g_autoptr(GError) gs1_error = NULL;

  if (!agg_gs1_gtin_check (gtin, &gs1_error))
    return fail (import, error, AGG_LINE_ERROR_INVALID, "gtin", "%s", gs1_error->message);

  return TRUE;
}

/* A lot or a serial number: 1 to @max_len characters of GS1 CSET 82. */
static gboolean
check_cset82 (Import      *import,
              const char  *field,
              const char  *value,
              gsize        max_len,
              GError     **error)
{
  AggGs1LintFailure failure;
  gsize len = strlen (value);

  if (len < 1 || len > max_len)
    return fail (import, error, AGG_LINE_ERROR_INVALID, field,
                 _("must have 1 to %u characters, not %u"), (guint) max_len, (guint) len);

  if (!agg_gs1_lint_cset (AGG_GS1_CSET_X, value, len, &failure))
    return fail (import, error, AGG_LINE_ERROR_INVALID, field,
                 /* Translators: a position counted from 1 and what is wrong there. */
                 _("character %u: %s"), (guint) failure.pos + 1, _(failure.message));

  return TRUE;
}

static gboolean
check_range (Import      *import,
             const char  *field,
             gint64       value,
             gint64       min,
             gint64       max,
             GError     **error)
{
  char value_text[24], min_text[24], max_text[24];

  if (value >= min && value <= max)
    return TRUE;

  g_snprintf (value_text, sizeof value_text, "%" PRId64, value);
  g_snprintf (min_text, sizeof min_text, "%" PRId64, min);
  g_snprintf (max_text, sizeof max_text, "%" PRId64, max);
  return fail (import, error, AGG_LINE_ERROR_INVALID, field,
               /* Translators: three numbers. */
               _("%s is not between %s and %s"), value_text, min_text, max_text);
}

static gboolean
is_blank (const char *text)
{
  while (g_ascii_isspace (*text))
    text++;

  return *text == '\0';
}

/* Records @key as imported; FALSE when it already was, which makes a
 * file that states the same thing twice, maybe differently, invalid. */
static gboolean
first_time (GHashTable *seen,
            const char *key)
{
  return g_hash_table_add (seen, g_strdup (key));
}

/* Products */

static char *
describe_product (const Product *product)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, product->description);
  json_builder_set_member_name (builder, "units_per_case");
  json_builder_add_int_value (builder, product->units_per_case);
  json_builder_set_member_name (builder, "cases_per_pallet");
  json_builder_add_int_value (builder, product->cases_per_pallet);
  json_builder_set_member_name (builder, "allow_mixed_lots");
  json_builder_add_boolean_value (builder, product->allow_mixed_lots);
  json_builder_set_member_name (builder, "require_future_expiry");
  json_builder_add_boolean_value (builder, product->require_future_expiry);
  json_builder_set_member_name (builder, "require_serial_list");
  json_builder_add_boolean_value (builder, product->require_serial_list);
  json_builder_set_member_name (builder, "case_code");
  json_builder_add_string_value (builder, product->case_code);
  json_builder_set_member_name (builder, "case_template");
  json_builder_add_string_value (builder, product->case_template);
  json_builder_set_member_name (builder, "pallet_template");
  json_builder_add_string_value (builder, product->pallet_template);
  json_builder_set_member_name (builder, "print_verify");
  json_builder_add_boolean_value (builder, product->print_verify);
  json_builder_set_member_name (builder, "best_before");
  json_builder_add_boolean_value (builder, product->best_before);
  if (product->layer_rows > 0)
    {
      json_builder_set_member_name (builder, "layer_rows");
      json_builder_add_int_value (builder, product->layer_rows);
      json_builder_set_member_name (builder, "layer_cols");
      json_builder_add_int_value (builder, product->layer_cols);
    }
  json_builder_end_object (builder);

  return node_to_string (builder);
}

/* The product as stored now, described as describe_product() does, or
 * NULL without @error when there is none. */
static char *
read_product (AggStore    *store,
              const char  *gtin,
              GError     **error)
{
  sqlite3_stmt *stmt;
  char *description = NULL;
  gboolean found;

  stmt = agg_store_prepare (store,
                            "SELECT description, units_per_case, cases_per_pallet,"
                            " allow_mixed_lots, require_future_expiry, require_serial_list,"
                            " case_code, case_template, pallet_template, print_verify,"
                            " best_before, ifnull (layer_rows, 0), ifnull (layer_cols, 0)"
                            " FROM products WHERE gtin = ?",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, gtin, -1, SQLITE_STATIC);
  if (agg_store_step_row (store, stmt, &found, error) && found)
    {
      Product old = {
        .gtin = gtin,
        .description = (const char *) sqlite3_column_text (stmt, 0),
        .units_per_case = sqlite3_column_int64 (stmt, 1),
        .cases_per_pallet = sqlite3_column_int64 (stmt, 2),
        .allow_mixed_lots = sqlite3_column_int (stmt, 3) != 0,
        .require_future_expiry = sqlite3_column_int (stmt, 4) != 0,
        .require_serial_list = sqlite3_column_int (stmt, 5) != 0,
        .case_code = (const char *) sqlite3_column_text (stmt, 6),
        .case_template = (const char *) sqlite3_column_text (stmt, 7),
        .pallet_template = (const char *) sqlite3_column_text (stmt, 8),
        .print_verify = sqlite3_column_int (stmt, 9) != 0,
        .best_before = sqlite3_column_int (stmt, 10) != 0,
        .layer_rows = sqlite3_column_int64 (stmt, 11),
        .layer_cols = sqlite3_column_int64 (stmt, 12),
      };

      description = describe_product (&old);
    }
  sqlite3_reset (stmt);

  return description;
}

/* A label template is named as a file in the template folder is:
 * letters, digits, "-" and "_", so that no name reaches outside it. */
static gboolean
check_template_name (Import      *import,
                     const char  *field,
                     const char  *name,
                     GError     **error)
{
  gsize len;

  if (name == NULL)
    return TRUE;
  len = strlen (name);
  if (len == 0 || len > 64 ||
      strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len)
    return fail (import, error, AGG_LINE_ERROR_INVALID, field,
                 _("a label template's name is 1 to 64 letters, digits, “-” or “_”"));
  return TRUE;
}

/* The id of an order of @gtin that is running or suspended, or NULL. */
static char *
find_active_order (AggStore    *store,
                   const char  *gtin,
                   GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT id FROM work_orders"
                            " WHERE gtin = ? AND status IN ('running', 'suspended') LIMIT 1",
                            error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_text (stmt, 1, gtin, -1, SQLITE_STATIC);
  return agg_store_step_text (store, stmt, error);
}

static gboolean
import_product (Import         *import,
                const Product  *product,
                GError        **error)
{
  g_autofree char *old_value = NULL;
  g_autofree char *new_value = NULL;
  GError *local_error = NULL;
  sqlite3_stmt *stmt;
  glong description_len;

  if (!check_gtin (import, product->gtin, error))
    return FALSE;
  if (!first_time (import->products, product->gtin))
    return fail (import, error, AGG_LINE_ERROR_INVALID, "gtin",
                 _("the product %s appears twice"), product->gtin);

  description_len = g_utf8_strlen (product->description, -1);
  if (description_len > MAX_DESCRIPTION_LEN || is_blank (product->description))
    return fail (import, error, AGG_LINE_ERROR_INVALID, "description",
                 _("must have 1 to %u characters"), MAX_DESCRIPTION_LEN);

  if (!check_range (import, "units_per_case", product->units_per_case, 1, G_MAXINT32, error) ||
      !check_range (import, "cases_per_pallet", product->cases_per_pallet, 1, G_MAXINT32, error))
    return FALSE;

  if (strcmp (product->case_code, "allocate") != 0 && strcmp (product->case_code, "scan") != 0)
    return fail (import, error, AGG_LINE_ERROR_INVALID, "case_code",
                 _("must be “allocate” or “scan”, not “%s”"), product->case_code);

  if (!check_template_name (import, "case_template", product->case_template, error) ||
      !check_template_name (import, "pallet_template", product->pallet_template, error))
    return FALSE;

  /* A camera layer: both or neither, and no more units than a case holds. */
  if ((product->layer_rows != 0) != (product->layer_cols != 0))
    return fail (import, error, AGG_LINE_ERROR_INVALID,
                 product->layer_rows != 0 ? "layer_cols" : "layer_rows",
                 _("a layer layout needs both layer_rows and layer_cols"));
  if (product->layer_rows != 0 &&
      (!check_range (import, "layer_rows", product->layer_rows, 1, 64, error) ||
       !check_range (import, "layer_cols", product->layer_cols, 1, 64, error)))
    return FALSE;
  if (product->layer_rows * product->layer_cols > product->units_per_case)
    return fail (import, error, AGG_LINE_ERROR_INVALID, "layer_rows",
                 _("a layer of %" PRId64 " × %" PRId64
                   " holds more than the %" PRId64 " units of a case"),
                 product->layer_rows, product->layer_cols, product->units_per_case);

  old_value = read_product (import->store, product->gtin, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return FALSE;
  new_value = describe_product (product);

  /* Changing the case size or the rules under a running order would
   * change them for containers already half full. */
  if (old_value != NULL && strcmp (old_value, new_value) != 0)
    {
      g_autofree char *active = find_active_order (import->store, product->gtin, &local_error);

      if (agg_propagate_local_error (error, &local_error))
        return FALSE;
      if (active != NULL)
        return fail (import, error, AGG_LINE_ERROR_EXISTS, NULL,
                     _("the product %s cannot change while the work order “%s” is under way"),
                     product->gtin, active);
    }

  stmt = agg_store_prepare (import->store,
                            "INSERT INTO products (gtin, description, units_per_case,"
                            " cases_per_pallet, allow_mixed_lots, require_future_expiry,"
                            " require_serial_list, case_code, case_template, pallet_template,"
                            " print_verify, best_before, layer_rows, layer_cols)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif (?, 0), nullif (?, 0))"
                            " ON CONFLICT (gtin) DO UPDATE SET"
                            " description = excluded.description,"
                            " units_per_case = excluded.units_per_case,"
                            " cases_per_pallet = excluded.cases_per_pallet,"
                            " allow_mixed_lots = excluded.allow_mixed_lots,"
                            " require_future_expiry = excluded.require_future_expiry,"
                            " require_serial_list = excluded.require_serial_list,"
                            " case_code = excluded.case_code,"
                            " case_template = excluded.case_template,"
                            " pallet_template = excluded.pallet_template,"
                            " print_verify = excluded.print_verify,"
                            " best_before = excluded.best_before,"
                            " layer_rows = excluded.layer_rows,"
                            " layer_cols = excluded.layer_cols",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, product->gtin, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, product->description, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, product->units_per_case);
  sqlite3_bind_int64 (stmt, 4, product->cases_per_pallet);
  sqlite3_bind_int (stmt, 5, product->allow_mixed_lots);
  sqlite3_bind_int (stmt, 6, product->require_future_expiry);
  sqlite3_bind_int (stmt, 7, product->require_serial_list);
  sqlite3_bind_text (stmt, 8, product->case_code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, product->case_template, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 10, product->pallet_template, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 11, product->print_verify);
  sqlite3_bind_int (stmt, 12, product->best_before);
  sqlite3_bind_int64 (stmt, 13, product->layer_rows);
  sqlite3_bind_int64 (stmt, 14, product->layer_cols);
  if (!agg_store_step (import->store, stmt, error))
    return FALSE;

  import->n_imported++;
  return agg_audit_append (import->store, import->actor, "product.import", product->gtin,
                           old_value, new_value, NULL, NULL, NULL, error);
}

/* Work orders */

static char *
describe_order (const char *gtin,
                const char *lot,
                const char *expiry,
                gint64      planned,
                gint64      n_serials)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "gtin");
  json_builder_add_string_value (builder, gtin);
  json_builder_set_member_name (builder, "lot");
  json_builder_add_string_value (builder, lot);
  json_builder_set_member_name (builder, "expiry");
  json_builder_add_string_value (builder, expiry);
  json_builder_set_member_name (builder, "planned");
  json_builder_add_int_value (builder, planned);
  json_builder_set_member_name (builder, "serials");
  json_builder_add_int_value (builder, n_serials);
  json_builder_end_object (builder);

  return node_to_string (builder);
}

static gboolean
product_exists (AggStore    *store,
                const char  *gtin,
                gboolean    *exists,
                GError     **error)
{
  sqlite3_stmt *stmt;
  gboolean ok;

  stmt = agg_store_prepare (store, "SELECT 1 FROM products WHERE gtin = ?", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, gtin, -1, SQLITE_STATIC);
  ok = agg_store_step_row (store, stmt, exists, error);
  sqlite3_reset (stmt);

  return ok;
}

/* The order's status and description when it exists; both NULL when it
 * does not. */
static gboolean
read_order (AggStore    *store,
            const char  *id,
            char       **status,
            char       **description,
            GError     **error)
{
  sqlite3_stmt *stmt;
  gboolean found;
  gboolean ok;

  stmt = agg_store_prepare (store,
                            "SELECT status, gtin, lot, expiry, planned,"
                            " (SELECT count (*) FROM commissioned_serials WHERE order_id = w.id)"
                            " FROM work_orders AS w WHERE id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  ok = agg_store_step_row (store, stmt, &found, error);
  if (ok && found)
    {
      *status = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *description = describe_order ((const char *) sqlite3_column_text (stmt, 1),
                                     (const char *) sqlite3_column_text (stmt, 2),
                                     (const char *) sqlite3_column_text (stmt, 3),
                                     sqlite3_column_int64 (stmt, 4),
                                     sqlite3_column_int64 (stmt, 5));
    }
  sqlite3_reset (stmt);

  return ok;
}

static gboolean
check_order_id (Import      *import,
                const char  *id,
                GError     **error)
{
  gsize len = strlen (id);

  /* Order ids are typed at the line and scanned from work order sheets:
   * printable ASCII without spaces keeps both easy. */
  if (len < 1 || len > MAX_ORDER_ID_LEN)
    return fail (import, error, AGG_LINE_ERROR_INVALID, "id",
                 _("must have 1 to %u characters, not %u"), MAX_ORDER_ID_LEN, (guint) len);
  for (gsize i = 0; i < len; i++)
    if (id[i] <= ' ' || id[i] > '~')
      return fail (import, error, AGG_LINE_ERROR_INVALID, "id",
                   _("character %u: only printable ASCII characters without spaces"),
                   (guint) i + 1);

  return TRUE;
}

static gboolean
check_serials (Import      *import,
               GPtrArray   *serials,
               GError     **error)
{
  g_autoptr(GHashTable) seen = NULL;

  if (serials == NULL)
    return TRUE;

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < serials->len; i++)
    {
      const char *serial = g_ptr_array_index (serials, i);
      g_autofree char *field = g_strdup_printf ("serials[%u]", i);

      if (!check_cset82 (import, field, serial, MAX_SERIAL_LEN, error))
        return FALSE;
      if (!g_hash_table_add (seen, (gpointer) serial))
        return fail (import, error, AGG_LINE_ERROR_INVALID, field,
                     _("the serial number “%s” appears twice"), serial);
    }

  return TRUE;
}

static gboolean
import_order (Import       *import,
              const Order  *order,
              GError      **error)
{
  g_autofree char *status = NULL;
  g_autofree char *old_value = NULL;
  g_autofree char *new_value = NULL;
  g_autofree char *created_at = NULL;
  AggGs1LintFailure failure;
  sqlite3_stmt *stmt;
  gboolean exists;

  if (!check_order_id (import, order->id, error))
    return FALSE;
  if (!first_time (import->orders, order->id))
    return fail (import, error, AGG_LINE_ERROR_INVALID, "id",
                 _("the work order “%s” appears twice"), order->id);

  if (!check_gtin (import, order->gtin, error))
    return FALSE;
  if (!product_exists (import->store, order->gtin, &exists, error))
    return FALSE;
  if (!exists)
    return fail (import, error, AGG_LINE_ERROR_INVALID, "gtin",
                 _("there is no product %s"), order->gtin);

  if (!check_cset82 (import, "lot", order->lot, MAX_LOT_LEN, error))
    return FALSE;

  /* As in AI (17), day 00 stands for the last day of the month. */
  if (!agg_gs1_lint (AGG_GS1_LINT_YYMMD0, order->expiry, strlen (order->expiry), &failure))
    return fail (import, error, AGG_LINE_ERROR_INVALID, "expiry",
                 _("“%s” is not a date YYMMDD: %s"), order->expiry, _(failure.message));

  if (!check_range (import, "planned", order->planned, 0, G_MAXINT32, error) ||
      !check_serials (import, order->serials, error))
    return FALSE;

  if (!read_order (import->store, order->id, &status, &old_value, error))
    return FALSE;

  /* Once an order has started, units and containers refer to what it
   * said: only an order still planned may be replaced. */
  if (status != NULL && strcmp (status, "planned") != 0)
    return fail (import, error, AGG_LINE_ERROR_EXISTS, "id",
                 /* Translators: the second %s is a status as the database
                  * writes it: running, suspended or closed. */
                 _("the work order “%s” is %s and cannot be replaced"), order->id, status);

  if (status != NULL)
    {
      stmt = agg_store_prepare (import->store,
                                "UPDATE work_orders SET gtin = ?, lot = ?, expiry = ?, planned = ?"
                                " WHERE id = ?",
                                error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, order->gtin, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, order->lot, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, order->expiry, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, order->planned);
      sqlite3_bind_text (stmt, 5, order->id, -1, SQLITE_STATIC);
      if (!agg_store_step (import->store, stmt, error))
        return FALSE;

      stmt = agg_store_prepare (import->store,
                                "DELETE FROM commissioned_serials WHERE order_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, order->id, -1, SQLITE_STATIC);
      if (!agg_store_step (import->store, stmt, error))
        return FALSE;
    }
  else
    {
      stmt = agg_store_prepare (import->store,
                                "INSERT INTO work_orders (id, gtin, lot, expiry, planned,"
                                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                                error);
      if (stmt == NULL)
        return FALSE;
      created_at = agg_now_utc ();
      sqlite3_bind_text (stmt, 1, order->id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, order->gtin, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, order->lot, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, order->expiry, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, order->planned);
      sqlite3_bind_text (stmt, 6, created_at, -1, SQLITE_STATIC);
      if (!agg_store_step (import->store, stmt, error))
        return FALSE;
    }

  if (order->serials != NULL && order->serials->len > 0)
    {
      stmt = agg_store_prepare (import->store,
                                "INSERT INTO commissioned_serials (order_id, serial) VALUES (?, ?)",
                                error);
      if (stmt == NULL)
        return FALSE;
      for (guint i = 0; i < order->serials->len; i++)
        {
          sqlite3_bind_text (stmt, 1, order->id, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, g_ptr_array_index (order->serials, i), -1, SQLITE_STATIC);
          if (!agg_store_step (import->store, stmt, error))
            return FALSE;
        }
    }

  new_value = describe_order (order->gtin, order->lot, order->expiry, order->planned,
                              order->serials != NULL ? order->serials->len : 0);
  import->n_imported++;
  return agg_audit_append (import->store, import->actor, "order.import", order->id,
                           old_value, new_value, NULL, NULL, NULL, error);
}

/* SSCC ranges */

static guint64
power_of_ten (guint exponent)
{
  guint64 value = 1;

  while (exponent-- > 0)
    value *= 10;

  return value;
}

/* An SSCC without its check digit is a 17-digit number: extension digit,
 * company prefix, serial reference.  Comparing ranges as intervals of it
 * also catches two spellings of one prefix ("0950600" with reference
 * 1234 and "09506000" with reference 234 make the same SSCC). */
static guint64
sscc_body (const char *company_prefix,
           guint64     extension,
           guint64     reference)
{
  gsize len = strlen (company_prefix);
  guint64 prefix = g_ascii_strtoull (company_prefix, NULL, 10);

  return extension * power_of_ten (16) + prefix * power_of_ten (16 - len) + reference;
}

static gboolean
check_overlap (Import       *import,
               const Range  *range,
               GError      **error)
{
  guint64 low = sscc_body (range->company_prefix, range->extension, range->first);
  guint64 high = sscc_body (range->company_prefix, range->extension, range->last);
  sqlite3_stmt *stmt;
  int rc;

  stmt = agg_store_prepare (import->store,
                            "SELECT company_prefix, extension, first_ref, last_ref"
                            " FROM sscc_ranges",
                            error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *prefix = (const char *) sqlite3_column_text (stmt, 0);
      gint64 extension = sqlite3_column_int64 (stmt, 1);
      gint64 first = sqlite3_column_int64 (stmt, 2);
      gint64 last = sqlite3_column_int64 (stmt, 3);
      char first_text[24], last_text[24];

      if (sscc_body (prefix, extension, first) > high || sscc_body (prefix, extension, last) < low)
        continue;

      g_snprintf (first_text, sizeof first_text, "%" PRId64, first);
      g_snprintf (last_text, sizeof last_text, "%" PRId64, last);
      fail (import, error, AGG_LINE_ERROR_INVALID, NULL,
            /* Translators: two serial references, a GS1 company prefix and
             * a digit. */
            _("overlaps the range %s to %s of company prefix %s, extension %d"),
            first_text, last_text, prefix, (int) extension);
      sqlite3_reset (stmt);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    agg_store_set_error (import->store, error, rc);
  sqlite3_reset (stmt);

  return rc == SQLITE_DONE;
}

static char *
describe_range (const Range *range)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "company_prefix");
  json_builder_add_string_value (builder, range->company_prefix);
  json_builder_set_member_name (builder, "extension");
  json_builder_add_int_value (builder, range->extension);
  json_builder_set_member_name (builder, "first");
  json_builder_add_int_value (builder, range->first);
  json_builder_set_member_name (builder, "last");
  json_builder_add_int_value (builder, range->last);
  json_builder_set_member_name (builder, "warn_below");
  json_builder_add_int_value (builder, range->warn_below);
  json_builder_end_object (builder);

  return node_to_string (builder);
}

static gboolean
import_range (Import       *import,
              const Range  *range,
              GError      **error)
{
  g_autofree char *new_value = NULL;
  gsize prefix_len = strlen (range->company_prefix);
  sqlite3_stmt *stmt;

  if (prefix_len < 4 || prefix_len > 12)
    return fail (import, error, AGG_LINE_ERROR_INVALID, "company_prefix",
                 _("a GS1 company prefix has 4 to 12 digits, not %u"), (guint) prefix_len);
  for (gsize i = 0; i < prefix_len; i++)
    if (!g_ascii_isdigit (range->company_prefix[i]))
      return fail (import, error, AGG_LINE_ERROR_INVALID, "company_prefix",
                   _("a GS1 company prefix holds digits only"));

  if (!check_range (import, "extension", range->extension, 0, 9, error) ||
      !check_range (import, "first", range->first, 0,
                    (gint64) power_of_ten (16 - prefix_len) - 1, error) ||
      !check_range (import, "last", range->last, 0,
                    (gint64) power_of_ten (16 - prefix_len) - 1, error) ||
      !check_range (import, "warn_below", range->warn_below, 0, G_MAXINT64, error))
    return FALSE;

  if (range->last < range->first)
    return fail (import, error, AGG_LINE_ERROR_INVALID, "last", _("must not be below first"));

  if (!check_overlap (import, range, error))
    return FALSE;

  stmt = agg_store_prepare (import->store,
                            "INSERT INTO sscc_ranges (company_prefix, extension, first_ref,"
                            " last_ref, next_ref, warn_below) VALUES (?, ?, ?, ?, ?, ?)",
                            error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, range->company_prefix, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, range->extension);
  sqlite3_bind_int64 (stmt, 3, range->first);
  sqlite3_bind_int64 (stmt, 4, range->last);
  sqlite3_bind_int64 (stmt, 5, range->first);
  sqlite3_bind_int64 (stmt, 6, range->warn_below);
  if (!agg_store_step (import->store, stmt, error))
    return FALSE;

  new_value = describe_range (range);
  import->n_imported++;
  return agg_audit_append (import->store, import->actor, "sscc-range.import",
                           range->company_prefix, NULL, new_value, NULL, NULL, NULL, error);
}

/* JSON */

static const char *const product_members[] = {
  "gtin", "description", "units_per_case", "cases_per_pallet", "allow_mixed_lots",
  "require_future_expiry", "require_serial_list", "case_code", "case_template",
  "pallet_template", "print_verify", "best_before", "layer_rows", "layer_cols", NULL
};
static const char *const order_members[] = {
  "id", "gtin", "lot", "expiry", "planned", "serials", NULL
};
static const char *const range_members[] = {
  "company_prefix", "extension", "first", "last", "warn_below", NULL
};

/* A typo in a member name would otherwise quietly leave a default. */
static gboolean
check_members (Import             *import,
               JsonObject         *object,
               const char *const  *allowed,
               GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (allowed, l->data))
      return fail (import, error, AGG_LINE_ERROR_INVALID, l->data, _("unknown member"));

  return TRUE;
}

/* The json_get_*() helpers leave *out alone when an optional member is
 * missing or null, so that it keeps its default. */
static JsonNode *
json_get (Import      *import,
          JsonObject  *object,
          const char  *name,
          gboolean     required,
          GType        type,
          const char  *wrong_type,
          gboolean    *ok,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *ok = TRUE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        *ok = fail (import, error, AGG_LINE_ERROR_INVALID, name, _("is missing"));
      return NULL;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    {
      *ok = fail (import, error, AGG_LINE_ERROR_INVALID, name, "%s", wrong_type);
      return NULL;
    }

  return node;
}

static gboolean
json_get_string (Import       *import,
                 JsonObject   *object,
                 const char   *name,
                 gboolean      required,
                 const char  **out,
                 GError      **error)
{
  gboolean ok;
  JsonNode *node = json_get (import, object, name, required, G_TYPE_STRING,
                             _("must be a string"), &ok, error);

  if (node != NULL)
    *out = json_node_get_string (node);
  return ok;
}

static gboolean
json_get_int (Import      *import,
              JsonObject  *object,
              const char  *name,
              gboolean     required,
              gint64      *out,
              GError     **error)
{
  gboolean ok;
  JsonNode *node = json_get (import, object, name, required, G_TYPE_INT64,
                             _("must be a whole number"), &ok, error);

  if (node != NULL)
    *out = json_node_get_int (node);
  return ok;
}

static gboolean
json_get_boolean (Import      *import,
                  JsonObject  *object,
                  const char  *name,
                  gboolean    *out,
                  GError     **error)
{
  gboolean ok;
  JsonNode *node = json_get (import, object, name, FALSE, G_TYPE_BOOLEAN,
                             _("must be true or false"), &ok, error);

  if (node != NULL)
    *out = json_node_get_boolean (node);
  return ok;
}

static gboolean
json_import_product (Import      *import,
                     JsonObject  *object,
                     GError     **error)
{
  Product product = PRODUCT_INIT;

  return check_members (import, object, product_members, error) &&
         json_get_string (import, object, "gtin", TRUE, &product.gtin, error) &&
         json_get_string (import, object, "description", TRUE, &product.description, error) &&
         json_get_int (import, object, "units_per_case", TRUE, &product.units_per_case, error) &&
         json_get_int (import, object, "cases_per_pallet", TRUE,
                       &product.cases_per_pallet, error) &&
         json_get_boolean (import, object, "allow_mixed_lots", &product.allow_mixed_lots, error) &&
         json_get_boolean (import, object, "require_future_expiry",
                           &product.require_future_expiry, error) &&
         json_get_boolean (import, object, "require_serial_list",
                           &product.require_serial_list, error) &&
         json_get_string (import, object, "case_code", FALSE, &product.case_code, error) &&
         json_get_string (import, object, "case_template", FALSE, &product.case_template,
                          error) &&
         json_get_string (import, object, "pallet_template", FALSE, &product.pallet_template,
                          error) &&
         json_get_boolean (import, object, "print_verify", &product.print_verify, error) &&
         json_get_boolean (import, object, "best_before", &product.best_before, error) &&
         json_get_int (import, object, "layer_rows", FALSE, &product.layer_rows, error) &&
         json_get_int (import, object, "layer_cols", FALSE, &product.layer_cols, error) &&
         import_product (import, &product, error);
}

static gboolean
json_import_order (Import      *import,
                   JsonObject  *object,
                   GError     **error)
{
  g_autoptr(GPtrArray) serials = NULL;
  Order order = { NULL, };
  JsonNode *node;

  if (!check_members (import, object, order_members, error) ||
      !json_get_string (import, object, "id", TRUE, &order.id, error) ||
      !json_get_string (import, object, "gtin", TRUE, &order.gtin, error) ||
      !json_get_string (import, object, "lot", TRUE, &order.lot, error) ||
      !json_get_string (import, object, "expiry", TRUE, &order.expiry, error) ||
      !json_get_int (import, object, "planned", TRUE, &order.planned, error))
    return FALSE;

  node = json_object_get_member (object, "serials");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        return fail (import, error, AGG_LINE_ERROR_INVALID, "serials",
                     _("must be an array of strings"));

      array = json_node_get_array (node);
      serials = g_ptr_array_sized_new (json_array_get_length (array));
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            {
              g_autofree char *field = g_strdup_printf ("serials[%u]", i);

              return fail (import, error, AGG_LINE_ERROR_INVALID, field, _("must be a string"));
            }
          g_ptr_array_add (serials, (gpointer) json_node_get_string (element));
        }
      order.serials = serials;
    }

  return import_order (import, &order, error);
}

static gboolean
json_import_range (Import      *import,
                   JsonObject  *object,
                   GError     **error)
{
  Range range = RANGE_INIT;

  return check_members (import, object, range_members, error) &&
         json_get_string (import, object, "company_prefix", TRUE, &range.company_prefix, error) &&
         json_get_int (import, object, "extension", FALSE, &range.extension, error) &&
         json_get_int (import, object, "first", TRUE, &range.first, error) &&
         json_get_int (import, object, "last", TRUE, &range.last, error) &&
         json_get_int (import, object, "warn_below", FALSE, &range.warn_below, error) &&
         import_range (import, &range, error);
}

typedef gboolean (*JsonImportFunc) (Import      *import,
                                    JsonObject  *object,
                                    GError     **error);

/* Sections are imported in this order whatever the file's order, since
 * orders name products. */
static const struct
{
  const char     *name;
  JsonImportFunc  func;
} json_sections[] = {
  { "products", json_import_product },
  { "work_orders", json_import_order },
  { "sscc_ranges", json_import_range },
};

static gboolean
import_json (Import      *import,
             const char  *contents,
             gsize        length,
             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) json_error = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *root;

  if (!json_parser_load_from_data (parser, contents, (gssize) length, &json_error))
    {
      g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                   _("Not valid JSON: %s"), json_error->message);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                           _("The JSON must be an object with “products”, “work_orders”"
                             " or “sscc_ranges”"));
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  members = json_object_get_members (root);
  for (GList *l = members; l != NULL; l = l->next)
    {
      gboolean known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (json_sections); i++)
        known = known || strcmp (l->data, json_sections[i].name) == 0;
      if (!known)
        {
          g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                       _("Unknown section “%s”"), (const char *) l->data);
          return FALSE;
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (json_sections); i++)
    {
      JsonNode *node = json_object_get_member (root, json_sections[i].name);
      JsonArray *array;

      if (node == NULL)
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                       _("“%s” must be an array"), json_sections[i].name);
          return FALSE;
        }

      array = json_node_get_array (node);
      import->section = json_sections[i].name;
      for (import->index = 0; import->index < json_array_get_length (array); import->index++)
        {
          JsonNode *item = json_array_get_element (array, import->index);

          if (!JSON_NODE_HOLDS_OBJECT (item))
            return fail (import, error, AGG_LINE_ERROR_INVALID, NULL, _("must be an object"));
          if (!json_sections[i].func (import, json_node_get_object (item), error))
            return FALSE;
        }
    }

  return TRUE;
}

/* CSV */

typedef struct
{
  const char *p;
  const char *end;
  guint       line;                 /* of p, from 1 */
} Csv;

/* Reads the next record of RFC 4180 CSV into @fields, each stripped of
 * surrounding white space, and sets @import->line to its first line.
 * Blank lines are skipped.  Returns FALSE at the end of the input and on
 * an error. */
static gboolean
csv_read_record (Csv        *csv,
                 Import     *import,
                 GPtrArray  *fields,
                 GError    **error)
{
  g_ptr_array_set_size (fields, 0);

  while (csv->p < csv->end && (*csv->p == '\n' || *csv->p == '\r'))
    {
      if (*csv->p == '\n')
        csv->line++;
      csv->p++;
    }
  if (csv->p == csv->end)
    return FALSE;

  import->line = csv->line;
  for (;;)
    {
      GString *field = g_string_new (NULL);

      if (csv->p < csv->end && *csv->p == '"')
        {
          guint quote_line = csv->line;

          for (csv->p++; ; csv->p++)
            {
              if (csv->p == csv->end)
                {
                  g_string_free (field, TRUE);
                  import->line = quote_line;
                  return fail (import, error, AGG_LINE_ERROR_INVALID, NULL,
                               _("a quoted field is never closed"));
                }
              if (*csv->p == '"')
                {
                  if (csv->p + 1 < csv->end && csv->p[1] == '"')
                    csv->p++;
                  else
                    break;
                }
              else if (*csv->p == '\n')
                csv->line++;
              g_string_append_c (field, *csv->p);
            }
          csv->p++;

          if (csv->p < csv->end && *csv->p != ',' && *csv->p != '\r' && *csv->p != '\n')
            {
              g_string_free (field, TRUE);
              import->line = csv->line;
              return fail (import, error, AGG_LINE_ERROR_INVALID, NULL,
                           _("a closing quote must end its field"));
            }
        }
      else
        {
          while (csv->p < csv->end && *csv->p != ',' && *csv->p != '\r' && *csv->p != '\n')
            {
              if (*csv->p == '"')
                {
                  g_string_free (field, TRUE);
                  import->line = csv->line;
                  return fail (import, error, AGG_LINE_ERROR_INVALID, NULL,
                               _("a field with a quote in it must be quoted as a whole"));
                }
              g_string_append_c (field, *csv->p++);
            }
        }

      g_ptr_array_add (fields, g_strstrip (g_string_free (field, FALSE)));

      if (csv->p < csv->end && *csv->p == ',')
        {
          csv->p++;
          continue;
        }

      /* The end of the record: CRLF, LF, a lone CR, or the end of input. */
      if (csv->p < csv->end && *csv->p == '\r')
        csv->p++;
      if (csv->p < csv->end && *csv->p == '\n')
        csv->p++;
      csv->line++;
      return TRUE;
    }
}

static const char *const product_columns[] = {
  "gtin", "description", "units_per_case", "cases_per_pallet",
  "allow_mixed_lots", "require_future_expiry", "require_serial_list", "case_code",
  "case_template", "pallet_template", "print_verify", "best_before", "layer_rows", "layer_cols",
  NULL
};
#define N_REQUIRED_PRODUCT_COLUMNS 4

static const char *const order_columns[] = {
  "id", "gtin", "lot", "expiry", "planned", NULL
};
#define N_REQUIRED_ORDER_COLUMNS 5

/* The header's position of each column, -1 when absent. */
typedef struct
{
  const char *const *columns;
  int                position[14];
} CsvHeader;
G_STATIC_ASSERT (G_N_ELEMENTS (product_columns) - 1 <= G_N_ELEMENTS (((CsvHeader *) NULL)->position));
G_STATIC_ASSERT (G_N_ELEMENTS (order_columns) - 1 <= G_N_ELEMENTS (((CsvHeader *) NULL)->position));

static const char *
csv_get (const CsvHeader *header,
         GPtrArray       *fields,
         const char      *column)
{
  for (guint i = 0; header->columns[i] != NULL; i++)
    if (strcmp (header->columns[i], column) == 0)
      return header->position[i] >= 0 ? g_ptr_array_index (fields, header->position[i]) : NULL;

  g_return_val_if_reached (NULL);
}

/* An empty value is none. */
static const char *
csv_get_optional (const CsvHeader *header,
                  GPtrArray       *fields,
                  const char      *column)
{
  const char *value = csv_get (header, fields, column);

  return value != NULL && *value != '\0' ? value : NULL;
}

static gboolean
csv_parse_int (Import      *import,
               const char  *column,
               const char  *text,
               gint64      *out,
               GError     **error)
{
  if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, out, NULL))
    return fail (import, error, AGG_LINE_ERROR_INVALID, column,
                 _("“%s” is not a whole number"), text);

  return TRUE;
}

/* An empty or missing value keeps the default in *out. */
static gboolean
csv_parse_boolean (Import      *import,
                   const char  *column,
                   const char  *text,
                   gboolean    *out,
                   GError     **error)
{
  if (text == NULL || *text == '\0')
    return TRUE;

  if (g_ascii_strcasecmp (text, "true") == 0 || g_ascii_strcasecmp (text, "yes") == 0 ||
      strcmp (text, "1") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (text, "false") == 0 || g_ascii_strcasecmp (text, "no") == 0 ||
           strcmp (text, "0") == 0)
    *out = FALSE;
  else
    return fail (import, error, AGG_LINE_ERROR_INVALID, column,
                 _("“%s” is neither true nor false"), text);

  return TRUE;
}

static gboolean
csv_import_product (Import           *import,
                    const CsvHeader  *header,
                    GPtrArray        *fields,
                    GError          **error)
{
  Product product = PRODUCT_INIT;
  const char *case_code = csv_get (header, fields, "case_code");
  const char *layer_rows = csv_get (header, fields, "layer_rows");
  const char *layer_cols = csv_get (header, fields, "layer_cols");

  product.gtin = csv_get (header, fields, "gtin");
  product.description = csv_get (header, fields, "description");
  if (case_code != NULL && *case_code != '\0')
    product.case_code = case_code;
  product.case_template = csv_get_optional (header, fields, "case_template");
  product.pallet_template = csv_get_optional (header, fields, "pallet_template");

  return csv_parse_int (import, "units_per_case", csv_get (header, fields, "units_per_case"),
                        &product.units_per_case, error) &&
         csv_parse_int (import, "cases_per_pallet", csv_get (header, fields, "cases_per_pallet"),
                        &product.cases_per_pallet, error) &&
         csv_parse_boolean (import, "allow_mixed_lots",
                            csv_get (header, fields, "allow_mixed_lots"),
                            &product.allow_mixed_lots, error) &&
         csv_parse_boolean (import, "require_future_expiry",
                            csv_get (header, fields, "require_future_expiry"),
                            &product.require_future_expiry, error) &&
         csv_parse_boolean (import, "require_serial_list",
                            csv_get (header, fields, "require_serial_list"),
                            &product.require_serial_list, error) &&
         csv_parse_boolean (import, "print_verify", csv_get (header, fields, "print_verify"),
                            &product.print_verify, error) &&
         csv_parse_boolean (import, "best_before", csv_get (header, fields, "best_before"),
                            &product.best_before, error) &&
         (layer_rows == NULL || *layer_rows == '\0' ||
          csv_parse_int (import, "layer_rows", layer_rows, &product.layer_rows, error)) &&
         (layer_cols == NULL || *layer_cols == '\0' ||
          csv_parse_int (import, "layer_cols", layer_cols, &product.layer_cols, error)) &&
         import_product (import, &product, error);
}

static gboolean
csv_import_order (Import           *import,
                  const CsvHeader  *header,
                  GPtrArray        *fields,
                  GError          **error)
{
  Order order = {
    .id = csv_get (header, fields, "id"),
    .gtin = csv_get (header, fields, "gtin"),
    .lot = csv_get (header, fields, "lot"),
    .expiry = csv_get (header, fields, "expiry"),
  };

  return csv_parse_int (import, "planned", csv_get (header, fields, "planned"),
                        &order.planned, error) &&
         import_order (import, &order, error);
}

static gboolean
csv_read_header (Import     *import,
                 GPtrArray  *names,
                 CsvHeader  *header,
                 GError    **error)
{
  guint n_product = 0, n_order = 0, n_required;

  for (guint i = 0; i < names->len; i++)
    {
      char *name = g_ptr_array_index (names, i);

      /* Spreadsheets like to capitalise headers. */
      for (char *c = name; *c != '\0'; c++)
        *c = g_ascii_tolower (*c);
      n_product += g_strv_contains (product_columns, name);
      n_order += g_strv_contains (order_columns, name);
    }

  /* Only work orders have "id" and "lot"; the header with more columns
   * of a kind is of that kind. */
  header->columns = n_order > n_product ? order_columns : product_columns;
  n_required = n_order > n_product ? N_REQUIRED_ORDER_COLUMNS : N_REQUIRED_PRODUCT_COLUMNS;
  for (guint i = 0; i < G_N_ELEMENTS (header->position); i++)
    header->position[i] = -1;

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      guint column;

      for (column = 0; header->columns[column] != NULL; column++)
        if (strcmp (header->columns[column], name) == 0)
          break;

      if (header->columns[column] == NULL)
        return fail (import, error, AGG_LINE_ERROR_INVALID, name,
                     header->columns == order_columns
                     ? _("unknown column in a work order file")
                     : _("unknown column in a product file"));
      if (header->position[column] >= 0)
        return fail (import, error, AGG_LINE_ERROR_INVALID, name, _("appears twice"));
      header->position[column] = (int) i;
    }

  for (guint column = 0; column < n_required; column++)
    if (header->position[column] < 0)
      return fail (import, error, AGG_LINE_ERROR_INVALID, header->columns[column],
                   _("this column is missing"));

  return TRUE;
}

static gboolean
import_csv (Import      *import,
            const char  *contents,
            gsize        length,
            GError     **error)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  Csv csv = { contents, contents + length, 1 };
  GError *local_error = NULL;
  CsvHeader header;
  guint n_columns;

  /* The caller saw that there is more than white space. */
  if (!csv_read_record (&csv, import, fields, error) ||
      !csv_read_header (import, fields, &header, error))
    return FALSE;
  n_columns = fields->len;

  for (;;)
    {
      gboolean ok;

      /* No record: the end of the file, or a fault in it. */
      if (!csv_read_record (&csv, import, fields, &local_error))
        return !agg_propagate_local_error (error, &local_error);

      if (fields->len != n_columns)
        return fail (import, error, AGG_LINE_ERROR_INVALID, NULL,
                     _("%u fields where the header has %u"), fields->len, n_columns);

      ok = header.columns == order_columns
           ? csv_import_order (import, &header, fields, error)
           : csv_import_product (import, &header, fields, error);
      if (!ok)
        return FALSE;
    }
}

gboolean
agg_import_master_data (AggStore        *store,
                        const AggActor  *actor,
                        const char      *contents,
                        gsize            length,
                        guint           *n_imported,
                        GError         **error)
{
  g_autoptr(GHashTable) products = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) orders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Import import = { store, actor, products, orders, 0, NULL, 0, 1 };
  const char *invalid;
  const char *start;
  gboolean ok;

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (contents != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_utf8_validate_len (contents, length, &invalid))
    {
      guint line = 1;

      for (const char *p = contents; p < invalid; p++)
        line += *p == '\n';
      g_set_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID,
                   _("Line %u: not valid UTF-8"), line);
      return FALSE;
    }

  /* Spreadsheets and editors on Windows start files with a byte order mark. */
  if (length >= 3 && memcmp (contents, "\xef\xbb\xbf", 3) == 0)
    {
      contents += 3;
      length -= 3;
    }

  start = contents;
  while (start < contents + length && g_ascii_isspace (*start))
    start++;

  if (start == contents + length)
    {
      g_set_error_literal (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID, _("The file is empty"));
      return FALSE;
    }

  if (*start == '{')
    ok = import_json (&import, contents, length, error);
  else
    ok = import_csv (&import, contents, length, error);

  if (ok && n_imported != NULL)
    *n_imported = import.n_imported;
  return ok;
}

/* The demo line */

static const char demo_master_data[] =
  "{"
  "  \"products\": ["
  "    {"
  "      \"gtin\": \"09506000134352\","
  "      \"description\": \"Demo tablets 30 x 10 mg\","
  "      \"units_per_case\": 12,"
  "      \"cases_per_pallet\": 4,"
  "      \"require_serial_list\": false"
  "    }"
  "  ],"
  "  \"work_orders\": ["
  "    {"
  "      \"id\": \"WO-DEMO-1\","
  "      \"gtin\": \"09506000134352\","
  "      \"lot\": \"DEMO01\","
  "      \"expiry\": \"281231\","
  "      \"planned\": 480"
  "    }"
  "  ],"
  "  \"sscc_ranges\": ["
  "    {"
  "      \"company_prefix\": \"0950600\","
  "      \"extension\": 0,"
  "      \"first\": 1,"
  "      \"last\": 999999999"
  "    }"
  "  ]"
  "}";

static const struct
{
  const char *username;
  const char *full_name;
  AggRole     role;
  const char *pin;
  const char *badge;
} demo_users[] = {
  { "operator", "Demo Operator", AGG_ROLE_OPERATOR, "1111", "BADGE-OPERATOR" },
  { "supervisor", "Demo Supervisor", AGG_ROLE_SUPERVISOR, "2222", "BADGE-SUPERVISOR" },
  { "admin", "Demo Admin", AGG_ROLE_ADMIN, "3333", "BADGE-ADMIN" },
};

/* The GLN is 950600 (a GS1 prefix for examples), a location reference
 * of zeros and its check digit. */
static const struct
{
  const char *key;
  const char *value;
} demo_settings[] = {
  { "station_name", "Demo line 1" },
  { "gln", "9506000000008" },
  { "gln_extension", "0" },
  { "lockout_attempts", "5" },
  { "idle_timeout", "900" },
  { "auto_close", "1" },
};

gboolean
agg_import_demo (AggStore  *store,
                 GError   **error)
{
  const AggActor station = { 0, NULL, AGG_ROLE_ADMIN };

  g_return_val_if_fail (AGG_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!agg_import_master_data (store, &station, demo_master_data, strlen (demo_master_data),
                               NULL, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (demo_users); i++)
    if (!agg_user_add (store, &station, demo_users[i].username, demo_users[i].full_name,
                       demo_users[i].role, demo_users[i].pin, demo_users[i].badge, error))
      return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (demo_settings); i++)
    if (!agg_settings_set (store, &station, demo_settings[i].key, demo_settings[i].value, error))
      return FALSE;

  return TRUE;
}
