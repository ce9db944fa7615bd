/* test-gs1-lint.c: the AI table, character sets and linters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>
#include <glib.h>

#include "agg-gs1-private.h"

/* Linter checks report through g_test_fail_printf() so that one run lists
 * every wrong case with its line, not just the first. */

#define assert_lint_ok(lint, value) \
  check_lint (G_STRLOC, lint, value, strlen (value), TRUE, 0, 0)
#define assert_lint_fails(lint, value, pos, len) \
  check_lint (G_STRLOC, lint, value, strlen (value), FALSE, pos, len)
#define assert_cset_ok(cset, value) \
  check_cset (G_STRLOC, cset, value, TRUE, 0, 0)
#define assert_cset_fails(cset, value, pos, len) \
  check_cset (G_STRLOC, cset, value, FALSE, pos, len)

static AggGs1Error
expected_code (AggGs1Lint lint)
{
  if (lint == AGG_GS1_LINT_CSUM || lint == AGG_GS1_LINT_CSUMALPHA)
    return AGG_GS1_ERROR_BAD_CHECK_DIGIT;
  if (lint == AGG_GS1_LINT_YYMMD0 || lint == AGG_GS1_LINT_YYMMDD ||
      lint == AGG_GS1_LINT_YYYYMMDD || lint == AGG_GS1_LINT_HHMI ||
      lint == AGG_GS1_LINT_HH || lint == AGG_GS1_LINT_MI || lint == AGG_GS1_LINT_SS)
    return AGG_GS1_ERROR_BAD_DATE;
  return AGG_GS1_ERROR_BAD_VALUE;
}

static void
check_failure (const char              *loc,
               const char              *what,
               const char              *value,
               gboolean                 ok,
               const AggGs1LintFailure *failure,
               AggGs1Error              code,
               gboolean                 expect_ok,
               gsize                    pos,
               gsize                    len)
{
  if (ok != expect_ok)
    {
      g_test_fail_printf ("%s: %s \"%s\": %s, expected %s", loc, what, value,
                          ok ? "passed" : failure->message, expect_ok ? "success" : "failure");
      return;
    }
  if (ok)
    return;

  if (failure->pos != pos || failure->len != len)
    g_test_fail_printf ("%s: %s \"%s\": fault at %" G_GSIZE_FORMAT "+%" G_GSIZE_FORMAT
                        ", expected %" G_GSIZE_FORMAT "+%" G_GSIZE_FORMAT,
                        loc, what, value, failure->pos, failure->len, pos, len);
  if (failure->code != code)
    g_test_fail_printf ("%s: %s \"%s\": error code %d, expected %d",
                        loc, what, value, failure->code, code);
  if (failure->message == NULL || failure->message[0] == '\0')
    g_test_fail_printf ("%s: %s \"%s\": no message", loc, what, value);
}

static void
check_lint (const char *loc,
            AggGs1Lint  lint,
            const char *value,
            gsize       value_len,
            gboolean    expect_ok,
            gsize       pos,
            gsize       len)
{
  AggGs1LintFailure failure = { AGG_GS1_ERROR_NOT_GS1, NULL, G_MAXSIZE, G_MAXSIZE };
  gboolean ok = agg_gs1_lint (lint, value, value_len, &failure);

  check_failure (loc, agg_gs1_lint_get_name (lint), value, ok, &failure,
                 expected_code (lint), expect_ok, pos, len);
}

static void
check_cset (const char *loc,
            AggGs1Cset  cset,
            const char *value,
            gboolean    expect_ok,
            gsize       pos,
            gsize       len)
{
  AggGs1LintFailure failure = { AGG_GS1_ERROR_NOT_GS1, NULL, G_MAXSIZE, G_MAXSIZE };
  gboolean ok = agg_gs1_lint_cset (cset, value, strlen (value), &failure);

  check_failure (loc, "cset", value, ok, &failure, AGG_GS1_ERROR_BAD_CHARACTER,
                 expect_ok, pos, len);
}

/* How many values of @width characters from @alphabet @lint accepts: a
 * count that also catches an unsorted code list. */
static guint
count_accepted (AggGs1Lint  lint,
                const char *alphabet,
                gsize       width)
{
  gsize n = strlen (alphabet);
  gsize total = 1;
  guint accepted = 0;
  gsize i, j;

  for (j = 0; j < width; j++)
    total *= n;

  for (i = 0; i < total; i++)
    {
      char value[4];
      gsize k = i;

      for (j = width; j > 0; j--)
        {
          value[j - 1] = alphabet[k % n];
          k /= n;
        }
      if (agg_gs1_lint (lint, value, width, NULL))
        accepted++;
    }

  return accepted;
}

/* Character sets */

static void
check_cset_members (AggGs1Cset  cset,
                    const char *members)
{
  guint c;

  for (c = 1; c < 256; c++)
    {
      char value[1] = { (char) c };
      gboolean member = strchr (members, (int) c) != NULL;

      if (agg_gs1_lint_cset (cset, value, 1, NULL) != member)
        g_test_fail_printf ("cset %d: character 0x%02x %s", cset, c,
                            member ? "refused" : "accepted");
    }
}

static void
test_cset_numeric (void)
{
  check_cset_members (AGG_GS1_CSET_N, "0123456789");
  assert_cset_ok (AGG_GS1_CSET_N, "");
  assert_cset_ok (AGG_GS1_CSET_N, "09506000134352");
  assert_cset_fails (AGG_GS1_CSET_N, "12a4", 2, 1);
  assert_cset_fails (AGG_GS1_CSET_N, " 1", 0, 1);
}

