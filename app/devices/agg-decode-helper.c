/* agg-decode-helper.c: the process that decodes camera images for AggDecoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One request a line on standard input, one answer a line on standard
 * output, both JSON:
 *
 *   {"op": "gray", "width": W, "height": H, "stride": S, "options": {…}}
 *       the pixels are the first S × H bytes of the shared memory file
 *       on descriptor 3;
 *   {"op": "file", "path": "…", "options": {…}}
 *       the helper reads the file itself;
 *
 *   {"result": {…}}  (agg_decode_result_to_json ())
 *   {"error": {"domain": "…", "code": N, "message": "…"}}
 *
 * It ends at the end of its input, and with its parent.  Whatever harms
 * it — a crash in libdmtx or an image loader, a stall — harms only it:
 * AggDecoder starts another.
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef AGG_DECODE_HELPER_FAULTS
#include <sys/resource.h>
#endif

#include "agg-decode-private.h"

#define PIXELS_FD 3

static void
answer (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
answer_error (const GError *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "domain");
  json_builder_add_string_value (builder, g_quark_to_string (error->domain));
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, error->code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  answer (root);
}

static void
answer_result (const AggDecodeResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "result");
  json_builder_add_value (builder, agg_decode_result_to_json (result));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  answer (root);
}

static AggDecodeResult *
decode_shared (JsonObject              *request,
               const AggDecodeOptions  *options,
               GError                 **error)
{
  gint64 width = json_object_get_int_member_with_default (request, "width", 0);
  gint64 height = json_object_get_int_member_with_default (request, "height", 0);
  gint64 stride = json_object_get_int_member_with_default (request, "stride", 0);
  struct stat st;
  gsize size;
  void *map;
  AggDecodeResult *result;

  if (width <= 0 || height <= 0 || stride < width || width > G_MAXUINT || height > G_MAXUINT
      || (guint64) width * height > AGG_DECODE_MAX_PIXELS || stride > G_MAXINT)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID,
                   _("The image of %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " pixels cannot be "
                     "decoded"), width, height);
      return NULL;
    }

  size = (gsize) stride * height;
  if (fstat (PIXELS_FD, &st) != 0 || (guint64) st.st_size < size)
    {
      g_set_error (error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID,
                   _("The image's pixels were not handed over"));
      return NULL;
    }

  map = mmap (NULL, size, PROT_READ, MAP_SHARED, PIXELS_FD, 0);
  if (map == MAP_FAILED)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("The image's pixels cannot be mapped: %s"), g_strerror (saved_errno));
      return NULL;
    }

  result = agg_decode_gray (map, width, height, stride, options, error);
  munmap (map, size);
  return result;
}

#ifdef AGG_DECODE_HELPER_FAULTS
/* Only the tests' build of the helper: a file named "crash-…" kills it as
 * a fault in libdmtx would, one named "stall-…" stalls it for good. */
static void
inject_fault (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  struct rlimit no_core = { 0, 0 };

  if (g_str_has_prefix (base, "crash-"))
    {
      setrlimit (RLIMIT_CORE, &no_core);
      raise (SIGSEGV);
    }
  if (g_str_has_prefix (base, "stall-"))
    for (;;)
      pause ();
}
#endif

static void
handle (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(AggDecodeResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AggDecodeOptions options;
  JsonObject *request;
  JsonNode *root;
  const char *op;

  if (!json_parser_load_from_data (parser, line, -1, &error))
    {
      answer_error (error);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (&error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID,
                   _("A request to the decoding helper must be a JSON object"));
      answer_error (error);
      return;
    }

  request = json_node_get_object (root);
  agg_decode_options_from_json (json_object_get_member (request, "options"), &options);
  op = json_object_get_string_member_with_default (request, "op", "");

  if (g_str_equal (op, "gray"))
    result = decode_shared (request, &options, &error);
  else if (g_str_equal (op, "file")
           && json_object_get_string_member_with_default (request, "path", NULL) != NULL)
    {
      const char *path = json_object_get_string_member (request, "path");

#ifdef AGG_DECODE_HELPER_FAULTS
      inject_fault (path);
#endif
      result = agg_decode_file (path, &options, &error);
    }
  else
    g_set_error (&error, AGG_DECODE_ERROR, AGG_DECODE_ERROR_INVALID,
                 _("Unknown request to the decoding helper"));

  if (result != NULL)
    answer_result (result);
  else
    answer_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GIOChannel) input = NULL;
  g_autofree char *line = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

#ifdef __linux__
  /* A helper outliving its station would hold a core for nothing. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif

  input = g_io_channel_unix_new (STDIN_FILENO);
  g_io_channel_set_encoding (input, NULL, NULL);
  while (g_io_channel_read_line (input, &line, NULL, NULL, NULL) == G_IO_STATUS_NORMAL)
    {
      g_strchomp (line);
      if (line[0] != '\0')
        handle (line);
      g_clear_pointer (&line, g_free);
    }

  return 0;
}
