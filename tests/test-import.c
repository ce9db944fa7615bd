/* test-import.c: master data in JSON and CSV, its checks, and the demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "agg-gs1.h"
#include "agg-line-private.h"
#include "agg-test-utils.h"

#define GTIN_A "09506000134352"
#define GTIN_B "09506000134376"

#define PRODUCT_A \
  "{\"gtin\": \"" GTIN_A "\", \"description\": \"Tablets\", \"units_per_case\": 12," \
  " \"cases_per_pallet\": 4}"

typedef AggTestStation Fixture;

typedef struct
{
  const char *contents;
  gsize       length;
  guint       n_imported;
} ImportJob;

static gpointer
import_job (AggStore  *store,
            sqlite3   *db,
            gpointer   user_data,
            GError   **error)
{
  const AggActor actor = { 0, "importer", AGG_ROLE_ADMIN };
  ImportJob *job = user_data;

  agg_import_master_data (store, &actor, job->contents, job->length, &job->n_imported, error);
  return NULL;
}

/* Imports in a transaction of its own, which an error rolls back. */
static GError *
try_import_len (Fixture    *fixture,
                const char *contents,
                gsize       length,
                guint      *n_imported)
{
  GError *error = NULL;
  ImportJob job = { contents, length, G_MAXUINT };

  agg_store_run_sync (fixture->store, AGG_STORE_WRITE, import_job, &job, &error);
  if (n_imported != NULL)
    *n_imported = job.n_imported;
  return error;
}

static GError *
try_import (Fixture    *fixture,
            const char *contents)
{
  return try_import_len (fixture, contents, strlen (contents), NULL);
}

static guint
import (Fixture    *fixture,
        const char *contents)
{
  guint n_imported = 0;
  GError *error = try_import_len (fixture, contents, strlen (contents), &n_imported);

  g_assert_no_error (error);
  return n_imported;
}

/* What the store committed, read through the fixture's own connection. */
static gint64
query_int (Fixture    *fixture,
           const char *sql)
{
  return agg_test_db_int (fixture->db, sql, NULL);
}

static char *
query_text (Fixture    *fixture,
            const char *sql)
{
  return agg_test_db_text (fixture->db, sql, NULL);
}

static void
assert_empty (Fixture *fixture)
{
  static const char *const tables[] = {
    "products", "work_orders", "commissioned_serials", "sscc_ranges", "audit",
  };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s", tables[i]);

      g_test_message ("%s", sql);
      g_assert_cmpint (query_int (fixture, sql), ==, 0);
    }
}

/* Tests */