static void
test_cset_82 (void)
{
  check_cset_members (AGG_GS1_CSET_X,
                      "!\"%&'()*+,-./0123456789:;<=>?"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz");
  assert_cset_ok (AGG_GS1_CSET_X, "ABC-123/x_y");
  assert_cset_fails (AGG_GS1_CSET_X, "ABC ", 3, 1);
  assert_cset_fails (AGG_GS1_CSET_X, "AB#C", 2, 1);
  assert_cset_fails (AGG_GS1_CSET_X, "\x1d", 0, 1);
  assert_cset_fails (AGG_GS1_CSET_X, "caf\xc3\xa9", 3, 1);
}

static void
test_cset_39 (void)
{
  check_cset_members (AGG_GS1_CSET_Y, "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  assert_cset_ok (AGG_GS1_CSET_Y, "#-/09AZ");
  assert_cset_fails (AGG_GS1_CSET_Y, "AB_C", 2, 1);
  assert_cset_fails (AGG_GS1_CSET_Y, "abc", 0, 1);
}

static void
test_cset_64 (void)
{
  check_cset_members (AGG_GS1_CSET_Z,
                      "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz");
  assert_cset_ok (AGG_GS1_CSET_Z, "");
  assert_cset_ok (AGG_GS1_CSET_Z, "1");
  assert_cset_ok (AGG_GS1_CSET_Z, "12");
  assert_cset_ok (AGG_GS1_CSET_Z, "123");
  assert_cset_ok (AGG_GS1_CSET_Z, "12=");
  assert_cset_ok (AGG_GS1_CSET_Z, "1==");
  assert_cset_ok (AGG_GS1_CSET_Z, "ABCDE-_x=");
  assert_cset_fails (AGG_GS1_CSET_Z, "=", 0, 1);
  assert_cset_fails (AGG_GS1_CSET_Z, "===", 0, 3);
  assert_cset_fails (AGG_GS1_CSET_Z, "123=", 3, 1);
  assert_cset_fails (AGG_GS1_CSET_Z, "12==", 2, 2);
  assert_cset_fails (AGG_GS1_CSET_Z, "1234=", 4, 1);
  assert_cset_fails (AGG_GS1_CSET_Z, "12====", 2, 4);
  assert_cset_fails (AGG_GS1_CSET_Z, "=23", 0, 1);
  assert_cset_fails (AGG_GS1_CSET_Z, "12=4", 2, 1);
  assert_cset_fails (AGG_GS1_CSET_Z, "AB C", 2, 1);
}

static void
test_cset_length (void)
{
  AggGs1LintFailure failure;

  /* Only the given length is read, and the failure may be omitted. */
  g_assert_true (agg_gs1_lint_cset (AGG_GS1_CSET_N, "123A", 3, NULL));
  g_assert_false (agg_gs1_lint_cset (AGG_GS1_CSET_N, "123A", 4, NULL));
  g_assert_true (agg_gs1_lint_cset (AGG_GS1_CSET_Z, "AB==", 2, NULL));
  g_assert_false (agg_gs1_lint_cset (AGG_GS1_CSET_Z, "ABC==", 4, &failure));
  g_assert_cmpuint (failure.pos, ==, 3);
  g_assert_cmpuint (failure.len, ==, 1);
}

/* Check digits */

static void
test_lint_csum (void)
{
  assert_lint_ok (AGG_GS1_LINT_CSUM, "09506000134352");
  assert_lint_ok (AGG_GS1_LINT_CSUM, "02345673");
  assert_lint_ok (AGG_GS1_LINT_CSUM, "416000336108");
  assert_lint_ok (AGG_GS1_LINT_CSUM, "1234567890128");
  assert_lint_ok (AGG_GS1_LINT_CSUM, "12345678901231");
  assert_lint_ok (AGG_GS1_LINT_CSUM, "123456789012345675");
  assert_lint_ok (AGG_GS1_LINT_CSUM, "0");

  assert_lint_fails (AGG_GS1_LINT_CSUM, "09506000134353", 13, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUM, "12345673", 7, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUM, "416000336109", 11, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUM, "123456789012345670", 17, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUM, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_CSUM, " 23456789012345675", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUM, "12345678 012345675", 8, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUM, "12345678901234567 ", 17, 1);
}

static void
test_lint_csumalpha (void)
{
  g_autofree char *long_ok = g_strconcat ("12345678901234567890123456789012345678901234567890",
                                          "12345678901234567890123456789012345678901234567HA",
                                          NULL);
  g_autofree char *too_long = g_strconcat ("12345678901234567890123456789012345678901234567890",
                                           "123456789012345678901234567890123456789012345678ZZ",
                                           NULL);

  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "22");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "!22");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "1987654Ad4X4bL5ttr2310c2K");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "12345678901234567890123NT");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "12345_ABCDEFGHIJKLMCP");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "12345_nopqrstuvwxyzP2");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "12345_!\"%&'()*+,-./LC");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "12345_0123456789:;<=>?62");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, "99999zzzzzzzzzzzzzzzzzzT2");
  assert_lint_ok (AGG_GS1_LINT_CSUMALPHA, long_ok);

  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, "2", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, "33", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, "1987654Ad4X4bL5ttr2310cXK", 23, 2);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, "1987654Ad4X4bL5ttr2310c2X", 23, 2);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, " 2345678901234567890123NT", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, "1234567890123456789012 NT", 22, 1);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, "12345678901234567890123 T", 23, 2);
  assert_lint_fails (AGG_GS1_LINT_CSUMALPHA, too_long, 0, 100);
}

