/* agg-gs1-lint.c: character sets and content checks of AI components
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "agg-gs1-private.h"

/* The semantics follow GS1's reference linters of the Barcode Syntax
 * Engine, including where they report a fault, so that our messages
 * highlight the same characters as other GS1 tools.  Every check works on
 * (pointer, length) and never allocates: the parser calls these for each
 * component of every scan. */

typedef gboolean (*LintFunc) (const char        *value,
                              gsize              len,
                              AggGs1LintFailure *failure);

#define IS_DIGIT(c) ((guint) ((guchar) (c) - '0') < 10)
#define DIGIT(c)    ((guint) ((guchar) (c) - '0'))

static gboolean
fail (AggGs1LintFailure *failure,
      const char        *message,
      gsize              pos,
      gsize              len)
{
  failure->message = message;
  failure->pos = pos;
  failure->len = len;
  return FALSE;
}

/* Character sets */

enum
{
  CLASS_N = 1 << 0,
  CLASS_X = 1 << 1,     /* CSET 82 */
  CLASS_Y = 1 << 2,     /* CSET 39 */
  CLASS_Z = 1 << 3,     /* CSET 64 without its "=" padding */
};

static const guint8 char_classes[256] = {
  ['!'] = CLASS_X, ['"'] = CLASS_X, ['#'] = CLASS_Y,
  ['%'] = CLASS_X, ['&'] = CLASS_X, ['\''] = CLASS_X,
  ['('] = CLASS_X, [')'] = CLASS_X, ['*'] = CLASS_X,
  ['+'] = CLASS_X, [','] = CLASS_X, ['-'] = CLASS_X | CLASS_Y | CLASS_Z,
  ['.'] = CLASS_X, ['/'] = CLASS_X | CLASS_Y,
  ['0' ... '9'] = CLASS_N | CLASS_X | CLASS_Y | CLASS_Z,
  [':'] = CLASS_X, [';'] = CLASS_X, ['<'] = CLASS_X,
  ['='] = CLASS_X, ['>'] = CLASS_X, ['?'] = CLASS_X,
  ['A' ... 'Z'] = CLASS_X | CLASS_Y | CLASS_Z,
  ['_'] = CLASS_X | CLASS_Z,
  ['a' ... 'z'] = CLASS_X | CLASS_Z,
};

static const struct
{
  guint8      mask;
  const char *message;
} csets[] = {
  [AGG_GS1_CSET_N] = { CLASS_N, N_("not a digit") },
  [AGG_GS1_CSET_X] = { CLASS_X, N_("not in GS1 character set 82") },
  [AGG_GS1_CSET_Y] = { CLASS_Y, N_("not in GS1 character set 39") },
  [AGG_GS1_CSET_Z] = { CLASS_Z, N_("not in GS1 character set 64") },
};

gboolean
agg_gs1_lint_cset (AggGs1Cset         cset,
                   const char        *value,
                   gsize              len,
                   AggGs1LintFailure *failure)
{
  AggGs1LintFailure ignored;
  guint8 mask;
  gsize i;

  g_return_val_if_fail ((guint) cset < G_N_ELEMENTS (csets), FALSE);
  g_return_val_if_fail (value != NULL || len == 0, FALSE);

  if (failure == NULL)
    failure = &ignored;

  /* Base64url may end in up to two "=" of padding.  As in the reference
   * linter, padding is only accepted when the whole value, padding
   * included, is a multiple of three characters long. */
  if (cset == AGG_GS1_CSET_Z)
    {
      gsize pads = 0;

      while (pads < len && value[len - pads - 1] == '=')
        pads++;
      if (G_UNLIKELY (pads > 2 || (pads > 0 && len % 3 != 0)))
        {
          failure->code = AGG_GS1_ERROR_BAD_CHARACTER;
          return fail (failure, N_("invalid base64url padding"), len - pads, pads);
        }
      len -= pads;
    }

  mask = csets[cset].mask;
  for (i = 0; i < len; i++)
    {
      if (G_UNLIKELY ((char_classes[(guchar) value[i]] & mask) == 0))
        {
          failure->code = AGG_GS1_ERROR_BAD_CHARACTER;
          return fail (failure, csets[cset].message, i, 1);
        }
    }

  return TRUE;
}

/* Helpers shared by several linters */

static gboolean
check_digits (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  gsize i;

  for (i = 0; i < len; i++)
    {
      if (G_UNLIKELY (!IS_DIGIT (value[i])))
        return fail (failure, N_("not a digit"), i, 1);
    }

  return TRUE;
}

/* Binary search in a sorted list of fixed-width words separated by single
 * spaces, so that code lists read as they are published. */
static gboolean
word_list_contains (const char *words,
                    gsize       words_len,
                    gsize       word_len,
                    const char *value,
                    gsize       len)
{
  gsize lo = 0;
  gsize hi = (words_len + 1) / (word_len + 1);

  if (len != word_len)
    return FALSE;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      int cmp = memcmp (words + mid * (word_len + 1), value, word_len);

      if (cmp == 0)
        return TRUE;
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return FALSE;
}

#define WORD_LIST_CONTAINS(words, word_len, value, len) \
  word_list_contains (words, sizeof (words) - 1, word_len, value, len)