static void
test_json (Fixture       *fixture,
           gconstpointer  data)
{
  static const char json[] =
    "{\n"
    "  \"sscc_ranges\": [\n"
    "    {\"company_prefix\": \"0950600\", \"extension\": 0, \"first\": 1, \"last\": 999999,"
    "     \"warn_below\": 1000},\n"
    "    {\"company_prefix\": \"0950600\", \"extension\": 3, \"first\": 0, \"last\": 999999999}\n"
    "  ],\n"
    "  \"work_orders\": [\n"
    "    {\"id\": \"WO-1\", \"gtin\": \"" GTIN_A "\", \"lot\": \"L(1)/2\", \"expiry\": \"281231\","
    "     \"planned\": 1200, \"serials\": [\"S1\", \"S2\", \"S3\"]},\n"
    "    {\"id\": \"WO-2\", \"gtin\": \"" GTIN_B "\", \"lot\": \"B2\", \"expiry\": \"290200\","
    "     \"planned\": 0}\n"
    "  ],\n"
    "  \"products\": [\n"
    "    " PRODUCT_A ",\n"
    "    {\"gtin\": \"" GTIN_B "\", \"description\": \"Vials 10 x 1 ml\", \"units_per_case\": 10,"
    "     \"cases_per_pallet\": 60, \"allow_mixed_lots\": true, \"require_future_expiry\": false,"
    "     \"require_serial_list\": true, \"case_code\": \"scan\"}\n"
    "  ]\n"
    "}\n";

  g_assert_cmpuint (import (fixture, json), ==, 6);

  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM products WHERE gtin = '" GTIN_A "'"
                                       " AND description = 'Tablets' AND units_per_case = 12"
                                       " AND cases_per_pallet = 4 AND allow_mixed_lots = 0"
                                       " AND require_future_expiry = 1 AND require_serial_list = 0"
                                       " AND case_code = 'allocate'"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM products WHERE gtin = '" GTIN_B "'"
                                       " AND units_per_case = 10 AND cases_per_pallet = 60"
                                       " AND allow_mixed_lots = 1 AND require_future_expiry = 0"
                                       " AND require_serial_list = 1 AND case_code = 'scan'"),
                   ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM work_orders WHERE id = 'WO-1'"
                                       " AND gtin = '" GTIN_A "' AND lot = 'L(1)/2'"
                                       " AND expiry = '281231' AND planned = 1200"
                                       " AND status = 'planned'"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM commissioned_serials"
                                       " WHERE order_id = 'WO-1'"), ==, 3);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM sscc_ranges"
                                       " WHERE company_prefix = '0950600' AND extension = 0"
                                       " AND first_ref = 1 AND last_ref = 999999"
                                       " AND next_ref = 1 AND warn_below = 1000"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM sscc_ranges"
                                       " WHERE extension = 3 AND last_ref = 999999999"), ==, 1);

  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"
                                       " WHERE action = 'product.import' AND username = 'importer'"
                                       " AND old_value IS NULL"), ==, 2);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"
                                       " WHERE action = 'order.import'"), ==, 2);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"
                                       " WHERE action = 'sscc-range.import'"), ==, 2);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"), ==, 6);

  /* Every section is optional. */
  g_assert_cmpuint (import (fixture, "{}"), ==, 0);
  g_assert_cmpuint (import (fixture, "  {\"products\": []}"), ==, 0);
}

static void
test_csv_products (Fixture       *fixture,
                   gconstpointer  data)
{
  /* A byte order mark, CRLF, capitals in the header, a blank line, the
   * optional columns in another order, and every kind of quoting. */
  static const char csv[] =
    "\xef\xbb\xbfGTIN,Description,units_per_case,cases_per_pallet,case_code,allow_mixed_lots\r\n"
    GTIN_A ",\"Tablets, 30 x 10 mg\",12,4,,\r\n"
    "\r\n"
    GTIN_B ",\"Vials \"\"forte\"\"\n2nd line\",10,60,scan,yes\r\n";

  g_autofree char *description_a = NULL;
  g_autofree char *description_b = NULL;

  g_assert_cmpuint (import (fixture, csv), ==, 2);

  description_a = query_text (fixture, "SELECT description FROM products"
                                       " WHERE gtin = '" GTIN_A "'");
  description_b = query_text (fixture, "SELECT description FROM products"
                                       " WHERE gtin = '" GTIN_B "'");
  g_assert_cmpstr (description_a, ==, "Tablets, 30 x 10 mg");
  g_assert_cmpstr (description_b, ==, "Vials \"forte\"\n2nd line");
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM products WHERE gtin = '" GTIN_A "'"
                                       " AND allow_mixed_lots = 0 AND case_code = 'allocate'"
                                       " AND require_future_expiry = 1"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM products WHERE gtin = '" GTIN_B "'"
                                       " AND allow_mixed_lots = 1 AND case_code = 'scan'"
                                       " AND units_per_case = 10 AND cases_per_pallet = 60"),
                   ==, 1);

  /* The short header, LF only, no newline at the end. */
  g_assert_cmpuint (import (fixture,
                            "gtin,description,units_per_case,cases_per_pallet\n"
                            "09506000134390,Syrup,6,100"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM products"), ==, 3);
}

static void
test_csv_orders (Fixture       *fixture,
                 gconstpointer  data)
{
  static const char csv[] =
    "id,gtin,lot,expiry,planned\n"
    "WO-1," GTIN_A ",\"L,1\",281231,1200\n"
    "\"WO-2\",\"" GTIN_A "\",\"L\"\"2\",281200,\"50\"\n";

  g_autofree char *lot = NULL;

  import (fixture, "{\"products\": [" PRODUCT_A "]}");
  g_assert_cmpuint (import (fixture, csv), ==, 2);

  lot = query_text (fixture, "SELECT lot FROM work_orders WHERE id = 'WO-2'");
  g_assert_cmpstr (lot, ==, "L\"2");
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM work_orders WHERE id = 'WO-1'"
                                       " AND lot = 'L,1' AND expiry = '281231'"
                                       " AND planned = 1200"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT planned FROM work_orders WHERE id = 'WO-2'"),
                   ==, 50);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit"
                                       " WHERE action = 'order.import'"), ==, 2);
}