/* Company prefix */

static void
test_lint_gcppos (void)
{
  assert_lint_ok (AGG_GS1_LINT_GCPPOS1, "0123");
  assert_lint_ok (AGG_GS1_LINT_GCPPOS1, "01234");
  assert_lint_ok (AGG_GS1_LINT_GCPPOS1, "0123A");
  assert_lint_fails (AGG_GS1_LINT_GCPPOS1, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_GCPPOS1, "012", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_GCPPOS1, "A123", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_GCPPOS1, "012A5", 3, 1);

  assert_lint_ok (AGG_GS1_LINT_GCPPOS2, "I0123");
  assert_lint_ok (AGG_GS1_LINT_GCPPOS2, "09506000134352");
  assert_lint_ok (AGG_GS1_LINT_GCPPOS2, "I0123A");
  assert_lint_fails (AGG_GS1_LINT_GCPPOS2, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_GCPPOS2, "I", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_GCPPOS2, "I012", 1, 3);
  assert_lint_fails (AGG_GS1_LINT_GCPPOS2, "IA123", 1, 1);
  assert_lint_fails (AGG_GS1_LINT_GCPPOS2, "I01A34", 3, 1);
}

/* Dates and times */

static void
test_lint_yymmd0 (void)
{
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "000606");
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "991231");
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "200131");
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "200229");
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "000229");
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "960229");
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "200430");
  assert_lint_ok (AGG_GS1_LINT_YYMMD0, "200600");

  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "200010", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "201310", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "200132", 4, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "200230", 4, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "210229", 4, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "200431", 4, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "2001x1", 4, 1);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "11111", 0, 5);
  assert_lint_fails (AGG_GS1_LINT_YYMMD0, "1111111", 0, 7);
}

static void
test_lint_yymmdd (void)
{
  assert_lint_ok (AGG_GS1_LINT_YYMMDD, "200131");
  assert_lint_ok (AGG_GS1_LINT_YYMMDD, "240229");
  assert_lint_fails (AGG_GS1_LINT_YYMMDD, "200600", 4, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMDD, "230229", 4, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMDD, "209910", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_YYMMDD, "x00131", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_YYMMDD, "", 0, 0);
}

static void
test_lint_yyyymmdd (void)
{
  assert_lint_ok (AGG_GS1_LINT_YYYYMMDD, "20200131");
  assert_lint_ok (AGG_GS1_LINT_YYYYMMDD, "19960229");
  assert_lint_ok (AGG_GS1_LINT_YYYYMMDD, "20000229");
  assert_lint_ok (AGG_GS1_LINT_YYYYMMDD, "24000229");
  assert_lint_ok (AGG_GS1_LINT_YYYYMMDD, "21000228");

  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "21000229", 6, 2);
  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "19000229", 6, 2);
  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "20200600", 6, 2);
  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "20201310", 4, 2);
  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "20201131", 6, 2);
  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "2020013x", 7, 1);
  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "2020010", 0, 7);
  assert_lint_fails (AGG_GS1_LINT_YYYYMMDD, "202001011", 0, 9);
}

static void
test_lint_time (void)
{
  assert_lint_ok (AGG_GS1_LINT_HHMI, "0000");
  assert_lint_ok (AGG_GS1_LINT_HHMI, "2359");
  assert_lint_fails (AGG_GS1_LINT_HHMI, "2400", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_HHMI, "0060", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_HHMI, "x000", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_HHMI, "00x0", 2, 1);
  assert_lint_fails (AGG_GS1_LINT_HHMI, "111", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_HHMI, "11111", 0, 5);

  assert_lint_ok (AGG_GS1_LINT_HH, "00");
  assert_lint_ok (AGG_GS1_LINT_HH, "23");
  assert_lint_fails (AGG_GS1_LINT_HH, "24", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_HH, "0x", 1, 1);
  assert_lint_fails (AGG_GS1_LINT_HH, "1", 0, 1);

  assert_lint_ok (AGG_GS1_LINT_MI, "00");
  assert_lint_ok (AGG_GS1_LINT_MI, "59");
  assert_lint_fails (AGG_GS1_LINT_MI, "60", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_MI, "111", 0, 3);

  assert_lint_ok (AGG_GS1_LINT_SS, "00");
  assert_lint_ok (AGG_GS1_LINT_SS, "59");
  assert_lint_fails (AGG_GS1_LINT_SS, "60", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_SS, "x0", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_SS, "", 0, 0);
}

/* Code lists */

