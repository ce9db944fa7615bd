/* agg-line-layer.c: a camera's read of a case layer, and its evidence
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A camera above the open case reads every code of a layer in one image.
 * The request's data is JSON:
 *
 *   { "image": "PATH",            the evidence file, optional
 *     "width": 2448, "height": 2048,  its size, optional
 *     "rows": 3, "cols": 4,       the camera's layout, optional
 *     "codes": [ { "slot": 0, "data": "]d2…",
 *                  "corners": [[x, y], …] }, … ] }   four, optional
 *
 * where slot counts row by row from the top left, and -1 is a code read
 * outside the layout.  The size and the corners are kept with the
 * verdicts, so that the evidence can be shown with its overlay.  The product's layer_rows × layer_cols, when set,
 * is the layout; else the request's; else the units the open case still
 * lacks, without positions.
 *
 * Each code goes through the rules of a handheld scan.  The layer is
 * accepted whole when every slot holds a valid unit; otherwise the valid
 * units still go into the case, in the same transaction, and each empty
 * or refused slot is flagged.  The operator then fixes only the red
 * slots — takes a wrong unit out, puts a good one in, scans it with the
 * handheld — instead of re-scanning a whole layer, and the case closes
 * when the last unit is in, as with handheld scans.  A code read twice in
 * one image is refused in both slots: a copied code cannot tell which of
 * the two packs is the genuine one.  A unit already in the open case
 * (a second picture after a fix) counts as present, not as a duplicate.
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "agg-line-job.h"

/* Codes in one image: more than any case holds, far fewer than would
 * make a request unreasonably large. */
#define MAX_LAYER_CODES 1024
#define MAX_LAYOUT      64

typedef enum
{
  VERDICT_ACCEPTED,                   /* goes into the case now */
  VERDICT_PRESENT,                    /* already in the open case */
  VERDICT_REFUSED,
} Verdict;

typedef struct
{
  int         slot;                   /* -1: outside the layout */
  const char *data;
  gsize       len;
  AggGs1Data *gs1;                    /* NULL when it did not parse */
  char       *gtin;
  char       *serial;
  AggUnit    *existing;
  Verdict     verdict;
  AggResult  *refusal;
  JsonArray  *corners;                /* as the request gave them, or NULL */
} LayerCode;

static void
layer_code_clear (LayerCode *code)
{
  g_free (code->gs1);
  g_free (code->gtin);
  g_free (code->serial);
  g_clear_pointer (&code->existing, agg_unit_free);
  g_clear_pointer (&code->refusal, agg_result_free);
  g_clear_pointer (&code->corners, json_array_unref);
}

/* Four points of two numbers each. */
static gboolean
corners_valid (JsonNode *node)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (array = json_node_get_array (node)) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      JsonNode *point = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_ARRAY (point) || json_array_get_length (json_node_get_array (point)) != 2)
        return FALSE;
      for (guint j = 0; j < 2; j++)
        {
          JsonNode *value = json_array_get_element (json_node_get_array (point), j);

          if (!JSON_NODE_HOLDS_VALUE (value) ||
              (json_node_get_value_type (value) != G_TYPE_DOUBLE &&
               json_node_get_value_type (value) != G_TYPE_INT64))
            return FALSE;
        }
    }
  return TRUE;
}

static void
refuse (LayerCode *code,
        AggResult *refusal)
{
  g_clear_pointer (&code->refusal, agg_result_free);
  code->refusal = refusal;
  code->verdict = VERDICT_REFUSED;
}