typedef struct
{
  const char   *input;
  AggLineError  code;
  const char   *message;        /* the start of it */
} Invalid;

#define ORDER(fields) "{\"products\": [" PRODUCT_A "], \"work_orders\": [{" fields "}]}"
#define ORDER_FIELDS "\"id\": \"WO-1\", \"gtin\": \"" GTIN_A "\", \"planned\": 10"
#define RANGE(fields) "{\"sscc_ranges\": [{" fields "}]}"
#define CSV_PRODUCTS "gtin,description,units_per_case,cases_per_pallet\n"

static void
test_invalid (Fixture       *fixture,
              gconstpointer  data)
{
  static const Invalid cases[] = {
    /* Products */
    { "{\"products\": [" PRODUCT_A ", {\"gtin\": \"09506000134353\", \"description\": \"X\","
      " \"units_per_case\": 1, \"cases_per_pallet\": 1}]}",
      AGG_LINE_ERROR_INVALID, "products[1].gtin: Wrong check digit" },
    { "{\"products\": [{\"gtin\": \"0950600013435\", \"description\": \"X\","
      " \"units_per_case\": 1, \"cases_per_pallet\": 1}]}",
      AGG_LINE_ERROR_INVALID, "products[0].gtin: " },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"X\","
      " \"units_per_case\": 0, \"cases_per_pallet\": 1}]}",
      AGG_LINE_ERROR_INVALID, "products[0].units_per_case: 0 is not between 1 and" },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"X\","
      " \"units_per_case\": 1, \"cases_per_pallet\": \"4\"}]}",
      AGG_LINE_ERROR_INVALID, "products[0].cases_per_pallet: must be a whole number" },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"X\","
      " \"units_per_case\": 1.5, \"cases_per_pallet\": 4}]}",
      AGG_LINE_ERROR_INVALID, "products[0].units_per_case: must be a whole number" },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"X\","
      " \"units_per_case\": 1, \"cases_per_pallet\": 4, \"case_code\": \"box\"}]}",
      AGG_LINE_ERROR_INVALID, "products[0].case_code: must be “allocate” or “scan”" },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"X\","
      " \"units_per_case\": 1, \"cases_per_pallet\": 4, \"allow_mixed_lots\": 1}]}",
      AGG_LINE_ERROR_INVALID, "products[0].allow_mixed_lots: must be true or false" },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"X\","
      " \"units_per_case\": 1, \"cases_per_pallet\": 4, \"colour\": \"red\"}]}",
      AGG_LINE_ERROR_INVALID, "products[0].colour: unknown member" },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"units_per_case\": 1,"
      " \"cases_per_pallet\": 4}]}",
      AGG_LINE_ERROR_INVALID, "products[0].description: is missing" },
    { "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"  \","
      " \"units_per_case\": 1, \"cases_per_pallet\": 4}]}",
      AGG_LINE_ERROR_INVALID, "products[0].description: " },
    { "{\"products\": [" PRODUCT_A ", " PRODUCT_A "]}",
      AGG_LINE_ERROR_INVALID, "products[1].gtin: the product " GTIN_A " appears twice" },
    { "{\"products\": [" PRODUCT_A ", 7]}",
      AGG_LINE_ERROR_INVALID, "products[1]: must be an object" },

    /* Work orders */
    { ORDER (ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"281331\""),
      AGG_LINE_ERROR_INVALID, "work_orders[0].expiry: “281331” is not a date" },
    { ORDER (ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"270229\""),
      AGG_LINE_ERROR_INVALID, "work_orders[0].expiry: “270229” is not a date" },
    { ORDER (ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"2812\""),
      AGG_LINE_ERROR_INVALID, "work_orders[0].expiry: " },
    { ORDER (ORDER_FIELDS ", \"lot\": \"LOT~1\", \"expiry\": \"281231\""),
      AGG_LINE_ERROR_INVALID, "work_orders[0].lot: character 4: " },
    { ORDER (ORDER_FIELDS ", \"lot\": \"ABCDEFGHIJKLMNOPQRSTU\", \"expiry\": \"281231\""),
      AGG_LINE_ERROR_INVALID, "work_orders[0].lot: must have 1 to 20 characters, not 21" },
    { ORDER (ORDER_FIELDS ", \"lot\": \"\", \"expiry\": \"281231\""),
      AGG_LINE_ERROR_INVALID, "work_orders[0].lot: must have 1 to 20 characters, not 0" },
    { ORDER (ORDER_FIELDS ", \"expiry\": \"281231\""),
      AGG_LINE_ERROR_INVALID, "work_orders[0].lot: is missing" },
    { ORDER (ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"281231\", \"planned\": -1"),
      AGG_LINE_ERROR_INVALID, "work_orders[0].planned: -1 is not between 0 and" },
    { "{\"work_orders\": [{\"id\": \"WO-1\", \"gtin\": \"" GTIN_A "\", \"lot\": \"L1\","
      " \"expiry\": \"281231\", \"planned\": 1}]}",
      AGG_LINE_ERROR_INVALID, "work_orders[0].gtin: there is no product " GTIN_A },
    { ORDER ("\"id\": \"WO 1\", \"gtin\": \"" GTIN_A "\", \"lot\": \"L1\", \"expiry\": \"281231\","
             " \"planned\": 1"),
      AGG_LINE_ERROR_INVALID, "work_orders[0].id: character 3: " },
    { ORDER (ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"281231\","
             " \"serials\": [\"S1\", \"S2\", \"S1\"]"),
      AGG_LINE_ERROR_INVALID,
      "work_orders[0].serials[2]: the serial number “S1” appears twice" },
    { ORDER (ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"281231\", \"serials\": [\"S1\", 2]"),
      AGG_LINE_ERROR_INVALID, "work_orders[0].serials[1]: must be a string" },
    { ORDER (ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"281231\", \"serials\": [\"S 1\"]"),
      AGG_LINE_ERROR_INVALID, "work_orders[0].serials[0]: character 2: " },
    { "{\"products\": [" PRODUCT_A "], \"work_orders\": ["
      "{" ORDER_FIELDS ", \"lot\": \"L1\", \"expiry\": \"281231\"},"
      "{" ORDER_FIELDS ", \"lot\": \"L2\", \"expiry\": \"281231\"}]}",
      AGG_LINE_ERROR_INVALID, "work_orders[1].id: the work order “WO-1” appears twice" },

    /* SSCC ranges */
    { RANGE ("\"company_prefix\": \"123\", \"first\": 1, \"last\": 2"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].company_prefix: " },
    { RANGE ("\"company_prefix\": \"1234567890123\", \"first\": 1, \"last\": 2"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].company_prefix: " },
    { RANGE ("\"company_prefix\": \"09506O0\", \"first\": 1, \"last\": 2"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].company_prefix: " },
    { RANGE ("\"company_prefix\": 950600, \"first\": 1, \"last\": 2"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].company_prefix: must be a string" },
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": 1, \"last\": 1000000000"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].last: 1000000000 is not between 0 and 999999999" },
    { RANGE ("\"company_prefix\": \"095060012345\", \"first\": 1, \"last\": 10000"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].last: 10000 is not between 0 and 9999" },
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": 10, \"last\": 9"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].last: must not be below first" },
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": -1, \"last\": 9"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].first: -1 is not between 0 and" },
    { RANGE ("\"company_prefix\": \"0950600\", \"extension\": 10, \"first\": 1, \"last\": 9"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].extension: 10 is not between 0 and 9" },
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": 1"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0].last: is missing" },

    /* The file */
    { "{\"orders\": []}", AGG_LINE_ERROR_INVALID, "Unknown section “orders”" },
    { "{\"products\": {}}", AGG_LINE_ERROR_INVALID, "“products” must be an array" },
    { "{\"products\": [}", AGG_LINE_ERROR_INVALID, "Not valid JSON: " },
    { "", AGG_LINE_ERROR_INVALID, "The file is empty" },
    { " \n\n", AGG_LINE_ERROR_INVALID, "The file is empty" },
    { CSV_PRODUCTS "\xff\n", AGG_LINE_ERROR_INVALID, "Line 2: not valid UTF-8" },

    /* CSV */
    { CSV_PRODUCTS GTIN_A ",A,1,1\n" GTIN_B ",B,1,1\n09506000134353,C,1,1\n",
      AGG_LINE_ERROR_INVALID, "Line 4, column “gtin”: Wrong check digit" },
    { CSV_PRODUCTS GTIN_A ",\"A\nB\nC\",1,1\n" GTIN_B ",B,twelve,1\n",
      AGG_LINE_ERROR_INVALID,
      "Line 5, column “units_per_case”: “twelve” is not a whole number" },
    { CSV_PRODUCTS GTIN_A ",A,1\n", AGG_LINE_ERROR_INVALID,
      "Line 2: 3 fields where the header has 4" },
    { CSV_PRODUCTS GTIN_A ",A,1,1,x\n", AGG_LINE_ERROR_INVALID,
      "Line 2: 5 fields where the header has 4" },
    { CSV_PRODUCTS GTIN_A ",\"A,1,1\n", AGG_LINE_ERROR_INVALID,
      "Line 2: a quoted field is never closed" },
    { CSV_PRODUCTS GTIN_A ",\"A\"x,1,1\n", AGG_LINE_ERROR_INVALID,
      "Line 2: a closing quote must end its field" },
    { CSV_PRODUCTS GTIN_A ",A \"B\",1,1\n", AGG_LINE_ERROR_INVALID,
      "Line 2: a field with a quote in it must be quoted as a whole" },
    { "gtin,description,units_per_case,cases_per_pallet,colour\n", AGG_LINE_ERROR_INVALID,
      "Line 1, column “colour”: unknown column" },
    { "gtin,description,units_per_case\n", AGG_LINE_ERROR_INVALID,
      "Line 1, column “cases_per_pallet”: this column is missing" },
    { "gtin,description,units_per_case,units_per_case,cases_per_pallet\n", AGG_LINE_ERROR_INVALID,
      "Line 1, column “units_per_case”: appears twice" },
    { "id,gtin,lot,expiry\n", AGG_LINE_ERROR_INVALID,
      "Line 1, column “planned”: this column is missing" },
    { CSV_PRODUCTS GTIN_A ",A,1,1\n", AGG_LINE_ERROR_INVALID, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GError *error;

      /* The last case is valid: the loop can tell success from failure. */
      if (cases[i].message == NULL)
        {
          g_assert_no_error (try_import (fixture, cases[i].input));
          continue;
        }

      error = try_import (fixture, cases[i].input);
      g_test_message ("case %u: %s", i, error != NULL ? error->message : "no error");
      g_assert_error (error, AGG_LINE_ERROR, cases[i].code);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("case %u: “%s” does not start with “%s”", i, error->message,
                 cases[i].message);
      g_clear_error (&error);
      assert_empty (fixture);
    }
}

/* A file that fails half way leaves nothing behind, nor any audit row. */
static void
test_all_or_nothing (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char bad_third_product[] =
    "{\"products\": ["
    PRODUCT_A ","
    "{\"gtin\": \"" GTIN_B "\", \"description\": \"B\", \"units_per_case\": 1,"
    " \"cases_per_pallet\": 1},"
    "{\"gtin\": \"09506000134390\", \"description\": \"C\", \"units_per_case\": 0,"
    " \"cases_per_pallet\": 1}]}";
  static const char bad_range[] =
    "{\"products\": [" PRODUCT_A "],"
    " \"work_orders\": [{\"id\": \"WO-1\", \"gtin\": \"" GTIN_A "\", \"lot\": \"L1\","
    " \"expiry\": \"281231\", \"planned\": 1, \"serials\": [\"S1\"]}],"
    " \"sscc_ranges\": [{\"company_prefix\": \"0950600\", \"first\": 1, \"last\": 10},"
    " {\"company_prefix\": \"0950600\", \"first\": 5, \"last\": 20}]}";
  static const char bad_csv[] =
    CSV_PRODUCTS GTIN_A ",A,1,1\n" GTIN_B ",B,1,1\n09506000134390,C,1,x\n";
  GError *error;

  error = try_import (fixture, bad_third_product);
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "products[2].units_per_case: "));
  g_clear_error (&error);
  assert_empty (fixture);

  error = try_import (fixture, bad_range);
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "sscc_ranges[1]: overlaps"));
  g_clear_error (&error);
  assert_empty (fixture);

  error = try_import (fixture, bad_csv);
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "Line 4, column “cases_per_pallet”: "));
  g_clear_error (&error);
  assert_empty (fixture);
}