static void
test_lint_iso3166 (void)
{
  assert_lint_ok (AGG_GS1_LINT_ISO3166, "004");
  assert_lint_ok (AGG_GS1_LINT_ISO3166, "276");
  assert_lint_ok (AGG_GS1_LINT_ISO3166, "840");
  assert_lint_ok (AGG_GS1_LINT_ISO3166, "894");
  assert_lint_fails (AGG_GS1_LINT_ISO3166, "000", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO3166, "999", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO3166, "AAA", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO3166, "0040", 0, 4);
  assert_lint_fails (AGG_GS1_LINT_ISO3166, "04", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_ISO3166, "", 0, 0);
  g_assert_cmpuint (count_accepted (AGG_GS1_LINT_ISO3166, "0123456789", 3), ==, 249);

  assert_lint_ok (AGG_GS1_LINT_ISO3166999, "999");
  assert_lint_ok (AGG_GS1_LINT_ISO3166999, "004");
  assert_lint_ok (AGG_GS1_LINT_ISO3166999, "894");
  assert_lint_fails (AGG_GS1_LINT_ISO3166999, "998", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO3166999, "99", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_ISO3166999, "9999", 0, 4);
  g_assert_cmpuint (count_accepted (AGG_GS1_LINT_ISO3166999, "0123456789", 3), ==, 250);

  assert_lint_ok (AGG_GS1_LINT_ISO3166ALPHA2, "AD");
  assert_lint_ok (AGG_GS1_LINT_ISO3166ALPHA2, "DE");
  assert_lint_ok (AGG_GS1_LINT_ISO3166ALPHA2, "ZW");
  assert_lint_fails (AGG_GS1_LINT_ISO3166ALPHA2, "AA", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_ISO3166ALPHA2, "de", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_ISO3166ALPHA2, "DEU", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO3166ALPHA2, "", 0, 0);
  g_assert_cmpuint (count_accepted (AGG_GS1_LINT_ISO3166ALPHA2,
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2), ==, 249);
}

static void
test_lint_iso4217 (void)
{
  assert_lint_ok (AGG_GS1_LINT_ISO4217, "008");
  assert_lint_ok (AGG_GS1_LINT_ISO4217, "756");
  assert_lint_ok (AGG_GS1_LINT_ISO4217, "840");
  assert_lint_ok (AGG_GS1_LINT_ISO4217, "978");
  assert_lint_ok (AGG_GS1_LINT_ISO4217, "999");
  assert_lint_fails (AGG_GS1_LINT_ISO4217, "000", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO4217, "276", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO4217, "AAA", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ISO4217, "9780", 0, 4);
  g_assert_cmpuint (count_accepted (AGG_GS1_LINT_ISO4217, "0123456789", 3), ==, 179);
}

static void
test_lint_iso5218 (void)
{
  assert_lint_ok (AGG_GS1_LINT_ISO5218, "0");
  assert_lint_ok (AGG_GS1_LINT_ISO5218, "1");
  assert_lint_ok (AGG_GS1_LINT_ISO5218, "2");
  assert_lint_ok (AGG_GS1_LINT_ISO5218, "9");
  assert_lint_fails (AGG_GS1_LINT_ISO5218, "3", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_ISO5218, "01", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_ISO5218, "", 0, 0);
  check_lint (G_STRLOC, AGG_GS1_LINT_ISO5218, "\0", 1, FALSE, 0, 1);
}

static void
test_lint_packagetype (void)
{
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "1A");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "200");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "8");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "9");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "APE");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "BX");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "PLP");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "X11");
  assert_lint_ok (AGG_GS1_LINT_PACKAGETYPE, "ZZ");
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "0", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "A", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "_9", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "1A_", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "AE", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "X13", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_PACKAGETYPE, "2000", 0, 4);
  g_assert_cmpuint (count_accepted (AGG_GS1_LINT_PACKAGETYPE,
                                    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1) +
                    count_accepted (AGG_GS1_LINT_PACKAGETYPE,
                                    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2) +
                    count_accepted (AGG_GS1_LINT_PACKAGETYPE,
                                    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3), ==, 431);
}

static void
test_lint_mediatype (void)
{
  assert_lint_ok (AGG_GS1_LINT_MEDIATYPE, "01");
  assert_lint_ok (AGG_GS1_LINT_MEDIATYPE, "10");
  assert_lint_ok (AGG_GS1_LINT_MEDIATYPE, "80");
  assert_lint_ok (AGG_GS1_LINT_MEDIATYPE, "99");
  assert_lint_fails (AGG_GS1_LINT_MEDIATYPE, "00", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_MEDIATYPE, "11", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_MEDIATYPE, "79", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_MEDIATYPE, "1", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_MEDIATYPE, "001", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_MEDIATYPE, "AA", 0, 2);
  g_assert_cmpuint (count_accepted (AGG_GS1_LINT_MEDIATYPE, "0123456789", 2), ==, 30);
}

/* Single values and simple forms */

static void
test_lint_pcenc (void)
{
  assert_lint_ok (AGG_GS1_LINT_PCENC, "");
  assert_lint_ok (AGG_GS1_LINT_PCENC, "A");
  assert_lint_ok (AGG_GS1_LINT_PCENC, "%00");
  assert_lint_ok (AGG_GS1_LINT_PCENC, "%Ff");
  assert_lint_ok (AGG_GS1_LINT_PCENC, "ABC%20XYZ");
  assert_lint_ok (AGG_GS1_LINT_PCENC, "%25%25");
  assert_lint_fails (AGG_GS1_LINT_PCENC, "%fg", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_PCENC, "%gf", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_PCENC, "%g", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_PCENC, "%", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_PCENC, "ABC%g", 3, 2);
  assert_lint_fails (AGG_GS1_LINT_PCENC, "ABC%gXYZ", 3, 3);
  assert_lint_fails (AGG_GS1_LINT_PCENC, "%25%", 3, 1);
}