/* Reads the request's JSON into @codes; FALSE with a translated *@problem. */
static gboolean
parse_layer (const AggRequest  *request,
             JsonParser        *parser,
             const char       **image,
             gint64            *size,
             gint64            *rows,
             gint64            *cols,
             GArray            *codes,
             char             **problem)
{
  JsonNode *root;
  JsonObject *object;
  JsonArray *array;

  *image = NULL;
  *rows = *cols = 0;
  if (request->data == NULL ||
      !json_parser_load_from_data (parser, request->data, request->data_len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      *problem = g_strdup (_("A layer read is a JSON object"));
      return FALSE;
    }
  object = json_node_get_object (root);

  if (json_object_has_member (object, "image") &&
      !json_object_get_null_member (object, "image"))
    {
      JsonNode *node = json_object_get_member (object, "image");

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          *json_node_get_string (node) == '\0')
        {
          *problem = g_strdup (_("The layer's image must be a path"));
          return FALSE;
        }
      *image = json_node_get_string (node);
    }

  size[0] = size[1] = 0;
  for (guint i = 0; i < 4; i++)
    {
      static const char *const names[] = { "rows", "cols", "width", "height" };
      gint64 *values[] = { rows, cols, &size[0], &size[1] };
      gint64 max = i < 2 ? MAX_LAYOUT : 100000;
      JsonNode *node = json_object_get_member (object, names[i]);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        continue;
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          json_node_get_int (node) < 1 || json_node_get_int (node) > max)
        {
          *problem = g_strdup_printf (_("The layer's %s must be a number from 1 to %" PRId64),
                                      names[i], max);
          return FALSE;
        }
      *values[i] = json_node_get_int (node);
    }
  if ((*rows == 0) != (*cols == 0))
    {
      *problem = g_strdup (_("A layer layout needs both rows and cols"));
      return FALSE;
    }

  if (!json_object_has_member (object, "codes") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "codes")))
    {
      *problem = g_strdup (_("A layer read needs the list of codes"));
      return FALSE;
    }
  array = json_object_get_array_member (object, "codes");
  if (json_array_get_length (array) > MAX_LAYER_CODES)
    {
      *problem = g_strdup_printf (_("A layer read holds at most %d codes"), MAX_LAYER_CODES);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *item;
      JsonNode *slot, *data, *corners;
      LayerCode code = { -1, };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          *problem = g_strdup_printf (_("Code %u of the layer is not an object"), i + 1);
          return FALSE;
        }
      item = json_node_get_object (node);
      slot = json_object_get_member (item, "slot");
      data = json_object_get_member (item, "data");
      if (data == NULL || !JSON_NODE_HOLDS_VALUE (data) ||
          json_node_get_value_type (data) != G_TYPE_STRING)
        {
          *problem = g_strdup_printf (_("Code %u of the layer has no data"), i + 1);
          return FALSE;
        }
      if (slot != NULL && !JSON_NODE_HOLDS_NULL (slot))
        {
          if (!JSON_NODE_HOLDS_VALUE (slot) || json_node_get_value_type (slot) != G_TYPE_INT64 ||
              json_node_get_int (slot) < -1 || json_node_get_int (slot) >= MAX_LAYOUT * MAX_LAYOUT)
            {
              *problem = g_strdup_printf (_("Code %u of the layer has a bad slot"), i + 1);
              return FALSE;
            }
          code.slot = (int) json_node_get_int (slot);
        }
      corners = json_object_get_member (item, "corners");
      if (corners != NULL && !JSON_NODE_HOLDS_NULL (corners))
        {
          if (!corners_valid (corners))
            {
              *problem = g_strdup_printf (_("Code %u of the layer has bad corners"), i + 1);
              return FALSE;
            }
          code.corners = json_array_ref (json_node_get_array (corners));
        }
      code.data = json_node_get_string (data);
      code.len = strlen (code.data);
      g_array_append_val (codes, code);
    }
  return TRUE;
}

/* The rules of a handheld scan, for each code on its own. */
static gboolean
check_codes (AggJob             *job,
             const AggOrder     *order,
             const AggContainer *open_case,
             GArray             *codes,
             GError            **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < codes->len; i++)
    {
      LayerCode *code = &g_array_index (codes, LayerCode, i);
      g_autoptr(GError) local_error = NULL;
      AggResult *refusal;

      code->gs1 = g_new (AggGs1Data, 1);
      refusal = agg_scan_parse (code->data, code->len, code->gs1);
      if (refusal != NULL)
        {
          g_clear_pointer (&code->gs1, g_free);
          refuse (code, refusal);
          continue;
        }
      code->gtin = g_strdup (agg_gs1_data_lookup (code->gs1, "01"));
      code->serial = g_strdup (agg_gs1_data_lookup (code->gs1, "21"));

      refusal = agg_unit_check_rules (job->store, order, code->gs1, open_case, &code->existing,
                                      &local_error);
      if (agg_propagate_local_error (error, &local_error))
        return FALSE;
      if (refusal != NULL && refusal->outcome == AGG_OUTCOME_DUPLICATE_IN_THIS_CASE)
        {
          agg_result_free (refusal);
          code->verdict = VERDICT_PRESENT;
        }
      else if (refusal != NULL)
        refuse (code, refusal);
      else
        code->verdict = VERDICT_ACCEPTED;
    }

  /* The same unit twice in one image: neither of the two goes in. */
  for (guint i = 0; i < codes->len; i++)
    {
      LayerCode *code = &g_array_index (codes, LayerCode, i);
      gpointer first;

      if (code->gtin == NULL || code->serial == NULL)
        continue;
      {
        g_autofree char *key = agg_unit_key (code->gtin, code->serial);

        if (!g_hash_table_lookup_extended (seen, key, NULL, &first))
          {
            g_hash_table_insert (seen, g_steal_pointer (&key), GUINT_TO_POINTER (i));
            continue;
          }
      }
      for (guint j = 0; j < 2; j++)
        {
          LayerCode *twin = j == 0 ? code
                                   : &g_array_index (codes, LayerCode, GPOINTER_TO_UINT (first));

          refuse (twin, agg_result_new (AGG_OUTCOME_DUPLICATE_IN_THIS_CASE,
                                        _("Read twice in this layer: %s"), twin->serial));
        }
    }
  return TRUE;
}