static gboolean
is_one_of (char        c,
           const char *set)
{
  return c != '\0' && strchr (set, c) != NULL;
}

/* Linear search in a list of words of any width separated by spaces. */
static gboolean
word_set_contains (const char *words,
                   const char *value,
                   gsize       len)
{
  const char *p = words;

  while (*p != '\0')
    {
      gsize n = strcspn (p, " ");

      if (n == len && memcmp (p, value, len) == 0)
        return TRUE;
      p += n;
      if (*p == ' ')
        p++;
    }

  return FALSE;
}

/* Check digits */

static gboolean
lint_csum (const char        *value,
           gsize              len,
           AggGs1LintFailure *failure)
{
  guint sum = 0;
  gsize i;

  if (G_UNLIKELY (len == 0))
    return fail (failure, N_("too short for a check digit"), 0, 0);

  /* Weights alternate 3, 1, 3, ... leftwards from the check digit, which
   * weighs 1; the total must be a multiple of ten. */
  for (i = 0; i < len; i++)
    {
      if (G_UNLIKELY (!IS_DIGIT (value[i])))
        return fail (failure, N_("not a digit"), i, 1);
      sum += DIGIT (value[i]) * (1 + 2 * ((len - 1 - i) & 1));
    }

  if (G_UNLIKELY (sum % 10 != 0))
    return fail (failure, N_("invalid check digit"), len - 1, 1);

  return TRUE;
}

/* The first 97 primes weigh the characters of an alphanumeric key, from
 * the right; that covers keys of up to 99 characters. */
static const guint16 primes[97] = {
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
  59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131,
  137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223,
  227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311,
  313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409,
  419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503,
  509,
};

/* CSET 82 is in ASCII order, so a character's value is its rank there. */
static guint
cset82_value (guchar c)
{
  if (c <= '"')
    return c - '!';
  if (c <= '?')
    return c - '%' + 2;
  if (c <= 'Z')
    return c - 'A' + 29;
  if (c == '_')
    return 55;
  return c - 'a' + 56;
}