static void
test_lint_single_values (void)
{
  assert_lint_ok (AGG_GS1_LINT_HYPHEN, "-");
  assert_lint_ok (AGG_GS1_LINT_HYPHEN, "--");
  assert_lint_fails (AGG_GS1_LINT_HYPHEN, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_HYPHEN, "X", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_HYPHEN, "-X", 0, 2);

  assert_lint_ok (AGG_GS1_LINT_YESNO, "0");
  assert_lint_ok (AGG_GS1_LINT_YESNO, "1");
  assert_lint_fails (AGG_GS1_LINT_YESNO, "2", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_YESNO, "01", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_YESNO, "", 0, 0);

  assert_lint_ok (AGG_GS1_LINT_WINDING, "0");
  assert_lint_ok (AGG_GS1_LINT_WINDING, "1");
  assert_lint_ok (AGG_GS1_LINT_WINDING, "9");
  assert_lint_fails (AGG_GS1_LINT_WINDING, "2", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_WINDING, "01", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_WINDING, "", 0, 0);

  assert_lint_ok (AGG_GS1_LINT_ZERO, "0");
  assert_lint_ok (AGG_GS1_LINT_ZERO, "000");
  assert_lint_fails (AGG_GS1_LINT_ZERO, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_ZERO, "1", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_ZERO, "010", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_ZERO, "X", 0, 1);

  assert_lint_ok (AGG_GS1_LINT_NONZERO, "1");
  assert_lint_ok (AGG_GS1_LINT_NONZERO, "0009");
  assert_lint_ok (AGG_GS1_LINT_NONZERO, "9000");
  assert_lint_fails (AGG_GS1_LINT_NONZERO, "0", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_NONZERO, "0000", 0, 4);
  assert_lint_fails (AGG_GS1_LINT_NONZERO, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_NONZERO, "9A99", 1, 1);

  assert_lint_ok (AGG_GS1_LINT_NOZEROPREFIX, "");
  assert_lint_ok (AGG_GS1_LINT_NOZEROPREFIX, "1");
  assert_lint_ok (AGG_GS1_LINT_NOZEROPREFIX, "1234567890");
  assert_lint_fails (AGG_GS1_LINT_NOZEROPREFIX, "0", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_NOZEROPREFIX, "0123", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_NOZEROPREFIX, "99A9", 2, 1);

  assert_lint_ok (AGG_GS1_LINT_HASNONDIGIT, "/");
  assert_lint_ok (AGG_GS1_LINT_HASNONDIGIT, "012345678:");
  assert_lint_ok (AGG_GS1_LINT_HASNONDIGIT, "1A1");
  assert_lint_fails (AGG_GS1_LINT_HASNONDIGIT, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_HASNONDIGIT, "0", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_HASNONDIGIT, "0123456789", 0, 10);
  /* Only the given length is read. */
  check_lint (G_STRLOC, AGG_GS1_LINT_HASNONDIGIT, "123A", 3, FALSE, 0, 3);

  assert_lint_ok (AGG_GS1_LINT_IMPORTERIDX, "-");
  assert_lint_ok (AGG_GS1_LINT_IMPORTERIDX, "0");
  assert_lint_ok (AGG_GS1_LINT_IMPORTERIDX, "Z");
  assert_lint_ok (AGG_GS1_LINT_IMPORTERIDX, "_");
  assert_lint_ok (AGG_GS1_LINT_IMPORTERIDX, "z");
  assert_lint_fails (AGG_GS1_LINT_IMPORTERIDX, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_IMPORTERIDX, "AA", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_IMPORTERIDX, " ", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_IMPORTERIDX, "@", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_IMPORTERIDX, "=", 0, 1);
}

static void
test_lint_coordinates (void)
{
  assert_lint_ok (AGG_GS1_LINT_LATITUDE, "0279085848");
  assert_lint_ok (AGG_GS1_LINT_LATITUDE, "0000000000");
  assert_lint_ok (AGG_GS1_LINT_LATITUDE, "1800000000");
  assert_lint_fails (AGG_GS1_LINT_LATITUDE, "1800000001", 0, 10);
  assert_lint_fails (AGG_GS1_LINT_LATITUDE, "9999999999", 0, 10);
  assert_lint_fails (AGG_GS1_LINT_LATITUDE, "027908584", 0, 9);
  assert_lint_fails (AGG_GS1_LINT_LATITUDE, "02790858481", 0, 11);
  assert_lint_fails (AGG_GS1_LINT_LATITUDE, "02790858x8", 8, 1);

  assert_lint_ok (AGG_GS1_LINT_LONGITUDE, "3015297971");
  assert_lint_ok (AGG_GS1_LINT_LONGITUDE, "3600000000");
  assert_lint_fails (AGG_GS1_LINT_LONGITUDE, "3600000001", 0, 10);
  assert_lint_fails (AGG_GS1_LINT_LONGITUDE, "301529797", 0, 9);
}

static void
test_lint_pieceoftotal (void)
{
  assert_lint_ok (AGG_GS1_LINT_PIECEOFTOTAL, "11");
  assert_lint_ok (AGG_GS1_LINT_PIECEOFTOTAL, "13");
  assert_lint_ok (AGG_GS1_LINT_PIECEOFTOTAL, "0101");
  assert_lint_ok (AGG_GS1_LINT_PIECEOFTOTAL, "9899");
  assert_lint_ok (AGG_GS1_LINT_PIECEOFTOTAL, "001003");
  assert_lint_ok (AGG_GS1_LINT_PIECEOFTOTAL, "999999");
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "111", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "5x555555", 1, 1);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "01", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "00", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "10", 1, 1);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "0100", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "000001", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "21", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "1009", 0, 4);
  assert_lint_fails (AGG_GS1_LINT_PIECEOFTOTAL, "002001", 0, 6);
}

