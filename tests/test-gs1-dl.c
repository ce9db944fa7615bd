/* test-gs1-dl.c: GS1 Digital Link URIs, parsed and generated
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "agg-gs1-private.h"

/* AI, value, AI, value, …, NULL. */
#define MAX_PAIRS 8

typedef struct
{
  const char *uri;
  const char *ais[2 * MAX_PAIRS + 1];
} ParseCase;

typedef struct
{
  const char  *uri;
  AggGs1Error  code;
  const char  *error_ai;
  /* The error offset lies in [at, at + span], where "at" is the first
   * occurrence of this text after the scheme; NULL stands for the end. */
  const char  *at;
  gsize        span;
} FailCase;

static void
assert_elements (const AggGs1Data  *data,
                 const char *const *ais)
{
  guint n = 0;

  while (ais[2 * n] != NULL)
    n++;

  g_assert_cmpuint (data->n_elements, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (data->elements[i].ai, ==, ais[2 * i]);
      g_assert_cmpstr (agg_gs1_data_get_value (data, i), ==, ais[2 * i + 1]);
      g_assert_cmpuint (data->elements[i].value_len, ==, strlen (ais[2 * i + 1]));
    }
}

/* Both hold the same AI/value pairs, in whatever order. */
static void
assert_same_ais (const AggGs1Data *a,
                 const AggGs1Data *b)
{
  g_assert_cmpuint (a->n_elements, ==, b->n_elements);
  for (guint i = 0; i < a->n_elements; i++)
    {
      const char *value = agg_gs1_data_lookup (b, a->elements[i].ai);

      g_assert_nonnull (value);
      g_assert_cmpstr (value, ==, agg_gs1_data_get_value (a, i));
    }
}

static void
parse_ok (const char *input,
          AggGs1Data *data)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("parsing %s", input);
  if (!agg_gs1_parse (input, -1, data, &error))
    g_error ("%s: %s", input, error->message);
  g_assert_no_error (error);
}

static void
test_looks_like (void)
{
  static const char *yes[] = {
    "http://a", "https://a", "HTTP://A", "HTTPS://A", "https://id.gs1.org/01/09506000134352",
  };
  /* A mixed-case scheme is plain data, as for the reference. */
  static const char *no[] = {
    "", "http:/", "https:/a", "ftp://a", "(01)09506000134352", "01095060001343521", "httpx://a",
    "HtTpS://a/01/09506000134352", "Http://a",
  };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (agg_gs1_looks_like_digital_link (yes[i], strlen (yes[i])));
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    g_assert_false (agg_gs1_looks_like_digital_link (no[i], strlen (no[i])));

  /* The length bounds the look, not a NUL. */
  g_assert_false (agg_gs1_looks_like_digital_link ("https://a", 7));
  g_assert_true (agg_gs1_looks_like_digital_link ("http://a", 7));
}

