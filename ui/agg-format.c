/* agg-format.c: codes and dates as people on the line read them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "agg-format.h"

/* "(00) 0 0950 6000 0000 0001 9": the extension and check digits apart,
 * the rest in fours, as people read long numbers aloud.  Anything else
 * is shown as it is. */
char *
agg_format_sscc (const char *sscc)
{
  if (sscc == NULL || strlen (sscc) != 18)
    return g_strdup (sscc ? sscc : "");
  return g_strdup_printf ("(00) %.1s %.4s %.4s %.4s %.4s %.1s",
                          sscc, sscc + 1, sscc + 5, sscc + 9, sscc + 13, sscc + 17);
}

/* A GS1 date, YYMMDD, as the ISO date the engine checks it as: the
 * century that puts the year 49 back to 50 ahead of this one, and day 00
 * for the month's last.  Not a date: shown as it is. */
char *
agg_format_expiry (const char *yymmdd)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  int this_year = g_date_time_get_year (now);
  int year, month, day;

  if (yymmdd == NULL || strlen (yymmdd) != 6 || strspn (yymmdd, "0123456789") != 6)
    return g_strdup (yymmdd ? yymmdd : "");

  year = this_year - this_year % 100 + (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
  month = (yymmdd[2] - '0') * 10 + (yymmdd[3] - '0');
  day = (yymmdd[4] - '0') * 10 + (yymmdd[5] - '0');
  if (year - this_year > 50)
    year -= 100;
  else if (this_year - year > 49)
    year += 100;

  if (!g_date_valid_month (month))
    return g_strdup (yymmdd);
  if (day == 0)
    day = g_date_get_days_in_month (month, year);
  if (!g_date_valid_dmy (day, month, year))
    return g_strdup (yymmdd);
  return g_strdup_printf ("%04d-%02d-%02d", year, month, day);
}
