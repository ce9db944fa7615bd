/* agg-decode-json.c: decoding results and options as JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The helper process answers in this form, and "aggctl decode --json"
 * prints it, so that what a script sees is what the station gets.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-decode-private.h"
#include "agg-decoder.h"

static char *
code_text (const AggDecodedCode *code)
{
  if (g_utf8_validate_len (code->data, code->len, NULL))
    return g_strndup (code->data, code->len);
  return g_convert (code->data, code->len, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}

void
agg_decode_corners_to_json (JsonBuilder  *builder,
                            const double  corners[4][2])
{
  g_return_if_fail (JSON_IS_BUILDER (builder));
  g_return_if_fail (corners != NULL);

  json_builder_begin_array (builder);
  for (guint c = 0; c < 4; c++)
    {
      json_builder_begin_array (builder);
      json_builder_add_double_value (builder, corners[c][0]);
      json_builder_add_double_value (builder, corners[c][1]);
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
}

JsonNode *
agg_decode_result_to_json (const AggDecodeResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (result != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, result->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, result->height);
  json_builder_set_member_name (builder, "elapsed_ms");
  json_builder_add_double_value (builder, result->elapsed_ms);
  json_builder_set_member_name (builder, "deadline_hit");
  json_builder_add_boolean_value (builder, result->deadline_hit);
  json_builder_set_member_name (builder, "n_regions");
  json_builder_add_int_value (builder, result->n_regions);

  json_builder_set_member_name (builder, "codes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < result->codes->len; i++)
    {
      const AggDecodedCode *code = g_ptr_array_index (result->codes, i);
      g_autofree char *text = code_text (code);
      g_autofree char *bytes = g_base64_encode ((const guchar *) code->data, code->len);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "data");
      json_builder_add_string_value (builder, text);
      json_builder_set_member_name (builder, "bytes");
      json_builder_add_string_value (builder, bytes);
      json_builder_set_member_name (builder, "slot");
      json_builder_add_int_value (builder, code->slot);
      json_builder_set_member_name (builder, "duplicate");
      json_builder_add_boolean_value (builder, code->duplicate);
      json_builder_set_member_name (builder, "corners");
      agg_decode_corners_to_json (builder, code->corners);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "empty_slots");
  json_builder_begin_array (builder);
  for (guint i = 0; i < result->empty_slots->len; i++)
    json_builder_add_int_value (builder, g_array_index (result->empty_slots, int, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
malformed (GError **error)
{
  g_set_error (error, AGG_DECODER_ERROR, AGG_DECODER_ERROR_HELPER,
               _("The decoding helper sent a malformed result"));
  return FALSE;
}

/* json_object_get_array_member () warns when the member is missing. */
static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
read_code (JsonObject      *object,
           AggDecodeResult *result,
           GError         **error)
{
  const char *bytes = json_object_get_string_member_with_default (object, "bytes", NULL);
  JsonArray *corners = get_array (object, "corners");
  g_autofree guchar *data = NULL;
  AggDecodedCode *code;
  gsize len;

  if (bytes == NULL || corners == NULL || json_array_get_length (corners) != 4)
    return malformed (error);

  data = g_base64_decode (bytes, &len);
  code = agg_decoded_code_new ((const char *) data, len);
  g_ptr_array_add (result->codes, code);
  code->slot = json_object_get_int_member_with_default (object, "slot", -1);
  code->duplicate = json_object_get_boolean_member_with_default (object, "duplicate", FALSE);
  for (guint c = 0; c < 4; c++)
    {
      JsonNode *node = json_array_get_element (corners, c);
      JsonArray *point = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

      if (point == NULL || json_array_get_length (point) != 2)
        return malformed (error);
      code->corners[c][0] = json_array_get_double_element (point, 0);
      code->corners[c][1] = json_array_get_double_element (point, 1);
    }
  return TRUE;
}

AggDecodeResult *
agg_decode_result_from_json (JsonNode  *node,
                             GError   **error)
{
  g_autoptr(AggDecodeResult) result = NULL;
  JsonObject *object;
  JsonArray *codes, *empty;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error), NULL;
  object = json_node_get_object (node);
  codes = get_array (object, "codes");
  empty = get_array (object, "empty_slots");
  if (codes == NULL || empty == NULL)
    return malformed (error), NULL;

  result = agg_decode_result_new (json_object_get_int_member_with_default (object, "width", 0),
                                  json_object_get_int_member_with_default (object, "height", 0));
  result->elapsed_ms = json_object_get_double_member_with_default (object, "elapsed_ms", 0);
  result->deadline_hit = json_object_get_boolean_member_with_default (object, "deadline_hit",
                                                                      FALSE);
  result->n_regions = json_object_get_int_member_with_default (object, "n_regions", 0);

  for (guint i = 0; i < json_array_get_length (codes); i++)
    {
      JsonNode *element = json_array_get_element (codes, i);

      if (!JSON_NODE_HOLDS_OBJECT (element)
          || !read_code (json_node_get_object (element), result, error))
        return malformed (error), NULL;
    }
  for (guint i = 0; i < json_array_get_length (empty); i++)
    {
      int slot = json_array_get_int_element (empty, i);

      g_array_append_val (result->empty_slots, slot);
    }

  return g_steal_pointer (&result);
}

JsonNode *
agg_decode_options_to_json (const AggDecodeOptions *options)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const struct {
    const char *name;
    guint       value;
  } members[] = {
    { "expect", options->expect },
    { "deadline_ms", options->deadline_ms },
    { "rows", options->rows },
    { "cols", options->cols },
    { "module_min_px", options->module_min_px },
    { "module_max_px", options->module_max_px },
    { "threads", options->threads },
  };

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      json_builder_set_member_name (builder, members[i].name);
      json_builder_add_int_value (builder, members[i].value);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static guint
get_uint (JsonObject *object,
          const char *name,
          guint       fallback)
{
  gint64 value = json_object_get_int_member_with_default (object, name, fallback);

  return value >= 0 && value <= G_MAXUINT ? (guint) value : fallback;
}

void
agg_decode_options_from_json (JsonNode         *node,
                              AggDecodeOptions *options)
{
  JsonObject *object;

  agg_decode_options_init (options);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;

  object = json_node_get_object (node);
  options->expect = get_uint (object, "expect", options->expect);
  options->deadline_ms = get_uint (object, "deadline_ms", options->deadline_ms);
  options->rows = get_uint (object, "rows", options->rows);
  options->cols = get_uint (object, "cols", options->cols);
  options->module_min_px = get_uint (object, "module_min_px", options->module_min_px);
  options->module_max_px = get_uint (object, "module_max_px", options->module_max_px);
  options->threads = get_uint (object, "threads", options->threads);
}
