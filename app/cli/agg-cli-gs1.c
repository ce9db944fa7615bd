/* agg-cli-gs1.c: aggctl gs1, sscc and demo
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-gs1.h"

static char *
parse_result_to_json (const AggGs1Data *data,
                      gboolean          valid,
                      const GError     *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) hri = agg_gs1_data_to_hri (data);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "valid");
  json_builder_add_boolean_value (builder, valid);

  json_builder_set_member_name (builder, "ais");
  json_builder_begin_array (builder);
  for (guint i = 0; i < data->n_elements; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ai");
      json_builder_add_string_value (builder, data->elements[i].ai);
      json_builder_set_member_name (builder, "value");
      json_builder_add_string_value (builder, agg_gs1_data_get_value (data, i));
      json_builder_set_member_name (builder, "title");
      json_builder_add_string_value (builder,
                                     agg_gs1_ai_info_get_title (data->elements[i].info));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "hri");
  json_builder_begin_array (builder);
  for (guint i = 0; hri[i] != NULL; i++)
    json_builder_add_string_value (builder, hri[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "error");
  if (valid)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
      json_builder_set_member_name (builder, "ai");
      if (data->error_ai[0] != '\0')
        json_builder_add_string_value (builder, data->error_ai);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "offset");
      if (data->error_offset >= 0)
        json_builder_add_int_value (builder, data->error_offset);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* One column per input byte, so that a caret can point at an offset:
 * GS shows as "␝", other unprintable bytes as "?". */
static char *
printable_input (const char *input,
                 gsize       len)
{
  GString *s = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      guchar c = input[i];

      if (c == 0x1d)
        g_string_append (s, "␝");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_c (s, '?');
      else
        g_string_append_c (s, c);
    }

  return g_string_free (s, FALSE);
}

static void
print_human (FILE             *out,
             const char       *input,
             gsize             len,
             const AggGs1Data *data,
             gboolean          valid,
             const GError     *error)
{
  g_auto(GStrv) hri = agg_gs1_data_to_hri (data);

  for (guint i = 0; hri[i] != NULL; i++)
    fprintf (out, "%-24s %s\n", hri[i], agg_gs1_ai_info_get_title (data->elements[i].info));

  if (!valid)
    {
      g_autofree char *shown = printable_input (input, len);

      fprintf (out, "%s %s\n", _("Invalid:"), error->message);
      fprintf (out, "  %s\n", shown);
      if (data->error_offset >= 0)
        fprintf (out, "  %*s^\n", (int) MIN ((gsize) data->error_offset, len), "");
    }
}

static gboolean
parse_one (const char *input,
           gsize       len,
           gboolean    json)
{
  g_autoptr(GError) error = NULL;
  AggGs1Data *data = g_new (AggGs1Data, 1);
  gboolean valid = agg_gs1_parse (input, len, data, &error);

  if (json)
    {
      g_autofree char *line = parse_result_to_json (data, valid, error);
      printf ("%s\n", line);
    }
  else
    print_human (stdout, input, len, data, valid, error);

  fflush (stdout);
  g_free (data);
  return valid;
}

static int
gs1_parse (int    argc,
           char **argv)
{
  gboolean json = FALSE;
  const char *input = NULL;
  gboolean all_valid = TRUE;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        json = TRUE;
      else if (input == NULL)
        input = argv[i];
      else
        return agg_cli_usage_error (_("gs1 parse takes one input; use “-” to read lines"));
    }

  if (input == NULL)
    return agg_cli_usage_error (_("usage: aggctl gs1 parse [--json] DATA|-"));

  if (strcmp (input, "-") == 0)
    {
      char *line = NULL;
      size_t size = 0;
      gssize n;

      while ((n = getline (&line, &size, stdin)) >= 0)
        {
          while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
          if (!parse_one (line, n, json))
            all_valid = FALSE;
        }
      free (line);
    }
  else
    all_valid = parse_one (input, strlen (input), json);

  return all_valid ? AGG_CLI_EXIT_OK : AGG_CLI_EXIT_FAILED;
}

int
agg_cli_gs1 (int    argc,
             char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "parse") == 0)
    return gs1_parse (argc - 1, argv + 1);

  return agg_cli_usage_error (_("usage: aggctl gs1 parse [--json] DATA|-"));
}

static gboolean
parse_uint64 (const char *text,
              guint64     max,
              guint64    *out)
{
  return g_ascii_string_to_unsigned (text, 10, 0, max, out, NULL);
}

