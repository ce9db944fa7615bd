/* agg-line-show.c: a unit's or container's record — tree and history
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "agg-line-job.h"

JsonArray *
agg_rows_to_json (AggStore      *store,
                  sqlite3_stmt  *stmt,
                  const char    *json_column,
                  GError       **error)
{
  g_autoptr(JsonArray) rows = json_array_new ();
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *row = json_object_new ();

      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *name = sqlite3_column_name (stmt, i);
          const char *text;
          JsonNode *parsed;

          switch (sqlite3_column_type (stmt, i))
            {
            case SQLITE_NULL:
              json_object_set_null_member (row, name);
              break;
            case SQLITE_INTEGER:
              json_object_set_int_member (row, name, sqlite3_column_int64 (stmt, i));
              break;
            default:
              text = (const char *) sqlite3_column_text (stmt, i);
              parsed = g_strcmp0 (name, json_column) == 0 ? json_from_string (text, NULL) : NULL;
              if (parsed != NULL)
                json_object_set_member (row, name, parsed);
              else
                json_object_set_string_member (row, name, text);
              break;
            }
        }
      json_array_add_object_element (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      agg_store_set_error (store, error, rc);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* The record's members are named as the queries below name their
 * columns, with AS wherever the JSON name differs or a table prefix
 * would leave the column's name unspecified. */
static JsonArray *
history (AggStore    *store,
         const char  *object,
         GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT id AS audit_id, at, utc_offset, username AS user, action,"
                            "       old_value AS old, new_value AS new, reason, signer,"
                            "       signer_name, meaning"
                            "  FROM audit WHERE object = ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, object, -1, SQLITE_TRANSIENT);
  return agg_rows_to_json (store, stmt, NULL, error);
}

/* The containers above @parent_id, innermost first. */
static JsonArray *
parents (AggStore  *store,
         gint64     parent_id,
         GError   **error)
{
  g_autoptr(JsonArray) chain = json_array_new ();

  while (parent_id != 0)
    {
      g_autoptr(AggContainer) parent = agg_container_load (store, parent_id, error);

      if (parent == NULL)
        return NULL;
      json_array_add_object_element (chain, agg_container_to_json (store, parent));
      parent_id = parent->parent_id;
    }
  return g_steal_pointer (&chain);
}

static JsonArray *
units_of (AggStore  *store,
          gint64     container_id,
          GError   **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT 'unit' AS kind, gtin, serial, lot, expiry, status FROM units"
                            " WHERE parent_id = ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, container_id);
  return agg_rows_to_json (store, stmt, NULL, error);
}

/* The camera's images of a case, kept as evidence, oldest first. */
static JsonArray *
images_of (AggStore  *store,
           gint64     container_id,
           GError   **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT id, camera, path, reads, read_count, expected, taken_at,"
                            "       removed_at FROM case_images"
                            " WHERE container_id = ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, container_id);
  return agg_rows_to_json (store, stmt, "reads", error);
}

/* A pallet's cases, each with its units. */
static JsonArray *
cases_of (AggStore  *store,
          gint64     pallet_id,
          GError   **error)
{
  g_autoptr(JsonArray) cases = json_array_new ();
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (!agg_container_child_ids (store, pallet_id, ids, error))
    return NULL;

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(AggContainer) item = agg_container_load (store, g_array_index (ids, gint64, i),
                                                         error);
      JsonObject *object;
      JsonArray *units;

      if (item == NULL)
        return NULL;
      units = units_of (store, item->id, error);
      if (units == NULL)
        return NULL;
      object = agg_container_to_json (store, item);
      json_object_set_array_member (object, "children", units);
      json_array_add_object_element (cases, object);
    }
  return g_steal_pointer (&cases);
}

/* The container's labels: printed, waiting, failed or cancelled. */
static JsonArray *
label_jobs (AggStore  *store,
            gint64     container_id,
            GError   **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT id, printer, reprint, status, attempts, last_error,"
                            "       created_at, sent_at"
                            "  FROM label_jobs WHERE container_id = ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, container_id);
  return agg_rows_to_json (store, stmt, NULL, error);
}