static void
test_reimport (Fixture       *fixture,
               gconstpointer  data)
{
  static const char first[] =
    "{\"products\": [" PRODUCT_A "],"
    " \"work_orders\": [{\"id\": \"WO-1\", \"gtin\": \"" GTIN_A "\", \"lot\": \"L1\","
    " \"expiry\": \"281231\", \"planned\": 100, \"serials\": [\"S1\", \"S2\"]}]}";
  static const char second[] =
    "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"Tablets 20 mg\","
    " \"units_per_case\": 24, \"cases_per_pallet\": 4}],"
    " \"work_orders\": [{\"id\": \"WO-1\", \"gtin\": \"" GTIN_A "\", \"lot\": \"L2\","
    " \"expiry\": \"290131\", \"planned\": 200, \"serials\": [\"S3\"]}]}";
  static const char third[] =
    "{\"products\": [{\"gtin\": \"" GTIN_A "\", \"description\": \"Tablets 20 mg\","
    " \"units_per_case\": 24, \"cases_per_pallet\": 4}],"
    " \"work_orders\": [{\"id\": \"WO-1\", \"gtin\": \"" GTIN_A "\", \"lot\": \"L3\","
    " \"expiry\": \"290131\", \"planned\": 300}]}";
  g_autofree char *old_value = NULL;
  g_autofree char *new_value = NULL;
  GError *error;

  g_assert_cmpuint (import (fixture, first), ==, 2);
  g_assert_cmpuint (import (fixture, second), ==, 2);

  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM products"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT units_per_case FROM products"), ==, 24);
  old_value = query_text (fixture, "SELECT old_value FROM audit WHERE action = 'product.import'"
                                   " ORDER BY id DESC LIMIT 1");
  new_value = query_text (fixture, "SELECT new_value FROM audit WHERE action = 'product.import'"
                                   " ORDER BY id DESC LIMIT 1");
  g_assert_nonnull (strstr (old_value, "\"description\":\"Tablets\""));
  g_assert_nonnull (strstr (old_value, "\"units_per_case\":12"));
  g_assert_nonnull (strstr (new_value, "\"description\":\"Tablets 20 mg\""));
  g_assert_nonnull (strstr (new_value, "\"units_per_case\":24"));

  /* A planned order is replaced, serials and all. */
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM work_orders WHERE lot = 'L2'"
                                       " AND planned = 200 AND expiry = '290131'"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM commissioned_serials"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM audit WHERE action = 'order.import'"
                                       " AND old_value LIKE '%\"lot\":\"L1\"%'"
                                       " AND new_value LIKE '%\"lot\":\"L2\"%'"), ==, 1);

  /* Once it runs, it stays as it is, and so does its product. */
  agg_test_exec (fixture->store, "UPDATE work_orders SET status = 'running' WHERE id = 'WO-1'");
  error = try_import (fixture, third);
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_EXISTS);
  g_assert_cmpstr (error->message, ==,
                   "work_orders[0].id: the work order “WO-1” is running"
                   " and cannot be replaced");
  g_clear_error (&error);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM work_orders WHERE lot = 'L2'"),
                   ==, 1);

  error = try_import (fixture, "{\"products\": [" PRODUCT_A "]}");
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_EXISTS);
  g_assert_true (g_str_has_prefix (error->message, "products[0]: "));
  g_assert_nonnull (strstr (error->message, "WO-1"));
  g_clear_error (&error);
  g_assert_cmpint (query_int (fixture, "SELECT units_per_case FROM products"), ==, 24);

  /* Stating the product as it is remains fine. */
  g_assert_cmpuint (import (fixture, "{\"products\": [{\"gtin\": \"" GTIN_A "\","
                                     " \"description\": \"Tablets 20 mg\","
                                     " \"units_per_case\": 24, \"cases_per_pallet\": 4}]}"), ==, 1);

  agg_test_exec (fixture->store, "UPDATE work_orders SET status = 'closed' WHERE id = 'WO-1'");
  error = try_import (fixture, third);
  g_assert_error (error, AGG_LINE_ERROR, AGG_LINE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "closed"));
  g_clear_error (&error);
}