static int
sscc_make (int    argc,
           char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sscc = NULL;
  const char *gcp = NULL;
  guint64 ext = G_MAXUINT64;
  guint64 ref = G_MAXUINT64;

  for (int i = 1; i < argc; i++)
    {
      if (i + 1 >= argc)
        return agg_cli_usage_error (_("“%s” needs a value"), argv[i]);
      if (strcmp (argv[i], "--gcp") == 0)
        gcp = argv[++i];
      else if (strcmp (argv[i], "--ext") == 0)
        {
          if (!parse_uint64 (argv[++i], 9, &ext))
            return agg_cli_usage_error (_("--ext takes one digit, 0 to 9"));
        }
      else if (strcmp (argv[i], "--ref") == 0)
        {
          if (!parse_uint64 (argv[++i], G_MAXUINT64 - 1, &ref))
            return agg_cli_usage_error (_("--ref takes a serial reference of digits only"));
        }
      else
        return agg_cli_usage_error (_("unknown option “%s”"), argv[i]);
    }

  if (gcp == NULL || ext == G_MAXUINT64 || ref == G_MAXUINT64)
    return agg_cli_usage_error (_("usage: aggctl sscc make --gcp PREFIX --ext DIGIT --ref NUMBER"));

  sscc = agg_gs1_sscc_make (gcp, (guint) ext, ref, &error);
  if (sscc == NULL)
    return agg_cli_failure ("%s", error->message);

  printf ("%s\n", sscc);
  return AGG_CLI_EXIT_OK;
}

static int
sscc_check (int    argc,
            char **argv)
{
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    return agg_cli_usage_error (_("usage: aggctl sscc check SSCC"));

  if (!agg_gs1_sscc_check (argv[1], &error))
    {
      printf ("%s %s\n", _("Invalid:"), error->message);
      return AGG_CLI_EXIT_FAILED;
    }

  /* Translators: %s is an 18-digit SSCC. */
  printf (_("Valid SSCC %s\n"), argv[1]);
  return AGG_CLI_EXIT_OK;
}

int
agg_cli_sscc (int    argc,
              char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "make") == 0)
    return sscc_make (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "check") == 0)
    return sscc_check (argc - 1, argv + 1);

  return agg_cli_usage_error (_("usage: aggctl sscc make|check …"));
}

int
agg_cli_demo (int    argc,
              char **argv)
{
  /* What a line sees in a shift: good codes in every form, and the faults
   * the station must catch before they reach the record. */
  static const struct {
    const char *what;
    const char *input;
  } scans[] = {
    { N_("Unit, GS1 DataMatrix"), "]d2010950600013435217281231" "10DEMO01\x1d" "21SN0000001" },
    { N_("Unit, element string"), "\x1d" "010950600013435217281231" "10DEMO01\x1d" "21SN0000002" },
    { N_("Unit, bracketed"), "(01)09506000134352(17)281231(10)DEMO01(21)SN0000003" },
    { N_("Unit, Digital Link"), "https://id.gs1.org/01/09506000134352/10/DEMO01/21/SN0000004?17=281231" },
    { N_("Case SSCC, GS1-128"), "]C100009506000100000018" },
    { N_("Wrong check digit"), "]d2010950600013435317281231" "10DEMO01\x1d" "21SN0000005" },
    { N_("Month 13"), "]d2010950600013435217281331" "10DEMO01\x1d" "21SN0000006" },
    { N_("Lost GS: the lot ran into the serial"), "]d2010950600013435217281231" "10DEMO01" "21SN00000000007" },
    { N_("Serial without GTIN"), "]d221SN0000008" },
    { N_("Not GS1 (plain DataMatrix)"), "]d1HELLO" },
  };

  if (argc > 1)
    return agg_cli_usage_error (_("demo takes no arguments"));

  printf ("%s\n\n", _("Aggregation Station: what the GS1 core makes of typical scans."));
  for (guint i = 0; i < G_N_ELEMENTS (scans); i++)
    {
      g_autofree char *shown = NULL;
      gsize len = strlen (scans[i].input);

      shown = printable_input (scans[i].input, len);
      printf ("== %s\n   %s\n", _(scans[i].what), shown);
      parse_one (scans[i].input, len, FALSE);
      printf ("\n");
    }

  printf ("%s\n", _("Try: aggctl gs1 parse --json '(01)09506000134352(17)281231(10)DEMO01(21)ABC'"));
  return AGG_CLI_EXIT_OK;
}