static JsonObject *
code_to_json (const LayerCode *code)
{
  static const char *const states[] = { "accepted", "present", "refused" };
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "slot", code->slot);
  json_object_set_string_member (object, "state", states[code->verdict]);
  if (code->gtin != NULL)
    json_object_set_string_member (object, "gtin", code->gtin);
  if (code->serial != NULL)
    json_object_set_string_member (object, "serial", code->serial);
  if (code->corners != NULL)
    json_object_set_array_member (object, "corners", json_array_ref (code->corners));
  if (code->refusal != NULL)
    {
      json_object_set_string_member (object, "outcome",
                                     agg_outcome_to_string (code->refusal->outcome));
      json_object_set_string_member (object, "message", code->refusal->message);
    }
  return object;
}

static gboolean
record_evidence (AggJob             *job,
                 const AggContainer *open_case,
                 const char         *image,
                 JsonObject         *layer,
                 gint64              read_count,
                 gint64              expected,
                 gint64              audit_id,
                 gint64             *image_id,
                 GError            **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), layer);
  g_autofree char *reads = json_to_string (node, FALSE);
  g_autofree char *now = agg_now_utc ();
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (job->store,
                            "INSERT INTO case_images (container_id, camera, path, reads,"
                            "  read_count, expected, taken_at, audit_id)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  if (open_case != NULL)
    sqlite3_bind_int64 (stmt, 1, open_case->id);
  else
    sqlite3_bind_null (stmt, 1);
  sqlite3_bind_text (stmt, 2, job->request->source ? job->request->source : "", -1,
                     SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, image, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, reads, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, read_count);
  sqlite3_bind_int64 (stmt, 6, expected);
  sqlite3_bind_text (stmt, 7, now, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 8, audit_id);
  if (!agg_store_step (job->store, stmt, error))
    return FALSE;
  *image_id = sqlite3_last_insert_rowid (sqlite3_db_handle (stmt));
  return TRUE;
}