static JsonArray *
rejections (AggStore    *store,
            const char  *gtin,
            const char  *serial,
            GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = agg_store_prepare (store,
                            "SELECT r.at AS at, r.outcome AS outcome, r.order_id AS \"order\","
                            "       r.source AS source, u.username AS user"
                            "  FROM rejects r LEFT JOIN users u ON u.id = r.user_id"
                            " WHERE r.gtin = ? AND r.serial = ? ORDER BY r.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, gtin, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, serial, -1, SQLITE_TRANSIENT);
  return agg_rows_to_json (store, stmt, NULL, error);
}

AggResult *
agg_line_handle_show (AggJob  *job,
                      GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) record = NULL;
  AggStore *store = job->store;
  AggResult *result;
  AggCode code;
  JsonArray *array;

  if (job->request->code == NULL)
    return agg_result_new (AGG_OUTCOME_BAD_REQUEST, _("Scan or type a code to show"));
  if (!agg_code_parse (job->request->code, strlen (job->request->code), &code, &local_error))
    return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("Not a unit or case code: %s"),
                           local_error->message);

  if (code.kind == AGG_CODE_UNIT)
    {
      g_autoptr(AggUnit) unit = agg_unit_load (store, code.gtin, code.serial, &local_error);
      g_autofree char *key = agg_unit_key (code.gtin, code.serial);
      JsonArray *rejected;

      if (agg_propagate_local_error (error, &local_error))
        return NULL;

      rejected = rejections (store, code.gtin, code.serial, error);
      if (rejected == NULL)
        return NULL;
      record = json_object_new ();
      json_object_set_array_member (record, "rejections", rejected);

      if (unit == NULL)
        {
          /* A unit only ever rejected has no record of its own, but the
           * supervisor still wants to know why. */
          if (json_array_get_length (rejected) == 0)
            return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("Unit %s is not in this station's "
                                                           "records"), code.serial);
          json_object_set_string_member (record, "kind", "unit");
          json_object_set_string_member (record, "gtin", code.gtin);
          json_object_set_string_member (record, "serial", code.serial);
          json_object_set_string_member (record, "status", "rejected");
        }
      else
        {
          json_object_set_string_member (record, "kind", "unit");
          json_object_set_string_member (record, "gtin", unit->gtin);
          json_object_set_string_member (record, "serial", unit->serial);
          json_object_set_string_member (record, "lot", unit->lot);
          json_object_set_string_member (record, "expiry", unit->expiry);
          json_object_set_string_member (record, "status", unit->status);
          json_object_set_string_member (record, "order", unit->order_id);
          array = parents (store, unit->parent_id, error);
          if (array == NULL)
            return NULL;
          json_object_set_array_member (record, "parents", array);
        }

      array = history (store, key, error);
      if (array == NULL)
        return NULL;
      json_object_set_array_member (record, "history", array);
      result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("Unit %s: %s"), code.serial,
                               json_object_get_string_member (record, "status"));
    }
  else if (code.kind == AGG_CODE_CONTAINER)
    {
      g_autoptr(AggContainer) container = agg_container_load_sscc (store, code.sscc, &local_error);

      if (agg_propagate_local_error (error, &local_error))
        return NULL;
      if (container == NULL)
        return agg_result_new (AGG_OUTCOME_NOT_FOUND, _("%s is not in this station's records"),
                               code.sscc);

      record = agg_container_to_json (store, container);
      array = parents (store, container->parent_id, error);
      if (array == NULL)
        return NULL;
      json_object_set_array_member (record, "parents", array);
      array = container->is_pallet ? cases_of (store, container->id, error)
                                   : units_of (store, container->id, error);
      if (array == NULL)
        return NULL;
      json_object_set_array_member (record, "children", array);
      if (!container->is_pallet)
        {
          array = images_of (store, container->id, error);
          if (array == NULL)
            return NULL;
          json_object_set_array_member (record, "images", array);
        }
      array = history (store, container->sscc, error);
      if (array == NULL)
        return NULL;
      json_object_set_array_member (record, "history", array);
      array = label_jobs (store, container->id, error);
      if (array == NULL)
        return NULL;
      json_object_set_array_member (record, "labels", array);
      result = agg_result_new (AGG_OUTCOME_ACCEPTED,
                               container->is_pallet ? _("Pallet %s: %s, %" PRId64 " cases")
                                                    : _("Case %s: %s, %" PRId64 " units"),
                               container->sscc, container->status, container->n_children);
    }
  else
    return agg_result_new (AGG_OUTCOME_NOT_FOUND,
                           _("The code names neither a unit (01 + 21) nor a case (00)"));

  json_object_set_object_member (result->details, "record", g_steal_pointer (&record));
  return result;
}