static void
test_lint_posinseqslash (void)
{
  assert_lint_ok (AGG_GS1_LINT_POSINSEQSLASH, "1/1");
  assert_lint_ok (AGG_GS1_LINT_POSINSEQSLASH, "2/3");
  assert_lint_ok (AGG_GS1_LINT_POSINSEQSLASH, "9/10");
  assert_lint_ok (AGG_GS1_LINT_POSINSEQSLASH, "100/100");
  assert_lint_ok (AGG_GS1_LINT_POSINSEQSLASH, "998/999");
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "/", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "1", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "1/", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "/1", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "1//", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "x/y", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "0/1", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "0/0", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "1/0", 2, 1);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "1/02", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "01/02", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "2/1", 0, 3);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "10/9", 0, 4);
  assert_lint_fails (AGG_GS1_LINT_POSINSEQSLASH, "999/998", 0, 7);
}

static void
test_lint_iban (void)
{
  assert_lint_ok (AGG_GS1_LINT_IBAN, "FR7630006000011234567890189");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "DE91100000000123456789");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "GR9608100010000001234567890");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "MU43BOMM0101123456789101000MUR");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "PL10105000997603123456789123");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "CH5604835012345678009");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "GB98MIDL07009312345678");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "BE71096123456769");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "LC14BOSL123456789012345678901234");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "AD1200012030200359100100");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "MT84MALT011000012345MTLCAST001S");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "NO9386011117947");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "RU0204452560040702810412345678901");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "SE4550000000058398257466");
  assert_lint_ok (AGG_GS1_LINT_IBAN, "YE15CBYE0001018861234567891234");
  /* A country outside the IBAN registry has no length to check. */
  assert_lint_ok (AGG_GS1_LINT_IBAN, "US8412345678901234");

  assert_lint_fails (AGG_GS1_LINT_IBAN, "BE71096123456760", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "LC14BOSL123456789012345678901230", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "BE71", 0, 4);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "BE71096123", 0, 10);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "LC14BOSLxx3456789012345678901230", 8, 1);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "XX361234567890", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "DE9110000000012345678", 0, 21);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "BE710961234567690", 0, 17);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "AD12000120302003591001000", 0, 25);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "NO93860111179470", 0, 16);
  assert_lint_fails (AGG_GS1_LINT_IBAN, "YE15CBYE000101886123456789123", 0, 29);
}

static void
test_lint_couponcode (void)
{
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "012345612345611110123");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "012345612345611110123101101230123456");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "012345612345611110123101101239");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "0123456123456111101233200229");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "01234561234561111012335006064500606");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "01234561234561111012359123456789012345");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "012345612345611110123671234567890123");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "01234561234561111012390001");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "10614141011111275110111");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE,
                  "106141410222223100110222111101231023456721104561045678991201");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE,
                  "106141411234562891101201212085010048000214025610048000310123191000");
  assert_lint_ok (AGG_GS1_LINT_COUPONCODE, "106141416543213500110000310123196000");

  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "a12345612345611110123", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01", 1, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456", 0, 7);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "71234567890123", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561", 7, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456", 0, 13);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234560", 13, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "012345612345621", 14, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "012345612345611", 0, 15);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456110", 15, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111", 0, 17);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "012345612345611115", 17, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012", 18, 2);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101230", 21, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101231", 0, 22);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012314", 22, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012310115", 25, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012310110123", 0, 29);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE,
                     "0123456123456111101231011012371234567890123", 29, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101231011012301234", 30, 4);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101231011012391", 30, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012320", 22, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101233", 0, 22);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "012345612345611110123312", 22, 2);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101233200600", 22, 6);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101233210229", 22, 6);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101234200132", 22, 6);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012335006064500607", 21, 14);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101235", 0, 22);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012351123456", 23, 6);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012360", 22, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012361", 0, 23);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101236812345678901234", 22, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101239", 0, 22);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012393", 22, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "012345612345611110123903", 23, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "0123456123456111101239009", 0, 25);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "01234561234561111012390002", 25, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONCODE, "012345612345611110123900000", 26, 1);
}

static void
test_lint_couponposoffer (void)
{
  assert_lint_ok (AGG_GS1_LINT_COUPONPOSOFFER, "001234561234560123456");
  assert_lint_ok (AGG_GS1_LINT_COUPONPOSOFFER, "101234561234560123456");
  assert_lint_ok (AGG_GS1_LINT_COUPONPOSOFFER, "0012345612345611234567");
  assert_lint_ok (AGG_GS1_LINT_COUPONPOSOFFER, "061234567890121234569123456789012345");

  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "a01234561234560123456", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "00123456123456012345a", 20, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "", 0, 0);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "201234561234560123456", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "0", 0, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "00", 0, 2);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "0012", 2, 2);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "07", 1, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "00123456", 0, 8);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "001234561", 8, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "00123456123456", 0, 14);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "001234561234560", 0, 15);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "00123456123456012345", 15, 5);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER, "0012345612345601234567", 21, 1);
  assert_lint_fails (AGG_GS1_LINT_COUPONPOSOFFER,
                     "0612345678901212345691234567890123456", 36, 1);
}

static void
test_lint_names (void)
{
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  guint lint;

  g_assert_null (agg_gs1_lint_get_name (AGG_GS1_LINT_NONE));
  g_assert_cmpstr (agg_gs1_lint_get_name (AGG_GS1_LINT_CSUM), ==, "csum");
  g_assert_cmpstr (agg_gs1_lint_get_name (AGG_GS1_LINT_ISO3166999), ==, "iso3166999");
  g_assert_cmpstr (agg_gs1_lint_get_name (AGG_GS1_LINT_POSINSEQSLASH), ==, "posinseqslash");

  /* Every linter has its own name and runs. */
  for (lint = AGG_GS1_LINT_NONE + 1; lint < AGG_GS1_N_LINTS; lint++)
    {
      const char *name = agg_gs1_lint_get_name (lint);

      g_assert_nonnull (name);
      g_assert_true (g_hash_table_add (names, (gpointer) name));
      agg_gs1_lint (lint, "", 0, NULL);
    }
  g_assert_cmpuint (g_hash_table_size (names), ==, AGG_GS1_N_LINTS - 1);

  g_assert_true (agg_gs1_lint (AGG_GS1_LINT_NONE, "anything", 8, NULL));
}

