/* test-label.c: label content, templates, symbol dimensions and ZPL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <glib/gstdio.h>
#include <string.h>

#include "agg-gs1.h"
#include "agg-label-private.h"
#include "agg-test-utils.h"

#define GTIN "09506000134352"
#define OTHER_GTIN "09506000134376"

typedef AggTestStation Fixture;

static char *
make_sscc (guint64 ref)
{
  g_autoptr(GError) error = NULL;
  char *sscc = agg_gs1_sscc_make ("9506000", 3, ref, &error);

  g_assert_no_error (error);
  return sscc;
}

/* A container of the demo order; returns its id. */
static gint64
add_container (Fixture    *fixture,
               const char *sscc,
               const char *kind,
               gint64      parent_id,
               const char *status)
{
  g_autofree char *parent = parent_id > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, parent_id)
                                           : g_strdup ("NULL");
  g_autofree char *sql = g_strdup_printf ("INSERT INTO containers (sscc, kind, order_id, status,"
                                          " parent_id, created_at) VALUES ('%s', '%s',"
                                          " 'WO-DEMO-1', '%s', %s, '2026-01-01T00:00:00.000Z')",
                                          sscc, kind, status, parent);

  agg_test_exec (fixture->store, sql);
  return agg_test_db_int (fixture->db, "SELECT id FROM containers WHERE sscc = ?", sscc, NULL);
}

static void
add_units (Fixture    *fixture,
           gint64      container_id,
           const char *gtin,
           const char *lot,
           const char *expiry,
           guint       n)
{
  static guint serial = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO units (gtin, serial, lot, expiry,"
                                              " order_id, status, parent_id, scanned_at)"
                                              " VALUES ('%s', 'S%05u', '%s', '%s', 'WO-DEMO-1',"
                                              " 'aggregated', %" G_GINT64_FORMAT ","
                                              " '2026-01-01T00:00:00.000Z')",
                                              gtin, ++serial, lot, expiry, container_id);

      agg_test_exec (fixture->store, sql);
    }
}

static AggLabel *
load (Fixture    *fixture,
      const char *code)
{
  g_autoptr(GError) error = NULL;
  AggLabel *label = agg_label_load (fixture->store, code, &error);

  g_assert_no_error (error);
  g_assert_nonnull (label);
  return label;
}

static char *
render_zpl (AggLabel              *label,
            const AggLabelOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = agg_label_render (label, AGG_LABEL_FORMAT_ZPL, options, &error);
  gsize len;
  const char *data;

  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);
  return g_strndup (data, len);
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_case_content (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *sscc = make_sscc (101);
  g_autofree char *bracketed = g_strdup_printf ("(00)%s", sscc);
  g_autofree char *expected = NULL;
  g_autofree char *elements = NULL;
  g_autoptr(AggLabel) label = NULL;
  g_autoptr(AggLabel) by_bracketed = NULL;
  gint64 id;

  agg_test_load_demo (fixture->store);
  id = add_container (fixture, sscc, "case", 0, "closed");
  add_units (fixture, id, GTIN, "LOT7", "290630", 5);

  label = load (fixture, sscc);
  g_assert_cmpstr (agg_label_get_sscc (label), ==, sscc);
  g_assert_false (agg_label_is_pallet (label));
  g_assert_cmpstr (agg_label_get_gtin (label), ==, GTIN);
  g_assert_cmpuint (agg_label_get_count (label), ==, 5);
  g_assert_cmpstr (agg_label_get_lot (label), ==, "LOT7");
  g_assert_cmpstr (agg_label_get_date (label), ==, "290630");
  g_assert_false (agg_label_get_best_before (label));

  elements = agg_label_get_element_string (label);
  expected = g_strdup_printf ("00%s02" GTIN "17290630375\x1d" "10LOT7", sscc);
  g_assert_cmpstr (elements, ==, expected);

  /* Any code that names the SSCC finds it. */
  by_bracketed = load (fixture, bracketed);
  g_assert_cmpstr (agg_label_get_sscc (by_bracketed), ==, sscc);
}