AggResult *
agg_line_handle_scan_layer (AggJob  *job,
                            GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) codes = g_array_new (FALSE, TRUE, sizeof (LayerCode));
  g_autoptr(GError) local_error = NULL;
  g_autoptr(AggOrder) order = NULL;
  g_autoptr(AggContainer) open_case = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *summary = NULL;
  g_autofree LayerCode **by_slot = NULL;
  AggResult *result = NULL;
  JsonObject *layer;
  JsonArray *slots;
  JsonArray *extra;
  const char *image;
  gint64 rows, cols, expected, room;
  gint64 size[2];
  guint n_new = 0, n_present = 0, n_refused = 0, n_empty = 0, n_read = 0;
  gboolean sscc_low = FALSE, closed = FALSE, complete, placed = FALSE;
  gint64 audit_id, image_id = 0;

  g_array_set_clear_func (codes, (GDestroyNotify) layer_code_clear);
  if (!parse_layer (job->request, parser, &image, size, &rows, &cols, codes, &problem))
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, "%s", problem);
  if (job->pallet_mode)
    return agg_result_new (AGG_OUTCOME_INVALID_STATE,
                           _("The camera reads case layers: switch to case packing"));

  order = agg_order_load_running (job->store, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;
  if (order == NULL)
    return agg_result_new (AGG_OUTCOME_NO_RUNNING_ORDER, _("No order is running: start one first"));

  open_case = agg_container_load_open (job->store, order->id, FALSE, &local_error);
  if (agg_propagate_local_error (error, &local_error))
    return NULL;

  for (guint i = 0; i < codes->len; i++)
    placed |= g_array_index (codes, LayerCode, i).slot >= 0;

  if (order->layer_rows > 0 && order->layer_cols > 0)
    {
      /* Slots counted on another grid would flag the wrong packs. */
      if (rows > 0 && (rows != order->layer_rows || cols != order->layer_cols))
        return agg_result_new (AGG_OUTCOME_BAD_REQUEST,
                               _("The camera read a layer of %" PRId64 " × %" PRId64
                                 ", but %s is packed in layers of %" PRId64 " × %" PRId64),
                               rows, cols, order->description, order->layer_rows,
                               order->layer_cols);
      expected = order->layer_rows * order->layer_cols;
      /* A camera that placed nothing gives a count, not positions. */
      rows = rows > 0 || placed ? order->layer_rows : 0;
      cols = rows > 0 ? order->layer_cols : 0;
    }
  else
    expected = rows * cols;
  room = order->units_per_case - (open_case != NULL ? open_case->n_children : 0);
  if (expected == 0)
    expected = MAX (room, 0);

  if (!check_codes (job, order, open_case, codes, error))
    return NULL;

  /* Each slot holds one code; a second one in a slot, or a code outside
   * the layout, is listed apart but checked all the same. */
  by_slot = g_new0 (LayerCode *, expected + 1);
  for (guint i = 0; i < codes->len; i++)
    {
      LayerCode *code = &g_array_index (codes, LayerCode, i);

      if (rows == 0 || code->slot < 0 || code->slot >= expected || by_slot[code->slot] != NULL)
        code->slot = -1;
      else
        by_slot[code->slot] = code;
    }

  /* What the case has no room for stays out: the codes read last. */
  for (guint i = 0; i < codes->len; i++)
    {
      LayerCode *code = &g_array_index (codes, LayerCode, i);

      if (code->verdict != VERDICT_ACCEPTED)
        continue;
      if ((gint64) n_new >= room)
        refuse (code, agg_result_new (AGG_OUTCOME_CASE_FULL, _("The case is full: %s stays out"),
                                      code->serial));
      else
        n_new++;
    }

  if (n_new > 0 && open_case == NULL)
    {
      AggResult *refusal = NULL;

      open_case = agg_job_new_case (job, order, &sscc_low, &refusal, error);
      if (open_case == NULL && refusal == NULL)
        return NULL;
      if (open_case == NULL)
        {
          for (guint i = 0; i < codes->len; i++)
            {
              LayerCode *code = &g_array_index (codes, LayerCode, i);

              if (code->verdict == VERDICT_ACCEPTED)
                refuse (code, agg_result_new (refusal->outcome, "%s", refusal->message));
            }
          agg_result_free (refusal);
          n_new = 0;
        }
    }

  /* The units, one by one as the handheld would have put them in. */
  for (guint i = 0; i < codes->len; i++)
    {
      LayerCode *code = &g_array_index (codes, LayerCode, i);

      if (code->verdict == VERDICT_ACCEPTED)
        {
          if (!agg_unit_put_in_case (job, order, code->gs1, code->existing, open_case, error))
            return NULL;
        }
      else if (code->verdict == VERDICT_PRESENT)
        n_present++;
      else
        {
          n_refused++;
          if (!agg_job_log_reject_data (job, order->id, code->refusal->outcome, code->gtin,
                                        code->serial, code->data, error))
            return NULL;
        }
    }

  layer = json_object_new ();
  slots = json_array_new ();
  extra = json_array_new ();
  for (gint64 s = 0; s < expected && rows > 0; s++)
    {
      if (by_slot[s] != NULL)
        {
          n_read++;
          json_array_add_object_element (slots, code_to_json (by_slot[s]));
        }
      else
        {
          JsonObject *empty = json_object_new ();

          n_empty++;
          json_object_set_int_member (empty, "slot", s);
          json_object_set_string_member (empty, "state", "empty");
          json_array_add_object_element (slots, empty);
        }
    }
  for (guint i = 0; i < codes->len; i++)
    {
      LayerCode *code = &g_array_index (codes, LayerCode, i);

      if (code->slot < 0)
        json_array_add_object_element (extra, code_to_json (code));
    }
  if (rows == 0)
    {
      /* Without positions, what is missing is only a number. */
      n_read = codes->len;
      n_empty = expected > (gint64) (n_new + n_present + n_refused)
                ? expected - n_new - n_present - n_refused : 0;
    }

  complete = n_refused == 0 && n_empty == 0 && expected > 0;
  if (size[0] > 0 && size[1] > 0)
    {
      json_object_set_int_member (layer, "width", size[0]);
      json_object_set_int_member (layer, "height", size[1]);
    }
  json_object_set_int_member (layer, "rows", rows);
  json_object_set_int_member (layer, "cols", cols);
  json_object_set_int_member (layer, "expected", expected);
  json_object_set_int_member (layer, "read", n_read);
  json_object_set_int_member (layer, "accepted", n_new);
  json_object_set_int_member (layer, "present", n_present);
  json_object_set_int_member (layer, "refused", n_refused);
  json_object_set_int_member (layer, "empty", n_empty);
  json_object_set_boolean_member (layer, "complete", complete);
  json_object_set_array_member (layer, "slots", slots);
  json_object_set_array_member (layer, "extra", extra);

  {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "camera");
    json_builder_add_string_value (builder, job->request->source);
    json_builder_set_member_name (builder, "expected");
    json_builder_add_int_value (builder, expected);
    json_builder_set_member_name (builder, "accepted");
    json_builder_add_int_value (builder, n_new);
    json_builder_set_member_name (builder, "present");
    json_builder_add_int_value (builder, n_present);
    json_builder_set_member_name (builder, "refused");
    json_builder_add_int_value (builder, n_refused);
    json_builder_set_member_name (builder, "empty");
    json_builder_add_int_value (builder, n_empty);
    json_builder_end_object (builder);
    node = json_builder_get_root (builder);
    summary = json_to_string (node, FALSE);
  }
  if (!agg_audit_append (job->store, &job->actor, "case.layer",
                         open_case != NULL ? open_case->sscc : order->id, NULL, summary,
                         NULL, NULL, &audit_id, error))
    goto failed;
  if (image != NULL &&
      !record_evidence (job, open_case, image, layer, n_read, expected, audit_id, &image_id,
                        error))
    goto failed;
  if (open_case != NULL && !agg_job_close_if_full (job, order, open_case, &closed, error))
    goto failed;

  if (complete)
    result = closed ? agg_result_new (AGG_OUTCOME_ACCEPTED, _("Layer complete: %u units — case %s complete"),
                                      n_new + n_present, open_case->sscc)
                    : agg_result_new (AGG_OUTCOME_ACCEPTED, _("Layer complete: %u units"),
                                      n_new + n_present);
  else if (n_refused > 0)
    result = agg_result_new (AGG_OUTCOME_LAYER_INCOMPLETE,
                             _("%u of %" PRId64 " good: %u refused, %u empty — fix the red slots"),
                             n_new + n_present, expected, n_refused, n_empty);
  else
    result = agg_result_new (AGG_OUTCOME_LAYER_INCOMPLETE,
                             _("%u of %" PRId64 " read: scan the red slots with the handheld"),
                             n_new + n_present, expected);

  if (image_id > 0)
    json_object_set_int_member (layer, "image_id", image_id);
  json_object_set_object_member (result->details, "layer", layer);
  if (open_case != NULL)
    json_object_set_object_member (result->details, "case",
                                   agg_container_to_json (job->store, open_case));
  json_object_set_boolean_member (result->details, "case_closed", closed);
  if (sscc_low)
    json_object_set_boolean_member (result->details, "sscc_range_low", TRUE);
  return result;

