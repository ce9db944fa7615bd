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
  { "gs1",       agg_cli_gs1,       N_("Parse and check GS1 codes: gs1 parse [--json] DATA|-") },
  { "sscc",      agg_cli_sscc,      N_("Make or check an SSCC: sscc make --gcp P --ext D --ref N | sscc check SSCC") },
  { "bench",     agg_cli_bench,     N_("Measure the engine: bench gs1 | epcis | line | readers | label | print") },
  { "demo",      agg_cli_demo,      N_("Show what the station makes of typical scans") },
  { "init",      agg_cli_init,      N_("Create the database: init --demo | init --admin USER --name NAME") },
  { "run",       agg_cli_run,       N_("The headless station: commands on stdin, one JSON line each (run --help)") },
  { "status",    agg_cli_status,    N_("The station's figures, devices and faults: status [--json]") },
  { "show",      agg_cli_show,      N_("Show a unit, case or pallet: show [--json] CODE") },
  { "user",      agg_cli_user,      N_("Users: user add|passwd|disable|enable|list …") },
  { "product",   agg_cli_product,   N_("Master data: product import FILE") },
  { "workorder", agg_cli_workorder, N_("Work orders: workorder import FILE | list [--json] | close ORDER REASON") },
  { "events",    agg_cli_events,    N_("The EPCIS outbox: events list [--pending] [--json] | exceptions [--json] | resend|handled ID REASON") },
  { "epcis",     agg_cli_epcis,     N_("EPCIS documents of the outbox: epcis export --format jsonld|xml|xml12 …") },
  { "audit",     agg_cli_audit,     N_("The audit trail: audit list [--json] [--object CODE] | audit verify") },
  { "backup",    agg_cli_backup,    N_("Copy the database while it is in use: backup PATH") },
  { "scanner",   agg_cli_scanner,   N_("Barcode readers: scanner list [--json] | scanner listen [--json] [--count N] [NAME…]") },
  { "label",     agg_cli_label,     N_("A case's or pallet's label: label [--format zpl|pdf|png] [--dpi N] [--size a6|4x6] CONTAINER") },
  { "print",     agg_cli_print,     N_("Send a case's or pallet's label now: print [--printer NAME] [--reprint-reason R] CONTAINER") },
  { "printer",   agg_cli_printer,   N_("Printers: printer status [--json] [NAME] | printer serve") },
  { "sync",      agg_cli_sync,      N_("Deliver the outbox to the EPCIS repository of --config: sync [--once]") },
  { "decode",    agg_cli_decode,    N_("Read every DataMatrix in images: decode [--json] [--expect N] [--layout RxC] [--deadline MS] IMAGE…") },
  { "camera",    agg_cli_camera,    N_("Commission the cameras: camera list | status NAME | trigger NAME [--json]") },
  { "plc",       agg_cli_plc,       N_("Commission the PLC: plc status [--json] | plc pulse reject|test-lights") },
};

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: aggctl [OPTION…] COMMAND [ARGUMENT…]"));
  fprintf (out, "%s\n", _("Options:"));
  fprintf (out, "  %-14s %s\n", "--db PATH", _("The station's database (default: the user's data directory)"));
  fprintf (out, "  %-14s %s\n", "--config FILE", _("The station's devices and upstream (default: the user's configuration directory)"));
  fprintf (out, "  %-14s %s\n", "--as USER", _("Who runs an administrative command; the PIN comes from AGGCTL_PIN or the first line of input"));
  fprintf (out, "\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-14s %s\n", commands[i].name, _(commands[i].summary));
}

/* Takes the value after the option at *@i, and steps over it. */
static gboolean
option_value (int          argc,
              char       **argv,
              int         *i,
              const char **value)
{
  if (*i + 1 >= argc || argv[*i + 1][0] == '\0')
    {
      agg_cli_usage_error (_("“%s” needs a value"), argv[*i]);
      return FALSE;
    }

  *i += 1;
  *value = argv[*i];
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  int first;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Global options come before the command, which parses the rest. */
  for (first = 1; first < argc && argv[first][0] == '-'; first++)
    {
      if (strcmp (argv[first], "--help") == 0)
        {
          print_help (stdout);
          return AGG_CLI_EXIT_OK;
        }
      else if (strcmp (argv[first], "--version") == 0)
        {
          printf ("aggctl %s\n", PACKAGE_VERSION);
          return AGG_CLI_EXIT_OK;
        }
      else if (strcmp (argv[first], "--db") == 0)
        {
          if (!option_value (argc, argv, &first, &agg_cli_globals.db_path))
            return AGG_CLI_EXIT_USAGE;
        }
      else if (strcmp (argv[first], "--config") == 0)
        {
          if (!option_value (argc, argv, &first, &agg_cli_globals.config_path))
            return AGG_CLI_EXIT_USAGE;
        }
      else if (strcmp (argv[first], "--as") == 0)
        {
          if (!option_value (argc, argv, &first, &agg_cli_globals.as_user))
            return AGG_CLI_EXIT_USAGE;
        }
      else
        {
          agg_cli_usage_error (_("unknown option “%s”"), argv[first]);
          print_help (stderr);
          return AGG_CLI_EXIT_USAGE;
        }
    }

  if (first >= argc)
    {
      print_help (stderr);
      return AGG_CLI_EXIT_USAGE;
    }

  if (strcmp (argv[first], "help") == 0)
    {
      print_help (stdout);
      return AGG_CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[first], commands[i].name) == 0)
      return commands[i].run (argc - first, argv + first);

  agg_cli_usage_error (_("unknown command “%s”"), argv[first]);
  print_help (stderr);
  return AGG_CLI_EXIT_USAGE;
}
