/* aggctl.c: the station's command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "gs1",   agg_cli_gs1,   N_("Parse and check GS1 codes: gs1 parse [--json] DATA|-") },
  { "sscc",  agg_cli_sscc,  N_("Make or check an SSCC: sscc make --gcp P --ext D --ref N | sscc check SSCC") },
  { "bench", agg_cli_bench, N_("Measure the engine: bench gs1") },
  { "demo",  agg_cli_demo,  N_("Show what the station makes of typical scans") },
};

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: aggctl COMMAND [ARGUMENT…]"));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-7s %s\n", commands[i].name, _(commands[i].summary));
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_help (stderr);
      return AGG_CLI_EXIT_USAGE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_help (stdout);
      return AGG_CLI_EXIT_OK;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("aggctl %s\n", PACKAGE_VERSION);
      return AGG_CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  agg_cli_usage_error (_("unknown command “%s”"), argv[1]);
  print_help (stderr);
  return AGG_CLI_EXIT_USAGE;
}