static void
test_pallet_content (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *pallet_sscc = make_sscc (200);
  g_autofree char *case1 = make_sscc (201);
  g_autofree char *case2 = make_sscc (202);
  g_autofree char *elements = NULL;
  g_autofree char *zpl = NULL;
  g_autoptr(AggLabel) label = NULL;
  AggLabelOptions options = { 203, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
  gint64 pallet, id;

  agg_test_load_demo (fixture->store);
  pallet = add_container (fixture, pallet_sscc, "pallet", 0, "closed");
  id = add_container (fixture, case1, "case", pallet, "closed");
  add_units (fixture, id, GTIN, "LOTA", "290630", 4);
  id = add_container (fixture, case2, "case", pallet, "closed");
  add_units (fixture, id, GTIN, "LOTB", "290630", 3);

  /* Identical items, two lots: the GTIN and the count of units, the
   * common date, and no batch. */
  label = load (fixture, pallet_sscc);
  g_assert_true (agg_label_is_pallet (label));
  g_assert_cmpstr (agg_label_get_gtin (label), ==, GTIN);
  g_assert_cmpuint (agg_label_get_count (label), ==, 7);
  g_assert_null (agg_label_get_lot (label));
  g_assert_cmpstr (agg_label_get_date (label), ==, "290630");
  elements = agg_label_get_element_string (label);
  g_assert_null (strstr (elements, "10LOT"));

  zpl = render_zpl (label, &options);
  /* An odd run of digits ends in subset B. */
  g_assert_nonnull (strstr (zpl, ">;>802" GTIN "37>67^FS"));
  g_assert_nonnull (strstr (zpl, "(02) " GTIN " (37) 7"));
  g_assert_null (strstr (zpl, "(10)"));
  g_assert_nonnull (strstr (zpl, "^FDPALLET^FS"));
}

static void
test_mixed_content (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *sscc = make_sscc (300);
  g_autofree char *zpl = NULL;
  g_autoptr(AggLabel) label = NULL;
  AggLabelOptions options = { 300, AGG_LABEL_SIZE_4X6, NULL, FALSE, NULL };
  gint64 id;

  agg_test_load_demo (fixture->store);
  id = add_container (fixture, sscc, "case", 0, "closed");
  add_units (fixture, id, GTIN, "LOT1", "290630", 2);
  add_units (fixture, id, OTHER_GTIN, "LOT1", "290630", 1);

  label = load (fixture, sscc);
  g_assert_null (agg_label_get_gtin (label));
  g_assert_cmpuint (agg_label_get_count (label), ==, 0);
  g_assert_cmpstr (agg_label_get_lot (label), ==, "LOT1");

  zpl = render_zpl (label, &options);
  g_assert_null (strstr (zpl, "(02)"));
  g_assert_null (strstr (zpl, "(37)"));
  g_assert_nonnull (strstr (zpl, "(10) LOT1"));
  g_assert_nonnull (strstr (zpl, "(00) "));
}

static void
test_best_before (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *sscc = make_sscc (400);
  g_autofree char *elements = NULL;
  g_autofree char *zpl = NULL;
  g_autoptr(AggLabel) label = NULL;
  AggLabelOptions options = { 203, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
  gint64 id;

  agg_test_load_demo (fixture->store);
  agg_test_exec (fixture->store, "UPDATE products SET best_before = 1");
  id = add_container (fixture, sscc, "case", 0, "closed");
  add_units (fixture, id, GTIN, "LOT1", "290600", 1);

  label = load (fixture, sscc);
  g_assert_true (agg_label_get_best_before (label));
  elements = agg_label_get_element_string (label);
  g_assert_nonnull (strstr (elements, "15290600"));
  g_assert_null (strstr (elements, "17290600"));
  zpl = render_zpl (label, &options);
  /* Day 00 is the month's end, printed as month and year. */
  g_assert_nonnull (strstr (zpl, "BEST BEFORE  06.2029"));
}

static void
test_refusals (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *voided = make_sscc (500);
  g_autofree char *absent = make_sscc (501);
  g_autoptr(GError) error = NULL;
  AggLabel *label;

  agg_test_load_demo (fixture->store);
  add_container (fixture, voided, "case", 0, "voided");

  label = agg_label_load (fixture->store, voided, &error);
  g_assert_null (label);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID);
  g_clear_error (&error);

  label = agg_label_load (fixture->store, absent, &error);
  g_assert_null (label);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  label = agg_label_load (fixture->store, "(01)" GTIN "(21)X1", &error);
  g_assert_null (label);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID);
  g_clear_error (&error);

  label = agg_label_load (fixture->store, "395060003000005019", &error);
  g_assert_null (label);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID);
}