/* The table */

static const AggGs1AiInfo *
find_ai (const char *ai)
{
  guint i;

  for (i = 0; i < agg_gs1_ai_table_n_entries; i++)
    {
      if (strcmp (agg_gs1_ai_table[i].ai, ai) == 0)
        return &agg_gs1_ai_table[i];
    }

  return NULL;
}

static void
test_table_structure (void)
{
  guint i, j;

  g_assert_cmpuint (agg_gs1_ai_table_n_entries, >, 500);

  for (i = 0; i < agg_gs1_ai_table_n_entries; i++)
    {
      const AggGs1AiInfo *info = &agg_gs1_ai_table[i];
      guint min_len = 0, max_len = 0;
      gboolean optional_seen = FALSE;

      g_assert_cmpuint (strlen (info->ai), ==, info->ai_len);
      g_assert_cmpuint (info->ai_len, >=, 2);
      g_assert_cmpuint (info->ai_len, <=, 4);
      for (j = 0; j < info->ai_len; j++)
        g_assert_true (g_ascii_isdigit (info->ai[j]));
      if (i > 0)
        g_assert_cmpstr (agg_gs1_ai_table[i - 1].ai, <, info->ai);

      g_assert_cmpuint (info->n_components, >=, 1);
      g_assert_cmpuint (info->n_components, <=, AGG_GS1_MAX_COMPONENTS);
      g_assert_false (info->components[0].optional);
      for (j = 0; j < info->n_components; j++)
        {
          const AggGs1Component *component = &info->components[j];
          guint k;

          g_assert_cmpuint (component->cset, <=, AGG_GS1_CSET_Z);
          g_assert_cmpuint (component->min, >=, 1);
          g_assert_cmpuint (component->min, <=, component->max);
          if (optional_seen)
            g_assert_true (component->optional);
          optional_seen = component->optional;
          if (!component->optional)
            min_len += component->min;
          max_len += component->max;
          for (k = 0; k < AGG_GS1_MAX_LINTS; k++)
            g_assert_cmpuint (component->lints[k], <, AGG_GS1_N_LINTS);
        }

      g_assert_cmpuint (info->min_len, ==, min_len);
      g_assert_cmpuint (info->max_len, ==, max_len);
      g_assert_cmpuint (info->min_len, <=, info->max_len);
      g_assert_cmpuint (info->max_len, <=, AGG_GS1_MAX_VALUE);
      g_assert_nonnull (info->title);
      if (info->predefined_length)
        g_assert_cmpuint (info->min_len, ==, info->max_len);
    }
}

static void
test_table_ai_lengths (void)
{
  guint8 lengths[100] = { 0, };
  guint i;

  /* The first two digits of an AI give its length. */
  for (i = 0; i < agg_gs1_ai_table_n_entries; i++)
    {
      const AggGs1AiInfo *info = &agg_gs1_ai_table[i];
      guint prefix = (info->ai[0] - '0') * 10 + (info->ai[1] - '0');

      if (lengths[prefix] == 0)
        lengths[prefix] = info->ai_len;
      else if (lengths[prefix] != info->ai_len)
        g_test_fail_printf ("AI %s: length %u, but others starting with %.2s have %u",
                            info->ai, info->ai_len, info->ai, lengths[prefix]);
    }
}

static void
test_table_predefined (void)
{
  guint i;

  /* The GS1 General Specifications' table of AIs that need no separator,
   * by their first two digits. */
  for (i = 0; i < agg_gs1_ai_table_n_entries; i++)
    {
      const AggGs1AiInfo *info = &agg_gs1_ai_table[i];
      guint prefix = (info->ai[0] - '0') * 10 + (info->ai[1] - '0');
      gboolean predefined = prefix <= 4 || (prefix >= 11 && prefix <= 20) ||
                            (prefix >= 31 && prefix <= 36) || prefix == 41;

      if (!info->predefined_length != !predefined)
        g_test_fail_printf ("AI %s: predefined length flag is %d", info->ai,
                            info->predefined_length);
    }
}

