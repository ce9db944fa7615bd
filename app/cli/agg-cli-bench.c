/* agg-cli-bench.c: aggctl bench
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-gs1.h"

#define N_CODES 4096

typedef char *(*MakeCode) (GRand *rand, const char *gtin);

static void
random_alnum (GRand *rand,
              char  *out,
              guint  len)
{
  static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

  for (guint i = 0; i < len; i++)
    out[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
  out[len] = '\0';
}

/* A unit code as a pharma DataMatrix carries it: GTIN, expiry, lot, serial. */
static char *
make_scan_data (GRand      *rand,
                const char *gtin)
{
  char lot[9], serial[13];

  random_alnum (rand, lot, 6);
  random_alnum (rand, serial, 12);
  return g_strdup_printf ("]d201%s17%02d%02d%02d10%s\x1d" "21%s", gtin,
                          g_rand_int_range (rand, 26, 40), g_rand_int_range (rand, 1, 13),
                          g_rand_int_range (rand, 1, 29), lot, serial);
}

static char *
make_bracketed (GRand      *rand,
                const char *gtin)
{
  char lot[9], serial[13];

  random_alnum (rand, lot, 6);
  random_alnum (rand, serial, 12);
  return g_strdup_printf ("(01)%s(17)%02d%02d%02d(10)%s(21)%s", gtin,
                          g_rand_int_range (rand, 26, 40), g_rand_int_range (rand, 1, 13),
                          g_rand_int_range (rand, 1, 29), lot, serial);
}

static char *
make_digital_link (GRand      *rand,
                   const char *gtin)
{
  char lot[9], serial[13];

  random_alnum (rand, lot, 6);
  random_alnum (rand, serial, 12);
  return g_strdup_printf ("https://id.gs1.org/01/%s/10/%s/21/%s?17=%02d%02d%02d", gtin, lot,
                          serial, g_rand_int_range (rand, 26, 40),
                          g_rand_int_range (rand, 1, 13), g_rand_int_range (rand, 1, 29));
}

/* Parses the codes round and round for @seconds; returns codes per second,
 * or -1 when a code did not parse (the benchmark is then meaningless). */
static double
run (char   **codes,
     double   seconds)
{
  AggGs1Data *data = g_new (AggGs1Data, 1);
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 now;
  guint64 parsed = 0;
  gsize lens[N_CODES];

  for (guint i = 0; i < N_CODES; i++)
    lens[i] = strlen (codes[i]);

  do
    {
      for (guint i = 0; i < N_CODES; i++)
        {
          if (G_UNLIKELY (!agg_gs1_parse (codes[i], lens[i], data, NULL)))
            {
              fprintf (stderr, "aggctl: %s: %s\n", _("benchmark code did not parse"), codes[i]);
              g_free (data);
              return -1;
            }
        }
      parsed += N_CODES;
      now = g_get_monotonic_time ();
    }
  while (now < end);

  g_free (data);
  return parsed / ((now - start) / (double) G_USEC_PER_SEC);
}

static int
bench_gs1 (double seconds)
{
  static const char *gtins[] = { "09506000134352", "09506000134376", "04012345000016" };
  static const struct {
    const char *name;
    MakeCode    make;
  } forms[] = {
    { "scan data ]d2", make_scan_data },
    { "bracketed", make_bracketed },
    { "Digital Link", make_digital_link },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  int status = AGG_CLI_EXIT_OK;

  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      char **codes = g_new0 (char *, N_CODES + 1);
      double rate;

      for (guint i = 0; i < N_CODES; i++)
        codes[i] = forms[f].make (rand, gtins[i % G_N_ELEMENTS (gtins)]);

      /* Warm the caches and the AI index before timing. */
      run (codes, seconds / 10);
      rate = run (codes, seconds);
      if (rate < 0)
        status = AGG_CLI_EXIT_FAILED;
      else
        printf ("gs1 parse, %-14s %10.0f codes/s  %6.0f ns/code  (one core, %u distinct pharma unit codes)\n",
                forms[f].name, rate, 1e9 / rate, N_CODES);
      g_strfreev (codes);
    }

  return status;
}

int
agg_cli_bench (int    argc,
               char **argv)
{
  double seconds = 2.0;

  if (argc < 2 || strcmp (argv[1], "gs1") != 0)
    return agg_cli_usage_error (_("usage: aggctl bench gs1 [--seconds N]"));

  if (argc == 4 && strcmp (argv[2], "--seconds") == 0)
    {
      seconds = g_ascii_strtod (argv[3], NULL);
      if (seconds <= 0 || seconds > 600)
        return agg_cli_usage_error (_("--seconds takes a number between 0 and 600"));
    }
  else if (argc != 2)
    return agg_cli_usage_error (_("usage: aggctl bench gs1 [--seconds N]"));

  return bench_gs1 (seconds);
}