static gboolean
lint_csumalpha (const char        *value,
                gsize              len,
                AggGs1LintFailure *failure)
{
  /* CSET 32: digits and capitals without 0, 1, I and O. */
  static const char cset32[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  guint sum = 0;
  gsize i;

  if (len > G_N_ELEMENTS (primes) + 2)
    return fail (failure, N_("too long for a check character pair"), 0, len);
  if (len < 2)
    return fail (failure, N_("too short for a check character pair"), 0, len);

  for (i = 0; i < len - 2; i++)
    {
      guchar c = value[i];

      if (G_UNLIKELY ((char_classes[c] & CLASS_X) == 0))
        return fail (failure, N_("not in GS1 character set 82"), i, 1);
      sum += cset82_value (c) * primes[len - 3 - i];
    }
  sum %= 1021;

  if (value[len - 2] != cset32[sum >> 5] || value[len - 1] != cset32[sum & 31])
    return fail (failure, N_("invalid check character pair"), len - 2, 2);

  return TRUE;
}

/* GS1 Company Prefix.  Without a registry of allocated prefixes, as in the
 * reference linters, all that can be checked is that the value starts
 * with the shortest possible prefix: four digits. */

#define GCP_MIN_LENGTH 4

static gboolean
lint_gcppos1 (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  gsize i;

  if (len < GCP_MIN_LENGTH)
    return fail (failure, N_("too short for a GS1 Company Prefix"), 0, len);

  for (i = 0; i < GCP_MIN_LENGTH; i++)
    {
      if (G_UNLIKELY (!IS_DIGIT (value[i])))
        return fail (failure, N_("GS1 Company Prefix is not numeric"), i, 1);
    }

  return TRUE;
}

static gboolean
lint_gcppos2 (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  if (len < 2)
    return fail (failure, N_("too short for a GS1 Company Prefix"), 0, len);

  if (!lint_gcppos1 (value + 1, len - 1, failure))
    {
      failure->pos++;
      return FALSE;
    }

  return TRUE;
}

/* Dates and times */

static guint
two_digits (const char *value)
{
  return DIGIT (value[0]) * 10 + DIGIT (value[1]);
}

static gboolean
check_month_day (const char        *value,
                 guint              year,
                 gsize              month_pos,
                 gboolean           zero_day_ok,
                 AggGs1LintFailure *failure)
{
  static const guint8 month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  guint month = two_digits (value + month_pos);
  guint day = two_digits (value + month_pos + 2);
  guint last_day;

  if (month < 1 || month > 12)
    return fail (failure, N_("month is not between 01 and 12"), month_pos, 2);

  if (day == 0)
    {
      if (zero_day_ok)
        return TRUE;
      return fail (failure, N_("day 00 is not allowed here"), month_pos + 2, 2);
    }

  last_day = month_days[month - 1];
  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
    last_day = 29;
  if (day > last_day)
    return fail (failure, N_("day does not exist in that month"), month_pos + 2, 2);

  return TRUE;
}

static gboolean
check_yymmdd (const char        *value,
              gsize              len,
              gboolean           zero_day_ok,
              AggGs1LintFailure *failure)
{
  if (len != 6)
    return fail (failure, N_("date is not six digits"), 0, len);
  if (!check_digits (value, len, failure))
    return FALSE;

  /* The reference reads YY 72-99 as 19YY and the rest as 20YY; either way
   * only 00 is a century, and 2000 was a leap year. */
  return check_month_day (value, 2000 + two_digits (value), 2, zero_day_ok, failure);
}

static gboolean
lint_yymmd0 (const char        *value,
             gsize              len,
             AggGs1LintFailure *failure)
{
  return check_yymmdd (value, len, TRUE, failure);
}

static gboolean
lint_yymmdd (const char        *value,
             gsize              len,
             AggGs1LintFailure *failure)
{
  return check_yymmdd (value, len, FALSE, failure);
}

static gboolean
lint_yyyymmdd (const char        *value,
               gsize              len,
               AggGs1LintFailure *failure)
{
  if (len != 8)
    return fail (failure, N_("date is not eight digits"), 0, len);
  if (!check_digits (value, len, failure))
    return FALSE;

  return check_month_day (value, two_digits (value) * 100 + two_digits (value + 2), 4,
                          FALSE, failure);
}

static gboolean
check_two_digits_max (const char        *value,
                      gsize              pos,
                      guint              max,
                      const char        *message,
                      AggGs1LintFailure *failure)
{
  if (!check_digits (value + pos, 2, failure))
    {
      failure->pos += pos;
      return FALSE;
    }
  if (two_digits (value + pos) > max)
    return fail (failure, message, pos, 2);

  return TRUE;
}

static gboolean
lint_hh (const char        *value,
         gsize              len,
         AggGs1LintFailure *failure)
{
  if (len != 2)
    return fail (failure, N_("hour is not two digits"), 0, len);

  return check_two_digits_max (value, 0, 23, N_("hour is not between 00 and 23"), failure);
}

static gboolean
lint_mi (const char        *value,
         gsize              len,
         AggGs1LintFailure *failure)
{
  if (len != 2)
    return fail (failure, N_("minute is not two digits"), 0, len);

  return check_two_digits_max (value, 0, 59, N_("minute is not between 00 and 59"), failure);
}

static gboolean
lint_ss (const char        *value,
         gsize              len,
         AggGs1LintFailure *failure)
{
  if (len != 2)
    return fail (failure, N_("second is not two digits"), 0, len);

  return check_two_digits_max (value, 0, 59, N_("second is not between 00 and 59"), failure);
}

static gboolean
lint_hhmi (const char        *value,
           gsize              len,
           AggGs1LintFailure *failure)
{
  if (len != 4)
    return fail (failure, N_("time is not four digits"), 0, len);

  return check_two_digits_max (value, 0, 23, N_("hour is not between 00 and 23"), failure) &&
         check_two_digits_max (value, 2, 59, N_("minute is not between 00 and 59"), failure);
}

/* Code lists */

/* ISO 3166-1 numeric country codes. */
static const char iso3166_codes[] =
  "004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 "
  "068 070 072 074 076 084 086 090 092 096 100 104 108 112 116 120 124 132 136 140 "
  "144 148 152 156 158 162 166 170 174 175 178 180 184 188 191 192 196 203 204 208 "
  "212 214 218 222 226 231 232 233 234 238 239 242 246 248 250 254 258 260 262 266 "
  "268 270 275 276 288 292 296 300 304 308 312 316 320 324 328 332 334 336 340 344 "
  "348 352 356 360 364 368 372 376 380 384 388 392 398 400 404 408 410 414 417 418 "
  "422 426 428 430 434 438 440 442 446 450 454 458 462 466 470 474 478 480 484 492 "
  "496 498 499 500 504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562 "
  "566 570 574 578 580 581 583 584 585 586 591 598 600 604 608 612 616 620 624 626 "
  "630 634 638 642 643 646 652 654 659 660 662 663 666 670 674 678 682 686 688 690 "
  "694 702 703 704 705 706 710 716 724 728 729 732 740 744 748 752 756 760 762 764 "
  "768 772 776 780 784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840 "
  "850 854 858 860 862 876 882 887 894";

/* ISO 3166-1 alpha-2 country codes. */
static const char iso3166_alpha2_codes[] =
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ "
  "BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
  "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
  "DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
  "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY "
  "HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP "
  "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY "
  "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ "
  "NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY "
  "QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ "
  "TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ "
  "VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/* ISO 4217 numeric currency codes, with the funds and special codes. */
static const char iso4217_codes[] =
  "008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 "
  "132 136 144 152 156 170 174 188 192 203 208 214 222 230 232 238 242 262 270 292 "
  "320 324 328 332 340 344 348 352 356 360 364 368 376 388 392 396 398 400 404 408 "
  "410 414 417 418 422 426 430 434 446 454 458 462 480 484 496 498 504 512 516 524 "
  "532 533 548 554 558 566 578 586 590 598 600 604 608 634 643 646 654 682 690 702 "
  "704 706 710 728 748 752 756 760 764 776 780 784 788 800 807 818 826 834 840 858 "
  "860 882 886 901 924 925 926 927 928 929 930 933 934 936 938 940 941 943 944 946 "
  "947 948 949 950 951 952 953 955 956 957 958 959 960 961 962 963 964 965 967 968 "
  "969 970 971 972 973 975 976 977 978 979 980 981 984 985 986 990 994 997 999";

static gboolean
lint_iso3166 (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  if (!WORD_LIST_CONTAINS (iso3166_codes, 3, value, len))
    return fail (failure, N_("not an ISO 3166 country code"), 0, len);

  return TRUE;
}

static gboolean
lint_iso3166999 (const char        *value,
                 gsize              len,
                 AggGs1LintFailure *failure)
{
  /* 999 stands for a process spread over several countries. */
  if (len == 3 && memcmp (value, "999", 3) == 0)
    return TRUE;
  if (!WORD_LIST_CONTAINS (iso3166_codes, 3, value, len))
    return fail (failure, N_("not an ISO 3166 country code or 999"), 0, len);

  return TRUE;
}

static gboolean
lint_iso3166alpha2 (const char        *value,
                    gsize              len,
                    AggGs1LintFailure *failure)
{
  if (!WORD_LIST_CONTAINS (iso3166_alpha2_codes, 2, value, len))
    return fail (failure, N_("not an ISO 3166 alpha-2 country code"), 0, len);

  return TRUE;
}

static gboolean
lint_iso4217 (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  if (!WORD_LIST_CONTAINS (iso4217_codes, 3, value, len))
    return fail (failure, N_("not an ISO 4217 currency code"), 0, len);

  return TRUE;
}

static gboolean
lint_iso5218 (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  /* Not known, male, female, not applicable. */
  if (len != 1 || !is_one_of (value[0], "0129"))
    return fail (failure, N_("not an ISO/IEC 5218 sex code"), 0, len);

  return TRUE;
}

/* UN/ECE Recommendation 21 package types with the GS1 additions, grouped
 * by their first character. */
static const char *const package_types[] = {
  "1A 1B 1D 1F 1G 1W",
  "200 201 202 203 204 205 206 210 211 212 2C",
  "3A 3H",
  "43 44 4A 4B 4C 4D 4F 4G 4H",
  "5H 5L 5M",
  "6H 6P",
  "7A 7B",
  "8 8A 8B 8C",
  "9",
  "AA AB AC AD AF AG AH AI AJ AL AM AP APE AT AV",
  "B4 BB BC BD BE BF BG BGE BH BI BJ BK BL BM BME BN BO BP BQ BR BRI BS BT BU BV BW BX BY BZ",
  "CA CB CBL CC CCE CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ CR CS CT CU CV CW CX CY CZ",
  "DA DB DC DG DH DI DJ DK DL DM DN DP DPE DR DS DT DU DV DW DX DY",
  "E1 E2 E3 EC ED EE EF EG EH EI EN",
  "FB FC FD FE FI FL FO FOB FP FPE FR FT FW FX",
  "GB GI GL GR GU GY GZ",
  "HA HB HC HG HN HR",
  "IA IB IC ID IE IF IG IH IK IL IN IZ",
  "JB JC JG JR JT JY",
  "KG KI",
  "LAB LE LG LT LU LV LZ",
  "MA MB MC ME MPE MR MS MT MW MX",
  "NA NE NF NG NS NT NU NV",
  "OA OB OC OD OE OF OK OPE OT OU",
  "P2 PA PAE PB PC PD PE PF PG PH PI PJ PK PL PLP PN PO POP PP PPE PR PT PU PUE PV PX PY PZ",
  "QA QB QC QD QF QG QH QJ QK QL QM QN QP QQ QR QS",
  "RB1 RB2 RB3 RCB RD RG RJ RK RL RO RT RZ",
  "S1 SA SB SC SD SE SEC SH SI SK SL SM SO SP SS ST STL SU SV SW SX SY SZ",
  "T1 TB TC TD TE TEV TG THE TI TK TL TN TO TR TRE TS TT TTE TU TV TW TWE TY TZ",
  "UC UN UUE",
  "VA VG VI VK VL VN VO VP VQ VR VS VY",
  "WA WB WC WD WF WG WH WJ WK WL WM WN WP WQ WR WRP WS WT WU WV WW WX WY WZ",
  "X11 X12 X15 X16 X17 X18 X19 X20 X3 XA XB XC XD XF XG XH XJ XK",
  "YA YB YC YD YF YG YH YJ YK YL YM YN YP YQ YR YS YT YV YW YX YY YZ",
  "ZA ZB ZC ZD ZF ZG ZH ZJ ZK ZL ZM ZN ZP ZQ ZR ZS ZT ZU ZV ZW ZX ZY ZZ",
};

static gboolean
lint_packagetype (const char        *value,
                  gsize              len,
                  AggGs1LintFailure *failure)
{
  gsize i;

  for (i = 0; len > 0 && i < G_N_ELEMENTS (package_types); i++)
    {
      if (package_types[i][0] == value[0])
        {
          if (word_set_contains (package_types[i], value, len))
            return TRUE;
          break;
        }
    }

  return fail (failure, N_("not a package type code"), 0, len);
}

static gboolean
lint_mediatype (const char        *value,
                gsize              len,
                AggGs1LintFailure *failure)
{
  guint type;

  /* 01-10 are assigned by ICCBBA, 80-99 are for local use. */
  if (len == 2 && IS_DIGIT (value[0]) && IS_DIGIT (value[1]))
    {
      type = two_digits (value);
      if ((type >= 1 && type <= 10) || type >= 80)
        return TRUE;
    }

  return fail (failure, N_("not an AIDC media type"), 0, len);
}

/* Single values and simple forms */

static gboolean
lint_pcenc (const char        *value,
            gsize              len,
            AggGs1LintFailure *failure)
{
  gsize i = 0;

  while (i < len)
    {
      if (value[i] != '%')
        {
          i++;
          continue;
        }
      if (len - i < 3)
        return fail (failure, N_("invalid percent-encoding"), i, len - i);
      if (!g_ascii_isxdigit (value[i + 1]) || !g_ascii_isxdigit (value[i + 2]))
        return fail (failure, N_("invalid percent-encoding"), i, 3);
      i += 3;
    }

  return TRUE;
}

static gboolean
lint_hyphen (const char        *value,
             gsize              len,
             AggGs1LintFailure *failure)
{
  gsize i;

  for (i = 0; i < len; i++)
    {
      if (value[i] != '-')
        break;
    }
  if (len == 0 || i < len)
    return fail (failure, N_("not a hyphen"), 0, len);

  return TRUE;
}

static gboolean
lint_yesno (const char        *value,
            gsize              len,
            AggGs1LintFailure *failure)
{
  if (len != 1 || (value[0] != '0' && value[0] != '1'))
    return fail (failure, N_("not 0 or 1"), 0, len);

  return TRUE;
}

static gboolean
lint_winding (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  /* Face out, face in, undefined. */
  if (len != 1 || (value[0] != '0' && value[0] != '1' && value[0] != '9'))
    return fail (failure, N_("not a winding direction"), 0, len);

  return TRUE;
}

static gboolean
check_coordinate (const char        *value,
                  gsize              len,
                  guint64            max,
                  const char        *message,
                  AggGs1LintFailure *failure)
{
  guint64 number = 0;
  gsize i;

  if (len != 10)
    return fail (failure, N_("coordinate is not ten digits"), 0, len);
  if (!check_digits (value, len, failure))
    return FALSE;

  for (i = 0; i < len; i++)
    number = number * 10 + DIGIT (value[i]);
  if (number > max)
    return fail (failure, message, 0, len);

  return TRUE;
}

static gboolean
lint_latitude (const char        *value,
               gsize              len,
               AggGs1LintFailure *failure)
{
  /* Degrees plus 90, in units of 10^-7 degree. */
  return check_coordinate (value, len, G_GUINT64_CONSTANT (1800000000),
                           N_("latitude is out of range"), failure);
}

static gboolean
lint_longitude (const char        *value,
                gsize              len,
                AggGs1LintFailure *failure)
{
  /* Degrees plus 180, in units of 10^-7 degree. */
  return check_coordinate (value, len, G_GUINT64_CONSTANT (3600000000),
                           N_("longitude is out of range"), failure);
}

static gboolean
lint_importeridx (const char        *value,
                  gsize              len,
                  AggGs1LintFailure *failure)
{
  /* The EU tobacco traceability importer index: one base64url letter. */
  if (len != 1)
    return fail (failure, N_("importer index is not one character"), 0, len);
  if ((char_classes[(guchar) value[0]] & CLASS_Z) == 0)
    return fail (failure, N_("not a valid importer index"), 0, 1);

  return TRUE;
}

static gboolean
lint_nonzero (const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  gboolean zero = TRUE;
  gsize i;

  for (i = 0; i < len; i++)
    {
      if (!IS_DIGIT (value[i]))
        return fail (failure, N_("not a digit"), i, 1);
      if (value[i] != '0')
        zero = FALSE;
    }
  if (zero)
    return fail (failure, N_("value is zero"), 0, len);

  return TRUE;
}

static gboolean
lint_zero (const char        *value,
           gsize              len,
           AggGs1LintFailure *failure)
{
  gsize i;

  for (i = 0; i < len; i++)
    {
      if (value[i] != '0')
        break;
    }
  if (len == 0 || i < len)
    return fail (failure, N_("value is not zero"), 0, len);

  return TRUE;
}

static gboolean
lint_nozeroprefix (const char        *value,
                   gsize              len,
                   AggGs1LintFailure *failure)
{
  if (!check_digits (value, len, failure))
    return FALSE;
  if (len > 0 && value[0] == '0')
    return fail (failure, N_("starts with a zero"), 0, 1);

  return TRUE;
}

static gboolean
lint_hasnondigit (const char        *value,
                  gsize              len,
                  AggGs1LintFailure *failure)
{
  gsize i;

  for (i = 0; i < len; i++)
    {
      if (!IS_DIGIT (value[i]))
        return TRUE;
    }

  return fail (failure, N_("has no character other than digits"), 0, len);
}

static gboolean
lint_pieceoftotal (const char        *value,
                   gsize              len,
                   AggGs1LintFailure *failure)
{
  gsize half = len / 2;
  gsize i;

  /* A piece number followed by the total number of pieces, both of the
   * same width. */
  if (len == 0 || len % 2 != 0)
    return fail (failure, N_("piece and total are not of the same width"), 0, len);
  if (!check_digits (value, len, failure))
    return FALSE;

  for (i = 0; i < half && value[i] == '0'; i++)
    ;
  if (i == half)
    return fail (failure, N_("piece number is zero"), 0, half);
  for (i = 0; i < half && value[half + i] == '0'; i++)
    ;
  if (i == half)
    return fail (failure, N_("total number of pieces is zero"), half, half);
  if (memcmp (value, value + half, half) > 0)
    return fail (failure, N_("piece number exceeds the total"), 0, len);

  return TRUE;
}

static gboolean
lint_posinseqslash (const char        *value,
                    gsize              len,
                    AggGs1LintFailure *failure)
{
  gsize slash, end_len, i;

  for (slash = 0; slash < len && IS_DIGIT (value[slash]); slash++)
    ;
  if (slash == 0 || slash + 1 >= len || value[slash] != '/')
    return fail (failure, N_("not of the form position/total"), 0, len);
  for (i = slash + 1; i < len; i++)
    {
      if (!IS_DIGIT (value[i]))
        return fail (failure, N_("not of the form position/total"), 0, len);
    }

  end_len = len - slash - 1;
  if (value[0] == '0')
    return fail (failure, N_("number starts with a zero"), 0, slash);
  if (value[slash + 1] == '0')
    return fail (failure, N_("number starts with a zero"), slash + 1, end_len);

  /* Without leading zeros the longer number is the larger one. */
  if (slash > end_len ||
      (slash == end_len && memcmp (value, value + slash + 1, slash) > 0))
    return fail (failure, N_("position exceeds the total"), 0, len);

  return TRUE;
}

/* IBAN */

/* IBAN lengths of the countries in the ISO 13616 registry. */
static const char iban_lengths[] =
  "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 "
  "DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 "
  "GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 "
  "LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 "
  "PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 "
  "SV28 TL23 TN24 TR26 UA29 VA22 VG24 YE30";

/* The registered length for @country, or 0 when it is not listed. */
static guint
iban_length (const char *country)
{
  gsize lo = 0;
  gsize hi = sizeof (iban_lengths) / 5;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      const char *entry = iban_lengths + mid * 5;
      int cmp = memcmp (entry, country, 2);

      if (cmp == 0)
        return two_digits (entry + 2);
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return 0;
}

static gboolean
lint_iban (const char        *value,
           gsize              len,
           AggGs1LintFailure *failure)
{
  guint expected_len;
  guint remainder = 0;
  gsize i;

  if (len <= 10)
    return fail (failure, N_("too short for an IBAN"), 0, len);

  for (i = 0; i < len; i++)
    {
      if (!IS_DIGIT (value[i]) && !g_ascii_isupper (value[i]))
        return fail (failure, N_("not an IBAN character"), i, 1);
    }

  if (!WORD_LIST_CONTAINS (iso3166_alpha2_codes, 2, value, 2))
    return fail (failure, N_("not an ISO 3166 alpha-2 country code"), 0, 2);

  /* Countries outside the registry are let through as the reference
   * does; for the others a wrong length is a typing error. */
  expected_len = iban_length (value);
  if (expected_len != 0 && len != expected_len)
    return fail (failure, N_("wrong length for an IBAN of this country"), 0, len);

  /* ISO 7064 mod 97-10 over the value rotated by four characters, with
   * letters counting as 10 to 35. */
  for (i = 0; i < len; i++)
    {
      char c = value[(i + 4) % len];

      if (IS_DIGIT (c))
        remainder = (remainder * 10 + DIGIT (c)) % 97;
      else
        remainder = (remainder * 100 + (guint) (c - 'A' + 10)) % 97;
    }
  if (remainder != 1)
    return fail (failure, N_("invalid IBAN check digits"), 2, 2);

  return TRUE;
}

/* Coupons (North American Coupon Code) */

/* Reports a field that runs past the end; when nothing at all is left the
 * whole value is highlighted, as the reference does. */
static gboolean
fail_truncated (AggGs1LintFailure *failure,
                const char        *message,
                gsize              pos,
                gsize              len)
{
  if (pos == len)
    return fail (failure, message, 0, len);

  return fail (failure, message, pos, len - pos);
}

/* A variable-length field: a length digit between @min_vli and @max_vli,
 * then that many digits plus @extra.  A length digit of @none_vli (unless
 * it is 0) announces an empty field. */
static gboolean
coupon_vli_field (const char        *value,
                  gsize              len,
                  gsize             *pos,
                  char               min_vli,
                  char               max_vli,
                  char               none_vli,
                  guint              extra,
                  AggGs1LintFailure *failure)
{
  gsize field_len;
  char vli;

  if (*pos == len)
    return fail (failure, N_("coupon field length is missing"), 0, len);

  vli = value[*pos];
  if ((vli < min_vli || vli > max_vli) && (none_vli == 0 || vli != none_vli))
    return fail (failure, N_("invalid coupon field length"), *pos, 1);
  field_len = none_vli != 0 && vli == none_vli ? 0 : DIGIT (vli) + extra;

  (*pos)++;
  if (len - *pos < field_len)
    return fail_truncated (failure, N_("coupon field is truncated"), *pos, len);
  *pos += field_len;

  return TRUE;
}

static gboolean
coupon_fixed_field (gsize              len,
                    gsize             *pos,
                    gsize              field_len,
                    AggGs1LintFailure *failure)
{
  if (len - *pos < field_len)
    return fail_truncated (failure, N_("coupon field is truncated"), *pos, len);
  *pos += field_len;

  return TRUE;
}

/* A single digit, which must be one of @allowed. */
static gboolean
coupon_code_field (const char        *value,
                   gsize              len,
                   gsize             *pos,
                   const char        *allowed,
                   AggGs1LintFailure *failure)
{
  if (*pos == len)
    return fail (failure, N_("coupon field is missing"), 0, len);
  if (!is_one_of (value[*pos], allowed))
    return fail (failure, N_("invalid coupon field value"), *pos, 1);
  (*pos)++;

  return TRUE;
}

/* Purchase requirement: its length (1-5), the requirement, its code and a
 * three-digit family code. */
static gboolean
coupon_purchase (const char        *value,
                 gsize              len,
                 gsize             *pos,
                 AggGs1LintFailure *failure)
{
  return coupon_vli_field (value, len, pos, '1', '5', 0, 0, failure) &&
         coupon_code_field (value, len, pos, "012349", failure) &&
         coupon_fixed_field (len, pos, 3, failure);
}

static gboolean
coupon_date (const char        *value,
             gsize              len,
             gsize             *pos,
             AggGs1LintFailure *failure)
{
  AggGs1LintFailure ignored;

  if (len - *pos < 6)
    return fail_truncated (failure, N_("coupon date is truncated"), *pos, len);
  if (!lint_yymmdd (value + *pos, 6, &ignored))
    return fail (failure, N_("invalid coupon date"), *pos, 6);
  *pos += 6;

  return TRUE;
}

static gboolean
lint_couponcode (const char        *value,
                 gsize              len,
                 AggGs1LintFailure *failure)
{
  gsize pos = 0;
  gsize expiry = 0;

  if (!check_digits (value, len, failure))
    return FALSE;

  /* The company prefix (6-12 digits; being all digits and at least six
   * long it always passes the reference's prefix check), the offer code,
   * the save value and the first purchase requirement. */
  if (!coupon_vli_field (value, len, &pos, '0', '6', 0, 6, failure) ||
      !coupon_fixed_field (len, &pos, 6, failure) ||
      !coupon_vli_field (value, len, &pos, '1', '5', 0, 0, failure) ||
      !coupon_purchase (value, len, &pos, failure))
    return FALSE;

  /* Then optional fields, each led by its number, in increasing order.
   * 1: additional rules, second purchase and its company prefix ("9" for
   * the primary one). */
  if (pos < len && value[pos] == '1')
    {
      pos++;
      if (!coupon_code_field (value, len, &pos, "0123", failure) ||
          !coupon_purchase (value, len, &pos, failure) ||
          !coupon_vli_field (value, len, &pos, '0', '6', '9', 6, failure))
        return FALSE;
    }

  /* 2: third purchase and its company prefix. */
  if (pos < len && value[pos] == '2')
    {
      pos++;
      if (!coupon_purchase (value, len, &pos, failure) ||
          !coupon_vli_field (value, len, &pos, '0', '6', '9', 6, failure))
        return FALSE;
    }

  /* 3: expiry date. */
  if (pos < len && value[pos] == '3')
    {
      pos++;
      expiry = pos;
      if (!coupon_date (value, len, &pos, failure))
        return FALSE;
    }

  /* 4: start date, which may not follow the expiry date. */
  if (pos < len && value[pos] == '4')
    {
      pos++;
      if (!coupon_date (value, len, &pos, failure))
        return FALSE;
      if (expiry != 0 && memcmp (value + pos - 6, value + expiry, 6) > 0)
        return fail (failure, N_("coupon expires before it starts"), expiry - 1, 14);
    }

  /* 5: serial number of 6-15 digits. */
  if (pos < len && value[pos] == '5')
    {
      pos++;
      if (!coupon_vli_field (value, len, &pos, '0', '9', 0, 6, failure))
        return FALSE;
    }

  /* 6: retailer company prefix or GLN of 7-13 digits. */
  if (pos < len && value[pos] == '6')
    {
      pos++;
      if (!coupon_vli_field (value, len, &pos, '1', '7', 0, 6, failure))
        return FALSE;
    }

  /* 9: save value code, what it applies to, store coupon flag and
   * don't-multiply flag. */
  if (pos < len && value[pos] == '9')
    {
      pos++;
      if (!coupon_code_field (value, len, &pos, "01256", failure) ||
          !coupon_code_field (value, len, &pos, "012", failure) ||
          !coupon_code_field (value, len, &pos, "0123456789", failure) ||
          !coupon_code_field (value, len, &pos, "01", failure))
        return FALSE;
    }

  if (pos != len)
    return fail (failure, N_("unexpected data after the coupon fields"), pos, len - pos);

  return TRUE;
}

static gboolean
lint_couponposoffer (const char        *value,
                     gsize              len,
                     AggGs1LintFailure *failure)
{
  gsize pos = 0;

  if (!check_digits (value, len, failure))
    return FALSE;

  /* Format code, funder ID (6-12 digits), offer code, serial number (6-15
   * digits), and nothing else. */
  if (!coupon_code_field (value, len, &pos, "01", failure) ||
      !coupon_vli_field (value, len, &pos, '0', '6', 0, 6, failure) ||
      !coupon_fixed_field (len, &pos, 6, failure) ||
      !coupon_vli_field (value, len, &pos, '0', '9', 0, 6, failure))
    return FALSE;

  if (pos != len)
    return fail (failure, N_("unexpected data after the coupon fields"), pos, len - pos);

  return TRUE;
}

/* Dispatch */

static const struct
{
  const char  *name;
  LintFunc     func;
  AggGs1Error  code;
} lints[AGG_GS1_N_LINTS] = {
  [AGG_GS1_LINT_CSUM] = { "csum", lint_csum, AGG_GS1_ERROR_BAD_CHECK_DIGIT },
  [AGG_GS1_LINT_CSUMALPHA] = { "csumalpha", lint_csumalpha, AGG_GS1_ERROR_BAD_CHECK_DIGIT },
  [AGG_GS1_LINT_GCPPOS1] = { "gcppos1", lint_gcppos1, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_GCPPOS2] = { "gcppos2", lint_gcppos2, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_YYMMD0] = { "yymmd0", lint_yymmd0, AGG_GS1_ERROR_BAD_DATE },
  [AGG_GS1_LINT_YYMMDD] = { "yymmdd", lint_yymmdd, AGG_GS1_ERROR_BAD_DATE },
  [AGG_GS1_LINT_YYYYMMDD] = { "yyyymmdd", lint_yyyymmdd, AGG_GS1_ERROR_BAD_DATE },
  [AGG_GS1_LINT_HHMI] = { "hhmi", lint_hhmi, AGG_GS1_ERROR_BAD_DATE },
  [AGG_GS1_LINT_HH] = { "hh", lint_hh, AGG_GS1_ERROR_BAD_DATE },
  [AGG_GS1_LINT_MI] = { "mi", lint_mi, AGG_GS1_ERROR_BAD_DATE },
  [AGG_GS1_LINT_SS] = { "ss", lint_ss, AGG_GS1_ERROR_BAD_DATE },
  [AGG_GS1_LINT_ISO3166] = { "iso3166", lint_iso3166, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_ISO3166ALPHA2] = { "iso3166alpha2", lint_iso3166alpha2, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_ISO3166999] = { "iso3166999", lint_iso3166999, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_ISO4217] = { "iso4217", lint_iso4217, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_ISO5218] = { "iso5218", lint_iso5218, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_PCENC] = { "pcenc", lint_pcenc, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_HYPHEN] = { "hyphen", lint_hyphen, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_YESNO] = { "yesno", lint_yesno, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_LATITUDE] = { "latitude", lint_latitude, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_LONGITUDE] = { "longitude", lint_longitude, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_IMPORTERIDX] = { "importeridx", lint_importeridx, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_PACKAGETYPE] = { "packagetype", lint_packagetype, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_MEDIATYPE] = { "mediatype", lint_mediatype, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_NONZERO] = { "nonzero", lint_nonzero, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_WINDING] = { "winding", lint_winding, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_ZERO] = { "zero", lint_zero, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_PIECEOFTOTAL] = { "pieceoftotal", lint_pieceoftotal, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_IBAN] = { "iban", lint_iban, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_NOZEROPREFIX] = { "nozeroprefix", lint_nozeroprefix, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_HASNONDIGIT] = { "hasnondigit", lint_hasnondigit, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_COUPONCODE] = { "couponcode", lint_couponcode, AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_COUPONPOSOFFER] = { "couponposoffer", lint_couponposoffer,
                                    AGG_GS1_ERROR_BAD_VALUE },
  [AGG_GS1_LINT_POSINSEQSLASH] = { "posinseqslash", lint_posinseqslash,
                                   AGG_GS1_ERROR_BAD_VALUE },
};

gboolean
agg_gs1_lint (AggGs1Lint         lint,
              const char        *value,
              gsize              len,
              AggGs1LintFailure *failure)
{
  AggGs1LintFailure ignored;

  g_return_val_if_fail ((guint) lint < AGG_GS1_N_LINTS, FALSE);
  g_return_val_if_fail (value != NULL || len == 0, FALSE);

  if (lint == AGG_GS1_LINT_NONE)
    return TRUE;
  if (failure == NULL)
    failure = &ignored;

  if (G_LIKELY (lints[lint].func (value, len, failure)))
    return TRUE;

  failure->code = lints[lint].code;
  return FALSE;
}

const char *
agg_gs1_lint_get_name (AggGs1Lint lint)
{
  g_return_val_if_fail ((guint) lint < AGG_GS1_N_LINTS, NULL);

  return lints[lint].name;
}