static void
test_table_facts (void)
{
  const AggGs1AiInfo *info;
  guint i;

  info = find_ai ("01");
  g_assert_nonnull (info);
  g_assert_true (info->predefined_length);
  g_assert_true (info->dl_attribute);
  g_assert_cmpuint (info->n_components, ==, 1);
  g_assert_cmpuint (info->components[0].cset, ==, AGG_GS1_CSET_N);
  g_assert_cmpuint (info->components[0].min, ==, 14);
  g_assert_cmpuint (info->components[0].max, ==, 14);
  g_assert_cmpuint (info->components[0].lints[0], ==, AGG_GS1_LINT_CSUM);
  g_assert_cmpuint (info->components[0].lints[1], ==, AGG_GS1_LINT_GCPPOS2);
  g_assert_cmpuint (info->components[0].lints[2], ==, AGG_GS1_LINT_NONE);
  g_assert_null (info->req);
  g_assert_cmpstr (info->ex, ==, "255,37");
  g_assert_cmpstr (info->dlpkey, ==, "22,10,21|235");
  g_assert_cmpstr (info->title, ==, "GTIN");

  info = find_ai ("00");
  g_assert_nonnull (info);
  g_assert_cmpstr (info->dlpkey, ==, "");

  info = find_ai ("10");
  g_assert_nonnull (info);
  g_assert_false (info->predefined_length);
  g_assert_cmpuint (info->components[0].cset, ==, AGG_GS1_CSET_X);
  g_assert_cmpuint (info->components[0].min, ==, 1);
  g_assert_cmpuint (info->components[0].max, ==, 20);
  g_assert_null (info->dlpkey);

  info = find_ai ("17");
  g_assert_nonnull (info);
  g_assert_true (info->predefined_length);
  g_assert_cmpuint (info->max_len, ==, 6);
  g_assert_cmpuint (info->components[0].lints[0], ==, AGG_GS1_LINT_YYMMD0);

  info = find_ai ("21");
  g_assert_nonnull (info);
  g_assert_false (info->dl_attribute);
  g_assert_cmpstr (info->req, ==, "01,03,8006");

  info = find_ai ("250");
  g_assert_nonnull (info);
  g_assert_cmpstr (info->req, ==, "01,8006 21");

  info = find_ai ("253");
  g_assert_nonnull (info);
  g_assert_cmpuint (info->n_components, ==, 2);
  g_assert_cmpuint (info->components[0].cset, ==, AGG_GS1_CSET_N);
  g_assert_cmpuint (info->components[0].min, ==, 13);
  g_assert_false (info->components[0].optional);
  g_assert_cmpuint (info->components[1].cset, ==, AGG_GS1_CSET_X);
  g_assert_cmpuint (info->components[1].max, ==, 17);
  g_assert_true (info->components[1].optional);
  g_assert_cmpuint (info->min_len, ==, 13);
  g_assert_cmpuint (info->max_len, ==, 30);

  info = find_ai ("3900");
  g_assert_nonnull (info);
  g_assert_cmpstr (info->ex, ==, "390n,391n,394n,8111");

  info = find_ai ("8030");
  g_assert_nonnull (info);
  g_assert_cmpuint (info->components[0].cset, ==, AGG_GS1_CSET_Z);
  g_assert_cmpuint (info->components[0].max, ==, 90);

  g_assert_nonnull (find_ai ("3100"));
  g_assert_nonnull (find_ai ("3103"));
  g_assert_nonnull (find_ai ("3105"));
  g_assert_null (find_ai ("3106"));
  g_assert_null (find_ai ("3109"));
  g_assert_null (find_ai ("99999"));

  for (i = 91; i <= 99; i++)
    {
      char ai[3];

      g_snprintf (ai, sizeof ai, "%u", i);
      info = find_ai (ai);
      g_assert_nonnull (info);
      g_assert_cmpuint (info->components[0].cset, ==, AGG_GS1_CSET_X);
      g_assert_cmpuint (info->max_len, ==, 90);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gs1/cset/numeric", test_cset_numeric);
  g_test_add_func ("/gs1/cset/82", test_cset_82);
  g_test_add_func ("/gs1/cset/39", test_cset_39);
  g_test_add_func ("/gs1/cset/64", test_cset_64);
  g_test_add_func ("/gs1/cset/length", test_cset_length);
  g_test_add_func ("/gs1/lint/csum", test_lint_csum);
  g_test_add_func ("/gs1/lint/csumalpha", test_lint_csumalpha);
  g_test_add_func ("/gs1/lint/gcppos", test_lint_gcppos);
  g_test_add_func ("/gs1/lint/yymmd0", test_lint_yymmd0);
  g_test_add_func ("/gs1/lint/yymmdd", test_lint_yymmdd);
  g_test_add_func ("/gs1/lint/yyyymmdd", test_lint_yyyymmdd);
  g_test_add_func ("/gs1/lint/time", test_lint_time);
  g_test_add_func ("/gs1/lint/iso3166", test_lint_iso3166);
  g_test_add_func ("/gs1/lint/iso4217", test_lint_iso4217);
  g_test_add_func ("/gs1/lint/iso5218", test_lint_iso5218);
  g_test_add_func ("/gs1/lint/packagetype", test_lint_packagetype);
  g_test_add_func ("/gs1/lint/mediatype", test_lint_mediatype);
  g_test_add_func ("/gs1/lint/pcenc", test_lint_pcenc);
  g_test_add_func ("/gs1/lint/single-values", test_lint_single_values);
  g_test_add_func ("/gs1/lint/coordinates", test_lint_coordinates);
  g_test_add_func ("/gs1/lint/pieceoftotal", test_lint_pieceoftotal);
  g_test_add_func ("/gs1/lint/posinseqslash", test_lint_posinseqslash);
  g_test_add_func ("/gs1/lint/iban", test_lint_iban);
  g_test_add_func ("/gs1/lint/couponcode", test_lint_couponcode);
  g_test_add_func ("/gs1/lint/couponposoffer", test_lint_couponposoffer);
  g_test_add_func ("/gs1/lint/names", test_lint_names);
  g_test_add_func ("/gs1/table/structure", test_table_structure);
  g_test_add_func ("/gs1/table/ai-lengths", test_table_ai_lengths);
  g_test_add_func ("/gs1/table/predefined", test_table_predefined);
  g_test_add_func ("/gs1/table/facts", test_table_facts);

  return g_test_run ();
}