static void
test_new_checks (void)
{
  static const AggLabelContent bad[] = {
    { .sscc = "395060003000001010" },
    { .sscc = "39506000300000101" },
    { .sscc = "395060003000001014", .gtin = "09506000134353", .count = 1 },
    { .sscc = "395060003000001014", .gtin = GTIN, .count = 0 },
    { .sscc = "395060003000001014", .gtin = GTIN, .count = 100000000 },
    { .sscc = "395060003000001014", .lot = "WITH SPACE" },
    { .sscc = "395060003000001014", .lot = "123456789012345678901" },
    { .sscc = "395060003000001014", .date = "291301" },
    { .sscc = "395060003000001014", .date = "2912" },
  };
  const AggLabelContent good = { .sscc = "395060003000001014" };
  g_autoptr(AggLabel) label = NULL;
  g_autoptr(GError) error = NULL;

  label = agg_label_new (&good, &error);
  g_assert_no_error (error);
  g_assert_nonnull (label);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) bad_error = NULL;

      g_assert_null (agg_label_new (&bad[i], &bad_error));
      g_assert_error (bad_error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID);
    }
}

static AggLabel *
demo_label (gboolean is_pallet)
{
  const AggLabelContent content = {
    .sscc = "395060003000001014",
    .is_pallet = is_pallet,
    .description = "Tablets",
    .gtin = GTIN,
    .count = 12,
    .lot = "DEMO01",
    .date = "281231",
    .company = "ACME^XZ~JR_Labs",
    .line_name = "Line 2",
    .station_name = "Station 5",
  };
  g_autoptr(GError) error = NULL;
  AggLabel *label = agg_label_new (&content, &error);

  g_assert_no_error (error);
  return label;
}

/* Templates */

static void
assert_template_error (const char *text,
                       const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AggLabelTemplate) tmpl = agg_label_template_parse (text, strlen (text), "t",
                                                               "site.label", &error);

  g_assert_null (tmpl);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE);
  if (!g_str_has_prefix (error->message, expected))
    g_error ("“%s” does not begin with “%s”", error->message, expected);
}

#define LABEL_GROUP "[label]\nwidth=100\nheight=148\n"

static void
test_template_parse (void)
{
  const char *good = LABEL_GROUP
    "[field:a]\ncontent=sscc\nx=1\ny=1\nwidth=50\nheight=6\nfont-size=5\nbold=yes\n"
    "align=right\ntitle=\n"
    "[field:b]\ncontent=barcode-sscc\nx=0\ny=100\nwidth=100\nheight=32\n"
    "[field:c]\ncontent=text\ntext=Fragile\nx=0\ny=50\nwidth=40\nheight=5\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(AggLabelTemplate) tmpl = agg_label_template_parse (good, strlen (good), "good",
                                                               "good.label", &error);
  const AggLabelField *field;

  g_assert_no_error (error);
  g_assert_cmpuint (tmpl->fields->len, ==, 3);
  field = g_ptr_array_index (tmpl->fields, 0);
  g_assert_cmpstr (field->name, ==, "a");
  g_assert_cmpint (field->content, ==, AGG_LABEL_FIELD_SSCC);
  g_assert_cmpfloat (field->font_size, ==, 5);
  g_assert_true (field->bold);
  g_assert_cmpint (field->align, ==, AGG_LABEL_ALIGN_RIGHT);
  g_assert_cmpstr (field->title, ==, "");
  field = g_ptr_array_index (tmpl->fields, 2);
  g_assert_cmpstr (field->text, ==, "Fragile");
  g_assert_cmpfloat (field->font_size, ==, 3);

  /* Every mistake names the file and the line. */
  assert_template_error ("[field:a]\ncontent=sscc\n", "site.label:");
  assert_template_error (LABEL_GROUP "[field:a]\ncontent=price\nx=0\ny=0\nwidth=1\nheight=1\n",
                         "site.label:5: [field:a] content:");
  assert_template_error (LABEL_GROUP "[field:a]\ncontent=sscc\nx=0\ny=0\nwidth=1\nheight=1\n"
                         "colour=red\n",
                         "site.label:10: [field:a] colour:");
  assert_template_error (LABEL_GROUP "[field:a]\ncontent=sscc\nx=0\ny=0\nwidth=1\n",
                         "site.label:4: [field:a]: the key “height”");
  assert_template_error (LABEL_GROUP "[field:a]\ncontent=barcode-sscc\nx=0\ny=0\nwidth=100\n"
                         "height=20\n",
                         "site.label:9: [field:a] height:");
  assert_template_error (LABEL_GROUP "[field:a]\ncontent=sscc\nx=60\ny=0\nwidth=50\nheight=5\n",
                         "site.label:8: [field:a] width:");
  assert_template_error (LABEL_GROUP "[field:a]\ncontent=text\nx=0\ny=0\nwidth=50\nheight=5\n",
                         "site.label:4: [field:a] text");
  assert_template_error (LABEL_GROUP "[field:a]\ncontent=sscc\nx=zero\ny=0\nwidth=50\nheight=5\n",
                         "site.label:6: [field:a] x:");
  assert_template_error (LABEL_GROUP "[fields]\n", "site.label:4: [fields]");
  assert_template_error ("[label]\nwidth=100\n", "site.label:1: [label]: the key “height”");
  assert_template_error ("[label\n", "site.label:1");

  /* The built-ins parse. */
  for (const char *const *name = agg_label_template_builtin_names (); *name != NULL; name++)
    {
      g_autoptr(AggLabelTemplate) builtin = agg_label_template_lookup (*name, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (builtin->fields->len, >, 10);
    }
}