static void
test_sscc_overlap (Fixture       *fixture,
                   gconstpointer  data)
{
  static const Invalid overlapping[] = {
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": 1000, \"last\": 2000"),
      AGG_LINE_ERROR_INVALID,
      "sscc_ranges[0]: overlaps the range 1 to 1000 of company prefix 0950600" },
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": 0, \"last\": 1"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0]: overlaps" },
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": 0, \"last\": 999999999"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0]: overlaps" },
    { RANGE ("\"company_prefix\": \"0950600\", \"first\": 500, \"last\": 600"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0]: overlaps" },
    /* The same SSCCs with the prefix written one digit longer. */
    { RANGE ("\"company_prefix\": \"09506000\", \"first\": 0, \"last\": 99"),
      AGG_LINE_ERROR_INVALID, "sscc_ranges[0]: overlaps" },
  };

  import (fixture, RANGE ("\"company_prefix\": \"0950600\", \"first\": 1, \"last\": 1000"));

  for (guint i = 0; i < G_N_ELEMENTS (overlapping); i++)
    {
      GError *error = try_import (fixture, overlapping[i].input);

      g_assert_error (error, AGG_LINE_ERROR, overlapping[i].code);
      if (!g_str_has_prefix (error->message, overlapping[i].message))
        g_error ("case %u: “%s” does not start with “%s”", i, error->message,
                 overlapping[i].message);
      g_clear_error (&error);
    }

  /* Adjacent, another extension digit, another company. */
  import (fixture, RANGE ("\"company_prefix\": \"0950600\", \"first\": 1001, \"last\": 2000"));
  import (fixture, RANGE ("\"company_prefix\": \"0950600\", \"extension\": 1,"
                          " \"first\": 1, \"last\": 1000"));
  import (fixture, RANGE ("\"company_prefix\": \"0950601\", \"first\": 1, \"last\": 1000"));
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM sscc_ranges"), ==, 4);
}