failed:
  json_object_unref (layer);
  return NULL;
}

GPtrArray *
agg_case_images_expire (AggStore    *store,
                        const char  *camera,
                        const char  *before,
                        gint64       keep,
                        GError     **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *now = agg_now_utc ();
  sqlite3_stmt *stmt;
  int rc;

  /* The newest @keep stay whatever their age; older than @before goes. */
  stmt = agg_store_prepare (store,
                            "SELECT id, path FROM case_images"
                            " WHERE camera = ?1 AND removed_at IS NULL"
                            "   AND ((?2 IS NOT NULL AND taken_at < ?2)"
                            "     OR (?3 > 0 AND id NOT IN (SELECT id FROM case_images"
                            "          WHERE camera = ?1 AND removed_at IS NULL"
                            "          ORDER BY id DESC LIMIT ?3)))"
                            " ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, camera, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, before, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, keep);
  {
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        gint64 id = sqlite3_column_int64 (stmt, 0);

        g_array_append_val (ids, id);
        g_ptr_array_add (paths, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
      }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE)
      {
        agg_store_set_error (store, error, rc);
        return NULL;
      }

    stmt = agg_store_prepare (store, "UPDATE case_images SET removed_at = ? WHERE id = ?", error);
    if (stmt == NULL)
      return NULL;
    for (guint i = 0; i < ids->len; i++)
      {
        sqlite3_bind_text (stmt, 1, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (stmt, 2, g_array_index (ids, gint64, i));
        if (!agg_store_step (store, stmt, error))
          return NULL;
      }
  }
  return g_steal_pointer (&paths);
}