static void
test_template_dir (void)
{
  g_autofree char *dir = agg_test_make_tmpdir ("test-label-templates");
  g_autofree char *path = g_build_filename (dir, "shelf.label", NULL);
  g_autofree char *conf_text = g_strdup_printf ("[labels]\ntemplate-dir=%s\n", dir);
  const char *shelf = LABEL_GROUP
    "[field:note]\ncontent=text\ntext=SHELF TEMPLATE\nx=1\ny=1\nwidth=90\nheight=5\n"
    "[field:sscc]\ncontent=barcode-sscc\nx=0\ny=100\nwidth=100\nheight=32\n";
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggLabel) label = demo_label (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *zpl = NULL;
  AggLabelOptions options = { 203, AGG_LABEL_SIZE_A6, "shelf", FALSE, NULL };
  GBytes *bytes;

  g_assert_true (g_file_set_contents (path, shelf, -1, NULL));
  config = agg_config_load_data (conf_text, strlen (conf_text), "station.conf", &error);
  g_assert_no_error (error);

  /* Without the folder the name is unknown; with it, the file is used. */
  bytes = agg_label_render (label, AGG_LABEL_FORMAT_ZPL, &options, &error);
  g_assert_null (bytes);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE);
  g_clear_error (&error);

  options.config = config;
  zpl = render_zpl (label, &options);
  g_assert_nonnull (strstr (zpl, "SHELF TEMPLATE"));
  g_assert_null (strstr (zpl, "(02)"));
  g_clear_pointer (&zpl, g_free);

  /* By path, as aggctl label --template FILE gives it. */
  options.config = NULL;
  options.template_name = path;
  zpl = render_zpl (label, &options);
  g_assert_nonnull (strstr (zpl, "SHELF TEMPLATE"));

  /* A file named as a built-in replaces it. */
  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "case.label", NULL);
  g_assert_true (g_file_set_contents (path, shelf, -1, NULL));
  options.config = config;
  options.template_name = NULL;
  g_clear_pointer (&zpl, g_free);
  zpl = render_zpl (label, &options);
  g_assert_nonnull (strstr (zpl, "SHELF TEMPLATE"));

  agg_test_remove_tree (dir);
}