typedef struct
{
  GPtrArray     *users;
  AggUser       *by_badge;
  AggAuthResult  auth;
  char          *gln;
  gint64         bad_id;
  char          *problem;
  guint64        n_rows;
} DemoJob;

static gpointer
demo_job (AggStore  *store,
          sqlite3   *db,
          gpointer   user_data,
          GError   **error)
{
  DemoJob *job = user_data;

  if (!agg_import_demo (store, error))
    return NULL;

  job->users = agg_user_list (store, error);
  job->by_badge = agg_user_lookup_badge (store, "BADGE-SUPERVISOR", error);
  job->auth = agg_user_authenticate (store, "operator", "1111", NULL, error);
  job->gln = agg_settings_get (store, "gln", error);
  agg_audit_verify (store, &job->bad_id, &job->problem, &job->n_rows, error);
  return NULL;
}

static void
test_demo (Fixture       *fixture,
           gconstpointer  data)
{
  static const struct
  {
    const char *username;
    const char *full_name;
    AggRole     role;
    const char *badge;
  } users[] = {
    { "admin", "Demo Admin", AGG_ROLE_ADMIN, "BADGE-ADMIN" },
    { "operator", "Demo Operator", AGG_ROLE_OPERATOR, "BADGE-OPERATOR" },
    { "supervisor", "Demo Supervisor", AGG_ROLE_SUPERVISOR, "BADGE-SUPERVISOR" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autofree char *station_name = NULL;
  DemoJob job = { NULL };

  agg_store_run_sync (fixture->store, AGG_STORE_WRITE, demo_job, &job, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (job.users->len, ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      AggUser *user = job.users->pdata[i];

      g_assert_cmpstr (user->username, ==, users[i].username);
      g_assert_cmpstr (user->full_name, ==, users[i].full_name);
      g_assert_cmpint (user->role, ==, users[i].role);
      g_assert_cmpstr (user->badge, ==, users[i].badge);
      g_assert_true (user->active);
    }
  g_assert_cmpstr (job.by_badge->username, ==, "supervisor");
  g_assert_cmpint (job.auth, ==, AGG_AUTH_OK);

  g_assert_cmpuint (strlen (job.gln), ==, 13);
  g_assert_true (g_str_has_prefix (job.gln, "950600"));
  g_assert_true (agg_gs1_check_digit_is_valid (job.gln, 13));

  g_assert_cmpint (job.bad_id, ==, 0);
  g_assert_null (job.problem);
  /* Product, order, range, three users, six settings. */
  g_assert_cmpuint (job.n_rows, ==, 12);

  description = query_text (fixture, "SELECT description FROM products"
                                     " WHERE gtin = '09506000134352' AND units_per_case = 12"
                                     " AND cases_per_pallet = 4 AND require_serial_list = 0");
  g_assert_cmpstr (description, ==, "Demo tablets 30 x 10 mg");
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM work_orders WHERE id = 'WO-DEMO-1'"
                                       " AND gtin = '09506000134352' AND lot = 'DEMO01'"
                                       " AND expiry = '281231' AND planned = 480"
                                       " AND status = 'planned'"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM sscc_ranges"
                                       " WHERE company_prefix = '0950600' AND extension = 0"
                                       " AND first_ref = 1 AND last_ref = 999999999"), ==, 1);
  station_name = query_text (fixture, "SELECT value FROM settings WHERE key = 'station_name'");
  g_assert_cmpstr (station_name, ==, "Demo line 1");
  g_assert_cmpint (query_int (fixture, "SELECT count (*) FROM settings WHERE"
                                       " (key = 'gln_extension' AND value = '0')"
                                       " OR (key = 'lockout_attempts' AND value = '5')"
                                       " OR (key = 'idle_timeout' AND value = '900')"
                                       " OR (key = 'auto_close' AND value = '1')"), ==, 4);

  g_ptr_array_unref (job.users);
  agg_user_free (job.by_badge);
  g_free (job.gln);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agg_test_add_station ("/import/json", test_json);
  agg_test_add_station ("/import/csv-products", test_csv_products);
  agg_test_add_station ("/import/csv-orders", test_csv_orders);
  agg_test_add_station ("/import/invalid", test_invalid);
  agg_test_add_station ("/import/all-or-nothing", test_all_or_nothing);
  agg_test_add_station ("/import/reimport", test_reimport);
  agg_test_add_station ("/import/sscc-overlap", test_sscc_overlap);
  agg_test_add_station ("/import/demo", test_demo);

  return g_test_run ();
}