static const ParseCase parse_cases[] = {
  /* The worked examples of the GS1 Digital Link standard. */
  { "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=281231",
    { "01", "09506000134352", "10", "ABC123", "21", "XYZ", "17", "281231", NULL } },
  { "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
    { "01", "09520123456788", "10", "ABC1", "21", "12345", "17", "180426", NULL } },
  { "https://example.com/01/09520123456788?3103=000195&3922=0299&17=201225",
    { "01", "09520123456788", "3103", "000195", "3922", "0299", "17", "201225", NULL } },
  { "https://id.gs1.org/00/106141412345678908",
    { "00", "106141412345678908", NULL } },
  { "https://id.gs1.org/00/106141412345678908?02=09506000134352&37=25&10=ABC123",
    { "00", "106141412345678908", "02", "09506000134352", "37", "25", "10", "ABC123", NULL } },
  { "https://id.gs1.org/414/9520123456788/254/32a%2Fb",
    { "414", "9520123456788", "254", "32a/b", NULL } },

  /* A GTIN-13, GTIN-12 or GTIN-8 query parameter is widened to GTIN-14. */
  { "https://id.gs1.org/414/9520123456788?01=9506000134352",
    { "414", "9520123456788", "01", "09506000134352", NULL } },
  { "https://id.gs1.org/414/9520123456788?01=614141123452",
    { "414", "9520123456788", "01", "00614141123452", NULL } },
  { "https://id.gs1.org/414/9520123456788?01=02345673",
    { "414", "9520123456788", "01", "00000002345673", NULL } },

  /* Any domain, any stem; the rightmost primary key starts the GS1 part. */
  { "https://brand.example.com/some/stem/01/09506000134352/10/ABC/21/XYZ?17=281231",
    { "01", "09506000134352", "10", "ABC", "21", "XYZ", "17", "281231", NULL } },
  { "https://example.com/00/stem/00/106141412345678908",
    { "00", "106141412345678908", NULL } },
  { "HTTP://ID.GS1.ORG:8080/01/09506000134352/22/2A",
    { "01", "09506000134352", "22", "2A", NULL } },
  { "https://[2001:db8::1]/01/09506000134352",
    { "01", "09506000134352", NULL } },

  /* Percent-encoding; '+' is a plus sign in the path.  A '%' without two
   * hex digits after it is data, as in the reference. */
  { "https://id.gs1.org/01/09506000134352/21/ABC%2F123",
    { "01", "09506000134352", "21", "ABC/123", NULL } },
  { "https://id.gs1.org/01/09506000134352/21/abc%2f%25%3F",
    { "01", "09506000134352", "21", "abc/%?", NULL } },
  { "https://id.gs1.org/01/09506000134352/21/A+B",
    { "01", "09506000134352", "21", "A+B", NULL } },
  { "https://id.gs1.org/01/09506000134352/10/A%4gB/21/ABC%2",
    { "01", "09506000134352", "10", "A%4gB", "21", "ABC%2", NULL } },
  { "https://id.gs1.org/01/09506000134352/21/%?17=281231",
    { "01", "09506000134352", "21", "%", "17", "281231", NULL } },

  /* The qualifiers of the other alternative leave (10) to the query. */
  { "https://id.gs1.org/01/09506000134352/235/TPX9526064?10=ABC123",
    { "01", "09506000134352", "235", "TPX9526064", "10", "ABC123", NULL } },

  /* Non-numeric parameters, stray separators and the fragment are not GS1
   * data. */
  { "https://id.gs1.org/01/09506000134352?linkType=gs1:pip&&flag&17=281231&3103=000195&#x",
    { "01", "09506000134352", "17", "281231", "3103", "000195", NULL } },
  { "https://id.gs1.org/01/09506000134352#frag?17=281231",
    { "01", "09506000134352", NULL } },
  { "https://id.gs1.org/01/09506000134352?",
    { "01", "09506000134352", NULL } },
};

static void
test_parse (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      AggGs1Data data;

      parse_ok (parse_cases[i].uri, &data);
      g_assert_cmpint (data.form, ==, AGG_GS1_FORM_DIGITAL_LINK);
      assert_elements (&data, parse_cases[i].ais);
      g_assert_cmpint (data.error_offset, ==, -1);
      g_assert_cmpstr (data.error_ai, ==, "");
    }
}

static void
test_parse_offsets (void)
{
  static const char uri[] = "https://example.com/stem/01/09506000134352/21/A%2FB?17=281231";
  AggGs1Data data;

  parse_ok (uri, &data);
  g_assert_cmpuint (data.n_elements, ==, 3);
  g_assert_cmpuint (data.elements[0].offset, ==, strstr (uri, "09506") - uri);
  g_assert_cmpuint (data.elements[1].offset, ==, strstr (uri, "A%2FB") - uri);
  g_assert_cmpuint (data.elements[2].offset, ==, strstr (uri, "281231") - uri);
}

