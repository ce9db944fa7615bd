/* agg-cli-decode.c: aggctl decode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decodes image files as the station decodes camera frames: through the
 * supervised helper, so that a hostile file costs an error message, not
 * the command.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "agg-cli.h"
#include "agg-decode-private.h"
#include "agg-decoder.h"

typedef struct
{
  GMainLoop        *loop;
  AggDecodeResult  *result;
  GError           *error;
} Wait;

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = agg_decoder_decode_finish (AGG_DECODER (source), result, &wait->error);
  g_main_loop_quit (wait->loop);
}

/* The data as a terminal shows it: GS as "<GS>", other control bytes and
 * bytes beyond ASCII as \xNN. */
static char *
printable (const AggDecodedCode *code)
{
  GString *out = g_string_sized_new (code->len + 8);

  for (gsize i = 0; i < code->len; i++)
    {
      guchar c = code->data[i];

      if (c == 0x1d)
        g_string_append (out, "<GS>");
      else if (c < 0x20 || c >= 0x7f || c == '\\')
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, c);
    }
  return g_string_free (out, FALSE);
}

static void
print_text (const char            *path,
            const AggDecodeResult *result)
{
  g_autofree char *name = g_filename_display_name (path);

  /* TRANSLATORS: an image, how many codes were read, the time in milliseconds and
   * how many places of the image looked like codes. */
  printf (ngettext ("%s: %u code in %.1f ms (%u candidate regions)",
                    "%s: %u codes in %.1f ms (%u candidate regions)", result->codes->len),
          name, result->codes->len, result->elapsed_ms, result->n_regions);
  if (result->deadline_hit)
    printf (" %s", _("— the deadline ended the search"));
  printf ("\n");

  for (guint i = 0; i < result->codes->len; i++)
    {
      const AggDecodedCode *code = g_ptr_array_index (result->codes, i);
      g_autofree char *data = printable (code);
      g_autofree char *slot = code->slot >= 0 ? g_strdup_printf ("%d", code->slot) : g_strdup ("-");

      printf ("  %-4s %7.1f,%-7.1f %7.1f,%-7.1f %7.1f,%-7.1f %7.1f,%-7.1f %s%s\n", slot,
              code->corners[0][0], code->corners[0][1], code->corners[1][0], code->corners[1][1],
              code->corners[2][0], code->corners[2][1], code->corners[3][0], code->corners[3][1],
              data, code->duplicate ? _(" (duplicate)") : "");
    }

  if (result->empty_slots->len > 0)
    {
      printf ("  %s", _("Empty slots:"));
      for (guint i = 0; i < result->empty_slots->len; i++)
        printf (" %d", g_array_index (result->empty_slots, int, i));
      printf ("\n");
    }
}

static void
print_json (const char            *path,
            const AggDecodeResult *result,
            const GError          *error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *name = g_filename_display_name (path);
  JsonObject *object;

  if (result != NULL)
    root = agg_decode_result_to_json (result);
  else
    {
      JsonObject *failure = json_object_new ();

      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
      json_object_set_string_member (failure, "message", error->message);
      json_object_set_object_member (json_node_get_object (root), "error", failure);
    }
  object = json_node_get_object (root);
  json_object_set_string_member (object, "image", name);

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

static gboolean
parse_uint (const char *text,
            guint       min,
            guint       max,
            guint      *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;
  *out = value;
  return TRUE;
}

static gboolean
parse_layout (const char *text,
              guint      *rows,
              guint      *cols)
{
  g_auto(GStrv) parts = g_strsplit (text, "x", -1);

  return g_strv_length (parts) == 2
         && parse_uint (parts[0], 1, 100, rows)
         && parse_uint (parts[1], 1, 100, cols);
}

int
agg_cli_decode (int    argc,
                char **argv)
{
  g_autoptr(AggDecoder) decoder = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  AggDecodeOptions options;
  gboolean json = FALSE;
  int status = AGG_CLI_EXIT_OK;
  int first = argc;

  agg_decode_options_init (&options);

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (strcmp (arg, "--") == 0)
        {
          first = i + 1;
          break;
        }
      if (arg[0] != '-' || arg[1] == '\0')
        {
          first = i;
          break;
        }
      if (strcmp (arg, "--json") == 0)
        {
          json = TRUE;
          continue;
        }
      if (i + 1 >= argc)
        return agg_cli_usage_error (_("“%s” needs a value"), arg);
      if (strcmp (arg, "--expect") == 0)
        {
          if (!parse_uint (argv[++i], 1, 10000, &options.expect))
            return agg_cli_usage_error (_("--expect takes a number of codes, 1 to 10000"));
        }
      else if (strcmp (arg, "--layout") == 0)
        {
          if (!parse_layout (argv[++i], &options.rows, &options.cols))
            return agg_cli_usage_error (_("--layout takes ROWSxCOLS, each 1 to 100, such as 4x6"));
        }
      else if (strcmp (arg, "--deadline") == 0)
        {
          if (!parse_uint (argv[++i], 1, 60000, &options.deadline_ms))
            return agg_cli_usage_error (_("--deadline takes milliseconds, 1 to 60000"));
        }
      else
        return agg_cli_usage_error (_("unknown option “%s”"), arg);
    }

  if (first >= argc)
    return agg_cli_usage_error (_("usage: aggctl decode [--json] [--expect N] "
                                  "[--layout ROWSxCOLS] [--deadline MS] IMAGE…"));

  decoder = agg_decoder_new ();
  loop = g_main_loop_new (NULL, FALSE);

  for (int i = first; i < argc; i++)
    {
      Wait wait = { loop, NULL, NULL };

      agg_decoder_decode_file_async (decoder, argv[i], &options, NULL, decoded_cb, &wait);
      g_main_loop_run (loop);

      if (json)
        print_json (argv[i], wait.result, wait.error);
      else if (wait.result != NULL)
        print_text (argv[i], wait.result);

      if (wait.result == NULL)
        {
          if (!json)
            agg_cli_failure ("%s", wait.error->message);
          status = AGG_CLI_EXIT_FAILED;
        }
      else
        {
          guint read = 0;

          /* A duplicate is one unit read twice, not one more unit. */
          for (guint c = 0; c < wait.result->codes->len; c++)
            read += !((AggDecodedCode *) g_ptr_array_index (wait.result->codes, c))->duplicate;
          if (read < options.expect)
            status = AGG_CLI_EXIT_FAILED;
        }

      g_clear_pointer (&wait.result, agg_decode_result_free);
      g_clear_error (&wait.error);
    }

  return status;
}