static void
test_product_template (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *sscc = make_sscc (600);
  g_autoptr(AggLabel) label = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  AggLabelOptions options = { 203, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
  gint64 id;

  agg_test_load_demo (fixture->store);
  agg_test_exec (fixture->store, "UPDATE products SET case_template = 'no-such-template'");
  id = add_container (fixture, sscc, "case", 0, "closed");
  add_units (fixture, id, GTIN, "LOT1", "290630", 1);

  /* The product's template is the one asked for; an explicit one wins. */
  label = load (fixture, sscc);
  bytes = agg_label_render (label, AGG_LABEL_FORMAT_ZPL, &options, &error);
  g_assert_null (bytes);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_TEMPLATE);
  g_assert_nonnull (strstr (error->message, "no-such-template"));
  g_clear_error (&error);

  options.template_name = "case";
  bytes = agg_label_render (label, AGG_LABEL_FORMAT_ZPL, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
}

/* Dimensions */

static void
test_x_dimension (void)
{
  static const guint dpis[] = { 203, 300, 600 };
  g_autoptr(AggLabel) label = demo_label (FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (dpis); i++)
    {
      AggLabelOptions options = { dpis[i], AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(AggLabelLayout) layout = agg_label_layout (label, &options, &error);
      g_autofree char *zpl = NULL;
      guint n_symbols = 0;

      g_assert_no_error (error);
      for (guint j = 0; j < layout->items->len; j++)
        {
          const AggLabelItem *item = g_ptr_array_index (layout->items, j);
          double x_mm = item->module * 25.4 / dpis[i];

          if (item->kind != AGG_LABEL_ITEM_GS1_128)
            continue;
          n_symbols++;
          g_assert_cmpfloat (x_mm, >=, AGG_LABEL_GS1_128_MIN_X_MM);
          g_assert_cmpfloat (x_mm, <=, AGG_LABEL_GS1_128_MAX_X_MM);
          /* The smallest whole number of dots: one less is too narrow. */
          g_assert_cmpfloat ((item->module - 1) * 25.4 / dpis[i], <, AGG_LABEL_GS1_128_MIN_X_MM);
          g_assert_cmpfloat (item->bar_height * 25.4 / dpis[i], >=,
                             AGG_LABEL_GS1_128_MIN_HEIGHT_MM);
        }
      g_assert_cmpuint (n_symbols, ==, 3);

      /* What the printer is told: ^BY in dots where it reaches, else
       * bars as boxes whose widths are whole modules. */
      zpl = render_zpl (label, &options);
      if (dpis[i] == 203)
        g_assert_nonnull (strstr (zpl, "^BY4^BCN,254,"));
      else if (dpis[i] == 300)
        g_assert_nonnull (strstr (zpl, "^BY6^BCN,375,"));
      else
        {
          const char *p;
          guint n_bars = 0;

          g_assert_null (strstr (zpl, "^BC"));
          for (p = strstr (zpl, "^GB"); p != NULL; p = strstr (p + 1, "^GB"))
            {
              int width = 0, height = 0;

              g_assert_cmpint (sscanf (p, "^GB%d,%d", &width, &height), ==, 2);
              if (height == 750)
                {
                  g_assert_cmpint (width % 12, ==, 0);
                  n_bars++;
                }
            }
          /* Three symbols of at least 10 bars each. */
          g_assert_cmpuint (n_bars, >=, 30);
        }
    }
}

static void
test_dpi_and_size_checked (void)
{
  g_autoptr(AggLabel) label = demo_label (FALSE);
  AggLabelOptions options = { 200, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
  g_autoptr(GError) error = NULL;
  GBytes *bytes = agg_label_render (label, AGG_LABEL_FORMAT_ZPL, &options, &error);

  g_assert_null (bytes);
  g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_INVALID);
}

/* A lot too long for one symbol at the minimum X is refused, not
 * printed narrower. */
static void
test_too_wide_refused (void)
{
  const AggLabelContent content = {
    .sscc = "395060003000001014", .gtin = GTIN, .count = 1,
    .lot = "ABCDEFGHIJKLMNOPQRST", .date = "281231",
  };
  g_autoptr(AggLabel) label = agg_label_new (&content, NULL);
  AggLabelOptions options = { 300, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
  static const AggLabelFormat formats[] = { AGG_LABEL_FORMAT_ZPL, AGG_LABEL_FORMAT_PNG };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GError) error = NULL;
      GBytes *bytes = agg_label_render (label, formats[i], &options, &error);

      g_assert_null (bytes);
      g_assert_error (error, AGG_LABEL_ERROR, AGG_LABEL_ERROR_DOES_NOT_FIT);
    }
}

/* ZPL */

static void
test_zpl_structure (void)
{
  g_autoptr(AggLabel) label = demo_label (FALSE);
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *zpl = NULL;
  g_autofree char *reprinted = NULL;
  const char *conf = "[station]\nline=Packing ~ line ^3\n";
  AggLabelOptions options = { 203, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };

  zpl = render_zpl (label, &options);
  g_assert_true (g_str_has_prefix (zpl, "^XA\n"));
  g_assert_true (g_str_has_suffix (zpl, "^XZ\n"));
  g_assert_cmpuint (count_occurrences (zpl, "^XA"), ==, 1);
  g_assert_cmpuint (count_occurrences (zpl, "^XZ"), ==, 1);
  /* 105 × 148 mm at 203 dpi. */
  g_assert_nonnull (strstr (zpl, "^PW839\n"));
  g_assert_nonnull (strstr (zpl, "^LL1183\n"));

  /* GS1-128: start C, FNC1, then the element strings. */
  g_assert_nonnull (strstr (zpl, "^FD>;>800395060003000001014^FS"));
  g_assert_nonnull (strstr (zpl, "^FD>;>802" GTIN "3712^FS"));
  g_assert_nonnull (strstr (zpl, "^FD>;>81728123110>6DEMO01^FS"));
  g_assert_nonnull (strstr (zpl, "^FD(00) 395060003000001014^FS"));
  g_assert_nonnull (strstr (zpl, "^FDSSCC  395060003000001014^FS"));
  g_assert_cmpuint (count_occurrences (zpl, "^BC"), ==, 3);

  /* Free text cannot end its field or start a command. */
  g_assert_nonnull (strstr (zpl, "^FH^FDACME_5EXZ_7EJR_5FLabs^FS"));
  g_assert_null (strstr (zpl, "~JR"));
  g_assert_null (strstr (zpl, "REPRINT"));

  config = agg_config_load_data (conf, strlen (conf), "station.conf", &error);
  g_assert_no_error (error);
  options.config = config;
  options.reprint = TRUE;
  options.size = AGG_LABEL_SIZE_4X6;
  reprinted = render_zpl (label, &options);
  g_assert_nonnull (strstr (reprinted, "Packing _7E line _5E3 · Station 5"));
  g_assert_nonnull (strstr (reprinted, "^FR^FH^FDREPRINT^FS"));
  g_assert_nonnull (strstr (reprinted, "^PW812\n"));
  g_assert_nonnull (strstr (reprinted, "^LL1218\n"));
}

static void
test_zpl_datamatrix (void)
{
  g_autofree char *dir = agg_test_make_tmpdir ("test-label-dm");
  g_autofree char *path = g_build_filename (dir, "dm.label", NULL);
  const char *text = LABEL_GROUP
    "[field:dm]\ncontent=datamatrix\nx=70\ny=10\nwidth=30\nheight=30\n";
  g_autoptr(AggLabel) label = demo_label (FALSE);
  g_autofree char *zpl = NULL;
  AggLabelOptions options = { 203, AGG_LABEL_SIZE_A6, path, FALSE, NULL };

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  zpl = render_zpl (label, &options);
  g_assert_nonnull (strstr (zpl, "^BXN,6,200,,,,@^FD@100395060003000001014" "02" GTIN
                                 "17281231" "3712@110DEMO01^FS"));
  agg_test_remove_tree (dir);
}

/* PNG and PDF */

static void
test_png_pdf (void)
{
  g_autoptr(AggLabel) label = demo_label (TRUE);
  AggLabelOptions options = { 300, AGG_LABEL_SIZE_A6, NULL, TRUE, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = agg_label_render (label, AGG_LABEL_FORMAT_PNG, &options, &error);
  g_autoptr(GBytes) pdf = NULL;
  const guint8 *data;
  gsize len;

  g_assert_no_error (error);
  data = g_bytes_get_data (png, &len);
  g_assert_cmpuint (len, >, 24);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  /* IHDR: the label at 300 dpi, 1240 × 1748 pixels. */
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (data + 16)), ==, 1240);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (data + 20)), ==, 1748);

  pdf = agg_label_render (label, AGG_LABEL_FORMAT_PDF, &options, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (pdf, &len);
  g_assert_cmpmem (data, 5, "%PDF-", 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  agg_test_add_station ("/label/case-content", test_case_content);
  agg_test_add_station ("/label/pallet-content", test_pallet_content);
  agg_test_add_station ("/label/mixed-content", test_mixed_content);
  agg_test_add_station ("/label/best-before", test_best_before);
  agg_test_add_station ("/label/refusals", test_refusals);
  agg_test_add_station ("/label/product-template", test_product_template);
  g_test_add_func ("/label/new-checks", test_new_checks);
  g_test_add_func ("/label/template-parse", test_template_parse);
  g_test_add_func ("/label/template-dir", test_template_dir);
  g_test_add_func ("/label/x-dimension", test_x_dimension);
  g_test_add_func ("/label/dpi-and-size-checked", test_dpi_and_size_checked);
  g_test_add_func ("/label/too-wide-refused", test_too_wide_refused);
  g_test_add_func ("/label/zpl-structure", test_zpl_structure);
  g_test_add_func ("/label/zpl-datamatrix", test_zpl_datamatrix);
  g_test_add_func ("/label/png-pdf", test_png_pdf);

  return g_test_run ();
}