static gint64
figure (AggStore    *store,
        const char  *sql,
        GError     **error)
{
  sqlite3_stmt *stmt = agg_store_prepare (store, sql, error);
  gboolean found;
  gint64 value;

  if (stmt == NULL || !agg_store_step_row (store, stmt, &found, error))
    return -1;
  value = found ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return value;
}

static gint64
file_size (const char *path)
{
  GStatBuf buf;

  return g_stat (path, &buf) == 0 ? (gint64) buf.st_size : 0;
}

/* The station's figures, cheap even on a database of millions of units:
 * row counts of the big tables are read from their largest id. */
/* The orders an operator may start or resume: the running one first. */
AggResult *
agg_line_handle_list_orders (AggJob  *job,
                             GError **error)
{
  sqlite3_stmt *stmt;
  JsonArray *orders;
  AggResult *result;

  stmt = agg_store_prepare (job->store,
                            "SELECT o.id, o.gtin, p.description, o.lot, o.expiry, o.planned,"
                            "       o.status,"
                            "       (SELECT count (*) FROM units u"
                            "         WHERE u.order_id = o.id AND u.status = 'aggregated')"
                            "         AS aggregated"
                            "  FROM work_orders o JOIN products p ON p.gtin = o.gtin"
                            " WHERE o.status IN ('planned', 'running', 'suspended')"
                            " ORDER BY CASE o.status WHEN 'running' THEN 0"
                            "                        WHEN 'suspended' THEN 1 ELSE 2 END, o.id",
                            error);
  if (stmt == NULL)
    return NULL;
  orders = agg_rows_to_json (job->store, stmt, NULL, error);
  if (orders == NULL)
    return NULL;

  result = agg_result_new (AGG_OUTCOME_ACCEPTED,
                           g_dngettext (GETTEXT_PACKAGE, "%u order available",
                                        "%u orders available", json_array_get_length (orders)),
                           json_array_get_length (orders));
  json_object_set_array_member (result->details, "orders", orders);
  return result;
}

AggResult *
agg_line_handle_status (AggJob  *job,
                        GError **error)
{
  static const struct {
    const char *name;
    const char *sql;
  } figures[] = {
    { "events_pending", "SELECT count (*) FROM events WHERE status = 'pending'" },
    { "events_exceptions", "SELECT count (*) FROM events WHERE status = 'exception'" },
    { "events_total", "SELECT coalesce (max (id), 0) FROM events" },
    { "units_total", "SELECT coalesce (max (id), 0) FROM units" },
    { "containers_total", "SELECT coalesce (max (id), 0) FROM containers" },
    { "audit_rows", "SELECT coalesce (max (id), 0) FROM audit" },
    { "sscc_remaining", "SELECT coalesce (sum (last_ref - next_ref + 1), 0) FROM sscc_ranges" },
    { "labels_pending", "SELECT count (*) FROM label_jobs WHERE status = 'queued'" },
  };
  AggStore *store = job->store;
  const char *path = agg_store_get_path (store);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(AggOrder) order = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *object = json_object_new ();
  AggResult *result;

  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    {
      gint64 value = figure (store, figures[i].sql, error);

      if (value < 0)
        {
          json_object_unref (object);
          return NULL;
        }
      json_object_set_int_member (object, figures[i].name, value);
    }

  json_object_set_string_member (object, "database", path);
  json_object_set_int_member (object, "database_bytes", file_size (path) + file_size (wal));

  order = agg_order_load_running (store, &local_error);
  if (local_error != NULL)
    {
      json_object_unref (object);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (order != NULL)
    json_object_set_string_member (object, "running_order", order->id);
  else
    json_object_set_null_member (object, "running_order");

  /* Readers, printers and the PLC report here once they are configured;
   * this station has none yet. */
  json_object_set_array_member (object, "devices", json_array_new ());

  result = agg_result_new (AGG_OUTCOME_ACCEPTED, _("%" PRId64 " events waiting to be sent"),
                           json_object_get_int_member (object, "events_pending"));
  json_object_set_object_member (result->details, "status", object);
  return result;
}
