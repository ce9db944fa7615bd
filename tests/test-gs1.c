/* test-gs1.c: the GS1 parser, its errors, outputs and key helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "agg-gs1.h"

#define GS "\x1d"

/* A typical pharma unit: GTIN, expiry, lot, serial. */
#define UNIT "0109506000134352" "17281231" "10DEMO01" GS "21SN0001"
#define UNIT_BRACKETED "(01)09506000134352(17)281231(10)DEMO01(21)SN0001"

static AggGs1Data data;

static char *
parse_to_bracketed (const char *input,
                    gssize      len)
{
  g_autoptr(GError) error = NULL;

  if (!agg_gs1_parse (input, len, &data, &error))
    g_error ("“%s” did not parse: %s", input, error->message);
  g_assert_no_error (error);
  return agg_gs1_data_to_bracketed (&data);
}

typedef struct
{
  const char *input;
  AggGs1Form  form;
  const char *symbology;
  const char *bracketed;
} ValidCase;

static void
test_forms (void)
{
  static const ValidCase cases[] = {
    { "]d2" UNIT, AGG_GS1_FORM_SCAN_DATA, "d2", UNIT_BRACKETED },
    { "]Q3" UNIT, AGG_GS1_FORM_SCAN_DATA, "Q3", UNIT_BRACKETED },
    { "]J1" UNIT, AGG_GS1_FORM_SCAN_DATA, "J1", UNIT_BRACKETED },
    { "]C1" "00306141411234567891", AGG_GS1_FORM_SCAN_DATA, "C1", "(00)306141411234567891" },
    { "]e0" "0109506000134352" "3103000125", AGG_GS1_FORM_SCAN_DATA, "e0",
      "(01)09506000134352(3103)000125" },
    { "]E0" "9506000134352", AGG_GS1_FORM_SCAN_DATA, "E0", "(01)09506000134352" },
    { "]E4" "96385074", AGG_GS1_FORM_SCAN_DATA, "E4", "(01)00000096385074" },
    { UNIT, AGG_GS1_FORM_ELEMENT_STRING, "", UNIT_BRACKETED },
    { GS UNIT, AGG_GS1_FORM_ELEMENT_STRING, "", UNIT_BRACKETED },
    /* A GS after a predefined-length AI is superfluous, not wrong. */
    { "0109506000134352" GS "17281231" GS "10DEMO01" GS "21SN0001", AGG_GS1_FORM_ELEMENT_STRING,
      "", UNIT_BRACKETED },
    { UNIT_BRACKETED, AGG_GS1_FORM_BRACKETED, "", UNIT_BRACKETED },
    { "(01)09506000134352(21)A\\(B", AGG_GS1_FORM_BRACKETED, "", "(01)09506000134352(21)A\\(B" },
    { "(00)306141411234567891(02)09506000134352(37)12(10)L1",
      AGG_GS1_FORM_BRACKETED, "", "(00)306141411234567891(02)09506000134352(37)12(10)L1" },
    /* DD = 00 means the end of the month for expiry (YYMMD0). */
    { "(01)09506000134352(17)281200", AGG_GS1_FORM_BRACKETED, "", "(01)09506000134352(17)281200" },
    /* 2028 is a leap year. */
    { "(01)09506000134352(17)280229", AGG_GS1_FORM_BRACKETED, "", "(01)09506000134352(17)280229" },
    /* The same AI twice with the same value is allowed. */
    { "(01)09506000134352(10)A(10)A", AGG_GS1_FORM_BRACKETED, "", "(01)09506000134352(10)A(10)A" },
    { "(01)09506000134352(10)L1(7004)12", AGG_GS1_FORM_BRACKETED, "",
      "(01)09506000134352(10)L1(7004)12" },
    { "(414)0614141123452(254)5678", AGG_GS1_FORM_BRACKETED, "", "(414)0614141123452(254)5678" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *bracketed = parse_to_bracketed (cases[i].input, -1);

      g_assert_cmpstr (bracketed, ==, cases[i].bracketed);
      g_assert_cmpint (data.form, ==, cases[i].form);
      g_assert_cmpstr (data.symbology, ==, cases[i].symbology);
      g_assert_cmpint (data.error_offset, ==, -1);
    }
}

static void
test_digital_link_dispatch (void)
{
  g_autoptr(GError) error = NULL;
  const char *uri = "https://id.gs1.org/01/09506000134352/10/DEMO01/21/SN0001?17=281231";
  const char *scanned = "]Q1https://example.com/01/09506000134352/21/SN0001";

  g_assert_true (agg_gs1_parse (uri, -1, &data, &error));
  g_assert_no_error (error);
  g_assert_cmpint (data.form, ==, AGG_GS1_FORM_DIGITAL_LINK);
  g_assert_cmpuint (data.n_elements, ==, 4);
  g_assert_cmpstr (agg_gs1_data_lookup (&data, "01"), ==, "09506000134352");
  g_assert_cmpstr (agg_gs1_data_lookup (&data, "10"), ==, "DEMO01");
  g_assert_cmpstr (agg_gs1_data_lookup (&data, "21"), ==, "SN0001");
  g_assert_cmpstr (agg_gs1_data_lookup (&data, "17"), ==, "281231");

  /* A Digital Link in a QR code arrives as plain data behind ]Q1. */
  g_assert_true (agg_gs1_parse (scanned, -1, &data, &error));
  g_assert_no_error (error);
  g_assert_cmpint (data.form, ==, AGG_GS1_FORM_SCAN_DATA);
  g_assert_cmpstr (data.symbology, ==, "Q1");
  g_assert_cmpstr (agg_gs1_data_lookup (&data, "21"), ==, "SN0001");
}

typedef struct
{
  const char  *input;
  AggGs1Error  code;
  const char  *ai;
  gssize       offset;
} InvalidCase;

static void
test_errors (void)
{
  static const InvalidCase cases[] = {
    /* Check digit: the last digit of the GTIN, offset 3 + 2 + 13. */
    { "]d2" "0109506000134353" "17281231", AGG_GS1_ERROR_BAD_CHECK_DIGIT, "01", 18 },
    /* Month 13 and day 32: the value of (17) starts at offset 21. */
    { "]d2" "0109506000134352" "17281331", AGG_GS1_ERROR_BAD_DATE, "17", 23 },
    { "]d2" "0109506000134352" "17281232", AGG_GS1_ERROR_BAD_DATE, "17", 25 },
    { "(01)09506000134352(17)270229", AGG_GS1_ERROR_BAD_DATE, "17", 26 },
    /* A lost GS: the lot runs into the serial and is one character too
     * long at offset 21 + 20. */
    { "]d2" "0109506000134352" "10DEMO01" "21SN00000000007", AGG_GS1_ERROR_TOO_LONG, "10", 41 },
    { "]d2" "01123", AGG_GS1_ERROR_TOO_SHORT, "01", 8 },
    { "]d2" "0109506000134352" "10AB CD", AGG_GS1_ERROR_BAD_CHARACTER, "10", 23 },
    { "(01)09506000134352(21)A" GS "B", AGG_GS1_ERROR_BAD_CHARACTER, "21", 23 },
    { "]d2" "2345", AGG_GS1_ERROR_UNKNOWN_AI, "234", 3 },
    { "]d2" "0109506000134352" "89ABC", AGG_GS1_ERROR_UNKNOWN_AI, "89", 19 },
    { "(23)1", AGG_GS1_ERROR_UNKNOWN_AI, "23", 1 },
    { "(1A)12", AGG_GS1_ERROR_UNKNOWN_AI, "", 1 },
    { "]d2" "21ABC", AGG_GS1_ERROR_MISSING_REQUISITE, "21", 5 },
    { "(01)09506000134352(7004)12", AGG_GS1_ERROR_MISSING_REQUISITE, "7004", 24 },
    { "(02)09506000134352(37)12", AGG_GS1_ERROR_MISSING_REQUISITE, "37", 22 },
    { "(01)09506000134352(02)09506000134352", AGG_GS1_ERROR_FORBIDDEN_PAIR, "02", 22 },
    { "(01)09506000134352(3100)000001(3101)000001", AGG_GS1_ERROR_FORBIDDEN_PAIR, "3100", 24 },
    { "(01)09506000134352(10)A(10)B", AGG_GS1_ERROR_DUPLICATE_AI, "10", 27 },
    { "(01)09506000134352(422)000", AGG_GS1_ERROR_BAD_VALUE, "422", 23 },
    { "]d2" "0109506000134352" "10ABC" GS, AGG_GS1_ERROR_BAD_SEPARATOR, "", 24 },
    { "]d2" "0109506000134352" "10ABC" GS GS "21X", AGG_GS1_ERROR_BAD_SEPARATOR, "", 25 },
    { "]d2" GS "0109506000134352", AGG_GS1_ERROR_BAD_SEPARATOR, "", 3 },
    { GS GS "0109506000134352", AGG_GS1_ERROR_BAD_SEPARATOR, "", 1 },
    { "(01", AGG_GS1_ERROR_BAD_SYNTAX, "", 0 },
    { "(01)09506000134352(10)", AGG_GS1_ERROR_TOO_SHORT, "10", 22 },
    { "]d1HELLO", AGG_GS1_ERROR_NOT_GS1, "", -1 },
    { "]X0123", AGG_GS1_ERROR_NOT_GS1, "", -1 },
    { "]d", AGG_GS1_ERROR_NOT_GS1, "", 0 },
    { "HELLO", AGG_GS1_ERROR_NOT_GS1, "", -1 },
    { "", AGG_GS1_ERROR_EMPTY, "", -1 },
    { "]d2", AGG_GS1_ERROR_EMPTY, "", 3 },
    { "]E0" "9506000134353", AGG_GS1_ERROR_BAD_CHECK_DIGIT, "01", 15 },
    { "]E0" "950600013435", AGG_GS1_ERROR_BAD_SYNTAX, "01", 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = agg_gs1_parse (cases[i].input, -1, &data, &error);

      if (ok)
        g_error ("case %u “%s” parsed but should not", i, cases[i].input);
      g_assert_error (error, AGG_GS1_ERROR, (int) cases[i].code);
      g_assert_cmpstr (data.error_ai, ==, cases[i].ai);
      g_assert_cmpint (data.error_offset, ==, cases[i].offset);
      g_assert_cmpstr (error->message, !=, "");
      if (cases[i].ai[0] != '\0')
        {
          g_autofree char *named = g_strdup_printf ("(%s)", cases[i].ai);
          g_assert_nonnull (strstr (error->message, named));
        }
    }
}

/* What was read before an error stays available for the operator's screen. */
static void
test_partial_result (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (agg_gs1_parse ("]d2" "0109506000134352" "17281331", -1, &data, &error));
  g_assert_cmpuint (data.n_elements, ==, 1);
  g_assert_cmpstr (data.elements[0].ai, ==, "01");
  g_assert_cmpstr (agg_gs1_data_get_value (&data, 0), ==, "09506000134352");
}

static void
test_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) many = g_string_new (NULL);
  g_autofree char *huge = g_strnfill (AGG_GS1_MAX_INPUT + 1, '9');
  const char with_nul[] = "]d2" "0109506000134352" "10A\0B";

  for (guint i = 0; i <= AGG_GS1_MAX_AIS; i++)
    g_string_append (many, "(90)A");
  g_assert_false (agg_gs1_parse (many->str, many->len, &data, &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_TOO_MANY_AIS);
  g_assert_cmpuint (data.n_elements, ==, AGG_GS1_MAX_AIS);
  g_clear_error (&error);

  g_assert_false (agg_gs1_parse (huge, -1, &data, &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_TOO_LONG);
  g_clear_error (&error);

  /* Bytes, not C strings: a NUL inside the data is a bad character. */
  g_assert_false (agg_gs1_parse (with_nul, sizeof with_nul - 1, &data, &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_CHARACTER);
  g_assert_cmpint (data.error_offset, ==, 22);
}

static void
test_outputs (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *element_string = NULL;
  g_autofree char *bracketed = NULL;
  g_auto(GStrv) hri = NULL;
  const char *expected_hri[] = {
    "(01) 09506000134352", "(17) 281231", "(10) DEMO01", "(21) SN0001", NULL
  };

  g_assert_true (agg_gs1_parse (UNIT_BRACKETED, -1, &data, &error));
  g_assert_no_error (error);

  element_string = agg_gs1_data_to_element_string (&data);
  g_assert_cmpstr (element_string, ==, UNIT);

  hri = agg_gs1_data_to_hri (&data);
  g_assert_cmpstrv (hri, expected_hri);

  g_assert_cmpstr (agg_gs1_data_lookup (&data, "10"), ==, "DEMO01");
  g_assert_null (agg_gs1_data_lookup (&data, "11"));

  /* The canonical forms parse back to the same AIs. */
  g_assert_true (agg_gs1_parse (element_string, -1, &data, &error));
  bracketed = agg_gs1_data_to_bracketed (&data);
  g_assert_cmpstr (bracketed, ==, UNIT_BRACKETED);
}

static void
test_check_digits (void)
{
  g_assert_cmpint (agg_gs1_check_digit ("09506000134352", 14), ==, 2);
  g_assert_cmpint (agg_gs1_check_digit ("96385074", 8), ==, 4);
  g_assert_cmpint (agg_gs1_check_digit ("614141000036", 12), ==, 6);
  g_assert_cmpint (agg_gs1_check_digit ("0614141123452", 13), ==, 2);
  g_assert_cmpint (agg_gs1_check_digit ("306141411234567891", 18), ==, 1);
  g_assert_cmpint (agg_gs1_check_digit ("0950600013435X", 14), ==, 2);
  g_assert_cmpint (agg_gs1_check_digit ("09506A0013435X", 14), ==, -1);

  g_assert_true (agg_gs1_check_digit_is_valid ("09506000134352", 14));
  g_assert_false (agg_gs1_check_digit_is_valid ("09506000134353", 14));
  g_assert_false (agg_gs1_check_digit_is_valid ("0", 1));
}

static void
test_sscc (void)
{
  static const struct
  {
    const char  *prefix;
    guint        extension;
    guint64      reference;
    AggGs1Error  code;
  } bad_sscc[] = {
    { "123", 0, 1, AGG_GS1_ERROR_BAD_VALUE },
    { "0614141", 10, 1, AGG_GS1_ERROR_BAD_VALUE },
    /* A 7-digit prefix leaves 9 digits for the serial reference. */
    { "0614141", 0, 1000000000, AGG_GS1_ERROR_TOO_LONG },
    { "06141A1", 0, 1, AGG_GS1_ERROR_BAD_CHARACTER },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *a = agg_gs1_sscc_make ("0614141", 3, 123456789, &error);
  g_autofree char *b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "306141411234567891");

  b = agg_gs1_sscc_make ("0950600", 0, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b, ==, "009506000000000019");
  g_assert_true (agg_gs1_sscc_check (b, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (bad_sscc); i++)
    {
      g_autofree char *bad = agg_gs1_sscc_make (bad_sscc[i].prefix, bad_sscc[i].extension,
                                                bad_sscc[i].reference, &error);

      g_test_message ("prefix %s, extension %u, reference %" G_GUINT64_FORMAT,
                      bad_sscc[i].prefix, bad_sscc[i].extension, bad_sscc[i].reference);
      g_assert_null (bad);
      g_assert_error (error, AGG_GS1_ERROR, (gint) bad_sscc[i].code);
      g_clear_error (&error);
    }

  g_assert_false (agg_gs1_sscc_check ("306141411234567892", &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_CHECK_DIGIT);
  g_clear_error (&error);
  g_assert_false (agg_gs1_sscc_check ("30614141123456789", &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_TOO_SHORT);
  g_clear_error (&error);
  g_assert_false (agg_gs1_sscc_check ("3061414112345678A1", &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_CHARACTER);
  g_clear_error (&error);

  g_assert_true (agg_gs1_gtin_check ("09506000134352", &error));
  g_assert_no_error (error);
  g_assert_false (agg_gs1_gtin_check ("9506000134352", &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_TOO_SHORT);
}

static void
test_table (void)
{
  const AggGs1AiInfo *gtin = agg_gs1_lookup_ai ("01", -1);
  const AggGs1AiInfo *lot = agg_gs1_lookup_ai ("10", 2);

  g_assert_nonnull (gtin);
  g_assert_cmpstr (agg_gs1_ai_info_get_ai (gtin), ==, "01");
  g_assert_cmpstr (agg_gs1_ai_info_get_title (gtin), ==, "GTIN");
  g_assert_true (agg_gs1_ai_info_is_predefined_length (gtin));
  g_assert_true (agg_gs1_ai_info_is_dl_primary_key (gtin));

  g_assert_nonnull (lot);
  g_assert_false (agg_gs1_ai_info_is_predefined_length (lot));
  g_assert_true (agg_gs1_ai_info_is_dl_attribute (lot));
  g_assert_false (agg_gs1_ai_info_is_dl_primary_key (lot));

  g_assert_nonnull (agg_gs1_lookup_ai ("8030", -1));
  g_assert_nonnull (agg_gs1_lookup_ai ("99", -1));
  g_assert_null (agg_gs1_lookup_ai ("2345", -1));
  g_assert_null (agg_gs1_lookup_ai ("0", -1));
  g_assert_null (agg_gs1_lookup_ai ("01A", -1));
  g_assert_cmpuint (agg_gs1_ai_table_get_n_entries (), >, 500);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gs1/forms", test_forms);
  g_test_add_func ("/gs1/digital-link-dispatch", test_digital_link_dispatch);
  g_test_add_func ("/gs1/errors", test_errors);
  g_test_add_func ("/gs1/partial-result", test_partial_result);
  g_test_add_func ("/gs1/limits", test_limits);
  g_test_add_func ("/gs1/outputs", test_outputs);
  g_test_add_func ("/gs1/check-digits", test_check_digits);
  g_test_add_func ("/gs1/sscc", test_sscc);
  g_test_add_func ("/gs1/table", test_table);

  return g_test_run ();
}