static const FailCase fail_cases[] = {
  /* Values are checked as in any other form. */
  { "https://id.gs1.org/01/09506000134353",
    AGG_GS1_ERROR_BAD_CHECK_DIGIT, "01", "09506000134353", 13 },
  /* GTIN-13 in the path: zero-suppressed GTINs are a legacy option of the
   * reference, off by default. */
  { "https://example.com/01/9506000134352",
    AGG_GS1_ERROR_TOO_SHORT, "01", "9506000134352", 13 },
  { "https://example.com/01/02345673",
    AGG_GS1_ERROR_TOO_SHORT, "01", "02345673", 8 },
  { "https://id.gs1.org/414/9520123456788?01=9506000134353",
    AGG_GS1_ERROR_BAD_CHECK_DIGIT, "01", "9506000134353", 13 },
  { "https://id.gs1.org/01/09506000134352?17=281332",
    AGG_GS1_ERROR_BAD_DATE, "17", "281332", 5 },
  { "https://id.gs1.org/01/09506000134352/21/ABCDEFGHIJKLMNOPQRSTU",
    AGG_GS1_ERROR_TOO_LONG, "21", "ABCDEFGHIJKLMNOPQRSTU", 21 },

  /* Key and qualifiers. */
  { "https://id.gs1.org/01/09506000134352/21/XYZ/10/ABC",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "10", "10/ABC", 0 },
  { "https://id.gs1.org/01/09506000134352/22/2A/235/TPX",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "235", "235/", 0 },
  { "https://id.gs1.org/01/09506000134352/17/281231",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "17", "17/", 0 },
  { "https://id.gs1.org/00/106141412345678908/10/ABC",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "10", "10/", 0 },
  { "https://id.gs1.org/01/09506000134352/89/ABC",
    AGG_GS1_ERROR_UNKNOWN_AI, "89", "89/", 0 },
  { "https://id.gs1.org/10/ABC123",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", "/10", 0 },
  { "https://id.gs1.org/9506000134352",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", "/95", 0 },

  /* Path structure. */
  { "https://id.gs1.org",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", NULL, 0 },
  { "https://id.gs1.org/",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", "/", 0 },
  { "https://id.gs1.org/01/09506000134352/",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", "/01", 0 },
  { "https://id.gs1.org/01//21/XYZ",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "01", "/21", 0 },
  { "https:///01/09506000134352",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", "/01", 0 },
  { "https://user@id.gs1.org/01/09506000134352",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", "@", 0 },
  { "https://id.gs1.org/01/09506000134352/21/A B",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "", " B", 0 },

  /* Percent-encoding: an escaped NUL is refused; a decoded character must
   * still be in the AI's character set. */
  { "https://id.gs1.org/01/09506000134352/21/AB%00C",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "21", "%00", 0 },
  { "https://id.gs1.org/01/09506000134352?3103=00%0001",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "3103", "%00", 0 },
  { "https://id.gs1.org/01/09506000134352/21/AB%20C",
    AGG_GS1_ERROR_BAD_CHARACTER, "21", "AB%20C", 6 },
  { "https://id.gs1.org/01/09506000134352?17=28+231",
    AGG_GS1_ERROR_BAD_CHARACTER, "17", "28+231", 6 },

  /* Query. */
  { "https://id.gs1.org/01/09506000134352?10=ABC123",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "10", "10=", 0 },
  { "https://id.gs1.org/01/09506000134352?21=XYZ",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "21", "21=", 0 },
  { "https://id.gs1.org/01/09506000134352?999=X",
    AGG_GS1_ERROR_UNKNOWN_AI, "999", "999=", 0 },
  { "https://id.gs1.org/01/09506000134352?17=",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "17", NULL, 0 },
  { "https://id.gs1.org/01/09506000134352/10/ABC?10=ABC",
    AGG_GS1_ERROR_DUPLICATE_AI, "10", "10=", 0 },
  { "https://id.gs1.org/01/09506000134352?17=281231&17=291231",
    AGG_GS1_ERROR_DUPLICATE_AI, "17", "17=291231", 0 },
  { "https://id.gs1.org/01/09506000134352?01=09506000134352",
    AGG_GS1_ERROR_DUPLICATE_AI, "01", "01=", 0 },
};

static void
check_failure (const char     *input,
               gsize           base_offset,
               const FailCase *c)
{
  g_autoptr(GError) error = NULL;
  AggGs1Data data;
  gsize at;

  g_test_message ("expecting failure of %s", input);
  g_assert_false (agg_gs1_parse (input, -1, &data, &error));
  g_assert_error (error, AGG_GS1_ERROR, (gint) c->code);
  g_assert_cmpstr (data.error_ai, ==, c->error_ai);

  at = c->at ? (gsize) (strstr (c->uri + strlen ("https://"), c->at) - c->uri)
             : strlen (c->uri);
  g_assert_cmpint (data.error_offset, >=, (gssize) (base_offset + at));
  g_assert_cmpint (data.error_offset, <=, (gssize) (base_offset + at + c->span));

  /* The message names the AI, as every GS1 error does. */
  if (c->error_ai[0] != '\0')
    {
      g_autofree char *ai = g_strdup_printf ("(%s)", c->error_ai);
      g_assert_nonnull (strstr (error->message, ai));
    }
}

static void
test_parse_failures (void)
{
  /* The premises of the query cases above. */
  g_assert_true (agg_gs1_ai_info_is_dl_attribute (agg_gs1_lookup_ai ("10", -1)));
  g_assert_false (agg_gs1_ai_info_is_dl_attribute (agg_gs1_lookup_ai ("21", -1)));
  g_assert_true (agg_gs1_ai_info_is_dl_attribute (agg_gs1_lookup_ai ("17", -1)));
  g_assert_null (agg_gs1_lookup_ai ("89", -1));
  g_assert_null (agg_gs1_lookup_ai ("999", -1));

  for (guint i = 0; i < G_N_ELEMENTS (fail_cases); i++)
    {
      g_autofree char *scanned = g_strconcat ("]Q1", fail_cases[i].uri, NULL);

      check_failure (fail_cases[i].uri, 0, &fail_cases[i]);

      /* A URI read from a QR Code or DataMatrix: offsets count the
       * symbology identifier. */
      check_failure (scanned, 3, &fail_cases[i]);
    }
}

static void
test_parse_not_attribute (void)
{
  static const FailCase c = {
    "https://id.gs1.org/01/09506000134352?8200=https%3A%2F%2Fexample.com",
    AGG_GS1_ERROR_BAD_DIGITAL_LINK, "8200", "8200=", 0
  };

  g_assert_false (agg_gs1_ai_info_is_dl_attribute (agg_gs1_lookup_ai ("8200", -1)));
  check_failure (c.uri, 0, &c);
}

static void
test_parse_too_long_escaped (void)
{
  g_autoptr(GString) uri = g_string_new ("https://id.gs1.org/01/09506000134352/21/");
  g_autoptr(GError) error = NULL;
  AggGs1Data data;

  /* Each "%41" decodes to one "A": far more than AI (21) takes. */
  for (guint i = 0; i < 100; i++)
    g_string_append (uri, "%41");

  g_assert_false (agg_gs1_parse (uri->str, uri->len, &data, &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_TOO_LONG);
  g_assert_cmpstr (data.error_ai, ==, "21");
}

static void
test_parse_direct (void)
{
  static const char uri[] = "ftp://id.gs1.org/01/09506000134352";
  g_autoptr(GError) error = NULL;
  AggGs1Data data;

  /* The scheme check of the parser itself, and its base offset. */
  agg_gs1_data_reset (&data, AGG_GS1_FORM_DIGITAL_LINK);
  g_assert_false (agg_gs1_parse_digital_link (uri, strlen (uri), 5, &data, &error));
  g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_DIGITAL_LINK);
  g_assert_cmpint (data.error_offset, ==, 5);
  g_clear_error (&error);

  /* The length bounds the URI: the serial is cut off here. */
  agg_gs1_data_reset (&data, AGG_GS1_FORM_DIGITAL_LINK);
  g_assert_true (agg_gs1_parse_digital_link ("https://a/01/09506000134352/21/XYZ", 27, 0,
                                             &data, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (data.n_elements, ==, 1);
  g_assert_cmpstr (agg_gs1_data_get_value (&data, 0), ==, "09506000134352");
}

static void
test_parse_scanned (void)
{
  static const char *ais[] = { "01", "09506000134352", "21", "XYZ", NULL };
  AggGs1Data data;

  parse_ok ("]d1https://id.gs1.org/01/09506000134352/21/XYZ", &data);
  assert_elements (&data, ais);
  g_assert_cmpuint (data.elements[1].offset, ==, 3 + strlen ("https://id.gs1.org/01/09506000134352/21/"));
}

typedef struct
{
  const char *input;
  const char *stem;
  const char *uri;
} GenerateCase;

static const GenerateCase generate_cases[] = {
  { "(01)09506000134352(17)281231(10)ABC123(21)XYZ", NULL,
    "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=281231" },
  { "(21)XYZ(01)09506000134352(10)ABC123", "https://example.com/",
    "https://example.com/01/09506000134352/10/ABC123/21/XYZ" },
  { "(01)09506000134352(22)2A(21)XYZ", "https://example.com/some/stem",
    "https://example.com/some/stem/01/09506000134352/22/2A/21/XYZ" },
  { "(01)09506000134352(10)AB/C%+*(3103)000195", NULL,
    "https://id.gs1.org/01/09506000134352/10/AB%2FC%25%2B%2A?3103=000195" },
  { "(01)09506000134352(235)TPX9526064(10)ABC123", NULL,
    "https://id.gs1.org/01/09506000134352/235/TPX9526064?10=ABC123" },
  { "(00)106141412345678908(02)09506000134352(37)25(10)ABC123", NULL,
    "https://id.gs1.org/00/106141412345678908?02=09506000134352&37=25&10=ABC123" },
  { "(414)9520123456788(254)32a/b", NULL,
    "https://id.gs1.org/414/9520123456788/254/32a%2Fb" },
  /* With two keys the first one leads, the other is a query parameter. */
  { "(414)9520123456788(01)09506000134352", NULL,
    "https://id.gs1.org/414/9520123456788?01=09506000134352" },
  { "(01)09506000134352(414)9520123456788", NULL,
    "https://id.gs1.org/01/09506000134352?414=9520123456788" },
  /* A repeated AI is written once. */
  { "(01)09506000134352(10)ABC(10)ABC(17)281231(17)281231", NULL,
    "https://id.gs1.org/01/09506000134352/10/ABC?17=281231" },
};

static void
test_generate (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (generate_cases); i++)
    {
      const GenerateCase *c = &generate_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = NULL;
      AggGs1Data data;

      parse_ok (c->input, &data);
      uri = agg_gs1_data_to_digital_link (&data, c->stem, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (uri, ==, c->uri);
    }
}

static void
test_generate_failures (void)
{
  static const struct
  {
    const char *input;
    const char *ai;
  } cases[] = {
    { "(400)PO123", NULL },
    { "(01)09506000134352(8200)https://example.com", "(8200)" },
    { "(01)09506000134352(22)2A(10)ABC(235)TPX", "(235)" },
  };

  g_assert_false (agg_gs1_ai_info_is_dl_attribute (agg_gs1_lookup_ai ("235", -1)));
  g_assert_null (agg_gs1_lookup_ai ("400", -1)->dlpkey);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = NULL;
      AggGs1Data data;

      parse_ok (cases[i].input, &data);
      uri = agg_gs1_data_to_digital_link (&data, NULL, &error);
      g_assert_null (uri);
      g_assert_error (error, AGG_GS1_ERROR, AGG_GS1_ERROR_BAD_DIGITAL_LINK);
      if (cases[i].ai != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].ai));
    }
}

static const char *round_trip_inputs[] = {
  "(01)09506000134352(10)ABC123(21)XYZ(17)281231",
  "(21)XYZ(01)09506000134352(10)ABC123",
  "(01)09506000134352(22)2A(10)AB/C%+*(21)1(3103)000195(17)281231",
  "(01)09506000134352(235)TPX9526064(10)ABC123",
  "(00)106141412345678908(02)09506000134352(37)25(10)ABC123",
  "(414)9520123456788(254)32a/b",
  "(414)9520123456788(01)09506000134352",
  "(01)09520123456788(3103)000195(3922)0299(17)201225",
  "0109506000134352" "10ABC123" "\x1d" "17281231",
  "\x1d" "0109506000134352" "21XYZ&=?<>",
  "]d2" "0109506000134352" "17281231" "10ABC123",
  "https://example.com/stem/01/09506000134352/21/A%2FB?17=281231&linkType=all",
  "https://id.gs1.org/414/9520123456788?01=9506000134352",
};

static void
test_round_trip (void)
{
  static const char *stems[] = { NULL, "https://example.com/dl/" };

  for (guint i = 0; i < G_N_ELEMENTS (round_trip_inputs); i++)
    for (guint j = 0; j < G_N_ELEMENTS (stems); j++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *uri = NULL;
        g_autofree char *element_string = NULL;
        AggGs1Data original;
        AggGs1Data from_uri;
        AggGs1Data back;

        parse_ok (round_trip_inputs[i], &original);

        uri = agg_gs1_data_to_digital_link (&original, stems[j], &error);
        g_assert_no_error (error);
        g_assert_true (g_str_has_prefix (uri, stems[j] ? "https://example.com/dl/"
                                                        : "https://id.gs1.org/"));

        parse_ok (uri, &from_uri);
        g_assert_cmpint (from_uri.form, ==, AGG_GS1_FORM_DIGITAL_LINK);
        assert_same_ais (&original, &from_uri);

        element_string = agg_gs1_data_to_element_string (&from_uri);
        parse_ok (element_string, &back);
        assert_same_ais (&original, &back);
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gs1/dl/looks-like", test_looks_like);
  g_test_add_func ("/gs1/dl/parse", test_parse);
  g_test_add_func ("/gs1/dl/parse/offsets", test_parse_offsets);
  g_test_add_func ("/gs1/dl/parse/failures", test_parse_failures);
  g_test_add_func ("/gs1/dl/parse/not-attribute", test_parse_not_attribute);
  g_test_add_func ("/gs1/dl/parse/too-long-escaped", test_parse_too_long_escaped);
  g_test_add_func ("/gs1/dl/parse/direct", test_parse_direct);
  g_test_add_func ("/gs1/dl/parse/scanned", test_parse_scanned);
  g_test_add_func ("/gs1/dl/generate", test_generate);
  g_test_add_func ("/gs1/dl/generate/failures", test_generate_failures);
  g_test_add_func ("/gs1/dl/round-trip", test_round_trip);

  return g_test_run ();
}
