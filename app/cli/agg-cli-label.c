/* agg-cli-label.c: aggctl label, and aggctl bench label
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agg-cli.h"
#include "agg-label.h"

#define LABEL_USAGE N_("usage: aggctl label [--format zpl|pdf|png] [--dpi 203|300|600] " \
                       "[--size a6|4x6] [--template NAME|FILE] [--reprint] CONTAINER")

/* The options "label" and "bench label" share. */
static gboolean
parse_dpi (const char *text,
           guint      *dpi)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 1200, &value, NULL) ||
      (value != 203 && value != 300 && value != 600))
    return FALSE;
  *dpi = value;
  return TRUE;
}

int
agg_cli_label (int    argc,
               char **argv)
{
  g_autoptr(AggStore) store = NULL;
  g_autoptr(AggConfig) config = NULL;
  g_autoptr(AggLabel) label = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  AggLabelOptions options = { 203, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
  AggLabelFormat format = AGG_LABEL_FORMAT_ZPL;
  const char *code = NULL;
  gconstpointer data;
  gsize len;

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *value = i + 1 < argc ? argv[i + 1] : NULL;

      if (strcmp (arg, "--reprint") == 0)
        options.reprint = TRUE;
      else if (strcmp (arg, "--format") == 0 || strcmp (arg, "--dpi") == 0 ||
               strcmp (arg, "--size") == 0 || strcmp (arg, "--template") == 0)
        {
          if (value == NULL || *value == '\0')
            return agg_cli_usage_error (_("“%s” needs a value"), arg);
          i++;
          if (strcmp (arg, "--format") == 0 && !agg_label_format_from_string (value, &format))
            return agg_cli_usage_error (_("--format is zpl, pdf or png, not “%s”"), value);
          if (strcmp (arg, "--dpi") == 0 && !parse_dpi (value, &options.dpi))
            return agg_cli_usage_error (_("--dpi is 203, 300 or 600, not “%s”"), value);
          if (strcmp (arg, "--size") == 0 && !agg_label_size_from_string (value, &options.size))
            return agg_cli_usage_error (_("--size is a6 or 4x6, not “%s”"), value);
          if (strcmp (arg, "--template") == 0)
            options.template_name = value;
        }
      else if (arg[0] == '-' && arg[1] != '\0')
        return agg_cli_usage_error ("%s", _(LABEL_USAGE));
      else if (code == NULL)
        code = arg;
      else
        return agg_cli_usage_error ("%s", _(LABEL_USAGE));
    }
  if (code == NULL)
    return agg_cli_usage_error ("%s", _(LABEL_USAGE));

  /* A PNG or PDF on a terminal is noise that can upset it. */
  if (format != AGG_LABEL_FORMAT_ZPL && isatty (STDOUT_FILENO))
    return agg_cli_usage_error (_("A PNG or PDF label goes to a file or a pipe, not to the "
                                  "terminal: add “> FILE”"));

  if (!agg_cli_open_station (&config, &store))
    return AGG_CLI_EXIT_FAILED;
  options.config = config;

  label = agg_label_load (store, code, &error);
  if (label == NULL)
    return agg_cli_failure ("%s", error->message);
  bytes = agg_label_render (label, format, &options, &error);
  if (bytes == NULL)
    return agg_cli_failure ("%s", error->message);

  data = g_bytes_get_data (bytes, &len);
  if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
    return agg_cli_failure (_("The label could not be written: %s"), g_strerror (errno));
  return AGG_CLI_EXIT_OK;
}

/* Benchmark */

typedef struct
{
  const char     *name;
  AggLabelFormat  format;
  guint           dpi;
  double          target_ms;                /* 0: none */
} BenchCase;

static int
bench_one (AggLabel        *label,
           const BenchCase *bench,
           double           seconds)
{
  AggLabelOptions options = { bench->dpi, AGG_LABEL_SIZE_A6, NULL, FALSE, NULL };
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  gsize bytes = 0;
  guint n = 0;
  double ms;

  do
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) rendered = agg_label_render (label, bench->format, &options, &error);

      if (rendered == NULL)
        return agg_cli_failure ("%s", error->message);
      bytes = g_bytes_get_size (rendered);
      n++;
      elapsed = g_get_monotonic_time () - start;
    }
  while (elapsed < seconds * G_USEC_PER_SEC);

  ms = elapsed / 1000.0 / n;
  printf ("label %-4s %3u dpi  %8.3f ms/label  %8" G_GSIZE_FORMAT " bytes  (%u labels)", bench->name,
          bench->dpi, ms, bytes, n);
  if (bench->target_ms > 0)
    printf ("  target <= %g ms %s", bench->target_ms, ms <= bench->target_ms ? "met" : "MISSED");
  printf ("\n");
  fflush (stdout);
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_bench_label (int    argc,
                     char **argv)
{
  static const BenchCase benches[] = {
    { "zpl", AGG_LABEL_FORMAT_ZPL, 203, 5 },
    { "zpl", AGG_LABEL_FORMAT_ZPL, 600, 5 },
    { "png", AGG_LABEL_FORMAT_PNG, 203, 0 },
    { "png", AGG_LABEL_FORMAT_PNG, 300, 50 },
    { "pdf", AGG_LABEL_FORMAT_PDF, 300, 0 },
  };
  const AggLabelContent content = {
    .sscc = "395060000000000016",
    .description = "Demo tablets 20 mg, 28 pieces",
    .gtin = "09506000134352",
    .count = 12,
    .lot = "DEMO01",
    .date = "281231",
    .company = "Demo Pharma Ltd",
    .line_name = "Line 1",
    .station_name = "Aggregation station",
  };
  g_autoptr(AggLabel) label = NULL;
  g_autoptr(GError) error = NULL;
  double seconds = 1.0;

  if (argc == 4 && strcmp (argv[2], "--seconds") == 0)
    {
      seconds = g_ascii_strtod (argv[3], NULL);
      if (seconds <= 0 || seconds > 600)
        return agg_cli_usage_error (_("--seconds takes a number between 0 and 600"));
    }
  else if (argc != 2)
    return agg_cli_usage_error (_("usage: aggctl bench label [--seconds N]"));

  label = agg_label_new (&content, &error);
  if (label == NULL)
    return agg_cli_failure ("%s", error->message);

  printf ("bench label: one A6 case label (header, 3 GS1-128 symbols), rendered in a loop "
          "for %g s each, one core\n", seconds);
  for (guint i = 0; i < G_N_ELEMENTS (benches); i++)
    {
      int status = bench_one (label, &benches[i], seconds);

      if (status != AGG_CLI_EXIT_OK)
        return status;
    }
  return AGG_CLI_EXIT_OK;
}
